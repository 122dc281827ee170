/* rnnamp trainer: latency / polarity detection. See align.h. */
#include "align.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

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
    while (m < n + (size_t)max_lag + 1)
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
    for (size_t i = 0; i < m; i++)
        X[i] = conj(X[i]) * Y[i];
    fft(X, m, 1); /* X[lag mod m] = sum_n x[n] y[n + lag] * m */
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
    free(X);
    free(Y);
    r->lag = best_lag;
    r->inverted = val < 0.0;
    r->correlation = best / sqrt(ex * ey);
    return 0;
}
