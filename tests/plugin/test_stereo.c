/* rnnamp tests: the stereo plugin (http://rnnamp.org/plugins/rnnamp#stereo)
 * through lilv (src/host/lv2_host.c).
 *
 * The reference for each channel is the mono plugin: two mono instances
 * get the left and the right input, the stereo instance gets both, and all
 * three get the same control values, files and switches at the same
 * blocks (synchronous worker). Each stereo output must equal its mono
 * instance's output bit for bit, which holds only if the channels keep
 * separate states (the inputs differ), share the same crossfades and
 * ramps, and play the same model and IR. Also: one load's memory serves
 * both channels, state save/restore, the shipped presets, the ports, and
 * no allocation in run().
 *
 * Models: the shipped preset models (presets/NAME.lv2), read in place, and a
 * larger generated one for the memory check. LV2_PATH is unset: the host
 * finds the bundle in the build tree.
 */
#include <check.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "audio_io.h"
#include "lv2_host.h"
#include "plugin_test_host.h"
#include "model.h"
#include "model_io.h"
#include "test_util.h"

#define BLOCK 256
#define SEG   4800 /* samples run after each change: 0.1 s */

TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-test-stereo")

static char clean[500], fuzz[500], high[500], cab[500], big[500], long_ir[500],
    wavenet[500];

static void preset_file(char *buf, size_t len, const char *rel)
{
    snprintf(buf, len, "%s/presets/%s", RNNAMP_SOURCE_DIR, rel);
}

/* An LSTM-96 (weights: 4 x 96 x 97 floats, 149 KB) with deterministic
 * weights, for the memory check. */
static void make_big_model(const char *path)
{
    rnnamp_layer_spec sp[2] = {{RNNAMP_LSTM, 96, RNNAMP_ACT_LINEAR},
                               {RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR}};
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_new(1, 2, sp, 1, err, sizeof err);
    ck_assert_msg(m, "%s", err);
    uint32_t s = 99u;
    for (size_t i = 0; i < m->n_params; i++) {
        s = s * 1664525u + 1013904223u;
        m->params[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.1f;
    }
    m->meta.sample_rate = 48000.0;
    ck_assert_msg(rnnamp_model_save_aidax(m, path, NULL, err, sizeof err) == 0,
                  "%s", err);
    rnnamp_model_free(m);
}

/* A 1 s decaying noise IR at 48 kHz. */
static void make_long_ir(const char *path)
{
    const size_t n = 48000;
    float *h = malloc(n * sizeof *h);
    uint32_t s = 7u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        h[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) *
               (float)exp(-6.0 * (double)i / (double)n);
    }
    char err[512];
    ck_assert_msg(rnnamp_audio_write(path, h, n, 1, 48000, err, sizeof err) ==
                      0,
                  "%s", err);
    free(h);
}

static void setup(void)
{
    tmpdir_setup();
    preset_file(clean, sizeof clean, "rnnamp-combo-clean.lv2/combo-clean.json");
    preset_file(fuzz, sizeof fuzz, "rnnamp-fuzzface.lv2/fuzzface.json");
    preset_file(high, sizeof high, "rnnamp-combo-high.lv2/combo-high.json");
    preset_file(cab, sizeof cab, "gx-cab-4x12.wav");
    snprintf(wavenet, sizeof wavenet, "%s/tests/fuzz/corpus/nam_wavenet_a2.nam",
             RNNAMP_SOURCE_DIR);
    snprintf(big, sizeof big, "%s/big.json", tmpdir);
    snprintf(long_ir, sizeof long_ir, "%s/long-ir.wav", tmpdir);
    make_big_model(big);
    make_long_ir(long_ir);
}

static void teardown(void)
{
    tmpdir_teardown();
}

/* ---- helpers ---------------------------------------------------------- */

static rnnamp_lv2_host *host_at(int stereo, double rate, int threaded)
{
    return test_host_new(stereo ? RNNAMP_STEREO_URI : RNNAMP_URI, rate,
                         threaded, 8192);
}

