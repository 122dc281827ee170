/* rnnamp trainer: latency and polarity between an input and a target
 * recording, by cross-correlation (FFT, radix 2) within +-max_lag samples.
 *
 * Threads: any non-real-time thread (allocates). No global state.
 */
#ifndef RNNAMP_ALIGN_H
#define RNNAMP_ALIGN_H

#include <stddef.h>

typedef struct {
    int lag;            /* target[n + lag] lines up with input[n] */
    int inverted;       /* 1: the correlation peak is negative */
    double correlation; /* |peak| / sqrt(E_input E_target), 0..1 */
} rnnamp_align_result;

/* Find the lag of y (target) against x (input) in [-max_lag, max_lag],
 * using at most the first max_samples samples of each (0 = 2^19).
 * Returns 0, or -1 when out of memory or a signal is all zero. */
int rnnamp_align_find(const float *x, size_t nx, const float *y, size_t ny,
                      int max_lag, size_t max_samples, rnnamp_align_result *r);

#endif
