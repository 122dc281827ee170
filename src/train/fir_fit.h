/* rnnamp trainer: least-squares FIR fit of a target from an input.
 *
 * The best linear filter h (taps 0..n-1) with y[t] ~ sum_k h[k] x[t - k]:
 * the normal equations R h = p with R the input's autocorrelation (a
 * Toeplitz matrix, "autocorrelation method": samples before a pair's start
 * count as zeros) and p the input-target cross-correlation, solved by
 * Cholesky (LAPACK dposv, from OpenBLAS) in double precision with a ridge
 * of 1e-9 * R[0][0] against ill-conditioning. The correlations are
 * accumulated once, for the longest filter, with double-precision FFTs
 * (FFTW) over blocks, so a probe can then solve for several lengths
 * cheaply: that is how rnnamp-capture measures how much of a target a
 * linear filter explains and how many taps it needs, and how the trainer
 * starts a hybrid model's post-FIR.
 *
 * Threads: any non-real-time thread; a fit belongs to one thread.
 * Memory: rnnamp_fir_fit_new returns a fit owned by the caller, freed with
 * rnnamp_fir_fit_free. rnnamp_fir_fit_solve writes into the caller's h.
 */
#ifndef RNNAMP_FIR_FIT_H
#define RNNAMP_FIR_FIT_H

#include <stddef.h>

typedef struct rnnamp_fir_fit rnnamp_fir_fit;

/* A fit for filters of up to max_taps taps (1..65536). NULL when out of
 * memory or max_taps is out of range. */
rnnamp_fir_fit *rnnamp_fir_fit_new(int max_taps);

void rnnamp_fir_fit_free(rnnamp_fir_fit *f);

/* Add a pair: input x and target y, n samples each. Returns 0, or -1 when
 * out of memory. */
int rnnamp_fir_fit_add(rnnamp_fir_fit *f, const float *x, const float *y,
                       size_t n);

/* Solve for taps (1..max_taps) taps into h[taps]. *esr (may be NULL) gets
 * the fit's error-to-signal ratio over the pairs added: sum (y - h*x)^2 /
 * sum y^2. Returns 0, or -1 with a message in err (no data, a silent
 * input, LAPACK failure). */
int rnnamp_fir_fit_solve(const rnnamp_fir_fit *f, int taps, float *h,
                         double *esr, char *err, size_t errlen);

#endif