static const char *status(rnnamp_lv2_host *h)
{
    const char *s = rnnamp_lv2_host_property(h, RNNAMP__status);
    return s ? s : "(none)";
}

/* A guitar-like test signal for channel ch (0: left, 1: right: other
 * notes, another level, a pause in the middle), n samples at rate. */
static float *signal_for(int ch, size_t n, double rate)
{
    float *x = malloc(n * sizeof *x);
    const double f0 = ch ? 146.8 : 110.0, amp = ch ? 0.25 : 0.4;
    for (size_t i = 0; i < n; i++) {
        const double t = (double)i / rate;
        const double env = exp(-3.0 * fmod(t, 0.5)); /* a pluck every 0.5 s */
        const double quiet = ch && t > 0.9 && t < 1.2 ? 0.0 : 1.0;
        x[i] = (float)(quiet * amp * env *
                       (sin(2 * M_PI * f0 * t) +
                        0.5 * sin(2 * M_PI * 3.0 * f0 * t + ch)));
    }
    return x;
}

/* The three hosts: [0] stereo, [1] mono left, [2] mono right. */
typedef struct {
    rnnamp_lv2_host *h[3];
} trio;

static trio trio_new(double rate)
{
    trio t = {{host_at(1, rate, 0), host_at(0, rate, 0), host_at(0, rate, 0)}};
    return t;
}

static void trio_free(trio *t)
{
    for (int i = 0; i < 3; i++)
        rnnamp_lv2_host_free(t->h[i]);
}

static void trio_set(trio *t, const char *sym, float v)
{
    for (int i = 0; i < 3; i++)
        set(t->h[i], sym, v);
}

static void trio_path(trio *t, const char *prop, const char *path)
{
    for (int i = 0; i < 3; i++)
        send_path(t->h[i], prop, path);
}

/* Run n samples from `at` of xl/xr through the three hosts in blocks;
 * the stereo outputs into yl/yr, the mono ones into ml/mr. */
