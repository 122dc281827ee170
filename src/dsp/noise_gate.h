/* rnnamp: noise gate for the input of a high-gain model.
 *
 * What it does, sample by sample (so the result does not depend on block
 * sizes):
 *  - Detector: the peak |x[n]| of each sample (no envelope follower: the
 *    hold time bridges the gaps between a low note's peaks).
 *  - Hysteresis: the gate OPENS when |x| reaches the threshold T, and
 *    CLOSES only after |x| has stayed below T - RNNAMP_GATE_HYSTERESIS_DB
 *    (6 dB lower) for the hold time. Between the two levels it keeps its
 *    state: an open gate stays open, a closing or closed gate stays shut.
 *  - Attack: when it opens, the gain rises linearly from where it is to 1
 *    in RNNAMP_GATE_ATTACK_S (1 ms): from fully shut, exactly
 *    round(1 ms * rate) samples, the first of them the sample that opened
 *    it.
 *  - Hold: RNNAMP_GATE_HOLD_S (50 ms) of samples below the close level
 *    before the release starts; any sample at or above the close level
 *    starts the hold again.
 *  - Release: the gain falls linearly to exactly 0 (full attenuation) in
 *    RNNAMP_GATE_RELEASE_S (100 ms). A sample at or above T during the
 *    release opens the gate again from the gain it has reached.
 * So after the last sample at or above the close level, the output is the
 * input for the hold time, and 0 from hold + release samples on.
 * Click-free: the gain moves by at most 1/(attack samples) per sample
 * (1/48 at 48 kHz), so the output never steps by more than the input's own
 * step plus |x| / 48.
 *
 * Off: a threshold at or below RNNAMP_GATE_OFF_DB (-100 dBFS, the port's
 * minimum and default), or not a number. Switching it off opens the gate
 * (attack ramp); once open, the output is the input bit for bit.
 *
 * Real-time safe: no allocation, no system calls, O(n) per call, no state
 * that decays exponentially (so no denormals of its own); NaN input is
 * taken as quiet. Cost: see README (CPU), `rnnamp-bench-conv --gate`.
 *
 * Threads: one gate belongs to one thread (the audio thread); all
 * functions are real-time safe. Memory: plain value type, nothing owned.
 */
#ifndef RNNAMP_NOISE_GATE_H
#define RNNAMP_NOISE_GATE_H

#include <stdint.h>

#define RNNAMP_GATE_OFF_DB        (-100.0f) /* this threshold or lower: off */
#define RNNAMP_GATE_HYSTERESIS_DB 6.0f      /* close level below threshold */
#define RNNAMP_GATE_ATTACK_S      0.001
#define RNNAMP_GATE_HOLD_S        0.050
#define RNNAMP_GATE_RELEASE_S     0.100

typedef struct {
    float threshold_db;             /* as last set (clamped to -100..0) */
    float open_lin;                 /* |x| >= open_lin opens */
    float close_lin;                /* |x| >= close_lin keeps it open */
    int off;                        /* 1: threshold at -100 (or NaN) */
    int open;                       /* detector state */
    uint32_t attack, hold, release; /* samples */
    uint32_t hold_left;             /* quiet samples left before the release */
    float gain;                     /* 0..1, applied to the input */
    float up, down;                 /* gain steps per sample */
} rnnamp_noise_gate;

/* Set up for sample rate `rate` (Hz, > 0), off, open, gain 1. */
void rnnamp_noise_gate_init(rnnamp_noise_gate *g, double rate);

/* Threshold in dBFS, clamped to -100..0; -100 or NaN: off. Setting the
 * value it already has changes nothing; turning the gate on leaves it open
 * (it closes after hold + release if the input is quiet). */
void rnnamp_noise_gate_set_threshold(rnnamp_noise_gate *g, float db);

/* Open, gain 1, hold restarted (activate). Keeps the threshold. */
void rnnamp_noise_gate_reset(rnnamp_noise_gate *g);

/* out[i] = in[i] * gain[i], n any size; in and out may be the same buffer
 * (not otherwise overlapping). Off and fully open: out = in exactly. */
void rnnamp_noise_gate_process(rnnamp_noise_gate *g, const float *in,
                               float *out, uint32_t n);

#endif
