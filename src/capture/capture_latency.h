/* rnnamp-capture: measure a target's latency from the capture signal's
 * impulses.
 *
 * For each impulse, the deviation of the target from its pre-impulse trend
 * (a line fitted to the 64 samples before) is smoothed with a (1 3 3 1)/8
 * binomial, which removes the sample-rate/2 pre-ringing of linear-phase
 * oversampling filters (not latency: guitarix's DS-1 rings from sample 8
 * but responds at 32); the onset is the first sample where it reaches 1%
 * of its peak (and 20x the noise floor), refined to the raw signal. The
 * median over the impulses is the latency. The onset, not the peak, is
 * used so that filters and distortion, which delay the peak, are rarely
 * mistaken for delay: a latency estimate that is too large would ask the
 * network to predict the future.
 *
 * Threads: any. Memory: no allocation.
 */
#ifndef RNNAMP_CAPTURE_LATENCY_H
#define RNNAMP_CAPTURE_LATENCY_H

#include <stddef.h>

/* y is the target's response to a signal with n_imp impulses at
 * pos[0..n_imp) (n samples in all). Searches 0..max_latency samples.
 * Returns the latency in samples (>= 0), or -1 with a message in err when
 * the target does not respond to the impulses (silent, gated, or a time
 * effect whose response is longer than max_latency). */
int capture_measure_latency(const float *y, size_t n, const size_t *pos,
                            int n_imp, int max_latency, char *err,
                            size_t errlen);

/* Check an onset latency against the input/target cross-correlation over
 * x[start..end) (broadband, low-level material: the capture signal's
 * noise bursts), lags onset..max_latency. If the correlation at the onset
 * is below half the peak's, the onset was an early weak component (the
 * pre-ringing or slow build-up of an oversampling filter, as in guitarix's
 * amp simulators whose bulk response comes 10-30 samples after the first
 * deviation) and the peak lag minus 2 samples is returned; otherwise the
 * onset. Lags up to onset + 256 are searched. *peak_lag gets the correlation
 * peak's lag (may be NULL). y must hold end + max_latency samples. No
 * allocation. */
int capture_refine_latency(const float *x, const float *y, size_t start,
                           size_t end, int onset, int max_latency,
                           int *peak_lag);

#endif