static void trio_run(trio *t, const float *xl, const float *xr, float *yl,
                     float *yr, float *ml, float *mr, size_t at, size_t n)
{
    for (size_t done = 0; done < n;) {
        const uint32_t k = (uint32_t)(n - done < BLOCK ? n - done : BLOCK);
        const size_t i = at + done;
        const float *in[2] = {xl + i, xr + i};
        float *out[2] = {yl + i, yr + i};
        ck_assert_int_eq(
            rnnamp_lv2_host_run_channels(t->h[0], in, 2, out, 2, k), 0);
        ck_assert_int_eq(rnnamp_lv2_host_run(t->h[1], xl + i, ml + i, k), 0);
        ck_assert_int_eq(rnnamp_lv2_host_run(t->h[2], xr + i, mr + i, k), 0);
        done += k;
    }
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double d = 0.0;
    for (size_t i = 0; i < n; i++)
        d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

/* ---- tests ------------------------------------------------------------ */

/* Each stereo channel plays what the mono plugin plays for its input, bit
 * for bit, through a session of changes: model, IR, gains, gate, DC
 * blocker, normalize, calibrate, IR off and on, bypass, model switches
 * and IR switches while the other fades, a failed load, clearing the
 * model, last a NAM WaveNet (an A2 SlimmableContainer; resampled at 32
 * and 96 kHz). At 48 kHz (engine at its rate), 96 kHz (delay-line rate
 * correction) and 32 kHz (resampled), so every kind of per-channel state
 * is exercised. */
static void channels_match(double rate)
{
    enum { STEPS = 16 };
    const size_t n = (size_t)STEPS * SEG;
    float *xl = signal_for(0, n, rate), *xr = signal_for(1, n, rate);
    float *yl = malloc(n * sizeof *yl), *yr = malloc(n * sizeof *yr);
    float *ml = malloc(n * sizeof *ml), *mr = malloc(n * sizeof *mr);
    trio t = trio_new(rate);
    trio_set(&t, "dc_block", 0.0f);
    for (int s = 0; s < STEPS; s++) {
        switch (s) {
        case 0: trio_path(&t, RNNAMP__model, clean); break;
        case 1: trio_path(&t, RNNAMP__ir, cab); break;
        case 2:
            trio_set(&t, "input_gain", 6.0f);
            trio_set(&t, "gate_threshold", -30.0f);
            break;
        case 3: trio_path(&t, RNNAMP__model, fuzz); break;
        case 4: /* switch the IR while the model still fades */
            trio_path(&t, RNNAMP__model, high);
            trio_run(&t, xl, xr, yl, yr, ml, mr, (size_t)s * SEG, BLOCK);
            trio_path(&t, RNNAMP__ir, long_ir);
            break;
        case 5: trio_set(&t, "ir_enabled", 0.0f); break;
        case 6:
            trio_set(&t, "ir_enabled", 1.0f);
            trio_set(&t, "ir_gain", -6.0f);
            break;
        case 7: trio_set(&t, "dc_block", 1.0f); break;
        case 8: trio_set(&t, "normalize", 1.0f); break;
        case 9: trio_set(&t, "enabled", 0.0f); break;
        case 10: trio_set(&t, "enabled", 1.0f); break;
        case 11: trio_path(&t, RNNAMP__model, "/no/such/model.json"); break;
        case 12:
            trio_set(&t, "calibrate", 1.0f);
            trio_set(&t, "output_gain", -3.0f);
            break;
        case 13: trio_path(&t, RNNAMP__model, ""); break; /* to dry */
        case 14: trio_path(&t, RNNAMP__ir, ""); break;
        default: trio_path(&t, RNNAMP__model, wavenet); break;
        }
        const size_t at = (size_t)s * SEG + (s == 4 ? BLOCK : 0);
        trio_run(&t, xl, xr, yl, yr, ml, mr, at, (size_t)(s + 1) * SEG - at);
    }
    ck_assert_msg(strstr(status(t.h[0]), "loaded") &&
                      strstr(status(t.h[0]), "SlimmableContainer"),
                  "%s", status(t.h[0]));
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(yl[i] == ml[i], "%g Hz left sample %zu: %.9g vs %.9g",
                      rate, i, (double)yl[i], (double)ml[i]);
        ck_assert_msg(yr[i] == mr[i], "%g Hz right sample %zu: %.9g vs %.9g",
                      rate, i, (double)yr[i], (double)mr[i]);
    }
    /* the channels are not the same signal (a shared state would mix
     * them) and the model did play */
    ck_assert_msg(max_abs_diff(yl, yr, n) > 0.05, "channels alike");
    ck_assert_msg(max_abs_diff(yl + 4 * SEG, xl + 4 * SEG, SEG) > 0.05,
                  "the model did not play");
    trio_free(&t);
    free(xl);
    free(xr);
    free(yl);
    free(yr);
    free(ml);
    free(mr);
}

START_TEST(t_channels_match_mono_48k)
{
    channels_match(48000.0);
}
END_TEST

START_TEST(t_channels_match_mono_96k)
{
    channels_match(96000.0);
}
END_TEST

START_TEST(t_channels_match_mono_32k)
{
    channels_match(32000.0);
}
END_TEST

/* The same input on both sides gives the same output on both, bit for
 * bit, through model and IR crossfades: the two channels crossfade alike,
 * sample by sample. */
