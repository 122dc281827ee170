/* rnnamp trainer: latency / polarity detection. See align.h.
 *
 * The cross-correlation peak is only a first guess: for a low-passed or
 * band-passed target (a Tube Screamer's tone control, a speaker) the peak
 * comes several samples after the response starts, and shifting the target
 * by it asks the model to predict the future, which it cannot learn (the
 * demo pair: peak at 3 samples for a zero-latency plugin, 10 times the
 * validation ESR). So the lag is refined: for each candidate L up to
 * REFINE_BACK samples before the peak, a causal least-squares FIR of
 * FIR_TAPS taps from x[n - L - k] to y[n] is fitted (normal equations from
 * the auto- and cross-correlation); going down from the peak, the first L
 * with a clear knee is the onset: one sample later raises the residual by
 * at least KNEE_MIN of the target energy, one sample earlier lowers it by
 * at most STEP_TOL. If no candidate shows such a knee (smooth, long
 * responses such as the demo's Tube Screamer), 0 is used when it is in the
 * range (plugins and amp sims without latency), else the peak. */
#include "align.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIR_TAPS    32
#define REFINE_BACK 64
#define STEP_TOL    2e-4
#define KNEE_MIN    2e-3

/* Solve the SPD system A w = b (n x n, row-major; A is overwritten by its
 * Cholesky factor). Returns -1 if A is not positive definite. */
static int cholesky_solve(double *A, double *b, int n)
{
    for (int j = 0; j < n; j++) {
        double d = A[j * n + j];
        for (int k = 0; k < j; k++)
            d -= A[j * n + k] * A[j * n + k];
        if (!(d > 0.0))
            return -1;
        d = sqrt(d);
        A[j * n + j] = d;
        for (int i = j + 1; i < n; i++) {
            double v = A[i * n + j];
            for (int k = 0; k < j; k++)
                v -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = v / d;
        }
    }
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < i; k++)
            b[i] -= A[i * n + k] * b[k];
        b[i] /= A[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        for (int k = i + 1; k < n; k++)
            b[i] -= A[k * n + i] * b[k];
        b[i] /= A[i * n + i];
    }
    return 0;
}

/* Relative residual of the causal FIR fit at latency L: rxx[0..FIR_TAPS-1]
 * is the input's autocorrelation, xc(l) the cross-correlation. */
static double fir_residual(const double *rxx, const double complex *C, size_t m,
                           int L, double ey)
{
    double A[FIR_TAPS * FIR_TAPS], b[FIR_TAPS], b0[FIR_TAPS];
    for (int i = 0; i < FIR_TAPS; i++) {
        for (int j = 0; j < FIR_TAPS; j++)
            A[i * FIR_TAPS + j] = rxx[abs(i - j)];
        A[i * FIR_TAPS + i] += 1e-9 * rxx[0];
        long l = (long)L + i;
        size_t idx = l >= 0 ? (size_t)l : m - (size_t)(-l);
        b[i] = b0[i] = creal(C[idx]) / (double)m;
    }
    if (cholesky_solve(A, b, FIR_TAPS) != 0)
        return NAN;
    double e = ey;
    for (int i = 0; i < FIR_TAPS; i++)
        e -= b[i] * b0[i];
    return e / ey;
}

/* In-place iterative radix-2 FFT of n (power of two) points; inv = 1 for
 * the inverse (unscaled). */
static void fft(double complex *a, size_t n, int inv)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double complex t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        double ang = 2.0 * M_PI / (double)len * (inv ? 1.0 : -1.0);
        double complex wl = cos(ang) + I * sin(ang);
        for (size_t i = 0; i < n; i += len) {
            double complex w = 1.0;
            for (size_t k = 0; k < len / 2; k++) {
                double complex u = a[i + k], v = a[i + k + len / 2] * w;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
                w *= wl;
            }
        }
    }
}

int rnnamp_align_find(const float *x, size_t nx, const float *y, size_t ny,
                      int max_lag, size_t max_samples, rnnamp_align_result *r)
{
    r->lag = 0;
    r->inverted = 0;
    r->correlation = 0.0;
    if (!max_samples)
        max_samples = (size_t)1 << 19;
    size_t n = nx < ny ? nx : ny;
    if (n > max_samples)
        n = max_samples;
    if (max_lag < 0)
        max_lag = 0;
    if ((size_t)max_lag >= n)
        max_lag = n > 1 ? (int)n - 1 : 0;
    size_t m = 1;
    while (m < n + (size_t)max_lag + FIR_TAPS + REFINE_BACK + 1)
        m <<= 1;
    double complex *X = calloc(m, sizeof *X), *Y = calloc(m, sizeof *Y);
    if (!X || !Y) {
        free(X);
        free(Y);
        return -1;
    }
    double ex = 0.0, ey = 0.0;
    for (size_t i = 0; i < n; i++) {
        X[i] = x[i];
        Y[i] = y[i];
        ex += (double)x[i] * x[i];
        ey += (double)y[i] * y[i];
    }
    if (ex <= 0.0 || ey <= 0.0) {
        free(X);
        free(Y);
        return -1;
    }
    fft(X, m, 0);
    fft(Y, m, 0);
    for (size_t i = 0; i < m; i++) {
        double complex xi = X[i];
        X[i] = conj(xi) * Y[i];
        Y[i] = conj(xi) * xi;
    }
    fft(X, m, 1); /* X[lag mod m] = sum_n x[n] y[n + lag] * m */
    fft(Y, m, 1); /* Y[lag] = autocorrelation of x * m */
    double rxx[FIR_TAPS];
    for (int k = 0; k < FIR_TAPS; k++)
        rxx[k] = creal(Y[k]) / (double)m;
    double best = -1.0, val = 0.0;
    int best_lag = 0;
    for (int lag = -max_lag; lag <= max_lag; lag++) {
        size_t idx = lag >= 0 ? (size_t)lag : m - (size_t)(-lag);
        double v = creal(X[idx]) / (double)m;
        /* prefer the smaller |lag| on ties (exact repeats) */
        if (fabs(v) > best * (1.0 + 1e-9)) {
            best = fabs(v);
            val = v;
            best_lag = lag;
        }
    }
    /* refine (see the top of this file) */
    int lo = best_lag - REFINE_BACK;
    double res[REFINE_BACK + 1];
    for (int L = lo; L <= best_lag; L++)
        res[L - lo] = fir_residual(rxx, X, m, L, ey);
    double res_after = fir_residual(rxx, X, m, best_lag + 1, ey);
    int lag = best_lag, found = 0;
    for (int L = best_lag; L > lo; L--) {
        double above =
            (L == best_lag ? res_after : res[L + 1 - lo]) - res[L - lo];
        double step = res[L - lo] - res[L - 1 - lo];
        if (!isfinite(step) || !isfinite(above))
            break;
        if (step <= STEP_TOL && above >= KNEE_MIN) {
            lag = L;
            found = 1;
            break;
        }
    }
    if (!found && lo <= 0 && best_lag >= 0)
        lag = 0;
    free(X);
    free(Y);
    r->lag = lag;
    r->inverted = val < 0.0;
    r->correlation = best / sqrt(ex * ey);
    return 0;
}
