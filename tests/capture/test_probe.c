/* Capture: the linear probe and the recipe it chooses, and the held-out
 * evaluation at hot level.
 *
 * - a target that is a known 100-tap FIR of white noise: the probe's ESR
 *   falls to ~0 (below 2e-4) at 128 taps (not before), taps needed = 128
 *   (100 rounded up), and the recipe is a nearly linear one with a 128-tap
 * post-FIR;
 * - a memoryless tanh clipper: the 1-tap ESR equals the analytic best
 *   gain's, no longer filter does better, 1 tap needed, no FIR chosen;
 * - the capture signal's hot sections: RMS 0.075 at -3 dBFS peak and RMS
 *   0.1 at -1 dBFS, the plain ones at their peaks with the guitar's crest;
 * - the recipe trains on the whole signal (guitar_only 0) whatever the
 *   probe says, and capture_dataset_guitar_only (--guitar-only) moves the
 *   training span's start to the guitar and leaves the validation and test
 *   spans as they were;
 * - capture_hot_gain: RMS 0.075 unless the peak would pass -1 dBFS;
 * - capture_heldout_make with hot copies: a file at RMS 0.02 comes back
 *   once as is and once raised 11.48 dB to RMS 0.075, sample for sample;
 * - capture_heldout_eval of an identity model against mda RezFilter (a
 *   linear filter at these settings): the hot copy's ESR equals the plain
 *   one's (scale invariance of a linear target), both the reference ESR.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_io.h"
#include "capture_eval.h"
#include "capture_lv2.h"
#include "capture_recipe.h"
#include "capture_signal.h"
#include "model.h"
#include "test_util.h"

#define REZ "http://drobilla.net/plugins/mda/RezFilter"
#define N   96000

/* Deterministic white noise in [-a, a). */
static void noise(float *x, size_t n, float a, unsigned long long seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] =
            a * (2.0f * (float)((seed >> 40) & 0xFFFFFF) / 16777216.0f - 1.0f);
    }
}