START_TEST(t_crossfades_alike)
{
    enum { BLOCKS = 20 }; /* per change */
    const size_t n = 6 * BLOCKS * BLOCK;
    const char *change[6] = {clean, cab, fuzz, long_ir, high, ""};
    float *x = signal_for(0, n, 48000.0);
    float *yl = malloc(n * sizeof *yl), *yr = malloc(n * sizeof *yr);
    rnnamp_lv2_host *h = host_at(1, 48000.0, 0);
    for (size_t b = 0; b < n / BLOCK; b++) {
        if (b % BLOCKS == 0) /* model, IR, model, IR, ... */
            send_path(h, (b / BLOCKS) % 2 ? RNNAMP__ir : RNNAMP__model,
                      change[b / BLOCKS]);
        const float *in[2] = {x + b * BLOCK, x + b * BLOCK};
        float *out[2] = {yl + b * BLOCK, yr + b * BLOCK};
        ck_assert_int_eq(rnnamp_lv2_host_run_channels(h, in, 2, out, 2, BLOCK),
                         0);
    }
    ck_assert_mem_eq(yl, yr, n * sizeof *yl);
    ck_assert_msg(max_abs_diff(yl + BLOCKS * BLOCK, x + BLOCKS * BLOCK,
                               n - BLOCKS * BLOCK) > 0.05,
                  "nothing played");
    rnnamp_lv2_host_free(h);
    free(x);
    free(yl);
    free(yr);
}
END_TEST

/* Heap bytes in use (glibc's counters: small blocks and mmapped ones). */
static double heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

/* Heap taken by an instance (stereo or mono) loading a model and/or an IR
 * (NULL: none). */
static double load_cost(int stereo, const char *model, const char *ir)
{
    rnnamp_lv2_host *h = host_at(stereo, 48000.0, 0);
    const float *in[2] = {NULL, NULL};
    float *out[2] = {NULL, NULL};
    rnnamp_lv2_host_run_channels(h, in, 2, out, 2, BLOCK);
    const double before = heap_in_use();
    if (model)
        send_path(h, RNNAMP__model, model);
    if (ir)
        send_path(h, RNNAMP__ir, ir);
    for (int i = 0; i < 4; i++) /* loaded, installed, faded in */
        rnnamp_lv2_host_run_channels(h, in, 2, out, 2, 8192);
    ck_assert_msg(strstr(status(h), model ? "loaded" : "IR loaded"), "%s",
                  status(h));
    const double cost = heap_in_use() - before;
    rnnamp_lv2_host_free(h);
    return cost;
}

/* One load serves both channels. The model: 4 x 96 x 98 weights and
 * biases, 150 KB; the stereo plugin adds only the second channel's
 * engine state (a few KB), far from a second copy of the weights. The
 * 1 s IR: the partition spectra take 8 bytes a tap or more (384 KB); the
 * second channel adds its own input, output and spectrum history but not
 * the spectra: less than the mono plugin's whole cost minus the
 * spectra. */
START_TEST(t_one_load_for_both)
{
#if defined(__SANITIZE_ADDRESS__)
    return; /* ASan owns malloc: glibc's counters say nothing */
#endif
    const double weights = 4.0 * 4 * 96 * (1 + 96 + 1);
    const double spectra = 8.0 * 48000;
    load_cost(1, big, long_ir); /* FFTW's first plans, wisdom, twiddles */
    const double mono_m = load_cost(0, big, NULL);
    const double stereo_m = load_cost(1, big, NULL);
    const double mono_ir = load_cost(0, NULL, long_ir);
    const double stereo_ir = load_cost(1, NULL, long_ir);
    printf("heap for the model: mono %.0f, stereo %.0f bytes; for the IR: "
           "mono %.0f, stereo %.0f bytes\n",
           mono_m, stereo_m, mono_ir, stereo_ir);
    ck_assert_msg(mono_m > weights, "mono model load %g bytes", mono_m);
    ck_assert_msg(stereo_m - mono_m < 0.1 * weights,
                  "the second channel's engine took %g bytes (weights: %g)",
                  stereo_m - mono_m, weights);
    ck_assert_msg(stereo_m > mono_m, "no second engine state?");
    ck_assert_msg(mono_ir > 2 * spectra, "mono IR load %g bytes", mono_ir);
    ck_assert_msg(stereo_ir - mono_ir < mono_ir - spectra,
                  "the second channel's convolver took %g bytes, the mono "
                  "one %g (spectra: %g)",
                  stereo_ir - mono_ir, mono_ir, spectra);
    ck_assert_msg(stereo_ir - mono_ir > 0.5 * spectra,
                  "no second spectrum history? (%g bytes)",
                  stereo_ir - mono_ir);
}
END_TEST

