/* rnnamp tests: the LV2 plugin through lilv (tools/lv2_host.c).
 *
 * Runs with LV2_PATH unset (main()): the offline host finds the built
 * bundle next to the test program in the build tree.
 * Models are made here with rnnamp_model_save_aidax (deterministic weights)
 * in a temporary folder, so nothing from ../shared is needed. References
 * come from rnnamp_engine run directly on the same model file.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <samplerate.h>
#include <sndfile.h>

#include "audio_io.h"
#include "dc_blocker.h"
#include "engine.h"
#include "lv2_host.h"
#include "model.h"
#include "model_io.h"
#include "noise_gate.h"
#include "resampler.h"
#include "smoother.h"
#include "test_util.h"

/* ---- allocation counter for the audio thread only ------------------- */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) ||     \
    __has_feature(thread_sanitizer)
#define RNNAMP_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(RNNAMP_TEST_SANITIZED)
#define COUNT_ALLOCS 0 /* TSan (or clang's sanitizers) own malloc */
#elif defined(__SANITIZE_ADDRESS__)
/* ASan owns malloc: count through its allocation hooks (its public
 * interface; GCC ships no header for it), on the audio thread only. */
#define COUNT_ALLOCS     1
#define COUNT_WITH_HOOKS 1
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));
/* volatile: the compiler assumes malloc and free leave globals alone */
static __thread volatile int counting;
static __thread volatile long n_allocs;
static void asan_malloc_hook(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    n_allocs += counting;
}
static void asan_free_hook(const volatile void *p)
{
    n_allocs += counting && p;
}
#else
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
static __thread int counting;
static __thread long n_allocs;
void *malloc(size_t n)
{
    n_allocs += counting;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    n_allocs += counting;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    n_allocs += counting;
    return __libc_realloc(p, n);
}
void *aligned_alloc(size_t al, size_t n)
{
    n_allocs += counting;
    return __libc_memalign(al, n);
}
int posix_memalign(void **p, size_t al, size_t n)
{
    n_allocs += counting;
    *p = __libc_memalign(al, n);
    return *p ? 0 : 12;
}
void free(void *p)
{
    n_allocs += counting && p;
    __libc_free(p);
}
#endif

static void count_hook(void *ctx, int begin)
{
    (void)ctx;
#if defined(COUNT_WITH_HOOKS)
    static int hooked; /* once per process: the hooks are global */
    if (!hooked)
        hooked = __sanitizer_install_malloc_and_free_hooks(asan_malloc_hook,
                                                           asan_free_hook);
#endif
#if COUNT_ALLOCS
    counting = begin;
#else
    (void)begin;
#endif
}

/* ---- fixtures -------------------------------------------------------- */

static char dir[256];
static char model_a[300], model_b[300], model_knob[300], model_knob3[300],
    missing[300], corrupt[300];
/* cabinet IRs: ir1 (48 kHz mono, IR1_TAPS), ir2 (44.1 kHz stereo), and a
 * file that is not there; ir1_ref is ir1 at unit energy, in float64 */
#define IR1_TAPS 1000
static char ir1[300], ir2[300], ir_missing[300];
static double ir1_ref[IR1_TAPS];

/* A decaying noise IR of n taps (channel 0; other channels other noise)
 * written to path as a float WAV at rate; h gets the first channel at unit
 * energy (may be NULL). */
static void make_ir(const char *path, size_t n, uint32_t seed, int channels,
                    int rate, double *h)
{
    float *x = malloc(n * (size_t)channels * sizeof *x);
    uint32_t s = seed;
    for (size_t i = 0; i < n * (size_t)channels; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) *
               expf(-(float)(i / (size_t)channels) / (float)(n / 5));
    }
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    ck_assert_msg(sf, "%s: %s", path, sf_strerror(NULL));
    ck_assert_int_eq(sf_writef_float(sf, x, (sf_count_t)n), (sf_count_t)n);
    sf_close(sf);
    if (h) {
        double e = 0.0;
        for (size_t i = 0; i < n; i++)
            e += (double)x[i * (size_t)channels] * x[i * (size_t)channels];
        for (size_t i = 0; i < n; i++)
            h[i] = x[i * (size_t)channels] / sqrt(e);
    }
    free(x);
}

/* LSTM/GRU with deterministic weights; skip off so the net is audible. */
static void make_model(const char *path, rnnamp_layer_type t, int H, int n_in,
                       uint32_t seed, float in_scale, double rate)
{
    rnnamp_layer_spec sp[2] = {{t, H, RNNAMP_ACT_LINEAR},
                               {RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR}};
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_new(n_in, 2, sp, 0, err, sizeof err);
    ck_assert_msg(m, "%s", err);
    uint32_t s = seed;
    for (size_t i = 0; i < m->n_params; i++) {
        s = s * 1664525u + 1013904223u;
        m->params[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.8f;
    }
    const rnnamp_layer *l = &m->layers[0];
    int G = rnnamp_layer_gates(t);
    for (int i = 0; i < G * H * n_in; i++)
        l->w_ih[i] *= in_scale;
    for (int i = 0; i < H; i++) {
        l->h0[i] = 0.0f;
        if (l->c0)
            l->c0[i] = 0.0f;
    }
    snprintf(m->meta.name, sizeof m->meta.name, "test-%s-%d",
             rnnamp_layer_type_name(t), H);
    m->meta.sample_rate = rate;
    ck_assert_msg(rnnamp_model_save_aidax(m, path, NULL, err, sizeof err) == 0,
                  "%s", err);
    rnnamp_model_free(m);
}

static void setup(void)
{
    ck_assert(test_tmpdir_make(dir, sizeof dir, "rnnamp-test-plugin"));
    snprintf(model_a, sizeof model_a, "%s/a.json", dir);
    snprintf(model_b, sizeof model_b, "%s/b.json", dir);
    snprintf(model_knob, sizeof model_knob, "%s/knob.json", dir);
    snprintf(model_knob3, sizeof model_knob3, "%s/knob3.json", dir);
    snprintf(missing, sizeof missing, "%s/missing.json", dir);
    snprintf(corrupt, sizeof corrupt, "%s/corrupt.json", dir);
    make_model(model_a, RNNAMP_LSTM, 8, 1, 1234u, 4.0f, 48000.0);
    make_model(model_b, RNNAMP_GRU, 8, 1, 98765u, 3.0f, 48000.0);
    make_model(model_knob, RNNAMP_LSTM, 8, 2, 555u, 2.0f, 48000.0);
    make_model(model_knob3, RNNAMP_GRU, 8, 4, 4321u, 2.0f, 48000.0);
    FILE *f = fopen(corrupt, "w");
    ck_assert(f);
    fputs("{\"layers\": [ {\"type\": \"lstm\", ", f);
    fclose(f);
    snprintf(ir1, sizeof ir1, "%s/ir1.wav", dir);
    snprintf(ir2, sizeof ir2, "%s/ir2.wav", dir);
    snprintf(ir_missing, sizeof ir_missing, "%s/missing-ir.wav", dir);
    make_ir(ir1, IR1_TAPS, 2024u, 1, 48000, ir1_ref);
    make_ir(ir2, 300, 77u, 2, 44100, NULL);
}

static void teardown(void)
{
    ck_assert_int_eq(test_tmpdir_remove(dir), 0);
}

/* Test signal: two sines under a fade-in envelope, like the shared refs. */
static float *test_signal(size_t n, double rate, double amp)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        double env = fmin(1.0, (double)i / (0.064 * rate));
        x[i] = (float)(amp * env *
                       (0.8 * sin(2 * M_PI * 220.0 * i / rate) +
                        0.1 * sin(2 * M_PI * 1375.0 * i / rate)));
    }
    return x;
}

static rnnamp_lv2_host *host(double rate, int threaded, uint32_t max_block)
{
    char err[1024];
    rnnamp_lv2_host_opts o = {0};
    o.rate = rate;
    o.max_block = max_block;
    o.threaded_worker = threaded;
    o.quiet = 1;
    o.run_hook = count_hook;
    rnnamp_lv2_host *h = rnnamp_lv2_host_new(&o, err, sizeof err);
    ck_assert_msg(h, "%s (LV2_PATH=%s)", err,
                  getenv("LV2_PATH") ? getenv("LV2_PATH") : "unset");
    return h;
}

static void set(rnnamp_lv2_host *h, const char *sym, float v)
{
    char err[1024];
    ck_assert_msg(rnnamp_lv2_host_set_control(h, sym, v, err, sizeof err) == 0,
                  "%s", err);
}

static const char *status(rnnamp_lv2_host *h)
{
    const char *s = rnnamp_lv2_host_property(h, RNNAMP__status);
    return s ? s : "(none)";
}

/* Send a model and run silent blocks until the status comes back.
 * Returns the samples the new model ran before the call returned. */
static long load(rnnamp_lv2_host *h, const char *path, uint32_t block,
                 int threaded)
{
    char err[1024];
    ck_assert(
        rnnamp_lv2_host_set_path(h, RNNAMP__model, path, err, sizeof err) == 0);
    if (!threaded) {
        /* synchronous worker: the swap happens at the start of this block */
        rnnamp_lv2_host_run(h, NULL, NULL, block);
        return block;
    }
    rnnamp_lv2_host_run(h, NULL, NULL, block); /* request sent */
    rnnamp_lv2_host_worker_idle(h);            /* loaded, answer queued */
    rnnamp_lv2_host_run(h, NULL, NULL, block); /* installed here */
    return block;
}

static void render(rnnamp_lv2_host *h, const float *x, float *y, size_t n,
                   uint32_t block)
{
    for (size_t done = 0; done < n;) {
        uint32_t k = (uint32_t)(n - done < block ? n - done : block);
        ck_assert_int_eq(
            rnnamp_lv2_host_run(h, x ? x + done : NULL, y ? y + done : NULL, k),
            0);
        done += k;
    }
}

