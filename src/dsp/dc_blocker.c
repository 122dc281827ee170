/* rnnamp: DC blocking filter (see dc_blocker.h). */
#include "dc_blocker.h"

#include <math.h>

void rnnamp_dc_blocker_init(rnnamp_dc_blocker *d, double corner_hz, double rate)
{
    if (!(rate > 0.0) || !(corner_hz > 0.0) || corner_hz > rate / 4.0) {
        corner_hz = 5.0;
        rate = 48000.0;
    }
    d->r = (float)exp(-2.0 * M_PI * corner_hz / rate);
    rnnamp_dc_blocker_reset(d);
}

void rnnamp_dc_blocker_reset(rnnamp_dc_blocker *d)
{
    d->x1 = 0.0f;
    d->y1 = 0.0f;
}

void rnnamp_dc_blocker_process(rnnamp_dc_blocker *d, const float *in,
                               float *out, uint32_t n)
{
    float x1 = d->x1, y1 = d->y1;
    const float r = d->r;
    for (uint32_t i = 0; i < n; i++) {
        const float x = in[i];
        float y = x - x1 + r * y1;
        if (!isfinite(y)) {
            x1 = 0.0f;
            y1 = 0.0f;
            out[i] = 0.0f;
            continue;
        }
        /* flush tiny values so the decaying tail never goes denormal */
        if (fabsf(y) < 1e-20f)
            y = 0.0f;
        x1 = x;
        y1 = y;
        out[i] = y;
    }
    d->x1 = x1;
    d->y1 = y1;
}
