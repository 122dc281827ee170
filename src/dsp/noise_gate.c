/* rnnamp: noise gate. See noise_gate.h. */
#include "noise_gate.h"

#include <math.h>
#include <string.h>

static uint32_t samples_of(double seconds, double rate)
{
    const double n = seconds * (rate > 0.0 && isfinite(rate) ? rate : 48000.0);
    return n < 1.0 ? 1u : (uint32_t)lround(n);
}

void rnnamp_noise_gate_init(rnnamp_noise_gate *g, double rate)
{
    memset(g, 0, sizeof *g);
    g->attack = samples_of(RNNAMP_GATE_ATTACK_S, rate);
    g->hold = samples_of(RNNAMP_GATE_HOLD_S, rate);
    g->release = samples_of(RNNAMP_GATE_RELEASE_S, rate);
    g->up = 1.0f / (float)g->attack;
    g->down = 1.0f / (float)g->release;
    g->threshold_db = RNNAMP_GATE_OFF_DB;
    g->off = 1;
    rnnamp_noise_gate_reset(g);
}

void rnnamp_noise_gate_reset(rnnamp_noise_gate *g)
{
    g->open = 1;
    g->hold_left = g->hold;
    g->gain = 1.0f;
}

void rnnamp_noise_gate_set_threshold(rnnamp_noise_gate *g, float db)
{
    if (isnan(db))
        db = RNNAMP_GATE_OFF_DB;
    db = db < RNNAMP_GATE_OFF_DB ? RNNAMP_GATE_OFF_DB : db > 0.0f ? 0.0f : db;
    if (db == g->threshold_db)
        return;
    const int was_off = g->off;
    g->threshold_db = db;
    g->off = db <= RNNAMP_GATE_OFF_DB;
    g->open_lin = (float)pow(10.0, db / 20.0);
    g->close_lin = (float)pow(10.0, (db - RNNAMP_GATE_HYSTERESIS_DB) / 20.0);
    if (g->off || was_off) { /* off: opens; turned on: starts open */
        g->open = 1;
        g->hold_left = g->hold;
    }
}

/* The detector for one sample's magnitude a (NaN: quiet). */
static inline void detect(rnnamp_noise_gate *g, float a)
{
    if (g->open) {
        if (a >= g->close_lin)
            g->hold_left = g->hold;
        else if (g->hold_left)
            g->hold_left--;
        else
            g->open = g->off; /* off: never closes */
    } else if (a >= g->open_lin) {
        g->open = 1;
        g->hold_left = g->hold;
    }
}

/* The gain one sample on: linear ramps that end exactly at 1 and 0. */
static inline float step_gain(rnnamp_noise_gate *g)
{
    float v = g->gain;
    if (g->open) {
        if (v < 1.0f) {
            v += g->up;
            v = v >= 1.0f - 0.5f * g->up ? 1.0f : v;
        }
    } else if (v > 0.0f) {
        v -= g->down;
        v = v <= 0.5f * g->down ? 0.0f : v;
    }
    g->gain = v;
    return v;
}

void rnnamp_noise_gate_process(rnnamp_noise_gate *g, const float *in,
                               float *out, uint32_t n)
{
    if (g->off && g->gain == 1.0f) {
        g->open = 1;
        if (out != in)
            memcpy(out, in, n * sizeof *out);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const float x = in[i];
        detect(g, fabsf(x));
        out[i] = x * step_gain(g);
    }
}
