/* rnnamp trainer: the training loss and its gradient.
 *
 * loss = ESR of the pre-filtered error + dc_weight * DC term, over a batch:
 *   ESR = sum (h * (y - t))^2 / sum (h * t)^2
 *         h = pre-emphasis 1 - a z^-1, optionally convolved with an
 *         A-weighting FIR; only steps with a full filter history count;
 *   DC  = mean over sequences of (mean over time of (y - t))^2
 *         / mean of t^2   (Wright et al. 2020).
 * Both normalisers are sums over the WHOLE batch, so a batch split into
 * shards first adds every shard's rnnamp_loss_norm_add(), then calls
 * rnnamp_loss_eval() per shard; the shards' losses and gradients add up to
 * those of the whole batch.
 *
 * Arrays are time-major [T][b] (sequence s of step t at t * b + s).
 * Threads: the loss object is read-only after init; any thread.
 */
#ifndef RNNAMP_TRAIN_LOSS_H
#define RNNAMP_TRAIN_LOSS_H

#define RNNAMP_LOSS_MAX_TAPS 128

typedef struct {
    int n_taps;
    float h[RNNAMP_LOSS_MAX_TAPS]; /* FIR pre-filter, h[0] for lag 0 */
    double dc_weight;
} rnnamp_loss;

typedef struct {
    double e_filt; /* sum of squared filtered target */
    double e_raw;  /* sum of squared target */
    long n_seq;    /* sequences in the batch */
    long T;        /* steps per sequence */
} rnnamp_loss_norm;

/* Set up the filter: pre_emph a (0 = none), A-weighting at rate (Hz). */
void rnnamp_loss_init(rnnamp_loss *l, double pre_emph, int a_weighting,
                      double rate, double dc_weight);

/* Add the normalisers of b sequences of T steps of target t. Start from a
 * zeroed rnnamp_loss_norm. */
void rnnamp_loss_norm_add(const rnnamp_loss *l, const float *t, int T, int b,
                          rnnamp_loss_norm *n);

/* This shard's part of the batch loss; if dy is not NULL it receives
 * dL/dy (overwritten, [T][b]). */
double rnnamp_loss_eval(const rnnamp_loss *l, const rnnamp_loss_norm *n,
                        const float *y, const float *t, int T, int b,
                        float *dy);

#endif