START_TEST(probe_known_fir)
{
    float *x = malloc(N * sizeof *x), *y = calloc(N, sizeof *y);
    float h[100];
    ck_assert(x && y);
    noise(x, N, 0.5f, 1);
    for (int k = 0; k < 100; k++)
        h[k] = (float)(exp(-k / 30.0) * cos(0.3 * k));
    for (size_t t = 0; t < N; t++)
        for (int k = 0; k < 100 && (size_t)k <= t; k++)
            y[t] += h[k] * x[t - (size_t)k];
    capture_probe p;
    char err[256];
    ck_assert_msg(capture_probe_run(x, y, N, 2048, &p, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_int_eq(p.n, 12);
    ck_assert_int_eq(p.taps[0], 1);
    ck_assert_int_eq(p.taps[11], 2048);
    /* 64 taps miss the tail (h[64..99] carry about 1.4 % of the energy) */
    ck_assert_msg(p.esr[6] > 5e-3, "64 taps: ESR %g", p.esr[6]);
    /* ~0 from 128 taps on: the floor (measured 8.6e-5) is the fit's
     * autocorrelation method, which counts the filter's output past the
     * pair's end (about taps / n of it) as error */
    ck_assert_msg(p.esr[7] < 2e-4, "128 taps: ESR %g", p.esr[7]);
    ck_assert_msg(p.esr[11] < 2e-4, "2048 taps: ESR %g", p.esr[11]);
    ck_assert_int_eq(p.taps_needed, 128);
    ck_assert_double_gt(p.explained, 0.9998);
    capture_choice c;
    capture_recipe_choose(&p, &c);
    ck_assert_int_eq(c.post_fir, 128);
    ck_assert_int_eq(c.pre_fir, 0);
    ck_assert_int_eq(c.hidden, 8);
    ck_assert_int_eq(c.skip, 1);
    ck_assert_int_eq(c.use_budget, 0);
    ck_assert_int_eq(c.guitar_only, 0);
    ck_assert_str_eq(c.kind, "nearly linear");
    free(x);
    free(y);
}
END_TEST

START_TEST(probe_tanh_clipper)
{
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    ck_assert(x && y);
    noise(x, N, 0.5f, 2);
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (size_t t = 0; t < N; t++) {
        y[t] = tanhf(8.0f * x[t]);
        sxy += (double)x[t] * y[t];
        sxx += (double)x[t] * x[t];
        syy += (double)y[t] * y[t];
    }
    double ref = 1.0 - sxy * sxy / (sxx * syy); /* best gain's ESR */
    ck_assert_double_gt(ref, 0.05);             /* measured 0.09999 */
    capture_probe p;
    char err[256];
    ck_assert_msg(capture_probe_run(x, y, N, 2048, &p, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_double_eq_tol(p.esr[0], ref, 1e-4);
    /* white input, memoryless target: no filter does better than chance
     * (2048 free taps over 96000 samples fit about 2 % of the rest) */
    ck_assert_double_gt(p.esr[11], 0.96 * ref);
    ck_assert_int_eq(p.taps_needed, 1);
    capture_choice c;
    capture_recipe_choose(&p, &c);
    ck_assert_int_eq(c.post_fir, 0);
    ck_assert_int_eq(c.pre_fir, 0);
    ck_assert_int_eq(c.use_budget, 1);
    /* the Chump's measured probe: 45 % explained, 256 taps needed: a
     * hybrid, which always has the skip path */
    capture_probe q = p;
    q.explained = 0.453;
    q.taps_needed = 256;
    capture_recipe_choose(&q, &c);
    ck_assert_int_eq(c.post_fir, 256);
    ck_assert_int_eq(c.pre_fir, 32);
    ck_assert_int_eq(c.hidden, 40);
    ck_assert_int_eq(c.skip, 1);
    ck_assert_int_eq(c.guitar_only, 0);
    q.explained = 0.5; /* the hidden-size rule's edge */
    capture_recipe_choose(&q, &c);
    ck_assert_int_eq(c.hidden, 16);
    free(x);
    free(y);
}
END_TEST

START_TEST(dataset_guitar_only)
{
    char err[512];
    capture_signal s;
    ck_assert(capture_signal_make(&s, 48000, 5.0, CAPTURE_SIGNAL_VERSION, err,
                                  sizeof err) == 0);
    capture_input in;
    ck_assert_msg(
        capture_input_make(&in, &s, NULL, 0, 48000, err, sizeof err) == 0, "%s",
        err);
    ck_assert_uint_lt(s.train_start, s.guitar_start);
    ck_assert_uint_lt(s.guitar_start, s.train_end);
    rnnamp_dataset ds;
    rnnamp_dataset_init(&ds);
    ck_assert_msg(capture_dataset_add(&ds, "identity", &s, &in, in.x, 0, 48000,
                                      NULL, err, sizeof err) == 0,
                  "%s", err);
    const rnnamp_pair *pr = &ds.pairs[0];
    rnnamp_span val = pr->spans[RNNAMP_SPLIT_VAL][0];
    rnnamp_span test = pr->spans[RNNAMP_SPLIT_TEST][0];
    size_t end = pr->spans[RNNAMP_SPLIT_TRAIN][0].end;
    ck_assert_uint_eq(pr->spans[RNNAMP_SPLIT_TRAIN][0].start, s.train_start);
    capture_dataset_guitar_only(&ds, &s);
    ck_assert_int_eq(pr->n_spans[RNNAMP_SPLIT_TRAIN], 1);
    ck_assert_uint_eq(pr->spans[RNNAMP_SPLIT_TRAIN][0].start, s.guitar_start);
    ck_assert_uint_eq(pr->spans[RNNAMP_SPLIT_TRAIN][0].end, end);
    ck_assert_uint_eq(end, val.start); /* validation follows the training */
    ck_assert_uint_eq(pr->spans[RNNAMP_SPLIT_VAL][0].start, val.start);
    ck_assert_uint_eq(pr->spans[RNNAMP_SPLIT_VAL][0].end, val.end);
    ck_assert_uint_eq(pr->spans[RNNAMP_SPLIT_TEST][0].start, test.start);
    ck_assert_uint_eq(pr->spans[RNNAMP_SPLIT_TEST][0].end, test.end);
    capture_dataset_guitar_only(&ds, &s); /* twice: no change */
    ck_assert_uint_eq(pr->spans[RNNAMP_SPLIT_TRAIN][0].start, s.guitar_start);
    rnnamp_dataset_free(&ds);
    capture_input_free(&in);
    capture_signal_free(&s);
}
END_TEST

START_TEST(hot_gain)
{
    ck_assert_double_eq_tol(capture_hot_gain(0.01, 0.1), 7.5, 1e-9);
    /* peak 0.2 * 7.5 would pass -1 dBFS: capped there */
    ck_assert_double_eq_tol(capture_hot_gain(0.01, 0.2),
                            pow(10.0, -1.0 / 20.0) / 0.2, 1e-9);
    ck_assert_double_eq_tol(capture_hot_gain(0.1, 0.5), 1.0, 1e-12);
    ck_assert_int_eq(capture_hot_base_len("a/b.wav @hot"), 7);
    ck_assert_int_eq(capture_hot_base_len("a/b.wav"), 0);
}
END_TEST

/* RMS and peak of x[0..n). */
static void level(const float *x, size_t n, double *rms, double *peak)
{
    double e = 0.0;
    *peak = 0.0;
    for (size_t i = 0; i < n; i++) {
        e += (double)x[i] * x[i];
        *peak = fmax(*peak, fabs(x[i]));
    }
    *rms = sqrt(e / (double)n);
}

START_TEST(signal_hot_sections)
{
    capture_signal s;
    char err[256];
    ck_assert(capture_signal_make(&s, 48000, 60.0, CAPTURE_SIGNAL_VERSION, err,
                                  sizeof err) == 0);
    size_t sec = 360000; /* 60 s in eight 7.5 s sections */
    ck_assert_uint_eq(s.train_end - s.guitar_start, 8 * sec);
    static const double want_rms[8] = {0, 0.075, 0, 0, 0.1, 0, 0, 0};
    static const double want_pk[8] = {-10, -3, -16, -6, -1, -12, -20, -4};
    for (int i = 0; i < 8; i++) {
        double rms, pk;
        level(s.x + s.guitar_start + (size_t)i * sec, sec, &rms, &pk);
        ck_assert_double_eq_tol(20.0 * log10(pk), want_pk[i], 0.01);
        if (want_rms[i] > 0.0)
            ck_assert_double_eq_tol(rms, want_rms[i], 0.01 * want_rms[i]);
        else /* plain: the guitar's own crest, 22.4-27.3 dB */
            ck_assert_double_gt(20.0 * log10(pk / rms), 21.0);
    }
    capture_signal_free(&s);
}
END_TEST

/* A 48 kHz file of 3 s of two sines at RMS 0.02 in dir; path into buf. */
static void write_clip(const char *dir, char *buf, size_t len)
{
    size_t n = 3 * 48000;
    float *x = malloc(n * sizeof *x);
    ck_assert(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.02 * (sin(2 * M_PI * 110.0 * i / 48000.0) +
                               sin(2 * M_PI * 1375.0 * i / 48000.0)));
    char err[256];
    snprintf(buf, len, "%s/clip.wav", dir);
    ck_assert_msg(rnnamp_audio_write(buf, x, n, 1, 48000, err, sizeof err) == 0,
                  "%s", err);
    free(x);
}

START_TEST(heldout_hot_copies)
{
    char dir[256], path[512], err[512];
    ck_assert_ptr_nonnull(test_tmpdir_make(dir, sizeof dir, "rnnamp-hot"));
    write_clip(dir, path, sizeof path);
    capture_signal s;
    ck_assert(capture_signal_make(&s, 48000, 5.0, CAPTURE_SIGNAL_VERSION, err,
                                  sizeof err) == 0);
    capture_heldout h;
    const char *files[1] = {path};
    ck_assert_msg(
        capture_heldout_make(&h, &s, files, 1, 48000, 1, err, sizeof err) == 0,
        "%s", err);
    ck_assert_int_eq(h.n_clips, 3);
    ck_assert_str_eq(h.name[1], path);
    ck_assert_uint_eq(capture_hot_base_len(h.name[2]), strlen(path));
    ck_assert_double_eq_tol(h.rms[1], 0.02, 2e-5);
    ck_assert_double_eq_tol(h.rms[2], CAPTURE_HOT_RMS, 1e-4);
    ck_assert_double_eq_tol(h.gain_db[2], 20.0 * log10(0.075 / 0.02), 0.01);
    ck_assert_uint_eq(h.len[2], h.len[1]);
    for (size_t i = 0; i < h.len[1]; i += 997)
        ck_assert_float_eq_tol(h.x[h.start[2] + i], 3.75f * h.x[h.start[1] + i],
                               1e-5f);

    /* identity model against a linear filter: hot and plain agree */
    rnnamp_model *m =
        rnnamp_model_new_stack(1, RNNAMP_LSTM, 0, 1, 1, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    capture_lv2 *host = capture_lv2_open(REZ, 48000, NULL, err, sizeof err);
    ck_assert_msg(host != NULL, "%s", err);
    const char *sym[5] = {"freq", "res", "env_vcf", "lfo_vcf", "output"};
    const float val[5] = {0.45f, 0.6f, 0.5f, 0.5f, 0.5f};
    for (int i = 0; i < 5; i++)
        ck_assert(capture_lv2_set(host, sym[i], val[i], err, sizeof err) == 0);
    double e[CAPTURE_MAX_CLIPS];
    ck_assert_msg(capture_heldout_eval(&h, host, 0, m, 0.5f, 48000, e, err,
                                       sizeof err) == 0,
                  "%s", err);
    ck_assert_msg(e[1] > 0.05, "a resonant low-pass is no identity: %g", e[1]);
    ck_assert_double_eq_tol(e[2], e[1], 1e-3 * e[1]);
    capture_lv2_free(host);
    rnnamp_model_free(m);
    capture_heldout_free(&h);
    capture_signal_free(&s);
    ck_assert_int_eq(test_tmpdir_remove(dir), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("capture-probe");
    TCase *tc = tcase_create("probe");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, probe_known_fir);
    tcase_add_test(tc, probe_tanh_clipper);
    tcase_add_test(tc, dataset_guitar_only);
    tcase_add_test(tc, hot_gain);
    tcase_add_test(tc, signal_hot_sections);
    tcase_add_test(tc, heldout_hot_copies);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