/* The engine's output for: prewarm, `silence` zeros, then x. */
static float *reference(const char *path, long silence, const float *x,
                        size_t n, const float *knobs)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_load(path, err, sizeof err);
    ck_assert_msg(m, "%s", err);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
    ck_assert_msg(e, "%s", err);
    float k[3] = {0.5f, 0.5f, 0.5f};
    if (knobs)
        memcpy(k, knobs, sizeof k);
    rnnamp_engine_prewarm(
        e,
        m->meta.prewarm_samples > 0 ? (uint32_t)m->meta.prewarm_samples : 2048u,
        k);
    float *z = calloc((size_t)silence + 1, sizeof *z);
    rnnamp_engine_process(e, z, z, (uint32_t)silence, k);
    float *y = malloc(n * sizeof *y);
    rnnamp_engine_process(e, x, y, (uint32_t)n, k);
    free(z);
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
    return y;
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double d = 0.0;
    for (size_t i = 0; i < n; i++)
        d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

static int all_finite(const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return 0;
    return 1;
}

/* ---- tests ------------------------------------------------------------ */

/* The plugin plays exactly what the engine computes (0 dB gains, DC
 * blocker off, after the crossfade from dry). */
static void engine_match(int threaded)
{
    const size_t n = 24000, fade = 2400; /* 50 ms at 48 kHz */
    rnnamp_lv2_host *h = host(48000.0, threaded, 8192);
    set(h, "dc_block", 0.0f);
    long silent = load(h, model_a, 256, threaded);
    ck_assert_msg(!strncmp(status(h), "loaded test-lstm-8", 18), "%s",
                  status(h));
    float *x = test_signal(n, 48000.0, 0.5);
    float *y = malloc(n * sizeof *y);
    render(h, x, y, n, 256);
    float *r = reference(model_a, silent, x, n, NULL);
    double d = max_abs_diff(y + fade, r + fade, n - fade);
    ck_assert_msg(d == 0.0, "plugin vs engine differ by %g", d);
    /* and the model is audible: not the dry signal */
    ck_assert(max_abs_diff(y + fade, x + fade, n - fade) > 0.05);
    free(x);
    free(y);
    free(r);
    rnnamp_lv2_host_free(h);
}

START_TEST(t_engine_match_sync)
{
    engine_match(0);
}
END_TEST

START_TEST(t_engine_match_threaded)
{
    engine_match(1);
}
END_TEST

/* Controls: output gain, input gain, bypass, knobs. */
START_TEST(t_controls)
{
    const size_t n = 12000;
    float *x = test_signal(n, 48000.0, 0.5);
    float *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1);
    rnnamp_lv2_host *h0 = host(48000.0, 0, 8192);
    rnnamp_lv2_host *h1 = host(48000.0, 0, 8192);
    set(h0, "dc_block", 0.0f);
    set(h1, "dc_block", 0.0f);
    set(h1, "output_gain", 6.0f);
    load(h0, model_a, 256, 0);
    load(h1, model_a, 256, 0);
    render(h0, x, y0, n, 256);
    render(h1, x, y1, n, 256);
    double g = pow(10.0, 6.0 / 20.0), worst = 0.0;
    for (size_t i = 4800; i < n; i++)
        worst = fmax(worst, fabs(y1[i] - g * y0[i]));
    ck_assert_msg(worst < 1e-5, "output gain: error %g", worst);

    /* bypass: dry after the 50 ms fade, exactly */
    set(h0, "enabled", 0.0f);
    render(h0, x, y0, n, 256);
    ck_assert(max_abs_diff(y0 + 2400, x + 2400, n - 2400) == 0.0);
    /* and back on: wet again, continuous (no jump bigger than the signal's
     * own steepest step) */
    set(h0, "enabled", 1.0f);
    render(h0, x, y0, n, 256);
    ck_assert(max_abs_diff(y0 + 2400, x + 2400, n - 2400) > 0.05);
    ck_assert(all_finite(y0, n));

    /* knobs: a knob model says which knobs it uses and reacts to knob1 */
    rnnamp_lv2_host *hk = host(48000.0, 0, 8192);
    load(hk, model_knob, 256, 0);
    ck_assert_msg(strstr(status(hk), "knob1 in use, knob2, knob3 unused"), "%s",
                  status(hk));
    ck_assert_msg(strstr(status(h0), "knob1, knob2, knob3 unused"), "%s",
                  status(h0));
    set(hk, "dc_block", 0.0f);
    set(hk, "knob1", 0.0f);
    render(hk, x, y0, n, 256);
    set(hk, "knob1", 1.0f);
    render(hk, x, y1, n, 256);
    ck_assert(max_abs_diff(y0 + 2400, y1 + 2400, n - 2400) > 1e-3);
    /* the engine agrees on knob1 = 1 after the same history?  Checked by
     * the engine tests; here: finite. */
    ck_assert(all_finite(y1, n));

    rnnamp_lv2_host_free(h0);
    rnnamp_lv2_host_free(h1);
    rnnamp_lv2_host_free(hk);
    free(x);
    free(y0);
    free(y1);
}
END_TEST

/* Synthetic NAM WaveNet files (ours), from the fuzz seed corpus. */
static const char *const wavenet_a1 =
    RNNAMP_SOURCE_DIR "/tests/fuzz/corpus/nam_wavenet_a1.nam";
static const char *const wavenet_a2 =
    RNNAMP_SOURCE_DIR "/tests/fuzz/corpus/nam_wavenet_a2.nam";

/* run() allocates nothing, also while models are swapped and freed. */
START_TEST(t_no_alloc_in_run)
{
#if !COUNT_ALLOCS
    return; /* TSan owns malloc */
#endif
    rnnamp_lv2_host *h = host(48000.0, 1, 8192);
    float *x = test_signal(4096, 48000.0, 0.5);
    float y[4096];
    load(h, model_a, 256, 1);
    long total = 0;
    for (int i = 0; i < 20; i++) {
        char err[256];
        /* WaveNets too: a container at 48 kHz and a 44.1 kHz WaveNet,
         * which the slot resamples */
        const char *wn = i % 8 == 0 ? wavenet_a2 : wavenet_a1;
        ck_assert(rnnamp_lv2_host_set_path(h, RNNAMP__model,
                                           i % 3 == 2   ? missing
                                           : i % 4 == 0 ? wn
                                           : (i & 1)    ? model_a
                                                        : model_b,
                                           err, sizeof err) == 0);
        for (int b = 0; b < 16; b++) {
#if COUNT_ALLOCS
            n_allocs = 0;
#endif
            rnnamp_lv2_host_run(h, x + (b % 16) * 256, y, 256);
#if COUNT_ALLOCS
            total += n_allocs;
#endif
            if (b == 2)
                rnnamp_lv2_host_worker_idle(h);
            if (b == 3 && i % 4 == 0 && i % 3 != 2)
                ck_assert_msg(strstr(status(h), "WaveNet"), "%s", status(h));
        }
    }
    ck_assert_int_eq(total, 0);
    ck_assert(all_finite(y, 256));
    free(x);
    rnnamp_lv2_host_free(h);
}
END_TEST

/* The size port picks a SlimmableContainer's submodel: moving it across a
 * breakpoint reloads the file at the new size (worker, crossfade), moving
 * it inside the playing range does not; run() allocates nothing (with the
 * worker on its own thread). */
START_TEST(t_size_port)
{
    for (int threaded = 0; threaded < 2; threaded++) {
        rnnamp_lv2_host *h = host(48000.0, threaded, 8192);
        float *x = test_signal(4096, 48000.0, 0.5);
        float y[256];
        load(h, wavenet_a2, 256, threaded);
        ck_assert_msg(strstr(status(h), "size 0.5..1 of a SlimmableContainer: "
                                        "WaveNet 5x3"),
                      "%s", status(h));
        const float sizes[] = {0.7f, 0.2f, 0.49f, 1.0f};
        const char *want[] = {"WaveNet 5x3",
                              "size 0..0.5 of a "
                              "SlimmableContainer: WaveNet 2x2",
                              "WaveNet 2x2", "WaveNet 5x3"};
        long total = 0;
        for (int i = 0; i < 4; i++) {
            set(h, "size", sizes[i]);
            for (int b = 0; b < 6; b++) {
#if COUNT_ALLOCS
                n_allocs = 0;
#endif
                rnnamp_lv2_host_run(h, x + b * 256, y, 256);
#if COUNT_ALLOCS
                total += n_allocs;
#endif
                ck_assert(all_finite(y, 256));
                if (b == 1)
                    rnnamp_lv2_host_worker_idle(h);
            }
            ck_assert_msg(strstr(status(h), want[i]), "size %g: %s", sizes[i],
                          status(h));
        }
        /* a synchronous worker loads inside run(): count the threaded */
        ck_assert_int_eq(threaded ? total : 0, 0);
        /* models without sizes ignore it */
        set(h, "size", 0.0f);
        load(h, model_a, 256, threaded);
        rnnamp_lv2_host_run(h, x, y, 256);
        rnnamp_lv2_host_worker_idle(h);
        rnnamp_lv2_host_run(h, x, y, 256);
        ck_assert_msg(strstr(status(h), "test-lstm-8"), "%s", status(h));
        free(x);
        rnnamp_lv2_host_free(h);
    }
}
END_TEST

/* A failed load keeps the old model playing, unchanged, and says why. */
/* Two hosts play model_a; h1 is then asked to load bad_path while h0 just
 * keeps running. h1's status must start with "error" and contain each of
 * the NULL-terminated words, and h1 must keep playing model_a exactly as
 * h0 does. */
static void expect_refused(double rate, int threaded, const char *bad_path,
                           const char *const *words)
{
    const size_t n = (size_t)(rate / 5);
    float *x = test_signal(n, rate, 0.5);
    float *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1);
    rnnamp_lv2_host *h0 = host(rate, threaded, 8192);
    rnnamp_lv2_host *h1 = host(rate, threaded, 8192);
    load(h0, model_a, 256, threaded);
    load(h1, model_a, 256, threaded);
    render(h0, x, y0, n, 256);
    render(h1, x, y1, n, 256);
    char err[256];
    ck_assert(rnnamp_lv2_host_set_path(h1, RNNAMP__model, bad_path, err,
                                       sizeof err) == 0);
    rnnamp_lv2_host_run(h1, x, y1, 256);
    rnnamp_lv2_host_run(h0, x, y0, 256);
    rnnamp_lv2_host_worker_idle(h1);
    render(h0, x, y0, n, 256);
    render(h1, x, y1, n, 256);
    ck_assert_msg(!strncmp(status(h1), "error", 5), "status: %s", status(h1));
    for (int i = 0; words[i]; i++)
        ck_assert_msg(strstr(status(h1), words[i]), "status lacks '%s': %s",
                      words[i], status(h1));
    ck_assert_msg(max_abs_diff(y0, y1, n) == 0.0,
                  "a refused load changed the output");
    ck_assert(max_abs_diff(y1, x, n) > 0.05); /* still the model */
    rnnamp_lv2_host_free(h0);
    rnnamp_lv2_host_free(h1);
    free(x);
    free(y0);
    free(y1);
}

