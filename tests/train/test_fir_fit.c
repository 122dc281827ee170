/* FIR least-squares fit: recovers a known filter from noisy data, reports
 * the ESR the fit leaves, says how many taps a target needs, and refuses
 * silent data and bad lengths. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fir_fit.h"
#include "test_util.h"

static double gauss(uint64_t *s)
{
    double a = 0;
    for (int i = 0; i < 12; i++) {
        *s = *s * 6364136223846793005ull + 1442695040888963407ull;
        a += (double)(*s >> 11) / 9007199254740992.0;
    }
    return a - 6.0;
}

/* y = h * x + noise (relative RMS `noise`), x coloured (a one-pole low
 * pass of white noise, as guitar DI is mostly low frequencies) */
static void make_pair(const float *h, int taps, size_t n, double noise,
                      float *x, float *y)
{
    uint64_t s = 42;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        lp = 0.9 * lp + 0.1 * gauss(&s);
        x[i] = (float)lp;
    }
    double ey = 0;
    for (size_t t = 0; t < n; t++) {
        double a = 0;
        for (int k = 0; k < taps && (size_t)k <= t; k++)
            a += (double)h[k] * x[t - (size_t)k];
        y[t] = (float)a;
        ey += a * a;
    }
    const double sd = noise * sqrt(ey / (double)n);
    for (size_t t = 0; t < n; t++)
        y[t] += (float)(sd * gauss(&s));
}

START_TEST(recovers_a_known_filter)
{
    enum { TAPS = 100, N = 200000 };
    float h[TAPS], got[256];
    uint64_t s = 7;
    for (int k = 0; k < TAPS; k++)
        h[k] = (float)(gauss(&s) * exp(-0.05 * k));
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    make_pair(h, TAPS, N, 0.01, x, y);
    rnnamp_fir_fit *f = rnnamp_fir_fit_new(256);
    ck_assert_ptr_nonnull(f);
    /* in two pieces, as from two pairs (each starts from silence) */
    ck_assert_int_eq(rnnamp_fir_fit_add(f, x, y, N / 2), 0);
    ck_assert_int_eq(rnnamp_fir_fit_add(f, x + N / 2, y + N / 2, N / 2), 0);
    char err[256];
    double esr;
    ck_assert_int_eq(rnnamp_fir_fit_solve(f, TAPS, got, &esr, err, sizeof err),
                     0);
    double e = 0, n = 0;
    for (int k = 0; k < TAPS; k++) {
        e += (got[k] - h[k]) * (got[k] - h[k]);
        n += h[k] * h[k];
    }
    ck_assert_msg(sqrt(e / n) < 0.01, "taps off by %g", sqrt(e / n));
    /* the noise is what is left: ESR ~ 0.01^2, plus the edges of the two
     * pieces (autocorrelation method: O(taps / n)) */
    ck_assert_msg(esr > 0.5e-4 && esr < 3e-4, "esr %g", esr);
    /* too short a filter explains less */
    double esr32;
    ck_assert_int_eq(rnnamp_fir_fit_solve(f, 32, got, &esr32, err, sizeof err),
                     0);
    ck_assert_msg(esr32 > 10 * esr, "esr32 %g vs esr %g", esr32, esr);
    /* a longer one no more (the probe's "enough taps") */
    double esr256;
    ck_assert_int_eq(
        rnnamp_fir_fit_solve(f, 256, got, &esr256, err, sizeof err), 0);
    ck_assert_double_lt(fabs(esr256 - esr), 0.05 * esr);
    rnnamp_fir_fit_free(f);
    free(x);
    free(y);
}
END_TEST

/* the ESR the fit reports is the ESR of filtering x with the fitted h, up
 * to the autocorrelation method's edge terms (O(taps / n)) */
START_TEST(reported_esr_is_the_real_one)
{
    enum { N = 50000, TAPS = 16 };
    float h[3] = {0.5f, -0.3f, 0.1f}, got[TAPS];
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    make_pair(h, 3, N, 0.3, x, y);
    for (size_t t = 0; t < N; t++) /* and a nonlinearity */
        y[t] = (float)tanh(3.0 * y[t]);
    rnnamp_fir_fit *f = rnnamp_fir_fit_new(TAPS);
    rnnamp_fir_fit_add(f, x, y, N);
    char err[256];
    double esr;
    ck_assert_int_eq(rnnamp_fir_fit_solve(f, TAPS, got, &esr, err, sizeof err),
                     0);
    double e = 0, yy = 0;
    for (size_t t = 0; t < N; t++) {
        double a = 0;
        for (int k = 0; k < TAPS && (size_t)k <= t; k++)
            a += (double)got[k] * x[t - (size_t)k];
        e += (y[t] - a) * (y[t] - a);
        yy += (double)y[t] * y[t];
    }
    ck_assert_double_eq_tol(esr, e / yy, 1e-3 * esr);
    rnnamp_fir_fit_free(f);
    free(x);
    free(y);
}
END_TEST

START_TEST(refuses_silence_and_bad_lengths)
{
    ck_assert_ptr_null(rnnamp_fir_fit_new(0));
    ck_assert_ptr_null(rnnamp_fir_fit_new(70000));
    rnnamp_fir_fit *f = rnnamp_fir_fit_new(8);
    float z[100] = {0}, h[8];
    char err[256];
    ck_assert_int_eq(rnnamp_fir_fit_solve(f, 4, h, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "silent"));
    rnnamp_fir_fit_add(f, z, z, 100);
    ck_assert_int_eq(rnnamp_fir_fit_solve(f, 9, h, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "1 to 8"));
    rnnamp_fir_fit_free(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fir_fit");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, recovers_a_known_filter);
    tcase_add_test(tc, reported_esr_is_the_real_one);
    tcase_add_test(tc, refuses_silence_and_bad_lengths);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
