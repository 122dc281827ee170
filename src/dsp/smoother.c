/* rnnamp: linear parameter ramps (see smoother.h). */
#include "smoother.h"

#include <math.h>

void rnnamp_ramp_init(rnnamp_ramp *r, float v, uint32_t len)
{
    r->value = v;
    r->target = v;
    r->step = 0.0f;
    r->left = 0;
    r->len = len ? len : 1;
}

void rnnamp_ramp_set(rnnamp_ramp *r, float v)
{
    if (!isfinite(v))
        return;
    r->value = v;
    r->target = v;
    r->step = 0.0f;
    r->left = 0;
}

void rnnamp_ramp_to(rnnamp_ramp *r, float target)
{
    if (!isfinite(target) || target == r->target)
        return;
    r->target = target;
    r->left = r->len;
    r->step = (target - r->value) / (float)r->len;
}

void rnnamp_ramp_apply(rnnamp_ramp *r, float *buf, uint32_t n)
{
    uint32_t i = 0;
    for (; i < n && r->left; i++)
        buf[i] *= rnnamp_ramp_next(r);
    if (i < n && r->value != 1.0f) {
        const float v = r->value;
        for (; i < n; i++)
            buf[i] *= v;
    }
}

float rnnamp_db_to_lin(float db)
{
    if (!isfinite(db))
        return 1.0f;
    if (db < -120.0f)
        db = -120.0f;
    if (db > 60.0f)
        db = 60.0f;
    return powf(10.0f, db / 20.0f);
}
