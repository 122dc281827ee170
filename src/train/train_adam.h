/* rnnamp trainer: Adam optimiser, global-norm gradient clipping and the
 * reduce-on-plateau learning-rate schedule.
 *
 * Threads: one thread at a time per object. Memory: rnnamp_adam_init
 * allocates the moment buffers (one block), rnnamp_adam_free releases them;
 * after a failed init nothing is held, and _free of a zeroed or freed
 * rnnamp_adam does nothing.
 */
#ifndef RNNAMP_TRAIN_ADAM_H
#define RNNAMP_TRAIN_ADAM_H

#include <stddef.h>

typedef struct {
    size_t n;
    float *m, *v; /* first and second moments, n each; one block at m */
    long step;
    double lr, beta1, beta2, eps, weight_decay;
} rnnamp_adam;

/* PyTorch defaults: betas 0.9 / 0.999, eps 1e-8. Returns -1 when out of
 * memory. */
int rnnamp_adam_init(rnnamp_adam *a, size_t n, double lr);
void rnnamp_adam_free(rnnamp_adam *a);

/* One Adam step (PyTorch's formula, L2 weight decay added to the gradient
 * as torch.optim.Adam does). */
void rnnamp_adam_step(rnnamp_adam *a, float *params, const float *grad);

/* Scale g so its L2 norm is at most max_norm (0 = no clipping). Returns
 * the norm before clipping. A non-finite norm zeroes g. */
double rnnamp_grad_clip(float *g, size_t n, double max_norm);

typedef struct {
    double best;   /* best metric seen (lower is better) */
    int bad;       /* epochs since the last improvement */
    int patience;  /* epochs to wait before reducing */
    double factor; /* multiply lr by this */
    double min_lr;
    double threshold; /* relative improvement that counts, e.g. 1e-3 */
} rnnamp_plateau;

void rnnamp_plateau_init(rnnamp_plateau *p, int patience, double factor,
                         double min_lr);

/* Feed one epoch's metric; may lower *lr. Returns 1 if it was lowered. */
int rnnamp_plateau_update(rnnamp_plateau *p, double metric, double *lr);

#endif