START_TEST(t_bad_file_status)
{
    const char *const why_missing[] = {"missing.json", NULL};
    const char *const why_corrupt[] = {"corrupt.json", NULL};
    expect_refused(48000.0, 0, missing, why_missing);
    expect_refused(48000.0, 1, corrupt, why_corrupt);
}
END_TEST

/* A model too heavy for real time at the host's rate is refused in the
 * worker, the status says why, and the previous model keeps playing. Two
 * stacked LSTM-128 need about 132 k multiply-adds per sample: 12.7 G per
 * second at 96 kHz, over the 8 G budget of engine.h. */
START_TEST(t_too_heavy)
{
    char heavy[300], err[RNNAMP_ERR_LEN];
    snprintf(heavy, sizeof heavy, "%s/heavy.json", dir);
    rnnamp_model *m =
        rnnamp_model_new_stack(1, RNNAMP_LSTM, 2, 128, 1, err, sizeof err);
    ck_assert_msg(m, "%s", err);
    m->meta.sample_rate = 48000.0;
    ck_assert_msg(rnnamp_model_save_aidax(m, heavy, NULL, err, sizeof err) == 0,
                  "%s", err);
    rnnamp_model_free(m);
    const char *const why[] = {"heavy.json", "too heavy to run in real time",
                               "96000 Hz", NULL};
    expect_refused(96000.0, 1, heavy, why);
}
END_TEST

/* Random block sizes 1..8192 give the same output as one big block. */
START_TEST(t_block_sizes)
{
    /* _i: 0 plain model, 1 knob model with knob1 moving (smoothing must
     * step at fixed sample positions) */
    const char *model = _i ? model_knob : model_a;
    const size_t n = 48000;
    float *x = test_signal(n, 48000.0, 0.5);
    float *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1);
    rnnamp_lv2_host *h0 = host(48000.0, 0, 8192);
    rnnamp_lv2_host *h1 = host(48000.0, 0, 8192);
    load(h0, model, 1, 0);
    load(h1, model, 1, 0);
    if (_i) {
        set(h0, "knob1", 0.9f);
        set(h1, "knob1", 0.9f);
    }
    render(h0, x, y0, n, 8192);
    uint32_t s = 42u;
    for (size_t done = 0; done < n;) {
        s = s * 1664525u + 1013904223u;
        uint32_t k =
            (s >> 8) % 4 == 0 ? 1u + (s >> 12) % 8192u : 1u + (s >> 12) % 64u;
        if (k > n - done)
            k = (uint32_t)(n - done);
        rnnamp_lv2_host_run(h1, x + done, y1 + done, k);
        done += k;
    }
    double d = max_abs_diff(y0, y1, n);
    size_t first = 0;
    while (first < n && y0[first] == y1[first])
        first++;
    ck_assert_msg(d == 0.0,
                  "block sizes change the output by %g (first at %zu)", d,
                  first);
    rnnamp_lv2_host_free(h0);
    rnnamp_lv2_host_free(h1);
    free(x);
    free(y0);
    free(y1);
}
END_TEST

/* n model requests one 64-sample block apart, cycling through cycle[];
 * the worker catches up every idle_every blocks, as a real host's worker
 * does; then a request for last, which the worker has loaded on return.
 * Returns 1 if every output sample was finite. */
static int switch_burst(rnnamp_lv2_host *h, const char *const *cycle,
                        int n_cycle, int n, int idle_every, const char *last,
                        const float *x)
{
    char err[256];
    float y[64];
    int finite = 1;
    for (int i = 0; i < n; i++) {
        ck_assert(rnnamp_lv2_host_set_path(h, RNNAMP__model, cycle[i % n_cycle],
                                           err, sizeof err) == 0);
        rnnamp_lv2_host_run(h, x + (i % 64) * 64, y, 64);
        finite &= all_finite(y, 64);
        if (i % idle_every == idle_every - 1)
            rnnamp_lv2_host_worker_idle(h);
    }
    ck_assert(
        rnnamp_lv2_host_set_path(h, RNNAMP__model, last, err, sizeof err) == 0);
    rnnamp_lv2_host_run(h, NULL, y, 64);
    rnnamp_lv2_host_worker_idle(h);
    return finite;
}

/* 1000 model switches, one short block apart: no crash, finite output,
 * the last request wins. */
START_TEST(t_rapid_switches)
{
    for (int threaded = 0; threaded < 2; threaded++) {
        rnnamp_lv2_host *h = host(48000.0, threaded, 8192);
        float *x = test_signal(4096, 48000.0, 0.5);
        float y[64];
        /* a, b, a, b, wavenet, b, corrupt, b, a, b, a, b, wavenet,
         * corrupt, ... (the WaveNets: our synthetic seeds, a container and a
         * 44.1 kHz WaveNet the slot resamples) */
        const char *cycle[14];
        for (int i = 0; i < 14; i++)
            cycle[i] = i % 7 == 6 ? corrupt
                       : i == 4   ? wavenet_a2
                       : i == 12  ? wavenet_a1
                       : (i & 1)  ? model_b
                                  : model_a;
        int finite = switch_burst(h, cycle, 14, 1000, 50, model_b, x);
        for (int i = 0; i < 100; i++) {
            rnnamp_lv2_host_run(h, x + (i % 64) * 64, y, 64);
            finite &= all_finite(y, 64);
        }
        ck_assert(finite);
        ck_assert_msg(strstr(status(h), "test-gru-8"), "%s", status(h));
        free(x);
        rnnamp_lv2_host_free(h);
    }
}
END_TEST

/* Give h model_b, and ir (with ir_gain -3 dB) unless it is NULL; the
 * next run installs them. */
static void give_state(rnnamp_lv2_host *h, const char *ir)
{
    char err[1024];
    ck_assert(rnnamp_lv2_host_set_path(h, RNNAMP__model, model_b, err,
                                       sizeof err) == 0);
    if (ir) {
        set(h, "ir_gain", -3.0f);
        ck_assert(
            rnnamp_lv2_host_set_path(h, RNNAMP__ir, ir, err, sizeof err) == 0);
    }
}

/* State: the model path (and the IR's, when ir is not NULL) survives
 * save/restore (with and without a worker in restore); the restored
 * plugin sounds the same as a fresh one given the same. */
static void state_roundtrip(const char *ir)
{
    const size_t n = 9600;
    float *x = test_signal(n, 48000.0, 0.5);
    float *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1);
    char sdir[400], err[1024];
    snprintf(sdir, sizeof sdir, "%s/state%s", dir, ir ? "-ir" : "");
    rnnamp_lv2_host *h = host(48000.0, 0, 8192);
    set(h, "input_gain", 3.0f);
    give_state(h, ir);
    rnnamp_lv2_host_run(h, NULL, NULL, 256);
    ck_assert_msg(rnnamp_lv2_host_save_state(h, sdir, err, sizeof err) == 0,
                  "%s", err);
    rnnamp_lv2_host_free(h);

    for (int with_worker = 0; with_worker < 2; with_worker++) {
        rnnamp_lv2_host *r = host(48000.0, 0, 8192);
        ck_assert_msg(rnnamp_lv2_host_restore_state(r, sdir, with_worker, err,
                                                    sizeof err) == 0,
                      "%s", err);
        rnnamp_lv2_host_get_all(r);
        rnnamp_lv2_host_run(r, NULL, NULL, 256); /* installed here */
        ck_assert_msg(strstr(status(r), "loaded test-gru-8"), "%s", status(r));
        float g;
        ck_assert(rnnamp_lv2_host_get_control(r, "input_gain", &g) == 0);
        ck_assert(g == 3.0f);
        if (ir) {
            ck_assert_msg(strstr(status(r), "; IR loaded ir1.wav"), "%s",
                          status(r));
            const char *p = rnnamp_lv2_host_property(r, RNNAMP__ir);
            ck_assert_msg(p && strstr(p, "ir1.wav"), "%s", p ? p : "(none)");
            ck_assert(rnnamp_lv2_host_get_control(r, "ir_gain", &g) == 0);
            ck_assert(g == -3.0f);
        }
        /* the same as a fresh instance loading the files directly */
        rnnamp_lv2_host *f = host(48000.0, 0, 8192);
        set(f, "input_gain", 3.0f);
        give_state(f, ir);
        rnnamp_lv2_host_run(f, NULL, NULL, 256);
        render(r, x, y0, n, 256);
        render(f, x, y1, n, 256);
        ck_assert_msg(max_abs_diff(y0, y1, n) == 0.0,
                      "restored plugin sounds different");
        if (ir) { /* and the IR is in it: not the model alone */
            rnnamp_lv2_host *m = host(48000.0, 0, 8192);
            set(m, "input_gain", 3.0f);
            give_state(m, NULL);
            rnnamp_lv2_host_run(m, NULL, NULL, 256);
            render(m, x, y1, n, 256);
            ck_assert(max_abs_diff(y0 + 2400, y1 + 2400, n - 2400) > 0.02);
            rnnamp_lv2_host_free(m);
        }
        rnnamp_lv2_host_free(r);
        rnnamp_lv2_host_free(f);
    }
    free(x);
    free(y0);
    free(y1);
}

START_TEST(t_state_roundtrip)
{
    state_roundtrip(NULL);
}
END_TEST

