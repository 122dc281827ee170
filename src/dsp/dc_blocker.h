/* rnnamp: DC blocking filter.
 *
 * First-order high-pass  y[n] = x[n] - x[n-1] + R * y[n-1]  with the pole R
 * set from a corner frequency (default use: 5 Hz) and the sample rate.
 * Removes the DC offset that amp models often produce without touching
 * the audible band (-0.1 dB at about 30 Hz for a 5 Hz corner).
 *
 * Threads: init on any thread; process/reset are real-time safe. One filter
 * belongs to one thread. Memory: plain value type, nothing owned.
 */
#ifndef RNNAMP_DC_BLOCKER_H
#define RNNAMP_DC_BLOCKER_H

#include <stdint.h>

typedef struct {
    float r;  /* pole */
    float x1; /* previous input */
    float y1; /* previous output */
} rnnamp_dc_blocker;

/* Set the corner (Hz) for the given sample rate and clear the state.
 * Nonsense values (rate <= 0, corner outside 0..rate/4) fall back to
 * 5 Hz at 48 kHz. */
void rnnamp_dc_blocker_init(rnnamp_dc_blocker *d, double corner_hz,
                            double rate);

/* Clear the state. */
void rnnamp_dc_blocker_reset(rnnamp_dc_blocker *d);

/* Filter n samples; in and out may be the same buffer. Keeps its state
 * finite (a non-finite input resets it and yields 0). */
void rnnamp_dc_blocker_process(rnnamp_dc_blocker *d, const float *in,
                               float *out, uint32_t n);

#endif
