/* Capture: latency measurement on the capture signal's impulses.
 *
 * - synthetic targets (a clipper after a one-pole low-pass) delayed by a
 *   known number of samples: the delay is recovered exactly;
 * - the guitarix Tube Screamer (no latency) and the same output run
 *   through extra delays 0, 1, 37 and 480: recovered exactly;
 * - guitarix's DS-1, which adds about 32 samples and reports none: found
 *   (its linear-phase oversampling filter rings from sample 8, so the
 *   measurement may land a few samples early, never late);
 * - a silent target is refused with a clear message.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "capture_latency.h"
#include "capture_lv2.h"
#include "capture_signal.h"
#include "test_util.h"

#define TS9   "http://guitarix.sourceforge.net/plugins/gxts9#ts9sim"
#define DS1   "http://guitarix.sourceforge.net/plugins/gx_bossds1_#_bossds1_"
#define METAL "http://guitarix.sourceforge.net/plugins/gxmetal_head#metal_head"

static capture_signal sig;

static void setup(void)
{
    char err[512];
    ck_assert_msg(capture_signal_make(&sig, 48000, 5.0, CAPTURE_SIGNAL_VERSION,
                                      err, sizeof err) == 0,
                  "%s", err);
}

static void teardown(void)
{
    capture_signal_free(&sig);
}

/* y = x delayed by d samples. */
static float *delayed(const float *x, size_t n, int d)
{
    float *y = calloc(n, sizeof *y);
    ck_assert_ptr_nonnull(y);
    memcpy(y + d, x, (n - (size_t)d) * sizeof *y);
    return y;
}

static int measure(const float *y)
{
    char err[512];
    int l = capture_measure_latency(y, sig.n, sig.impulse_pos,
                                    CAPTURE_N_IMPULSES, 2400, err, sizeof err);
    ck_assert_msg(l >= 0, "%s", err);
    return l;
}

/* Onset, then the correlation refinement over the noise bursts. */
static int refined(const float *y, int *onset, int *peak)
{
    *onset = measure(y);
    return capture_refine_latency(sig.x, y, sig.noise_start, sig.guitar_start,
                                  *onset, 2400, peak);
}

START_TEST(synthetic_delays)
{
    /* A non-linear target: one-pole low-pass then tanh(4x). */
    float *t = calloc(sig.n, sizeof *t);
    ck_assert_ptr_nonnull(t);
    double s = 0.0;
    for (size_t i = 0; i < sig.n; i++) {
        s = 0.3 * sig.x[i] + 0.7 * s;
        t[i] = (float)tanh(4.0 * s);
    }
    static const int delays[] = {0, 1, 2, 37, 100, 480, 2000};
    for (size_t k = 0; k < sizeof delays / sizeof delays[0]; k++) {
        float *y = delayed(t, sig.n, delays[k]);
        int on, pk;
        ck_assert_int_eq(measure(y), delays[k]);
        if (delays[k] + 2400 < 48000) /* y has room for the lag search */
            ck_assert_int_eq(refined(y, &on, &pk), delays[k]);
        free(y);
    }
    free(t);
}
END_TEST

static float *run_plugin(const char *uri)
{
    char err[512];
    capture_lv2 *h = capture_lv2_open(uri, 48000, NULL, err, sizeof err);
    ck_assert_msg(h != NULL, "%s (is guitarix-lv2 installed?)", err);
    float *y = calloc(sig.n, sizeof *y);
    ck_assert_ptr_nonnull(y);
    int rep = -1;
    ck_assert_msg(
        capture_lv2_run(h, sig.x, y, sig.n, 48000, &rep, err, sizeof err) == 0,
        "%s", err);
    ck_assert_int_eq(rep, 0); /* neither reports latency */
    capture_lv2_free(h);
    return y;
}

START_TEST(ts9_injected_delays)
{
    float *y = run_plugin(TS9);
    static const int delays[] = {0, 1, 37, 480};
    for (size_t k = 0; k < sizeof delays / sizeof delays[0]; k++) {
        float *z = delayed(y, sig.n, delays[k]);
        int on, pk;
        ck_assert_int_eq(measure(z), delays[k]);
        ck_assert_int_eq(refined(z, &on, &pk), delays[k]);
        free(z);
    }
    free(y);
}
END_TEST

START_TEST(ds1_unreported_latency)
{
    float *y = run_plugin(DS1);
    int l = measure(y);
    ck_assert_msg(l >= 26 && l <= 32, "DS-1 latency measured %d", l);
    int on, pk, r = refined(y, &on, &pk);
    ck_assert_msg(r >= 29 && r <= 32, "DS-1 refined latency %d (peak %d)", r,
                  pk);
    /* and with 100 more samples of delay the estimate moves by 100 */
    float *z = delayed(y, sig.n, 100);
    int l2 = measure(z);
    ck_assert_msg(abs(l2 - (l + 100)) <= 1, "DS-1 +100: %d vs %d", l2, l);
    free(z);
    free(y);
}
END_TEST

/* guitarix's metal head: the first deviation comes at 0-3 samples but the
 * bulk of the response (correlation peak) about 26 samples later; the
 * refined latency follows the bulk (without it an LSTM-12 does not learn
 * the target at all: ESR 0.99 vs 0.36 in a 40 s trial). */
#ifndef __SANITIZE_ADDRESS__ /* see main() */
START_TEST(metal_head_bulk_delay)
{
    float *y = run_plugin(METAL);
    int on, pk, r = refined(y, &on, &pk);
    ck_assert_msg(on <= 4, "onset %d", on);
    ck_assert_msg(pk >= 20 && pk <= 30, "correlation peak %d", pk);
    ck_assert_int_eq(r, pk - 2);
    free(y);
}
END_TEST
#endif

START_TEST(silent_target_refused)
{
    float *y = calloc(sig.n, sizeof *y);
    char err[512] = "";
    int l = capture_measure_latency(y, sig.n, sig.impulse_pos,
                                    CAPTURE_N_IMPULSES, 2400, err, sizeof err);
    ck_assert_int_eq(l, -1);
    ck_assert_msg(strstr(err, "cannot measure latency") != NULL, "%s", err);
    free(y);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("capture-latency");
    TCase *tc = tcase_create("latency");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, synthetic_delays);
    tcase_add_test(tc, ts9_injected_delays);
    tcase_add_test(tc, ds1_unreported_latency);
#ifndef __SANITIZE_ADDRESS__
    /* guitarix's metal head leaks a 288-byte object (and 1352 smaller ones)
     * per instance in its cleanup(); LeakSanitizer would fail the run on
     * the plugin's leak, not ours. The release run checks it. */
    tcase_add_test(tc, metal_head_bulk_delay);
#endif
    tcase_add_test(tc, silent_target_refused);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