/* A saved state whose model file is gone: error status, dry audio. */
START_TEST(t_state_missing_model)
{
    char p[400], sdir[400], err[1024];
    snprintf(p, sizeof p, "%s/gone.json", dir);
    snprintf(sdir, sizeof sdir, "%s/state2", dir);
    make_model(p, RNNAMP_LSTM, 8, 1, 77u, 4.0f, 48000.0);
    rnnamp_lv2_host *h = host(48000.0, 0, 8192);
    load(h, p, 256, 0);
    ck_assert(rnnamp_lv2_host_save_state(h, sdir, err, sizeof err) == 0);
    rnnamp_lv2_host_free(h);
    /* remove the file and whatever lilv linked to it */
    ck_assert_int_eq(unlink(p), 0);

    rnnamp_lv2_host *r = host(48000.0, 0, 8192);
    ck_assert(rnnamp_lv2_host_restore_state(r, sdir, 0, err, sizeof err) == 0);
    set(r, "dc_block", 0.0f); /* the state turned it on */
    rnnamp_lv2_host_get_all(r);
    const size_t n = 4800;
    float *x = test_signal(n, 48000.0, 0.5);
    float *y = malloc(n * sizeof *y);
    render(r, NULL, NULL, 4800, 256); /* DC blocker fades out */
    render(r, x, y, n, 256);
    ck_assert_msg(!strncmp(status(r), "error", 5), "%s", status(r));
    ck_assert(max_abs_diff(x, y, n) == 0.0);
    /* an empty path clears a model */
    rnnamp_lv2_host *c = host(48000.0, 0, 8192);
    set(c, "dc_block", 0.0f);
    load(c, model_a, 256, 0);
    load(c, "", 256, 0);
    render(c, NULL, NULL, 4800, 256); /* fade to dry */
    render(c, x, y, n, 256);
    ck_assert_msg(!strncmp(status(c), "no model", 8), "%s", status(c));
    ck_assert(max_abs_diff(x, y, n) == 0.0);
    rnnamp_lv2_host_free(c);
    rnnamp_lv2_host_free(r);
    free(x);
    free(y);
}
END_TEST

/* The demo preset loads its bundled model by relative path. */
START_TEST(t_preset)
{
    char err[1024];
    rnnamp_lv2_host *h = host(48000.0, 0, 8192);
    ck_assert_msg(
        rnnamp_lv2_host_apply_preset(h, "http://rnnamp.org/presets/demo-lstm8",
                                     err, sizeof err) == 0,
        "%s", err);
    rnnamp_lv2_host_get_all(h);
    rnnamp_lv2_host_run(h, NULL, NULL, 256);
    ck_assert_msg(strstr(status(h), "loaded rnnamp demo LSTM-8"), "%s",
                  status(h));
    const char *p = rnnamp_lv2_host_property(h, RNNAMP__model);
    ck_assert(p && strstr(p, "rnnamp-demo.lv2/demo-lstm8.json"));
    ck_assert(rnnamp_lv2_host_apply_preset(h, "urn:rnnamp:no-such-preset", err,
                                           sizeof err) != 0);
    ck_assert_msg(strstr(err, "demo-lstm8"), "%s", err);
    rnnamp_lv2_host_free(h);
}
END_TEST

/* Output of a render at `rate`, resampled to 48 kHz, latency removed. */
static float *render_at(double rate, const char *model, size_t n48,
                        uint32_t *latency)
{
    size_t n = (size_t)ceil(n48 * rate / 48000.0) + 64;
    float *x = test_signal(n, rate, 0.5);
    rnnamp_lv2_host *h = host(rate, 0, 8192);
    set(h, "dc_block", 0.0f);
    load(h, model, 256, 0);
    ck_assert_msg(!strncmp(status(h), "loaded", 6), "%s", status(h));
    *latency = rnnamp_lv2_host_latency(h);
    size_t total = n + *latency;
    float *xin = calloc(total, sizeof *xin);
    memcpy(xin, x, n * sizeof *x);
    float *y = malloc(total * sizeof *y);
    render(h, xin, y, total, 256);
    ck_assert(all_finite(y, total));
    ck_assert(max_abs_diff(y + *latency, x, n) > 0.05); /* not dry */
    rnnamp_lv2_host_free(h);
    float *y48 = calloc(n48 + 64, sizeof *y48);
    if (rate == 48000.0) {
        memcpy(y48, y + *latency, n48 * sizeof *y48);
    } else {
        SRC_DATA d = {0};
        d.data_in = y + *latency;
        d.input_frames = (long)n;
        d.data_out = y48;
        d.output_frames = (long)n48;
        d.src_ratio = 48000.0 / rate;
        ck_assert_int_eq(src_simple(&d, SRC_SINC_BEST_QUALITY, 1), 0);
    }
    free(x);
    free(xin);
    free(y);
    return y48;
}

static double esr(const float *y, const float *ref, size_t from, size_t to)
{
    double num = 0.0, den = 0.0;
    for (size_t i = from; i < to; i++) {
        num += ((double)y[i] - ref[i]) * ((double)y[i] - ref[i]);
        den += (double)ref[i] * ref[i];
    }
    return num / den;
}

/* 44.1 kHz (resampled, reports latency), 96 kHz (delay-line) are close to
 * the 48 kHz output. */
START_TEST(t_sample_rates)
{
    const size_t n48 = 24000;
    uint32_t l48, l44, l96;
    float *r = render_at(48000.0, model_a, n48, &l48);
    float *a = render_at(44100.0, model_a, n48, &l44);
    float *b = render_at(96000.0, model_a, n48, &l96);
    ck_assert_int_eq(l48, 0);
    ck_assert_int_eq(l96, 0);
    ck_assert_msg(l44 > 0 && l44 < 256, "latency at 44.1 kHz: %u", l44);
    double e44 = esr(a, r, 4800, n48 - 200);
    double e96 = esr(b, r, 4800, n48 - 200);
    fprintf(stderr, "ESR vs 48 kHz: 44.1 kHz %.3g (latency %u), 96 kHz %.3g\n",
            e44, l44, e96);
    ck_assert_msg(e44 < 0.01, "ESR at 44.1 kHz %g", e44);
    ck_assert_msg(e96 < 0.05, "ESR at 96 kHz %g", e96);
    free(r);
    free(a);
    free(b);
}
END_TEST

static double max_step(const float *y, size_t from, size_t to)
{
    double m = 0.0;
    for (size_t i = from + 1; i < to; i++)
        m = fmax(m, fabs((double)y[i] - y[i - 1]));
    return m;
}

/* Switching models on a sine: no sample-to-sample jump bigger than what
 * either model produces on its own. */
START_TEST(t_switch_jump)
{
    const size_t n = 48000;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.5 * sin(2 * M_PI * 110.0 * i / 48000.0));
    float *ya = malloc(n * sizeof *ya), *yb = malloc(n * sizeof *yb),
          *ys = malloc(n * sizeof *ys);
    rnnamp_lv2_host *ha = host(48000.0, 0, 8192);
    rnnamp_lv2_host *hb = host(48000.0, 0, 8192);
    rnnamp_lv2_host *hs = host(48000.0, 0, 8192);
    load(ha, model_a, 256, 0);
    load(hb, model_b, 256, 0);
    load(hs, model_a, 256, 0);
    render(ha, x, ya, n, 256);
    render(hb, x, yb, n, 256);
    /* switch at 0.5 s, inside a block of 256 */
    render(hs, x, ys, 24064, 256);
    char err[256];
    ck_assert(rnnamp_lv2_host_set_path(hs, RNNAMP__model, model_b, err,
                                       sizeof err) == 0);
    render(hs, x + 24064, ys + 24064, n - 24064, 256);
    double ja = max_step(ya, 4800, n), jb = max_step(yb, 4800, n);
    double js = max_step(ys, 4800, n);
    /* the jump a hard switch would make */
    double hard = fabs((double)yb[24064] - ya[24063]);
    fprintf(stderr,
            "largest step: model A %.4f, model B %.4f, with switch %.4f "
            "(hard switch would jump %.4f)\n",
            ja, jb, js, hard);
    ck_assert_msg(js <= 1.05 * fmax(ja, jb), "switch step %g > %g", js,
                  fmax(ja, jb));
    ck_assert_msg(strstr(status(hs), "test-gru-8"), "%s", status(hs));
    rnnamp_lv2_host_free(ha);
    rnnamp_lv2_host_free(hb);
    rnnamp_lv2_host_free(hs);
    free(x);
    free(ya);
    free(yb);
    free(ys);
}
END_TEST

/* ---- the non-LV2 parts (src/smoother.c, dc_blocker.c, resampler.c) ---- */

START_TEST(t_ramp)
{
    rnnamp_ramp r;
    rnnamp_ramp_init(&r, 0.0f, 480);
    rnnamp_ramp_to(&r, 1.0f);
    float v = 0.0f, prev = 0.0f;
    for (int i = 0; i < 480; i++) {
        v = rnnamp_ramp_next(&r);
        ck_assert(v >= prev);
        prev = v;
    }
    ck_assert(v == 1.0f); /* exact end */
    ck_assert(rnnamp_ramp_done(&r));
    ck_assert(rnnamp_ramp_next(&r) == 1.0f);
    rnnamp_ramp_to(&r, NAN); /* ignored */
    ck_assert(r.target == 1.0f);
    ck_assert(fabsf(rnnamp_db_to_lin(6.0f) - 1.9952623f) < 1e-6f);
    ck_assert(rnnamp_db_to_lin(INFINITY) == 1.0f);
}
END_TEST

START_TEST(t_dc_blocker)
{
    rnnamp_dc_blocker d;
    rnnamp_dc_blocker_init(&d, 5.0, 48000.0);
    static float x[48000];
    for (int i = 0; i < 48000; i++)
        x[i] = 0.5f;
    rnnamp_dc_blocker_process(&d, x, x, 48000);
    ck_assert_msg(fabsf(x[47999]) < 1e-6f, "DC left: %g", x[47999]);
    /* 1 kHz passes at (almost) full level */
    rnnamp_dc_blocker_reset(&d);
    double in2 = 0.0, out2 = 0.0;
    for (int i = 0; i < 48000; i++) {
        float s = (float)sin(2 * M_PI * 1000.0 * i / 48000.0), y;
        rnnamp_dc_blocker_process(&d, &s, &y, 1);
        if (i >= 4800) {
            in2 += (double)s * s;
            out2 += (double)y * y;
        }
    }
    ck_assert_msg(fabs(10 * log10(out2 / in2)) < 0.01, "1 kHz gain %g dB",
                  10 * log10(out2 / in2));
    float bad = NAN, y = 1.0f;
    rnnamp_dc_blocker_process(&d, &bad, &y, 1);
    ck_assert(y == 0.0f);
}
END_TEST

