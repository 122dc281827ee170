/* rnnamp: convolver (temporary direct-form body; see convolver.h). */
#include "convolver.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct rnnamp_convolver {
    size_t taps;
    float *h;
    float *hist; /* last taps-1 inputs, newest last */
};

rnnamp_convolver *rnnamp_convolver_new(const float *ir, size_t taps,
                                       const rnnamp_conv_layout *layout,
                                       char *err, size_t errlen)
{
    (void)layout;
    if (!ir || taps < 1 || taps > RNNAMP_CONV_MAX_TAPS) {
        rnnamp_seterr(err, errlen, "IR has %zu taps (1..%u)", taps,
                      RNNAMP_CONV_MAX_TAPS);
        return NULL;
    }
    rnnamp_convolver *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->taps = taps;
    c->h = malloc(taps * sizeof *c->h);
    c->hist = calloc(taps, sizeof *c->hist);
    if (!c->h || !c->hist) {
        rnnamp_convolver_free(c);
        rnnamp_seterr(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(c->h, ir, taps * sizeof *c->h);
    return c;
}

void rnnamp_convolver_free(rnnamp_convolver *c)
{
    if (!c)
        return;
    free(c->h);
    free(c->hist);
    free(c);
}

void rnnamp_convolver_process(rnnamp_convolver *c, const float *in,
                              float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memmove(c->hist, c->hist + 1, (c->taps - 1) * sizeof *c->hist);
        c->hist[c->taps - 1] = isfinite(in[i]) ? in[i] : 0.0f;
        double s = 0.0;
        for (size_t k = 0; k < c->taps; k++)
            s += (double)c->h[k] * c->hist[c->taps - 1 - k];
        out[i] = (float)s;
    }
}

void rnnamp_convolver_reset(rnnamp_convolver *c)
{
    memset(c->hist, 0, c->taps * sizeof *c->hist);
}

size_t rnnamp_convolver_taps(const rnnamp_convolver *c)
{
    return c->taps;
}

size_t rnnamp_convolver_bytes(const rnnamp_convolver *c)
{
    return 2 * c->taps * sizeof(float);
}

int rnnamp_convolver_stages(const rnnamp_convolver *c, uint32_t *head,
                            uint32_t *part, uint32_t *count, int max)
{
    (void)part;
    (void)count;
    (void)max;
    if (head)
        *head = (uint32_t)c->taps;
    return 0;
}
