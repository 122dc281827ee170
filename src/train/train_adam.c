/* rnnamp trainer: Adam, clipping, reduce-on-plateau. See train_adam.h. */
#include "train_adam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int rnnamp_adam_init(rnnamp_adam *a, size_t n, double lr)
{
    memset(a, 0, sizeof *a);
    /* one allocation: m then v */
    float *buf = calloc(2 * (n ? n : 1), sizeof(float));
    if (!buf)
        return -1;
    a->m = buf;
    a->v = buf + (n ? n : 1);
    a->n = n;
    a->lr = lr;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
    return 0;
}

void rnnamp_adam_free(rnnamp_adam *a)
{
    free(a->m); /* v lies in the same block */
    a->m = a->v = NULL;
}

void rnnamp_adam_step(rnnamp_adam *a, float *params, const float *grad)
{
    a->step++;
    double bc1 = 1.0 - pow(a->beta1, (double)a->step);
    double bc2 = 1.0 - pow(a->beta2, (double)a->step);
    float b1 = (float)a->beta1, b2 = (float)a->beta2;
    float step_size = (float)(a->lr / bc1);
    float sbc2 = (float)sqrt(bc2), eps = (float)a->eps;
    float wd = (float)a->weight_decay;
    for (size_t i = 0; i < a->n; i++) {
        float g = grad[i] + wd * params[i];
        a->m[i] = b1 * a->m[i] + (1.0f - b1) * g;
        a->v[i] = b2 * a->v[i] + (1.0f - b2) * g * g;
        float denom = sqrtf(a->v[i]) / sbc2 + eps;
        params[i] -= step_size * a->m[i] / denom;
    }
}

double rnnamp_grad_clip(float *g, size_t n, double max_norm)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    double norm = sqrt(s);
    if (!isfinite(norm)) {
        memset(g, 0, n * sizeof *g);
        return norm;
    }
    if (max_norm > 0.0 && norm > max_norm) {
        float k = (float)(max_norm / (norm + 1e-6));
        for (size_t i = 0; i < n; i++)
            g[i] *= k;
    }
    return norm;
}

void rnnamp_plateau_init(rnnamp_plateau *p, int patience, double factor,
                         double min_lr)
{
    p->best = INFINITY;
    p->bad = 0;
    p->patience = patience;
    p->factor = factor;
    p->min_lr = min_lr;
    p->threshold = 1e-3;
}

int rnnamp_plateau_update(rnnamp_plateau *p, double metric, double *lr)
{
    if (metric < p->best * (1.0 - p->threshold)) {
        p->best = metric;
        p->bad = 0;
        return 0;
    }
    if (++p->bad <= p->patience)
        return 0;
    p->bad = 0;
    double nl = *lr * p->factor;
    if (nl < p->min_lr)
        nl = p->min_lr;
    int changed = nl < *lr;
    *lr = nl;
    return changed;
}