static void times_two(void *ctx, float *buf, uint32_t n)
{
    (void)ctx;
    for (uint32_t i = 0; i < n; i++)
        buf[i] *= 2.0f;
}

/* Round trip through the model rate: fixed latency for any block pattern,
 * never an underrun, and the signal comes back. */
START_TEST(t_resampler)
{
    char err[256];
    const double rates[3][2] = {
        {44100.0, 48000.0}, {22050.0, 48000.0}, {48000.0, 96000.0}};
    for (int t = 0; t < 3; t++) {
        rnnamp_resampler *r =
            rnnamp_resampler_new(rates[t][0], rates[t][1], err, sizeof err);
        ck_assert_msg(r, "%s", err);
        uint32_t lat = rnnamp_resampler_latency(r);
        ck_assert(lat > 0 && lat < 200);
        const size_t n = 96000;
        float *x = test_signal(n, rates[t][0], 0.5);
        float *y = malloc(n * sizeof *y);
        uint32_t s = 7u;
        for (size_t done = 0; done < n;) {
            s = s * 1664525u + 1013904223u;
            uint32_t k = (s >> 8) % 5 == 0 ? 1u + (s >> 12) % 8192u
                                           : 1u + (s >> 12) % 300u;
            if (k > n - done)
                k = (uint32_t)(n - done);
            memcpy(y + done, x + done, k * sizeof *y); /* in place */
            rnnamp_resampler_process(r, y + done, y + done, k, times_two, NULL);
            done += k;
        }
        ck_assert_int_eq(rnnamp_resampler_underruns(r), 0);
        double worst = 0.0;
        for (size_t i = 4800; i + lat < n; i++)
            worst = fmax(worst, fabs(y[i + lat] - 2.0 * x[i]));
        ck_assert_msg(worst < 0.01, "%g -> %g Hz: error %g (latency %u)",
                      rates[t][0], rates[t][1], worst, lat);
        free(x);
        free(y);
        rnnamp_resampler_free(r);
    }
    ck_assert(rnnamp_resampler_new(48000.0, 1e6, err, sizeof err) == NULL);
    ck_assert(strstr(err, "48000"));
}
END_TEST

/* A state written by another host with an absolute model path (as Ardour
 * saves user presets) restores. */
/* Write <sdir>/state.ttl: a preset of the plugin whose state:state body is
 * body (e.g. "<key> <value>"). */
static void write_state_ttl(const char *sdir, const char *body)
{
    char p[600];
    snprintf(p, sizeof p, "%s/state.ttl", sdir);
    FILE *f = fopen(p, "w");
    ck_assert(f);
    fprintf(f,
            "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
            "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
            "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
            "<> a pset:Preset ;\n"
            "  lv2:appliesTo <%s> ;\n"
            "  state:state [ %s ] .\n",
            RNNAMP_URI, body);
    fclose(f);
}

/* A new plugin instance with the state of sdir restored (through the
 * worker or synchronously, as Ardour does) and its results picked up. */
static rnnamp_lv2_host *restored_host(const char *sdir, int with_worker)
{
    char err[1024];
    rnnamp_lv2_host *h = host(48000.0, 1, 8192);
    ck_assert_msg(rnnamp_lv2_host_restore_state(h, sdir, with_worker, err,
                                                sizeof err) == 0,
                  "%s", err);
    rnnamp_lv2_host_get_all(h);
    rnnamp_lv2_host_run(h, NULL, NULL, 64);
    rnnamp_lv2_host_worker_idle(h);
    rnnamp_lv2_host_run(h, NULL, NULL, 64);
    return h;
}

START_TEST(t_state_absolute_path)
{
    char sdir[400], body[800];
    snprintf(sdir, sizeof sdir, "%s/abs-state", dir);
    ck_assert_int_eq(mkdir(sdir, 0755), 0);
    snprintf(body, sizeof body, "<%s> <file://%s>", RNNAMP__model, model_b);
    write_state_ttl(sdir, body);
    for (int with_worker = 0; with_worker < 2; with_worker++) {
        rnnamp_lv2_host *h = restored_host(sdir, with_worker);
        ck_assert_msg(strstr(status(h), "loaded test-gru-8"), "%s", status(h));
        const char *m = rnnamp_lv2_host_property(h, RNNAMP__model);
        ck_assert(m && !strcmp(m, model_b));
        rnnamp_lv2_host_free(h);
    }
}
END_TEST

/* At 44.1 kHz with a 48 kHz model the plugin reports the resampler's
 * latency, and bypass gives the dry signal delayed by exactly that. */
START_TEST(t_bypass_latency)
{
    rnnamp_lv2_host *h = host(44100.0, 0, 8192);
    set(h, "dc_block", 0.0f);
    load(h, model_a, 256, 0);
    uint32_t lat = rnnamp_lv2_host_latency(h);
    ck_assert_msg(lat > 0 && lat < 256, "latency %u", lat);
    set(h, "enabled", 0.0f);
    render(h, NULL, NULL, 4410, 256); /* fade to dry */
    const size_t n = 8820;
    float *x = test_signal(n, 44100.0, 0.5);
    float *y = malloc(n * sizeof *y);
    render(h, x, y, n, 256);
    for (size_t i = 0; i < lat; i++)
        ck_assert(y[i] == 0.0f);
    ck_assert(max_abs_diff(y + lat, x, n - lat) == 0.0);
    free(x);
    free(y);
    rnnamp_lv2_host_free(h);
}
END_TEST

/* knob3 reaches models with three knobs and only those. */
START_TEST(t_knob3)
{
    const size_t n = 12000, fade = 2400;
    float *x = test_signal(n, 48000.0, 0.5);
    float *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1);
    /* at the default knobs the plugin plays what the engine computes */
    rnnamp_lv2_host *h = host(48000.0, 0, 8192);
    set(h, "dc_block", 0.0f);
    long silent = load(h, model_knob3, 256, 0);
    ck_assert_msg(strstr(status(h), "knob1, knob2, knob3 in use"), "%s",
                  status(h));
    render(h, x, y0, n, 256);
    float *r = reference(model_knob3, silent, x, n, NULL);
    ck_assert_msg(max_abs_diff(y0 + fade, r + fade, n - fade) == 0.0,
                  "plugin vs engine differ");
    /* and knob3 changes the sound */
    set(h, "knob3", 0.0f);
    render(h, x, y0, n, 256);
    set(h, "knob3", 1.0f);
    render(h, x, y1, n, 256);
    ck_assert(max_abs_diff(y0 + fade, y1 + fade, n - fade) > 1e-3);
    ck_assert(all_finite(y1, n));
    rnnamp_lv2_host_free(h);

    /* a two-knob model ignores knob3, to the bit */
    rnnamp_lv2_host *h0 = host(48000.0, 0, 8192);
    rnnamp_lv2_host *h1 = host(48000.0, 0, 8192);
    set(h1, "knob3", 1.0f);
    load(h0, model_knob, 256, 0);
    load(h1, model_knob, 256, 0);
    ck_assert_msg(strstr(status(h1), "knob1 in use, knob2, knob3 unused"), "%s",
                  status(h1));
    render(h0, x, y0, n, 256);
    render(h1, x, y1, n, 256);
    ck_assert(max_abs_diff(y0, y1, n) == 0.0);
    rnnamp_lv2_host_free(h0);
    rnnamp_lv2_host_free(h1);
    free(r);
    free(x);
    free(y0);
    free(y1);
}
END_TEST

/* patch:Set addressed to another subject is ignored; to the plugin (or to
 * no subject) it loads. */
START_TEST(t_patch_subject)
{
    char err[256];
    rnnamp_lv2_host *h = host(48000.0, 0, 8192);
    ck_assert(rnnamp_lv2_host_set_path_of(h, "urn:rnnamp:someone-else",
                                          RNNAMP__model, model_a, err,
                                          sizeof err) == 0);
    rnnamp_lv2_host_get_all(h);
    rnnamp_lv2_host_run(h, NULL, NULL, 256);
    ck_assert_msg(!strcmp(status(h), "no model (dry)"), "%s", status(h));
    ck_assert(rnnamp_lv2_host_set_path_of(h, RNNAMP_URI, RNNAMP__model, model_a,
                                          err, sizeof err) == 0);
    rnnamp_lv2_host_run(h, NULL, NULL, 256);
    ck_assert_msg(strstr(status(h), "loaded test-lstm-8"), "%s", status(h));
    rnnamp_lv2_host_free(h);
}
END_TEST

/* Number of inotify events waiting on fd (non-blocking). */
static int inotify_events(int fd)
{
    char buf[4096] __attribute__((aligned(8)));
    int n = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0)
            return n;
        for (ssize_t off = 0; off < r;) {
            const struct inotify_event *e =
                (const struct inotify_event *)(buf + off);
            n++;
            off += (ssize_t)(sizeof *e + e->len);
        }
    }
}

/* A worker that lags behind a burst of requests loads only the newest:
 * the superseded file is never even opened. */