/* The stereo plugin's control ports are the mono plugin's (symbols,
 * ranges, defaults); it has 2 audio inputs and outputs. */
START_TEST(t_ports)
{
    rnnamp_lv2_host *m = host_at(0, 48000.0, 0), *s = host_at(1, 48000.0, 0);
    int i = 0;
    for (; rnnamp_lv2_host_control_input(m, i); i++) {
        const char *sym = rnnamp_lv2_host_control_input(m, i);
        const char *ssym = rnnamp_lv2_host_control_input(s, i);
        ck_assert_msg(ssym && !strcmp(sym, ssym), "control %d: %s vs %s", i,
                      sym, ssym ? ssym : "(none)");
        float a[3], b[3];
        ck_assert_int_eq(
            rnnamp_lv2_host_control_range(m, sym, &a[0], &a[1], &a[2]), 0);
        ck_assert_int_eq(
            rnnamp_lv2_host_control_range(s, sym, &b[0], &b[1], &b[2]), 0);
        ck_assert_mem_eq(a, b, sizeof a);
    }
    ck_assert_int_ge(i, 14);
    ck_assert_ptr_null(rnnamp_lv2_host_control_input(s, i));
    int ni, no;
    rnnamp_lv2_host_audio_ports(s, &ni, &no);
    ck_assert(ni == 2 && no == 2);
    rnnamp_lv2_host_audio_ports(m, &ni, &no);
    ck_assert(ni == 1 && no == 1);
    ck_assert_str_eq(rnnamp_lv2_host_name(s), "rnnamp stereo");
    rnnamp_lv2_host_free(m);
    rnnamp_lv2_host_free(s);
}
END_TEST

/* Render n samples of xl/xr through a stereo host into yl/yr. */
static void render2(rnnamp_lv2_host *h, const float *xl, const float *xr,
                    float *yl, float *yr, size_t n)
{
    for (size_t done = 0; done < n; done += BLOCK) {
        const uint32_t k = (uint32_t)(n - done < BLOCK ? n - done : BLOCK);
        const float *in[2] = {xl + done, xr + done};
        float *out[2] = {yl + done, yr + done};
        ck_assert_int_eq(rnnamp_lv2_host_run_channels(h, in, 2, out, 2, k), 0);
    }
}

/* Save a state from `from` (stereo or mono) with a model, an IR and port
 * values; restore it into a stereo instance (with and without a worker):
 * it sounds as a fresh stereo instance given the same. */
