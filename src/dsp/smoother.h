/* rnnamp: linear parameter ramps for click-free changes.
 *
 * One idea: a value that moves from where it is to a target in a fixed
 * number of samples, one step per sample. Used for gain changes, the
 * bypass mix and the crossfade between two models (a crossfade is a ramp
 * from 0 to 1 applied as  out = a + (b - a) * ramp).
 *
 * The ramp is exact at its ends: once the target is reached the value IS
 * the target (no rounding drift), and rnnamp_ramp_done() tells callers
 * they may take a cheaper path.
 *
 * Threads: all functions are real-time safe (no allocation, no syscalls);
 * one ramp belongs to one thread. Memory: plain value type, nothing owned.
 */
#ifndef RNNAMP_SMOOTHER_H
#define RNNAMP_SMOOTHER_H

#include <stdint.h>

typedef struct {
    float value;   /* current value */
    float target;  /* where the ramp ends */
    float step;    /* per-sample increment while moving */
    uint32_t left; /* samples until value == target */
    uint32_t len;  /* ramp length in samples (>= 1) */
} rnnamp_ramp;

/* Start at value v, not moving; ramps take len samples (0 is taken as 1). */
void rnnamp_ramp_init(rnnamp_ramp *r, float v, uint32_t len);

/* Jump to v immediately. */
void rnnamp_ramp_set(rnnamp_ramp *r, float v);

/* Move to target over the ramp length, starting from the current value.
 * Setting the same target again does not restart the ramp. A non-finite
 * target is ignored. */
void rnnamp_ramp_to(rnnamp_ramp *r, float target);

/* Advance one sample and return the new value. */
static inline float rnnamp_ramp_next(rnnamp_ramp *r)
{
    if (r->left) {
        if (--r->left == 0)
            r->value = r->target;
        else
            r->value += r->step;
    }
    return r->value;
}

/* 1 when the value has reached the target. */
static inline int rnnamp_ramp_done(const rnnamp_ramp *r)
{
    return r->left == 0;
}

/* Multiply buf[0..n) by the ramp, advancing it n samples. */
void rnnamp_ramp_apply(rnnamp_ramp *r, float *buf, uint32_t n);

/* Decibels to a linear factor, clamped to -120..+60 dB; non-finite -> 1. */
float rnnamp_db_to_lin(float db);

#endif