START_TEST(t_superseded_dropped)
{
    char sup[400], err[256];
    snprintf(sup, sizeof sup, "%s/superseded.json", dir);
    make_model(sup, RNNAMP_LSTM, 8, 1, 31u, 4.0f, 48000.0);
    int fd = inotify_init1(IN_NONBLOCK);
    ck_assert(fd >= 0);
    ck_assert(inotify_add_watch(fd, sup, IN_OPEN) >= 0);

    rnnamp_lv2_host *h = host(48000.0, 1, 8192);
    load(h, model_a, 256, 1);
    rnnamp_lv2_host_worker_hold(h, 1);
    for (int i = 0; i < 5; i++)
        ck_assert(rnnamp_lv2_host_set_path(h, RNNAMP__model, sup, err,
                                           sizeof err) == 0);
    ck_assert(rnnamp_lv2_host_set_path(h, RNNAMP__model, model_b, err,
                                       sizeof err) == 0);
    rnnamp_lv2_host_run(h, NULL, NULL, 256); /* six requests queued */
    rnnamp_lv2_host_worker_hold(h, 0);
    rnnamp_lv2_host_worker_idle(h);
    rnnamp_lv2_host_get_all(h);
    rnnamp_lv2_host_run(h, NULL, NULL, 256);
    ck_assert_msg(strstr(status(h), "loaded test-gru-8"), "%s", status(h));
    ck_assert_int_eq(inotify_events(fd), 0);

    /* the watch works: a request that is the newest does open the file */
    load(h, sup, 256, 1);
    ck_assert_msg(strstr(status(h), "loaded test-lstm-8"), "%s", status(h));
    ck_assert_int_gt(inotify_events(fd), 0);
    rnnamp_lv2_host_free(h);
    close(fd);
}
END_TEST

typedef struct {
    rnnamp_lv2_host *h;
    char sdir[400];
    const char *paths[2]; /* the paths the audio thread switches between */
    atomic_int done;
    int saves, failures, torn;
} saver;

/* Host/GUI thread: save the plugin's state again and again; mostly the
 * plugin's save() alone (no lilv, so no lock shared with the audio thread
 * hides a race from ThreadSanitizer), every 16th time a whole state
 * bundle through lilv. */
static void *save_loop(void *arg)
{
    saver *sv = arg;
    char err[1024], path[4096];
    while (!atomic_load(&sv->done) || sv->saves < 5) {
        if (sv->saves % 16 == 15) {
            if (rnnamp_lv2_host_save_state(sv->h, sv->sdir, err, sizeof err))
                sv->failures++;
        } else if (rnnamp_lv2_host_state_value(sv->h, RNNAMP__model, path,
                                               sizeof path) >= 0) {
            /* 1: no model key, i.e. no model (path "") */
            sv->torn += path[0] && strcmp(path, sv->paths[0]) &&
                        strcmp(path, sv->paths[1]);
        } else {
            sv->failures++;
        }
        sv->saves++;
    }
    return NULL;
}

/* Load, switch and save at once, with the worker on its own thread as
 * Ardour runs it: the audio thread switches models while another thread
 * saves the state (run under ThreadSanitizer by the tsan suite). */
START_TEST(t_concurrent_save)
{
    char longb[400], err[1024];
    /* paths of different lengths, so that a torn read could not pass */
    snprintf(longb, sizeof longb, "%s/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json",
             dir);
    make_model(longb, RNNAMP_GRU, 8, 1, 98765u, 3.0f, 48000.0);
    rnnamp_lv2_host *h = host(48000.0, 1, 8192);
    saver sv = {.h = h, .paths = {model_a, longb}};
    atomic_init(&sv.done, 0);
    snprintf(sv.sdir, sizeof sv.sdir, "%s/conc-state", dir);
    float *x = test_signal(4096, 48000.0, 0.5);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, save_loop, &sv), 0);
    int finite = switch_burst(h, sv.paths, 2, 300, 20, longb, x);
    rnnamp_lv2_host_run(h, NULL, NULL, 64);
    atomic_store(&sv.done, 1);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert(finite);
    ck_assert_int_eq(sv.failures, 0);
    ck_assert_int_eq(sv.torn, 0);
    ck_assert_int_ge(sv.saves, 5);
    /* the last state names the last model */
    ck_assert(rnnamp_lv2_host_save_state(h, sv.sdir, err, sizeof err) == 0);
    rnnamp_lv2_host_free(h);
    rnnamp_lv2_host *r = host(48000.0, 0, 8192);
    ck_assert_msg(
        rnnamp_lv2_host_restore_state(r, sv.sdir, 0, err, sizeof err) == 0,
        "%s", err);
    rnnamp_lv2_host_get_all(r);
    rnnamp_lv2_host_run(r, NULL, NULL, 256);
    ck_assert_msg(strstr(status(r), "loaded test-gru-8"), "%s", status(r));
    const char *m = rnnamp_lv2_host_property(r, RNNAMP__model);
    ck_assert_msg(m && strstr(m, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json"), "%s",
                  m ? m : "(none)");
    rnnamp_lv2_host_free(r);
    free(x);
}
END_TEST

/* ---- the cabinet IR ---------------------------------------------------- */

/* Queue patch:Set of prop (the model or the IR) for the next run. */
static void send_path(rnnamp_lv2_host *h, const char *prop, const char *path)
{
    char err[1024];
    ck_assert_msg(rnnamp_lv2_host_set_path(h, prop, path, err, sizeof err) == 0,
                  "%s", err);
}

/* y[0..n) convolved with ir1 at unit energy, in float64. */
static double *convolve_ir1(const float *y, size_t n)
{
    double *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        double acc = 0.0;
        for (size_t k = 0; k < IR1_TAPS && k <= i; k++)
            acc += ir1_ref[k] * y[i - k];
        r[i] = acc;
    }
    return r;
}

/* max |y - gain ref| / max |gain ref| over [from, to) */
static double rel_err(const float *y, const double *ref, double gain,
                      size_t from, size_t to)
{
    double e = 0.0, m = 0.0;
    for (size_t i = from; i < to; i++) {
        e = fmax(e, fabs(y[i] - gain * ref[i]));
        m = fmax(m, fabs(gain * ref[i]));
    }
    ck_assert(m > 0.0);
    return e / m;
}

/* Model + IR: the plugin's output is its output without the IR convolved
 * with the unit-energy IR (after the fades); ir_gain scales it; with
 * ir_enabled off it is the output without the IR, to the bit; turned on
 * again the IR fades back in, starting from silence. */
START_TEST(t_ir_convolution)
{
    const size_t n = 24000, fade = 2400; /* 50 ms at 48 kHz */
    float *x = test_signal(2 * n, 48000.0, 0.5);
    float *y[4];
    rnnamp_lv2_host *h[4];
    for (int k = 0; k < 4; k++) {
        y[k] = malloc(2 * n * sizeof *y[k]);
        h[k] = host(48000.0, 0, 8192);
        send_path(h[k], RNNAMP__model, model_a);
        if (k)
            send_path(h[k], RNNAMP__ir, ir1);
    }
    set(h[2], "ir_gain", 6.0f);
    set(h[3], "ir_enabled", 0.0f);
    for (int k = 0; k < 4; k++)
        render(h[k], x, y[k], n, 256);
    ck_assert_msg(!strncmp(status(h[1]), "loaded test-lstm-8", 18), "%s",
                  status(h[1]));
    ck_assert_msg(strstr(status(h[1]), "; IR loaded ir1.wav: 1000 taps at "
                                       "48000 Hz"),
                  "%s", status(h[1]));
    const char *p = rnnamp_lv2_host_property(h[1], RNNAMP__ir);
    ck_assert(p && !strcmp(p, ir1));
    set(h[3], "ir_enabled", 1.0f);
    for (int k = 0; k < 4; k++)
        render(h[k], x + n, y[k] + n, n, 256);

    double *ref = convolve_ir1(y[0], 2 * n);
    const double g6 = pow(10.0, 6.0 / 20.0);
    double e1 = rel_err(y[1], ref, 1.0, fade, 2 * n);
    double e2 = rel_err(y[2], ref, g6, fade, 2 * n);
    double e3 = rel_err(y[3], ref, 1.0, n + fade + IR1_TAPS, 2 * n);
    fprintf(stderr,
            "IR vs float64 convolution: relative error %.3g, at +6 dB %.3g, "
            "turned on again %.3g\n",
            e1, e2, e3);
    ck_assert_msg(e1 < 1e-5, "IR output off by %g", e1);
    ck_assert_msg(e2 < 1e-5, "ir_gain +6 dB off by %g", e2);
    ck_assert_msg(e3 < 1e-5, "IR turned on again off by %g", e3);
    /* the IR is audible, and off means the output without it */
    ck_assert(max_abs_diff(y[1] + fade, y[0] + fade, 2 * n - fade) > 0.05);
    ck_assert(max_abs_diff(y[3] + fade, y[0] + fade, n - fade) == 0.0);
    ck_assert(all_finite(y[3], 2 * n));
    for (int k = 0; k < 4; k++) {
        rnnamp_lv2_host_free(h[k]);
        free(y[k]);
    }
    free(ref);
    free(x);
}
END_TEST

/* A missing IR file: the status says so and names the file, and the
 * output goes on unchanged (without an IR, or with the previous one). */
START_TEST(t_ir_missing)
{
    const size_t n = 9600;
    float *x = test_signal(n, 48000.0, 0.5);
    float *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1);
    for (int with_ir = 0; with_ir < 2; with_ir++) {
        rnnamp_lv2_host *h[2];
        for (int k = 0; k < 2; k++) {
            h[k] = host(48000.0, 1, 8192);
            send_path(h[k], RNNAMP__model, model_a);
            if (with_ir)
                send_path(h[k], RNNAMP__ir, ir1);
            rnnamp_lv2_host_run(h[k], NULL, NULL, 256);
            rnnamp_lv2_host_worker_idle(h[k]);
        }
        render(h[0], x, y0, n, 256);
        render(h[1], x, y1, n, 256);
        send_path(h[1], RNNAMP__ir, ir_missing);
        rnnamp_lv2_host_run(h[1], x, y1, 256);
        rnnamp_lv2_host_run(h[0], x, y0, 256);
        rnnamp_lv2_host_worker_idle(h[1]);
        render(h[0], x, y0, n, 256);
        render(h[1], x, y1, n, 256);
        const char *st = status(h[1]);
        ck_assert_msg(!strncmp(st, "loaded test-lstm-8", 18), "%s", st);
        ck_assert_msg(strstr(st, "; IR error: ") && strstr(st, ir_missing) &&
                          strstr(st, "cannot open"),
                      "status: %s", st);
        ck_assert_msg(max_abs_diff(y0, y1, n) == 0.0,
                      "a missing IR changed the output");
        ck_assert(max_abs_diff(y1, x, n) > 0.05); /* still the model */
        rnnamp_lv2_host_free(h[0]);
        rnnamp_lv2_host_free(h[1]);
    }
    free(x);
    free(y0);
    free(y1);
}
END_TEST

