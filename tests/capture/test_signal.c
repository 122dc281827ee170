/* Capture: the capture signal's versions.
 *
 * - version 2's training guitar has a real DI's spectrum: measured on the
 *   three shared real DI clips (../shared/real-di), the energy above 3 kHz
 *   is 24-35 dB below the total and the energy below 300 Hz 1.6-23 dB
 *   below; version 2's guitar is asserted below -18 dB above 3 kHz and
 *   above -8 dB below 300 Hz, while version 1's (a flat string excitation)
 *   had -9 dB and -12 dB, which is why captures of high-gain amps trained
 *   on it failed on real DI;
 * - version 2's sections vary in brightness (their pickup resonances
 *   differ): the darkest section's energy above 3 kHz is below -25 dB and
 *   the brightest's above -20 dB;
 * - versions 1 and 2 differ only in the guitar (same layout, impulses,
 *   sweeps and noise), version 1 is deterministic, and versions 0 and 3 are
 *   refused with a message.
 */
#include <check.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_signal.h"
#include "test_util.h"

#define RATE 48000

/* Energy of x[0..n) in [lo, hi) Hz relative to its total, in dB. */
static double band_db(const float *x, size_t n, double lo, double hi)
{
    double *in = fftw_alloc_real(n);
    fftw_complex *out = fftw_alloc_complex(n / 2 + 1);
    ck_assert(in && out);
    fftw_plan p = fftw_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
    for (size_t i = 0; i < n; i++)
        in[i] = x[i];
    fftw_execute(p);
    double band = 0.0, total = 0.0;
    for (size_t k = 0; k <= n / 2; k++) {
        double e = out[k][0] * out[k][0] + out[k][1] * out[k][1];
        double f = (double)k * RATE / (double)n;
        total += e;
        if (f >= lo && f < hi)
            band += e;
    }
    fftw_destroy_plan(p);
    fftw_free(in);
    fftw_free(out);
    return 10.0 * log10(band / total);
}

START_TEST(v2_guitar_spectrum)
{
    char err[256];
    capture_signal s1, s2;
    ck_assert(capture_signal_make(&s1, RATE, 60.0, 1, err, sizeof err) == 0);
    ck_assert(capture_signal_make(&s2, RATE, 60.0, 2, err, sizeof err) == 0);
    ck_assert_int_eq(CAPTURE_SIGNAL_VERSION, 2);
    size_t n1 = s1.train_end - s1.guitar_start;
    size_t n2 = s2.train_end - s2.guitar_start;
    double hi1 = band_db(s1.x + s1.guitar_start, n1, 3000, RATE);
    double lo1 = band_db(s1.x + s1.guitar_start, n1, 0, 300);
    double hi2 = band_db(s2.x + s2.guitar_start, n2, 3000, RATE);
    double lo2 = band_db(s2.x + s2.guitar_start, n2, 0, 300);
    printf("guitar energy above 3 kHz / below 300 Hz: v1 %.1f / %.1f dB, "
           "v2 %.1f / %.1f dB\n",
           hi1, lo1, hi2, lo2);
    ck_assert_double_gt(hi1, -12.0); /* the old, too bright guitar */
    ck_assert_double_lt(lo1, -10.0);
    ck_assert_double_lt(hi2, -18.0);
    ck_assert_double_gt(lo2, -8.0);
    /* the sections' brightness varies */
    double darkest = 0.0, brightest = -1e9;
    size_t sec = n2 / 8;
    for (int i = 0; i < 8; i++) {
        double h =
            band_db(s2.x + s2.guitar_start + (size_t)i * sec, sec, 3000, RATE);
        darkest = fmin(darkest, h);
        brightest = fmax(brightest, h);
    }
    printf("v2 sections above 3 kHz: %.1f to %.1f dB\n", darkest, brightest);
    ck_assert_double_lt(darkest, -25.0);
    ck_assert_double_gt(brightest, -20.0);
    capture_signal_free(&s1);
    capture_signal_free(&s2);
}
END_TEST

START_TEST(versions_share_the_layout)
{
    char err[256];
    capture_signal a, b, c;
    ck_assert(capture_signal_make(&a, RATE, 20.0, 1, err, sizeof err) == 0);
    ck_assert(capture_signal_make(&b, RATE, 20.0, 2, err, sizeof err) == 0);
    ck_assert(capture_signal_make(&c, RATE, 20.0, 1, err, sizeof err) == 0);
    ck_assert_int_eq(a.version, 1);
    ck_assert_int_eq(b.version, 2);
    ck_assert_uint_eq(a.n, b.n);
    ck_assert_uint_eq(a.guitar_start, b.guitar_start);
    ck_assert_uint_eq(a.test_start, b.test_start);
    ck_assert_uint_eq(a.test_end, b.test_end);
    ck_assert(memcmp(a.x, b.x, a.guitar_start * sizeof *a.x) == 0);
    ck_assert(memcmp(a.x + a.guitar_start, b.x + b.guitar_start,
                     (a.n - a.guitar_start) * sizeof *a.x) != 0);
    ck_assert(memcmp(a.x, c.x, a.n * sizeof *a.x) == 0);
    capture_signal_free(&a);
    capture_signal_free(&b);
    capture_signal_free(&c);
    for (int v = 0; v <= 3; v += 3) {
        capture_signal d;
        ck_assert(capture_signal_make(&d, RATE, 20.0, v, err, sizeof err) ==
                  -1);
        ck_assert_msg(strstr(err, "capture signal version") != NULL, "%s", err);
        ck_assert_msg(strstr(err, "versions 1 to 2") != NULL, "%s", err);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("capture-signal");
    TCase *tc = tcase_create("signal");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, v2_guitar_spectrum);
    tcase_add_test(tc, versions_share_the_layout);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