static void state_roundtrip(int from_stereo)
{
    const size_t n = 4 * SEG;
    float *xl = signal_for(0, n, 48000.0), *xr = signal_for(1, n, 48000.0);
    float *a[2], *b[2];
    for (int c = 0; c < 2; c++) {
        a[c] = malloc(n * sizeof *a[c]);
        b[c] = malloc(n * sizeof *b[c]);
    }
    char sdir[400], err[1024];
    snprintf(sdir, sizeof sdir, "%s/state-%d", tmpdir, from_stereo);
    rnnamp_lv2_host *h = host_at(from_stereo, 48000.0, 0);
    set(h, "input_gain", 3.0f);
    set(h, "gate_threshold", -40.0f);
    send_path(h, RNNAMP__model, fuzz);
    send_path(h, RNNAMP__ir, cab);
    rnnamp_lv2_host_run(h, NULL, NULL, BLOCK);
    ck_assert_msg(rnnamp_lv2_host_save_state(h, sdir, err, sizeof err) == 0,
                  "%s", err);
    rnnamp_lv2_host_free(h);
    for (int with_worker = 0; with_worker < 2; with_worker++) {
        rnnamp_lv2_host *r = host_at(1, 48000.0, 0);
        ck_assert_msg(rnnamp_lv2_host_restore_state(r, sdir, with_worker, err,
                                                    sizeof err) == 0,
                      "%s", err);
        rnnamp_lv2_host_get_all(r);
        rnnamp_lv2_host_run(r, NULL, NULL, BLOCK);
        ck_assert_msg(strstr(status(r), "loaded") &&
                          strstr(status(r), "IR loaded gx-cab-4x12.wav"),
                      "%s", status(r));
        float g;
        ck_assert(rnnamp_lv2_host_get_control(r, "gate_threshold", &g) == 0);
        ck_assert(g == -40.0f);
        rnnamp_lv2_host *f = host_at(1, 48000.0, 0);
        set(f, "input_gain", 3.0f);
        set(f, "gate_threshold", -40.0f);
        send_path(f, RNNAMP__model, fuzz);
        send_path(f, RNNAMP__ir, cab);
        rnnamp_lv2_host_run(f, NULL, NULL, BLOCK);
        render2(r, xl, xr, a[0], a[1], n);
        render2(f, xl, xr, b[0], b[1], n);
        for (int c = 0; c < 2; c++)
            ck_assert_msg(max_abs_diff(a[c], b[c], n) == 0.0,
                          "channel %d sounds different after restore", c);
        ck_assert(max_abs_diff(a[0], a[1], n) > 0.05);
        rnnamp_lv2_host_free(r);
        rnnamp_lv2_host_free(f);
    }
    for (int c = 0; c < 2; c++) {
        free(a[c]);
        free(b[c]);
    }
    free(xl);
    free(xr);
}

START_TEST(t_state_roundtrip)
{
    state_roundtrip(1);
}
END_TEST

START_TEST(t_state_from_mono)
{
    state_roundtrip(0);
}
END_TEST

/* The shipped presets apply to the stereo plugin: after each, the left
 * channel plays what the mono plugin plays with the same preset. */
START_TEST(t_presets)
{
    static const char *const presets[] = {
        "demo-lstm8", "combo-clean", "combo-high-cab", "fuzzface",
        "od-knob",    "od-low",      "rezfilter",      "ts9-high"};
    const size_t n = 2 * SEG;
    float *xl = signal_for(0, n, 48000.0), *xr = signal_for(1, n, 48000.0);
    float *yl = malloc(n * sizeof *yl), *yr = malloc(n * sizeof *yr);
    float *ml = malloc(n * sizeof *ml), *mr = malloc(n * sizeof *mr);
    for (size_t p = 0; p < sizeof presets / sizeof *presets; p++) {
        char uri[200], err[1024];
        snprintf(uri, sizeof uri, "http://rnnamp.org/presets/%s", presets[p]);
        trio t = trio_new(48000.0);
        for (int i = 0; i < 3; i++)
            ck_assert_msg(
                rnnamp_lv2_host_apply_preset(t.h[i], uri, err, sizeof err) == 0,
                "%s: %s", uri, err);
        rnnamp_lv2_host_get_all(t.h[0]);
        trio_run(&t, xl, xr, yl, yr, ml, mr, 0, n);
        ck_assert_msg(strstr(status(t.h[0]), "loaded") &&
                          !strstr(status(t.h[0]), "error"),
                      "%s: %s", uri, status(t.h[0]));
        ck_assert_msg(max_abs_diff(yl, ml, n) == 0.0, "%s: left", uri);
        ck_assert_msg(max_abs_diff(yr, mr, n) == 0.0, "%s: right", uri);
        ck_assert_msg(max_abs_diff(yl + SEG, xl + SEG, SEG) > 0.01,
                      "%s: did not play", uri);
        trio_free(&t);
    }
    free(xl);
    free(xr);
    free(yl);
    free(yr);
    free(ml);
    free(mr);
}
END_TEST