/* A state with a model and an IR restores both (with and without a
 * worker in restore): the same output as a fresh instance given both. */
START_TEST(t_ir_state)
{
    state_roundtrip(ir1);
}
END_TEST

/* A preset carries model and IR as paths relative to its bundle, both
 * load (with and without a worker in restore). */
START_TEST(t_ir_preset_relative)
{
    char sdir[400], amp[600], cab[600], body[800];
    snprintf(sdir, sizeof sdir, "%s/rel-preset", dir);
    ck_assert_int_eq(mkdir(sdir, 0755), 0);
    snprintf(amp, sizeof amp, "%s/amp.json", sdir);
    snprintf(cab, sizeof cab, "%s/cab.wav", sdir);
    make_model(amp, RNNAMP_GRU, 8, 1, 98765u, 3.0f, 48000.0);
    make_ir(cab, 300, 77u, 2, 44100, NULL);
    snprintf(body, sizeof body, "<%s> <amp.json> ; <%s> <cab.wav>",
             RNNAMP__model, RNNAMP__ir);
    write_state_ttl(sdir, body);
    for (int with_worker = 0; with_worker < 2; with_worker++) {
        rnnamp_lv2_host *h = restored_host(sdir, with_worker);
        ck_assert_msg(strstr(status(h), "loaded test-gru-8") &&
                          strstr(status(h), "; IR loaded cab.wav: 327 taps"),
                      "%s", status(h));
        const char *m = rnnamp_lv2_host_property(h, RNNAMP__model);
        const char *c = rnnamp_lv2_host_property(h, RNNAMP__ir);
        ck_assert(m && !strcmp(m, amp));
        ck_assert(c && !strcmp(c, cab));
        rnnamp_lv2_host_free(h);
    }
}
END_TEST

/* 1000 IR switches one short block apart (two IRs, a missing file, no IR;
 * ir_enabled toggled now and then) with a model playing: run() allocates
 * nothing, the output stays finite, the last request wins. */
START_TEST(t_ir_switches_no_alloc)
{
    rnnamp_lv2_host *h = host(48000.0, 1, 8192);
    float *x = test_signal(4096, 48000.0, 0.5);
    float y[64];
    send_path(h, RNNAMP__model, model_a);
    send_path(h, RNNAMP__ir, ir1);
    rnnamp_lv2_host_run(h, NULL, NULL, 64);
    rnnamp_lv2_host_worker_idle(h);
    const char *cycle[7] = {ir2, ir1, ir_missing, ir2, "", ir1, ir2};
    int finite = 1;
#if COUNT_ALLOCS
    n_allocs = 0; /* counts inside the plugin's run() only (run_hook) */
#endif
    for (int i = 0; i < 1000; i++) {
        send_path(h, RNNAMP__ir, cycle[i % 7]);
        if (i % 97 == 0)
            set(h, "ir_enabled", (i / 97) % 2 ? 1.0f : 0.0f);
        rnnamp_lv2_host_run(h, x + (i % 64) * 64, y, 64);
        finite &= all_finite(y, 64);
        if (i % 10 == 9)
            rnnamp_lv2_host_worker_idle(h);
    }
    set(h, "ir_enabled", 1.0f);
    send_path(h, RNNAMP__ir, ir2);
    rnnamp_lv2_host_run(h, x, y, 64);
    rnnamp_lv2_host_worker_idle(h);
    for (int i = 0; i < 100; i++) {
        rnnamp_lv2_host_run(h, x + (i % 64) * 64, y, 64);
        finite &= all_finite(y, 64);
    }
#if COUNT_ALLOCS
    ck_assert_int_eq(n_allocs, 0);
    /* and the counter counts (under ASan through its hooks) */
    count_hook(NULL, 1);
    void *volatile probe = malloc(16); /* volatile: not elided */
    free(probe);
    count_hook(NULL, 0);
    ck_assert_int_eq(n_allocs, 2);
#endif
    ck_assert(finite);
    rnnamp_lv2_host_get_all(h);
    rnnamp_lv2_host_run(h, NULL, NULL, 64);
    ck_assert_msg(strstr(status(h), "IR loaded ir2.wav: 327 taps at 48000 Hz, "
                                    "resampled from 44100 Hz, first of 2 "
                                    "channels"),
                  "%s", status(h));
    const char *p = rnnamp_lv2_host_property(h, RNNAMP__ir);
    ck_assert(p && !strcmp(p, ir2));
    free(x);
    rnnamp_lv2_host_free(h);
}
END_TEST

/* ---- input calibration and noise gate ---------------------------------- */

/* model_a with NAM's input level metadata (input_level_dbu = level) as
 * path. */
static void make_level_model(const char *path, double level)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_load(model_a, err, sizeof err);
    ck_assert_msg(m, "%s", err);
    m->meta.has_input_level = 1;
    m->meta.input_level_dbu = level;
    ck_assert_msg(rnnamp_model_save_aidax(m, path, NULL, err, sizeof err) == 0,
                  "%s", err);
    rnnamp_model_free(m);
}

/* What the plugin plays for x (n samples after a 256-sample load) with
 * model, DC blocker off, and calibrate / interface_dbu (calibrate < 0:
 * ports left at their defaults); status into st. */
static float *play(const char *model, const float *x, size_t n, float calibrate,
                   float dbu, char *st, size_t stlen)
{
    rnnamp_lv2_host *h = host(48000.0, 0, 8192);
    set(h, "dc_block", 0.0f);
    if (calibrate >= 0.0f) {
        set(h, "calibrate", calibrate);
        set(h, "interface_dbu", dbu);
    }
    load(h, model, 256, 0);
    if (st)
        snprintf(st, stlen, "%s", status(h));
    float *y = malloc(n * sizeof *y);
    render(h, x, y, n, 256);
    rnnamp_lv2_host_free(h);
    return y;
}

/* x * 10^((dbu - level)/20), the factor rounded to float once. */
static float *scaled(const float *x, size_t n, float dbu, double level)
{
    const float c = (float)pow(10.0, ((double)dbu - level) / 20.0);
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = x[i] * c;
    return v;
}

/* With calibrate on and interface_dbu D, a model that states its input
 * level L plays exactly what it plays uncalibrated for x * 10^((D-L)/20);
 * a model without the metadata plays unscaled and says so. */
static void check_calibration(const char *model, double level, float dbu)
{
    const size_t n = 24000, fade = 2400;
    float *x = test_signal(n, 48000.0, 0.5);
    char st[2048];
    float *y = play(model, x, n, 1.0f, dbu, st, sizeof st);
    ck_assert_msg(strstr(st, "(for calibrate)"), "%s", st);
    float *xs = scaled(x, n, dbu, level);
    float *r = play(model, xs, n, 0.0f, dbu, NULL, 0);
    float *u = play(model, x, n, 0.0f, dbu, NULL, 0);
    const double d = max_abs_diff(y + fade, r + fade, n - fade);
    ck_assert_msg(d == 0.0, "%s: calibrated vs scaled input differ by %g",
                  model, d);
    ck_assert_msg(max_abs_diff(y + fade, u + fade, n - fade) > 1e-3,
                  "%s: calibration changes nothing", model);
    free(x);
    free(xs);
    free(y);
    free(r);
    free(u);
}

START_TEST(t_calibrate)
{
    char cal[400];
    snprintf(cal, sizeof cal, "%s/level.json", dir);
    make_level_model(cal, 18.3);
    check_calibration(cal, 18.3, 6.0f);
    check_calibration(cal, 18.3, 24.0f);

    /* no metadata: calibrate on plays exactly what calibrate off plays */
    const size_t n = 12000;
    float *x = test_signal(n, 48000.0, 0.5);
    char st[2048];
    float *y = play(model_a, x, n, 1.0f, 6.0f, st, sizeof st);
    ck_assert_msg(strstr(st, "no input level: calibrate leaves it unscaled"),
                  "%s", st);
    float *r = play(model_a, x, n, -1.0f, 0.0f, NULL, 0);
    ck_assert(max_abs_diff(y, r, n) == 0.0);
    free(y);
    free(r);

    /* calibrate off (the default) with the metadata: unscaled too */
    y = play(cal, x, n, -1.0f, 0.0f, NULL, 0);
    r = play(model_a, x, n, -1.0f, 0.0f, NULL, 0);
    ck_assert(max_abs_diff(y, r, n) == 0.0);
    free(y);
    free(r);
    free(x);

    /* a real NAM file from ../shared (MIT, input_level_dbu 18.3) */
    char nam[4096];
    test_shared_path(nam, sizeof nam,
                     "models/nam-lstm/NeuralAmpModelerCore_example_lstm.nam");
    if (test_file_exists(nam))
        check_calibration(nam, 18.3, 12.0f);
    else
        fprintf(stderr, "t_calibrate: %s is missing: NAM file part not run\n",
                nam);
}
END_TEST

/* Changing interface_dbu while playing ramps: no output step bigger than
 * the plugin makes at either setting. */
START_TEST(t_calibrate_ramp)
{
    char cal[400];
    snprintf(cal, sizeof cal, "%s/level.json", dir);
    make_level_model(cal, 18.3);
    const size_t n = 48000, at = 24064;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.5 * sin(2 * M_PI * 110.0 * i / 48000.0));
    float *lo = play(cal, x, n, 1.0f, 0.0f, NULL, 0);
    float *hi = play(cal, x, n, 1.0f, 30.0f, NULL, 0);
    rnnamp_lv2_host *h = host(48000.0, 0, 8192);
    set(h, "dc_block", 0.0f);
    set(h, "calibrate", 1.0f);
    set(h, "interface_dbu", 0.0f);
    load(h, cal, 256, 0);
    render(h, x, y, at, 256);
    set(h, "interface_dbu", 30.0f);
    render(h, x + at, y + at, n - at, 256);
    const double j = max_step(y, 4800, n);
    const double jl = max_step(lo, 4800, n), jh = max_step(hi, 4800, n);
    fprintf(stderr, "calibration step: %.4f (0 dBu %.4f, 30 dBu %.4f)\n", j, jl,
            jh);
    ck_assert_msg(j <= 1.05 * fmax(jl, jh), "step %g", j);
    /* and it got there: the last 0.25 s play as the 30 dBu render does */
    ck_assert(max_abs_diff(y + n - 12000, hi + n - 12000, 12000) < 0.05);
    ck_assert(max_abs_diff(y + n - 12000, lo + n - 12000, 12000) > 0.1);
    rnnamp_lv2_host_free(h);
    free(x);
    free(y);
    free(lo);
    free(hi);
}
END_TEST

/* The noise gate: off (explicitly -100) the plugin plays exactly what the
 * engine computes; on, it plays exactly what it plays ungated for the
 * input gated by src/dsp/noise_gate.c (the gate sits before the model),
 * and the gate shuts in the quiet tail. */
START_TEST(t_gate)
{
    const size_t n = 48000, fade = 2400, silent = 256;
    float *x = test_signal(n, 48000.0, 0.5);
    for (size_t i = 12000; i < n; i++) /* a -80 dBFS hiss after 0.25 s */
        x[i] = 1e-4f * (float)sin(0.7 * (double)i) * (float)((i % 7) < 4);
    rnnamp_lv2_host *h = host(48000.0, 0, 8192);
    set(h, "dc_block", 0.0f);
    set(h, "gate_threshold", -100.0f);
    load(h, model_a, (uint32_t)silent, 0);
    float *y = malloc(n * sizeof *y);
    render(h, x, y, n, 256);
    rnnamp_lv2_host_free(h);
    float *r = reference(model_a, (long)silent, x, n, NULL);
    ck_assert(max_abs_diff(y + fade, r + fade, n - fade) == 0.0);
    free(r);

    /* on at -50 dBFS */
    h = host(48000.0, 0, 8192);
    set(h, "dc_block", 0.0f);
    set(h, "gate_threshold", -50.0f);
    load(h, model_a, (uint32_t)silent, 0);
    render(h, x, y, n, 256);
    rnnamp_lv2_host_free(h);
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, 48000.0);
    rnnamp_noise_gate_set_threshold(&g, -50.0f);
    float *z = calloc(silent, sizeof *z), *xg = malloc(n * sizeof *xg);
    rnnamp_noise_gate_process(&g, z, z, (uint32_t)silent); /* the load */
    rnnamp_noise_gate_process(&g, x, xg, (uint32_t)n);
    /* shut from hold + release after the hiss begins (0.4 s) on */
    for (size_t i = 12000 + g.hold + g.release; i < n; i++)
        ck_assert(xg[i] == 0.0f);
    ck_assert(xg[12000 - 4800] == x[12000 - 4800]);
    r = reference(model_a, (long)silent, xg, n, NULL);
    ck_assert(max_abs_diff(y + fade, r + fade, n - fade) == 0.0);
    free(r);
    /* and the gate is audible there: ungated, the hiss reaches the model */
    float *u = reference(model_a, (long)silent, x, n, NULL);
    ck_assert(max_abs_diff(y + n - 4800, u + n - 4800, 4800) > 0.0);
    free(u);
    free(z);
    free(xg);
    free(y);
    free(x);
}
END_TEST

#ifdef RNNAMP_RENDER
/* rnnamp-render --model M --ir R equals the --model M render convolved
 * with R at unit energy. */
START_TEST(t_render_ir)
{
    const size_t n = 24000;
    char in[400], o0[400], o1[400], cmd[3000], err[RNNAMP_ERR_LEN];
    snprintf(in, sizeof in, "%s/in.wav", dir);
    snprintf(o0, sizeof o0, "%s/model.wav", dir);
    snprintf(o1, sizeof o1, "%s/model-ir.wav", dir);
    float *x = test_signal(n, 48000.0, 0.5);
    ck_assert(rnnamp_audio_write(in, x, n, 1, 48000, err, sizeof err) == 0);
    snprintf(cmd, sizeof cmd, "'%s' --quiet --model '%s' '%s' '%s'",
             RNNAMP_RENDER, model_a, in, o0);
    ck_assert_int_eq(test_run_tool(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' --quiet --model '%s' --ir '%s' '%s' '%s'",
             RNNAMP_RENDER, model_a, ir1, in, o1);
    ck_assert_int_eq(test_run_tool(cmd), 0);
    rnnamp_audio a0, a1;
    ck_assert_msg(rnnamp_audio_read(o0, &a0, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(rnnamp_audio_read(o1, &a1, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(a0.frames, n);
    ck_assert_uint_eq(a1.frames, n);
    double *ref = convolve_ir1(a0.data, n);
    /* from IR1_TAPS on: before that the IR also hears the settle time */
    double e = rel_err(a1.data, ref, 1.0, IR1_TAPS, n);
    fprintf(stderr, "rnnamp-render --ir vs convolution: relative error %.3g\n",
            e);
    ck_assert_msg(e < 1e-5, "render with IR off by %g", e);
    /* and the IR is audible: it changes the render by more than a tenth
     * of its peak */
    double peak = 0.0;
    for (size_t i = 0; i < n; i++)
        peak = fmax(peak, fabs(a0.data[i]));
    const double audible =
        max_abs_diff(a0.data + IR1_TAPS, a1.data + IR1_TAPS, n - IR1_TAPS);
    fprintf(stderr, "IR changes the render by up to %g (peak %g)\n", audible,
            peak);
    ck_assert(peak > 0.01 && audible > 0.1 * peak);
    rnnamp_audio_free(&a0);
    rnnamp_audio_free(&a1);
    free(ref);
    free(x);
}
END_TEST
/* rnnamp-render --set calibrate=1 --set interface_dbu=D plays exactly
 * what it plays for the input scaled by 10^((D - L)/20). */
START_TEST(t_render_calibrate)
{
    const size_t n = 24000;
    char cal[400], in[400], ins[400], o0[400], o1[400], cmd[3000];
    char err[RNNAMP_ERR_LEN];
    snprintf(cal, sizeof cal, "%s/level.json", dir);
    make_level_model(cal, 18.3);
    snprintf(in, sizeof in, "%s/in.wav", dir);
    snprintf(ins, sizeof ins, "%s/in-scaled.wav", dir);
    snprintf(o0, sizeof o0, "%s/cal.wav", dir);
    snprintf(o1, sizeof o1, "%s/scaled.wav", dir);
    float *x = test_signal(n, 48000.0, 0.5);
    float *xs = scaled(x, n, 3.0f, 18.3);
    ck_assert(rnnamp_audio_write(in, x, n, 1, 48000, err, sizeof err) == 0);
    ck_assert(rnnamp_audio_write(ins, xs, n, 1, 48000, err, sizeof err) == 0);
    snprintf(cmd, sizeof cmd,
             "'%s' --quiet --model '%s' --set calibrate=1 "
             "--set interface_dbu=3 '%s' '%s'",
             RNNAMP_RENDER, cal, in, o0);
    ck_assert_int_eq(test_run_tool(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' --quiet --model '%s' '%s' '%s'",
             RNNAMP_RENDER, cal, ins, o1);
    ck_assert_int_eq(test_run_tool(cmd), 0);
    rnnamp_audio a0, a1;
    ck_assert_msg(rnnamp_audio_read(o0, &a0, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(rnnamp_audio_read(o1, &a1, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(a0.frames, n);
    ck_assert_uint_eq(a1.frames, n);
    ck_assert(max_abs_diff(a0.data, a1.data, n) == 0.0);
    ck_assert(max_abs_diff(a0.data, x, n) > 0.01);
    rnnamp_audio_free(&a0);
    rnnamp_audio_free(&a1);
    free(x);
    free(xs);
}
END_TEST
#endif

int main(void)
{
    unsetenv("LV2_PATH"); /* the host must find the bundle by itself */
    Suite *s = suite_create("plugin");
    TCase *tc = tcase_create("lv2");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_engine_match_sync);
    tcase_add_test(tc, t_controls);
    tcase_add_test(tc, t_knob3);
    tcase_add_test(tc, t_patch_subject);
    tcase_add_loop_test(tc, t_block_sizes, 0, 2);
    tcase_add_test(tc, t_state_roundtrip);
    tcase_add_test(tc, t_state_missing_model);
    tcase_add_test(tc, t_preset);
    tcase_add_test(tc, t_sample_rates);
    tcase_add_test(tc, t_switch_jump);
    tcase_add_test(tc, t_size_port);
    tcase_add_test(tc, t_bypass_latency);
    tcase_add_test(tc, t_ir_convolution);
    tcase_add_test(tc, t_ir_state);
    tcase_add_test(tc, t_calibrate);
    tcase_add_test(tc, t_calibrate_ramp);
    tcase_add_test(tc, t_gate);
#ifdef RNNAMP_RENDER
    tcase_add_test(tc, t_render_ir);
    tcase_add_test(tc, t_render_calibrate);
#endif
    suite_add_tcase(s, tc);
    /* the worker on its own thread (the tsan suite runs this case alone:
     * CK_RUN_CASE=threads) */
    TCase *threads = tcase_create("threads");
    tcase_add_checked_fixture(threads, setup, teardown);
    tcase_set_timeout(threads, 300);
    tcase_add_test(threads, t_engine_match_threaded);
    tcase_add_test(threads, t_no_alloc_in_run);
    tcase_add_test(threads, t_bad_file_status);
    tcase_add_test(threads, t_too_heavy);
    tcase_add_test(threads, t_rapid_switches);
    tcase_add_test(threads, t_state_absolute_path);
    tcase_add_test(threads, t_superseded_dropped);
    tcase_add_test(threads, t_concurrent_save);
    tcase_add_test(threads, t_ir_missing);
    tcase_add_test(threads, t_ir_preset_relative);
    tcase_add_test(threads, t_ir_switches_no_alloc);
    suite_add_tcase(s, threads);
    TCase *parts = tcase_create("parts");
    tcase_add_test(parts, t_ramp);
    tcase_add_test(parts, t_dc_blocker);
    tcase_add_test(parts, t_resampler);
    suite_add_tcase(s, parts);
    return test_run_suite(s);
}