/* No allocation in run(): model and IR switches (loaded by a worker
 * thread held while run() runs), failed loads, IR off and on, bypass. */
START_TEST(t_no_alloc)
{
    rnnamp_lv2_host *h = host_at(1, 48000.0, 1);
    const size_t n = 3 * BLOCK;
    float *xl = signal_for(0, n, 48000.0), *xr = signal_for(1, n, 48000.0);
    float yl[3 * BLOCK], yr[3 * BLOCK];
    const char *models[] = {clean, fuzz, "/no/such.json", big, wavenet};
    const char *irs[] = {cab, long_ir, "/no/such.wav", ""};
    allocs = 0;
    for (int i = 0; i < 24; i++) {
        if (i % 3 == 0)
            send_path(h, RNNAMP__model, models[(i / 3) % 5]);
        else if (i % 3 == 1)
            send_path(h, RNNAMP__ir, irs[(i / 3) % 4]);
        else
            set(h, i % 2 ? "ir_enabled" : "enabled", (float)((i / 3) % 2));
        for (size_t b = 0; b < n; b += BLOCK) {
            const float *in[2] = {xl + b, xr + b};
            float *out[2] = {yl + b, yr + b};
            rnnamp_lv2_host_worker_hold(h, 1);
            rnnamp_lv2_host_run_channels(h, in, 2, out, 2, BLOCK);
            rnnamp_lv2_host_worker_hold(h, 0);
            rnnamp_lv2_host_worker_idle(h);
        }
    }
    ck_assert_int_eq(allocs, 0);
    /* the counter counts */
    count_hook(NULL, 1);
    void *volatile p = malloc(16);
    free(p);
    count_hook(NULL, 0);
    ck_assert_int_eq(allocs, 2);
    rnnamp_lv2_host_free(h);
    free(xl);
    free(xr);
}
END_TEST

/* patch:Set messages naming a subject: the stereo plugin takes those for
 * its own URI (or none) and ignores those for the mono plugin's. */
START_TEST(t_patch_subject)
{
    char err[1024];
    rnnamp_lv2_host *h = host_at(1, 48000.0, 0);
    const float *in[2] = {NULL, NULL};
    float *out[2] = {NULL, NULL};
    ck_assert(rnnamp_lv2_host_set_path_of(h, RNNAMP_URI, RNNAMP__model, clean,
                                          err, sizeof err) == 0);
    rnnamp_lv2_host_get_all(h);
    rnnamp_lv2_host_run_channels(h, in, 2, out, 2, BLOCK);
    ck_assert_msg(strstr(status(h), "no model"), "%s", status(h));
    ck_assert(rnnamp_lv2_host_set_path_of(h, RNNAMP_STEREO_URI, RNNAMP__model,
                                          clean, err, sizeof err) == 0);
    rnnamp_lv2_host_run_channels(h, in, 2, out, 2, BLOCK);
    ck_assert_msg(strstr(status(h), "loaded"), "%s", status(h));
    rnnamp_lv2_host_free(h);
}
END_TEST

int main(void)
{
    unsetenv("LV2_PATH"); /* the host must find the bundle by itself */
    Suite *s = suite_create("stereo");
    TCase *tc = tcase_create("stereo");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, t_channels_match_mono_48k);
    tcase_add_test(tc, t_channels_match_mono_96k);
    tcase_add_test(tc, t_channels_match_mono_32k);
    tcase_add_test(tc, t_crossfades_alike);
    tcase_add_test(tc, t_one_load_for_both);
    tcase_add_test(tc, t_ports);
    tcase_add_test(tc, t_state_roundtrip);
    tcase_add_test(tc, t_state_from_mono);
    tcase_add_test(tc, t_presets);
    tcase_add_test(tc, t_no_alloc);
    tcase_add_test(tc, t_patch_subject);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
