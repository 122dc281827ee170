/* rnnamp-capture: capture an LV2 plugin (or write the reamp signal for
 * capturing hardware) into an rnnamp model. See docs/capture.md.
 *
 *   rnnamp-capture --write-signal reamp.wav [--rate R]
 *   rnnamp-capture --plugin URI [--set sym=val ...] [--sweep sym=min:max:n]
 *                  -o model.json [--lv2-bundle DIR] [training options]
 *   rnnamp-capture --plugin URI [--set sym=val ...] --render in.wav out.wav
 *
 * Single-threaded except for the trainer's own worker threads. Everything
 * allocated here is freed before exit.
 */
#include <errno.h>
#include <math.h>
#include <samplerate.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../src/audio_io.h"
#include "../src/engine.h"
#include "../src/lv2_preset.h"
#include "../src/model.h"
#include "../src/model_io.h"
#include "../src/trainer.h"
#include "capture_latency.h"
#include "capture_lv2.h"
#include "capture_signal.h"

#define MAX_SETS        32
#define MAX_FILES       8
#define MAX_STEPS       9
#define MAX_LATENCY_MS  50
#define PREROLL_SECONDS 1.0
#define TRAIN_RMS       0.1 /* level input and target are trained at */

/* Set by the SIGINT handler, read by the trainer (its stop flag). */
static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct {
    const char *plugin, *out, *write_signal, *bundle_out, *load_bundle;
    const char *render_in, *render_out, *save_audio;
    const char *set_sym[MAX_SETS];
    float set_val[MAX_SETS];
    int n_set;
    const char *sweep_sym;
    float sweep_min, sweep_max;
    int sweep_steps;
    const char *di[MAX_FILES], *test_di[MAX_FILES];
    int n_di, n_test_di;
    int rate;
    double guitar_seconds;
    int eval_knobs;
    /* training */
    rnnamp_layer_type arch;
    int hidden, layers, skip, epochs, threads, batch;
    double minutes, lr;
    unsigned long long seed;
    int tbptt, segment;
    int latency; /* -1: measure */
    double input_rms;
    int have_epochs, have_minutes, have_lr, have_batch;
    int quiet;
} options;

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage:\n"
        "  rnnamp-capture --write-signal reamp.wav [--rate R]\n"
        "      write the standard capture signal to reamp through hardware\n"
        "  rnnamp-capture --plugin URI [--set sym=val ...]\n"
        "                 [--sweep sym=min:max:steps] -o model.json\n"
        "                 [--lv2-bundle DIR] [options]\n"
        "      run an LV2 plugin over the capture signal, correct its\n"
        "      latency, train a model and report its test ESR\n"
        "  rnnamp-capture --plugin URI [--set sym=val ...] --render in out\n"
        "      just run the plugin over a file (raw, no latency correction)\n"
        "options:\n"
        "  --rate R            capture sample rate (default 48000)\n"
        "  --guitar-seconds S  training guitar in the signal (default 60)\n"
        "  --di FILE           extra DI audio to train on (repeatable)\n"
        "  --test-di FILE      held-out DI to report ESR on (repeatable)\n"
        "  --eval-knobs N      knob values to evaluate a --sweep model at\n"
        "                      (default 5, evenly spaced incl. both ends)\n"
        "  --load-bundle DIR   also load the LV2 bundle in DIR\n"
        "  --save-audio DIR    write the signal and targets as WAV to DIR\n"
        "  --arch lstm|gru|rnn --hidden N --layers N --skip\n"
        "  --minutes M --epochs N --seed S --threads N --batch B --lr X\n"
        "  --latency N         use N samples of latency instead of "
        "measuring it\n"
        "  --input-rms X       RMS the input is scaled to for training "
        "(default 0.1;\n"
        "                      larger helps high-gain targets)\n"
        "  --tbptt T --segment S  truncated-BPTT chunk and segment (samples)\n"
        "  --quiet             no per-epoch progress\n");
}

static int parse_float(const char *opt, const char *s, float *v)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(d)) {
        fprintf(stderr, "rnnamp-capture: %s '%s': not a number\n", opt, s);
        return -1;
    }
    *v = (float)d;
    return 0;
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *v)
{
    char *end;
    errno = 0;
    long l = strtol(s, &end, 10);
    if (end == s || *end || errno || l < lo || l > hi) {
        fprintf(stderr,
                "rnnamp-capture: %s '%s': expected an integer from %d to "
                "%d\n",
                opt, s, lo, hi);
        return -1;
    }
    *v = (int)l;
    return 0;
}

static int parse_double(const char *opt, const char *s, double lo, double hi,
                        double *v)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno || !(d >= lo && d <= hi)) {
        fprintf(stderr,
                "rnnamp-capture: %s '%s': expected a number from %g to "
                "%g\n",
                opt, s, lo, hi);
        return -1;
    }
    *v = d;
    return 0;
}

/* Returns 0 ok, 1 help printed, -1 error. */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->rate = 48000;
    o->guitar_seconds = 60.0;
    o->eval_knobs = 5;
    o->input_rms = TRAIN_RMS;
    o->latency = -1;
    o->arch = RNNAMP_LSTM;
    o->hidden = 16;
    o->layers = 1;
    o->threads = 2;
    o->seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG                                                               \
    do {                                                                       \
        if (!v) {                                                              \
            fprintf(stderr, "rnnamp-capture: %s needs a value\n", a);          \
            return -1;                                                         \
        }                                                                      \
        i++;                                                                   \
    } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "--plugin")) {
            NEED_ARG;
            o->plugin = v;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            NEED_ARG;
            o->out = v;
        } else if (!strcmp(a, "--write-signal")) {
            NEED_ARG;
            o->write_signal = v;
        } else if (!strcmp(a, "--lv2-bundle")) {
            NEED_ARG;
            o->bundle_out = v;
        } else if (!strcmp(a, "--load-bundle")) {
            NEED_ARG;
            o->load_bundle = v;
        } else if (!strcmp(a, "--save-audio")) {
            NEED_ARG;
            o->save_audio = v;
        } else if (!strcmp(a, "--render")) {
            if (i + 2 >= argc) {
                fprintf(stderr, "rnnamp-capture: --render needs IN and "
                                "OUT files\n");
                return -1;
            }
            o->render_in = argv[++i];
            o->render_out = argv[++i];
        } else if (!strcmp(a, "--set")) {
            NEED_ARG;
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                fprintf(stderr,
                        "rnnamp-capture: --set '%s': expected symbol=value\n",
                        v);
                return -1;
            }
            if (o->n_set == MAX_SETS) {
                fprintf(stderr, "rnnamp-capture: more than %d --set\n",
                        MAX_SETS);
                return -1;
            }
            char *sym = strndup(v, (size_t)(eq - v));
            if (!sym)
                return -1;
            o->set_sym[o->n_set] = sym;
            if (parse_float("--set", eq + 1, &o->set_val[o->n_set])) {
                free(sym);
                return -1;
            }
            o->n_set++;
        } else if (!strcmp(a, "--sweep")) {
            NEED_ARG;
            char sym[64];
            float mn, mx;
            int steps, used = 0;
            if (sscanf(v, "%63[^=]=%f:%f:%d%n", sym, &mn, &mx, &steps, &used) !=
                    4 ||
                v[used] || !isfinite(mn) || !isfinite(mx) || mn >= mx) {
                fprintf(stderr,
                        "rnnamp-capture: --sweep '%s': expected "
                        "symbol=min:max:steps with min < max\n",
                        v);
                return -1;
            }
            if (steps < 2 || steps > MAX_STEPS) {
                fprintf(stderr,
                        "rnnamp-capture: --sweep '%s': steps must be 2 to "
                        "%d\n",
                        v, MAX_STEPS);
                return -1;
            }
            char *s = strdup(sym);
            if (!s)
                return -1;
            free((void *)o->sweep_sym);
            o->sweep_sym = s;
            o->sweep_min = mn;
            o->sweep_max = mx;
            o->sweep_steps = steps;
        } else if (!strcmp(a, "--di") || !strcmp(a, "--test-di")) {
            NEED_ARG;
            int test = !strcmp(a, "--test-di");
            int *n = test ? &o->n_test_di : &o->n_di;
            if (*n == MAX_FILES) {
                fprintf(stderr, "rnnamp-capture: more than %d %s files\n",
                        MAX_FILES, a);
                return -1;
            }
            (test ? o->test_di : o->di)[(*n)++] = v;
        } else if (!strcmp(a, "--rate")) {
            NEED_ARG;
            if (parse_int(a, v, 8000, 384000, &o->rate))
                return -1;
        } else if (!strcmp(a, "--guitar-seconds")) {
            NEED_ARG;
            if (parse_double(a, v, 5.0, 600.0, &o->guitar_seconds))
                return -1;
        } else if (!strcmp(a, "--eval-knobs")) {
            NEED_ARG;
            if (parse_int(a, v, 2, 21, &o->eval_knobs))
                return -1;
        } else if (!strcmp(a, "--arch")) {
            NEED_ARG;
            if (!strcmp(v, "lstm"))
                o->arch = RNNAMP_LSTM;
            else if (!strcmp(v, "gru"))
                o->arch = RNNAMP_GRU;
            else if (!strcmp(v, "rnn"))
                o->arch = RNNAMP_RNN;
            else {
                fprintf(stderr,
                        "rnnamp-capture: --arch '%s': expected lstm, gru "
                        "or rnn\n",
                        v);
                return -1;
            }
        } else if (!strcmp(a, "--hidden")) {
            NEED_ARG;
            if (parse_int(a, v, 1, RNNAMP_MAX_HIDDEN, &o->hidden))
                return -1;
        } else if (!strcmp(a, "--layers")) {
            NEED_ARG;
            if (parse_int(a, v, 1, RNNAMP_MAX_LAYERS - 1, &o->layers))
                return -1;
        } else if (!strcmp(a, "--skip")) {
            o->skip = 1;
        } else if (!strcmp(a, "--minutes")) {
            NEED_ARG;
            if (parse_double(a, v, 0.01, 10000.0, &o->minutes))
                return -1;
            o->have_minutes = 1;
        } else if (!strcmp(a, "--epochs")) {
            NEED_ARG;
            if (parse_int(a, v, 1, 1000000, &o->epochs))
                return -1;
            o->have_epochs = 1;
        } else if (!strcmp(a, "--seed")) {
            NEED_ARG;
            double d;
            if (parse_double(a, v, 0, 1e15, &d))
                return -1;
            o->seed = (unsigned long long)d;
        } else if (!strcmp(a, "--threads")) {
            NEED_ARG;
            if (parse_int(a, v, 1, 64, &o->threads))
                return -1;
        } else if (!strcmp(a, "--batch")) {
            NEED_ARG;
            if (parse_int(a, v, 1, 1024, &o->batch))
                return -1;
            o->have_batch = 1;
        } else if (!strcmp(a, "--latency")) {
            NEED_ARG;
            if (parse_int(a, v, 0, 96000, &o->latency))
                return -1;
        } else if (!strcmp(a, "--input-rms")) {
            NEED_ARG;
            if (parse_double(a, v, 0.001, 10.0, &o->input_rms))
                return -1;
        } else if (!strcmp(a, "--tbptt")) {
            NEED_ARG;
            if (parse_int(a, v, 16, 1 << 16, &o->tbptt))
                return -1;
        } else if (!strcmp(a, "--segment")) {
            NEED_ARG;
            if (parse_int(a, v, 64, 1 << 22, &o->segment))
                return -1;
        } else if (!strcmp(a, "--lr")) {
            NEED_ARG;
            if (parse_double(a, v, 1e-7, 1.0, &o->lr))
                return -1;
            o->have_lr = 1;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else {
            fprintf(stderr, "rnnamp-capture: unknown option '%s'\n", a);
            usage(stderr);
            return -1;
        }
#undef NEED_ARG
    }
    int modes = !!o->write_signal + !!o->render_in + !!o->out;
    if (modes != 1) {
        fprintf(stderr, "rnnamp-capture: give exactly one of --write-signal "
                        "FILE, -o MODEL (with --plugin) or --render IN OUT\n");
        usage(stderr);
        return -1;
    }
    if ((o->out || o->render_in) && !o->plugin) {
        fprintf(stderr, "rnnamp-capture: --plugin URI is required\n");
        return -1;
    }
    if (o->render_in && o->sweep_sym) {
        fprintf(stderr, "rnnamp-capture: --sweep cannot be used with "
                        "--render\n");
        return -1;
    }
    return 0;
}

static void free_options(options *o)
{
    for (int i = 0; i < o->n_set; i++)
        free((void *)o->set_sym[i]);
    free((void *)o->sweep_sym);
}

/* Read a mono (or channel 0) file and resample it to rate. Returns a
 * malloc'ed buffer or NULL with err. */
static float *read_mono_at(const char *path, int rate, size_t *n, char *err,
                           size_t errlen)
{
    rnnamp_audio a;
    if (rnnamp_audio_read(path, &a, err, errlen))
        return NULL;
    if (a.channels != 1)
        fprintf(stderr,
                "rnnamp-capture: note: %s has %d channels; using the "
                "first\n",
                path, a.channels);
    float *x = rnnamp_audio_channel(&a, 0);
    size_t frames = a.frames;
    int file_rate = a.rate;
    rnnamp_audio_free(&a);
    if (!x) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (file_rate == rate) {
        *n = frames;
        return x;
    }
    double ratio = (double)rate / file_rate;
    size_t out_n = (size_t)ceil(frames * ratio) + 16;
    float *y = calloc(out_n, sizeof *y);
    if (!y) {
        free(x);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    SRC_DATA d = {0};
    d.data_in = x;
    d.input_frames = (long)frames;
    d.data_out = y;
    d.output_frames = (long)out_n;
    d.src_ratio = ratio;
    int e = src_simple(&d, SRC_SINC_BEST_QUALITY, 1);
    free(x);
    if (e) {
        free(y);
        snprintf(err, errlen, "%s: resampling %d -> %d Hz failed: %s", path,
                 file_rate, rate, src_strerror(e));
        return NULL;
    }
    fprintf(stderr, "rnnamp-capture: %s resampled from %d to %d Hz\n", path,
            file_rate, rate);
    *n = (size_t)d.output_frames_gen;
    return y;
}

static int render_mode(const options *o)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_audio a;
    if (rnnamp_audio_read(o->render_in, &a, err, sizeof err)) {
        fprintf(stderr, "rnnamp-capture: %s\n", err);
        return 1;
    }
    float *x = rnnamp_audio_channel(&a, 0);
    size_t n = a.frames;
    int rate = a.rate;
    rnnamp_audio_free(&a);
    float *y = x ? malloc(n * sizeof *y) : NULL;
    capture_lv2 *h = NULL;
    int rc = 1;
    if (!y) {
        fprintf(stderr, "rnnamp-capture: out of memory\n");
        goto out;
    }
    h = capture_lv2_open(o->plugin, rate, o->load_bundle, err, sizeof err);
    if (!h)
        goto fail;
    for (int i = 0; i < o->n_set; i++)
        if (capture_lv2_set(h, o->set_sym[i], o->set_val[i], err, sizeof err))
            goto fail;
    if (capture_lv2_run(h, x, y, n, (size_t)(0.5 * rate), NULL, err,
                        sizeof err))
        goto fail;
    if (rnnamp_audio_write(o->render_out, y, n, 1, rate, err, sizeof err))
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "rnnamp-capture: %s\n", err);
out:
    capture_lv2_free(h);
    free(x);
    free(y);
    return rc;
}

/* Plain ESR: sum (y - t)^2 / sum t^2. */
static double esr(const float *y, const float *t, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)y[i] - t[i];
        num += d * d;
        den += (double)t[i] * t[i];
    }
    return num / (den + 1e-20);
}

/* Run model m over x (after prewarm samples of silence) into y. */
static int run_model(const rnnamp_model *m, const float *x, float *y, size_t n,
                     float knob, size_t prewarm, char *err, size_t errlen)
{
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, errlen);
    if (!e)
        return -1;
    float knobs[RNNAMP_MAX_INPUTS];
    for (int i = 0; i < RNNAMP_MAX_INPUTS; i++)
        knobs[i] = knob;
    const float *kp = m->n_inputs > 1 ? knobs : NULL;
    rnnamp_engine_prewarm(e, (uint32_t)prewarm, kp);
    for (size_t i = 0; i < n; i += 256) {
        uint32_t b = (uint32_t)(n - i < 256 ? n - i : 256);
        rnnamp_engine_process(e, x + i, y + i, b, kp);
    }
    rnnamp_engine_free(e);
    return 0;
}

/* Knob value 0..1 -> control value. */
static float knob_to_control(const options *o, double k)
{
    return (float)(o->sweep_min + k * (o->sweep_max - o->sweep_min));
}

typedef struct {
    const options *o;
} progress_ctx;

static int on_progress(const rnnamp_train_progress *p, void *user)
{
    const progress_ctx *c = user;
    if (!p->epoch_done || c->o->quiet)
        return 0;
    fprintf(stderr,
            "epoch %4d  train loss %.5f  val ESR %.5f  best %.5f (epoch %d)  "
            "lr %.1e  %.0f s\n",
            p->epoch + 1, p->train_loss, p->val_esr, p->best_val_esr,
            p->best_epoch + 1, p->lr, p->elapsed);
    return 0;
}

static int save_wav(const options *o, const char *name, const float *x,
                    size_t n, int rate)
{
    char path[4200], err[RNNAMP_ERR_LEN];
    snprintf(path, sizeof path, "%s/%s", o->save_audio, name);
    if (rnnamp_audio_write(path, x, n, 1, rate, err, sizeof err)) {
        fprintf(stderr, "rnnamp-capture: %s\n", err);
        return -1;
    }
    return 0;
}

/* Held-out material: the signal's test clip plus every --test-di file
 * (resampled), each preceded by silence so the plugin and model start
 * settled. */
typedef struct {
    float *x;
    size_t n;
    size_t start[MAX_FILES + 1], len[MAX_FILES + 1];
    const char *name[MAX_FILES + 1];
    int n_clips;
} heldout;

static int heldout_make(heldout *h, const options *o, const capture_signal *s,
                        char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    float *clips[MAX_FILES + 1];
    size_t lens[MAX_FILES + 1];
    clips[0] = s->x + s->test_start;
    lens[0] = s->test_end - s->test_start;
    h->name[0] = "capture signal test clip";
    int nc = 1;
    for (int i = 0; i < o->n_test_di; i++) {
        clips[nc] =
            read_mono_at(o->test_di[i], o->rate, &lens[nc], err, errlen);
        if (!clips[nc]) {
            for (int k = 1; k < nc; k++)
                free(clips[k]);
            return -1;
        }
        h->name[nc++] = o->test_di[i];
    }
    size_t gap = (size_t)o->rate / 2, total = 0;
    for (int i = 0; i < nc; i++)
        total += gap + lens[i];
    h->x = calloc(total ? total : 1, sizeof *h->x);
    if (!h->x) {
        for (int k = 1; k < nc; k++)
            free(clips[k]);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t p = 0;
    for (int i = 0; i < nc; i++) {
        p += gap;
        memcpy(h->x + p, clips[i], lens[i] * sizeof(float));
        h->start[i] = p;
        h->len[i] = lens[i];
        p += lens[i];
        if (i > 0)
            free(clips[i]);
    }
    h->n = total;
    h->n_clips = nc;
    return 0;
}

/* Run the plugin over held-out material, correct latency, run the model,
 * and fill esr_out[clip]. */
static int heldout_eval(const heldout *h, capture_lv2 *host, int latency,
                        const rnnamp_model *m, float knob, int rate,
                        double *esr_out, char *err, size_t errlen)
{
    size_t pad = (size_t)latency;
    float *xin = calloc(h->n + pad, sizeof *xin);
    float *t = calloc(h->n + pad, sizeof *t);
    float *y = calloc(h->n, sizeof *y);
    int rc = -1;
    if (!xin || !t || !y) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    memcpy(xin, h->x, h->n * sizeof *xin);
    if (capture_lv2_run(host, xin, t, h->n + pad,
                        (size_t)(PREROLL_SECONDS * rate), NULL, err, errlen))
        goto out;
    if (run_model(m, h->x, y, h->n, knob, (size_t)(PREROLL_SECONDS * rate), err,
                  errlen))
        goto out;
    for (int i = 0; i < h->n_clips; i++)
        esr_out[i] = esr(y + h->start[i], t + pad + h->start[i], h->len[i]);
    rc = 0;
out:
    free(xin);
    free(t);
    free(y);
    return rc;
}

static void json_escape(char *dst, size_t len, const char *s)
{
    size_t j = 0;
    for (; *s && j + 7 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            dst[j++] = '\\';
            dst[j++] = (char)c;
        } else if (c < 0x20) {
            j += (size_t)snprintf(dst + j, len - j, "\\u%04x", c);
        } else {
            dst[j++] = (char)c;
        }
    }
    dst[j] = '\0';
}

static int capture_mode(const options *o)
{
    char err[RNNAMP_ERR_LEN];
    int rc = 1;
    capture_signal sig = {0};
    capture_lv2 *host = NULL;
    rnnamp_dataset ds;
    rnnamp_dataset_init(&ds);
    rnnamp_model *model = NULL;
    rnnamp_train_result res = {0};
    float *input = NULL, *target = NULL, *aligned = NULL;
    heldout ho = {0};
    char *meta = NULL;
    int latency = 0;
    double out_scale = 1.0, in_scale = 1.0;
    float *scaled_in = NULL;

    host =
        capture_lv2_open(o->plugin, o->rate, o->load_bundle, err, sizeof err);
    if (!host)
        goto fail;
    for (int i = 0; i < o->n_set; i++)
        if (capture_lv2_set(host, o->set_sym[i], o->set_val[i], err,
                            sizeof err))
            goto fail;
    if (o->sweep_sym) {
        if (capture_lv2_set(host, o->sweep_sym, o->sweep_min, err,
                            sizeof err) ||
            capture_lv2_set(host, o->sweep_sym, o->sweep_max, err, sizeof err))
            goto fail;
    }
    fprintf(stderr, "rnnamp-capture: plugin %s (%s) at %d Hz\n", o->plugin,
            capture_lv2_name(host), o->rate);

    if (capture_signal_make(&sig, o->rate, o->guitar_seconds, err, sizeof err))
        goto fail;

    /* Held-out material (read now so a bad --test-di fails early). */
    if (heldout_make(&ho, o, &sig, err, sizeof err))
        goto fail;

    /* The input: capture signal, then any --di files. */
    size_t n_in = sig.n, di_start[MAX_FILES], di_len[MAX_FILES];
    float *di[MAX_FILES] = {0};
    for (int i = 0; i < o->n_di; i++) {
        di[i] = read_mono_at(o->di[i], o->rate, &di_len[i], err, sizeof err);
        if (!di[i]) {
            for (int k = 0; k < i; k++)
                free(di[k]);
            goto fail;
        }
        n_in += (size_t)o->rate / 2 + di_len[i];
    }
    input = calloc(n_in, sizeof *input);
    if (input) {
        memcpy(input, sig.x, sig.n * sizeof *input);
        size_t p = sig.n;
        for (int i = 0; i < o->n_di; i++) {
            p += (size_t)o->rate / 2;
            memcpy(input + p, di[i], di_len[i] * sizeof *input);
            di_start[i] = p;
            p += di_len[i];
        }
    }
    for (int i = 0; i < o->n_di; i++)
        free(di[i]);
    if (!input)
        goto oom;
    if (o->save_audio && save_wav(o, "input.wav", input, n_in, o->rate))
        goto out;

    int max_lat = o->rate * MAX_LATENCY_MS / 1000;
    if (o->latency > max_lat) {
        snprintf(err, sizeof err, "--latency %d: at most %d samples (%d ms)",
                 o->latency, max_lat, MAX_LATENCY_MS);
        goto fail;
    }
    target = calloc(n_in + (size_t)max_lat, sizeof *target);
    aligned = calloc(n_in, sizeof *aligned);
    float *padded_in = calloc(n_in + (size_t)max_lat, sizeof *padded_in);
    if (!target || !aligned || !padded_in) {
        free(padded_in);
        goto oom;
    }
    memcpy(padded_in, input, n_in * sizeof *input);

    if (!o->skip) {
        double e = 0.0;
        for (size_t i = sig.train_start; i < sig.train_end; i++)
            e += (double)input[i] * input[i];
        e /= (double)(sig.train_end - sig.train_start);
        in_scale = fmin(fmax(o->input_rms / sqrt(e + 1e-30), 1e-3), 1e4);
    }
    scaled_in = malloc(n_in * sizeof *scaled_in);
    if (!scaled_in) {
        free(padded_in);
        goto oom;
    }
    for (size_t i = 0; i < n_in; i++)
        scaled_in[i] = (float)(input[i] * in_scale);

    int n_caps = o->sweep_sym ? o->sweep_steps : 1;
    rnnamp_dataset_opts dopts;
    rnnamp_dataset_opts_default(&dopts);
    dopts.align = 0;
    for (int c = 0; c < n_caps; c++) {
        float knob = n_caps > 1 ? (float)c / (float)(n_caps - 1) : 0.0f;
        if (o->sweep_sym) {
            float v = knob_to_control(o, knob);
            if (capture_lv2_set(host, o->sweep_sym, v, err, sizeof err)) {
                free(padded_in);
                goto fail;
            }
            fprintf(stderr, "rnnamp-capture: capturing %s=%g (knob %.3f)\n",
                    o->sweep_sym, v, knob);
        }
        int reported = 0;
        if (capture_lv2_run(host, padded_in, target, n_in + (size_t)max_lat,
                            (size_t)(PREROLL_SECONDS * o->rate), &reported, err,
                            sizeof err)) {
            free(padded_in);
            goto fail;
        }
        int lat = capture_measure_latency(target, n_in, sig.impulse_pos,
                                          CAPTURE_N_IMPULSES, max_lat, err,
                                          sizeof err);
        if (lat < 0 && o->latency < 0) {
            free(padded_in);
            goto fail;
        }
        int xc_peak = -1, onset = lat;
        if (lat >= 0)
            lat = capture_refine_latency(input, target, sig.noise_start,
                                         sig.guitar_start, lat, max_lat,
                                         &xc_peak);
        if (o->latency >= 0) {
            if (c == 0)
                fprintf(stderr,
                        "rnnamp-capture: latency %d samples from --latency "
                        "(measured %d)\n",
                        o->latency, lat);
            lat = o->latency;
        }
        if (c == 0 && o->latency >= 0) {
            latency = lat;
        } else if (c == 0) {
            latency = lat;
            fprintf(stderr,
                    "rnnamp-capture: latency %d samples (%.2f ms) measured "
                    "(impulse onset %d, correlation peak %d), %d reported by "
                    "the plugin; corrected\n",
                    lat, 1000.0 * lat / o->rate, onset, xc_peak, reported);
        } else if (lat != latency) {
            fprintf(stderr,
                    "rnnamp-capture: note: latency %d samples at this "
                    "setting (was %d)\n",
                    lat, latency);
        }
        memcpy(aligned, target + lat, n_in * sizeof *aligned);
        double peak = 0.0, energy = 0.0;
        for (size_t i = sig.train_start; i < sig.train_end; i++) {
            peak = fmax(peak, fabs(aligned[i]));
            energy += (double)aligned[i] * aligned[i];
        }
        if (peak < 1e-4) {
            snprintf(err, sizeof err,
                     "plugin <%s> output is silent with these settings "
                     "(peak %.1f dBFS): check --set values",
                     o->plugin, 20.0 * log10(peak + 1e-30));
            free(padded_in);
            goto fail;
        }
        /* Train on input and target scaled to an RMS of TRAIN_RMS: DI
         * levels (RMS ~0.02) would need large input weights and a quiet
         * target small head weights, both slow to reach with Adam's
         * absolute steps. The scales are folded back into the first
         * layer's audio column and the linear head after training.
         * Without --skip only (the skip path adds the unscaled input). */
        if (c == 0 && !o->skip)
            out_scale =
                fmin(fmax(TRAIN_RMS / sqrt(energy / (double)(sig.train_end -
                                                             sig.train_start) +
                                           1e-30),
                          1e-3),
                     1e4);
        if (peak > 1.0)
            fprintf(stderr,
                    "rnnamp-capture: note: the plugin's output peaks at "
                    "%+.1f dBFS (above full scale; kept as is)\n",
                    20.0 * log10(peak));
        if (o->save_audio) {
            char name[64];
            snprintf(name, sizeof name, "target-%d.wav", c);
            if (save_wav(o, name, aligned, n_in, o->rate)) {
                free(padded_in);
                goto out;
            }
        }
        for (size_t i = 0; i < n_in; i++)
            aligned[i] *= (float)out_scale;
        char pname[512];
        snprintf(pname, sizeof pname, "capture of %s, setting %d",
                 capture_lv2_name(host), c + 1);
        float kv[1] = {knob};
        if (rnnamp_dataset_add_buffers(&ds, pname, scaled_in, aligned, n_in,
                                       n_in, o->rate, kv, o->sweep_sym ? 1 : 0,
                                       &dopts, err, sizeof err)) {
            free(padded_in);
            goto fail;
        }
        /* Our own split: training guitar's last 15% for validation, the
         * held-out clip for test, everything else before it (and the --di
         * files) for training. */
        rnnamp_pair *pr = &ds.pairs[ds.n_pairs - 1];
        size_t gl = sig.train_end - sig.train_start;
        size_t val_start = sig.train_end - gl * 15 / 100;
        memset(pr->n_spans, 0, sizeof pr->n_spans);
        pr->spans[RNNAMP_SPLIT_TRAIN][0] =
            (rnnamp_span){sig.train_start, val_start};
        pr->n_spans[RNNAMP_SPLIT_TRAIN] = 1;
        for (int i = 0; i < o->n_di; i++)
            pr->spans[RNNAMP_SPLIT_TRAIN][pr->n_spans[RNNAMP_SPLIT_TRAIN]++] =
                (rnnamp_span){di_start[i], di_start[i] + di_len[i]};
        pr->spans[RNNAMP_SPLIT_VAL][0] =
            (rnnamp_span){val_start, sig.train_end};
        pr->n_spans[RNNAMP_SPLIT_VAL] = 1;
        pr->spans[RNNAMP_SPLIT_TEST][0] =
            (rnnamp_span){sig.test_start, sig.test_end};
        pr->n_spans[RNNAMP_SPLIT_TEST] = 1;
        pr->latency = lat;
        (void)energy;
    }
    free(padded_in);

    /* Train. */
    rnnamp_train_config tc;
    rnnamp_train_config_default(&tc, o->rate);
    tc.arch = o->arch;
    tc.hidden = o->hidden;
    tc.layers = o->layers;
    tc.skip = o->skip;
    tc.seed = o->seed;
    tc.threads = o->threads;
    if (o->have_minutes)
        tc.minutes = o->minutes;
    if (o->have_epochs)
        tc.epochs = o->epochs;
    if (o->have_batch)
        tc.batch = o->batch;
    if (o->have_lr)
        tc.lr = o->lr;
    if (o->tbptt)
        tc.tbptt = o->tbptt;
    if (o->segment)
        tc.segment = o->segment;
    else if (o->tbptt) /* about 0.5 s in whole chunks */
        tc.segment = ((o->rate / 2 + o->tbptt / 2) / o->tbptt) * o->tbptt;
    if (tc.segment < tc.tbptt)
        tc.segment = tc.tbptt;
    tc.stop = &stop_flag;
    if (rnnamp_train_config_check(&tc, err, sizeof err))
        goto fail;
    fprintf(stderr,
            "rnnamp-capture: training %s-%d x%d on %.1f s of audio per "
            "setting, budget %.1f min (Ctrl-C stops and saves)\n",
            rnnamp_layer_type_name(tc.arch), tc.hidden, tc.layers,
            (double)rnnamp_dataset_split_samples(&ds, RNNAMP_SPLIT_TRAIN) /
                n_caps / o->rate,
            tc.minutes);
    progress_ctx pc = {o};
    if (rnnamp_train_run(&tc, &ds, on_progress, &pc, &model, &res, err,
                         sizeof err))
        goto fail;

    /* Undo the input and target scaling: first layer's audio column,
     * and the (linear) head. */
    {
        rnnamp_layer *first = &model->layers[0];
        int rows = first->type == RNNAMP_DENSE
                       ? first->n_out
                       : rnnamp_layer_gates(first->type) * first->n_out;
        for (int r = 0; r < rows; r++)
            first->w_ih[(size_t)r * (size_t)first->n_in] *= (float)in_scale;
        rnnamp_layer *head = &model->layers[model->n_layers - 1];
        float inv = (float)(1.0 / out_scale);
        for (int i = 0; i < head->n_out * head->n_in; i++)
            head->w_ih[i] *= inv;
        for (int i = 0; i < head->n_out; i++)
            head->b_ih[i] *= inv;
    }

    /* Evaluate on held-out material with the real-time engine. */
    int n_eval = o->sweep_sym ? o->eval_knobs : 1;
    double worst = 0.0;
    size_t mlen = 8192;
    meta = malloc(mlen);
    if (!meta)
        goto oom;
    char esc[2048], esc2[512];
    json_escape(esc, sizeof esc, o->plugin);
    json_escape(esc2, sizeof esc2, capture_lv2_name(host));
    size_t ml = (size_t)snprintf(
        meta, mlen,
        "{\"capture\": {\"plugin\": \"%s\", \"plugin_name\": \"%s\", "
        "\"latency_samples\": %d, \"train_test_esr\": %.6g, \"settings\": {",
        esc, esc2, latency, res.test_esr);
    for (int i = 0; i < o->n_set; i++) {
        json_escape(esc2, sizeof esc2, o->set_sym[i]);
        ml += (size_t)snprintf(meta + ml, mlen - ml, "%s\"%s\": %g",
                               i ? ", " : "", esc2, o->set_val[i]);
    }
    ml += (size_t)snprintf(meta + ml, mlen - ml, "}, \"heldout\": [");
    fprintf(stderr, "rnnamp-capture: held-out ESR (real-time engine, no "
                    "pre-emphasis):\n");
    for (int k = 0; k < n_eval; k++) {
        float knob = n_eval > 1 ? (float)k / (float)(n_eval - 1) : 0.5f;
        double e[MAX_FILES + 1];
        if (o->sweep_sym) {
            float v = knob_to_control(o, knob);
            if (capture_lv2_set(host, o->sweep_sym, v, err, sizeof err))
                goto fail;
        }
        if (heldout_eval(&ho, host, latency, model, knob, o->rate, e, err,
                         sizeof err))
            goto fail;
        for (int c = 0; c < ho.n_clips; c++) {
            if (o->sweep_sym)
                fprintf(stderr, "  %s=%-8g (knob %.3f) %-40s ESR %.5f  %s\n",
                        o->sweep_sym, knob_to_control(o, knob), knob,
                        ho.name[c], e[c], rnnamp_esr_grade(e[c]));
            else
                fprintf(stderr, "  %-48s ESR %.5f  %s\n", ho.name[c], e[c],
                        rnnamp_esr_grade(e[c]));
            json_escape(esc2, sizeof esc2, ho.name[c]);
            if (ml < mlen)
                ml += (size_t)snprintf(
                    meta + ml, mlen - ml,
                    "%s{\"clip\": \"%s\", \"knob\": %g, \"esr\": %.6g}",
                    (k || c) ? ", " : "", esc2, o->sweep_sym ? knob : -1.0,
                    e[c]);
            if (c > 0 || ho.n_clips == 1)
                worst = fmax(worst, e[c]);
        }
    }
    if (ml < mlen)
        ml += (size_t)snprintf(meta + ml, mlen - ml, "]");
    if (o->sweep_sym && ml < mlen) {
        json_escape(esc2, sizeof esc2, o->sweep_sym);
        ml += (size_t)snprintf(
            meta + ml, mlen - ml,
            ", \"knob1\": {\"symbol\": \"%s\", \"min\": %g, \"max\": %g, "
            "\"steps\": %d}",
            esc2, o->sweep_min, o->sweep_max, o->sweep_steps);
    }
    if (ml < mlen)
        ml += (size_t)snprintf(meta + ml, mlen - ml, "}}");
    if (ml >= mlen) {
        snprintf(err, sizeof err, "capture metadata too long");
        goto fail;
    }

    /* Self-test batch: 2048 samples of the test clip at knob 0.5. */
    {
        size_t nb = 2048;
        float *bi = calloc(nb * (size_t)model->n_inputs, sizeof *bi);
        float *bo = calloc(nb, sizeof *bo);
        float *bx = calloc(nb, sizeof *bx);
        int ok = bi && bo && bx;
        if (ok) {
            memcpy(bx, sig.x + sig.test_start, nb * sizeof *bx);
            for (size_t i = 0; i < nb; i++) {
                bi[i * (size_t)model->n_inputs] = bx[i];
                for (int k = 1; k < model->n_inputs; k++)
                    bi[i * (size_t)model->n_inputs + (size_t)k] = 0.5f;
            }
            ok = !run_model(model, bx, bo, nb, 0.5f, 0, err, sizeof err) &&
                 !rnnamp_model_set_batch(model, bi, bo, nb);
        }
        free(bi);
        free(bo);
        free(bx);
        if (!ok) {
            if (!*err)
                snprintf(err, sizeof err, "out of memory");
            goto fail;
        }
    }
    snprintf(model->meta.name, sizeof model->meta.name, "%s",
             capture_lv2_name(host));
    model->meta.has_esr = 1;
    model->meta.esr = worst;
    if (rnnamp_model_save_aidax(model, o->out, meta, err, sizeof err))
        goto fail;
    char desc[256];
    rnnamp_model_describe(model, desc, sizeof desc);
    fprintf(stderr,
            "rnnamp-capture: wrote %s (%s), %d epochs in %.0f s; test ESR "
            "%.5f (%s), worst held-out ESR %.5f\n",
            o->out, desc, res.epochs_run, res.seconds, res.test_esr,
            rnnamp_esr_grade(res.test_esr), worst);
    if (o->bundle_out) {
        char label[512];
        snprintf(label, sizeof label, "%s capture", capture_lv2_name(host));
        if (rnnamp_lv2_preset_write(o->bundle_out, label, o->out, err,
                                    sizeof err))
            goto fail;
        fprintf(stderr, "rnnamp-capture: wrote LV2 preset bundle %s\n",
                o->bundle_out);
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, sizeof err, "out of memory");
fail:
    fprintf(stderr, "rnnamp-capture: %s\n", err);
out:
    free(meta);
    free(scaled_in);
    free(ho.x);
    free(input);
    free(target);
    free(aligned);
    rnnamp_train_result_free(&res);
    rnnamp_model_free(model);
    rnnamp_dataset_free(&ds);
    capture_signal_free(&sig);
    capture_lv2_free(host);
    return rc;
}

static int write_signal_mode(const options *o)
{
    char err[RNNAMP_ERR_LEN];
    capture_signal s;
    if (capture_signal_make(&s, o->rate, o->guitar_seconds, err, sizeof err)) {
        fprintf(stderr, "rnnamp-capture: %s\n", err);
        return 1;
    }
    int rc = rnnamp_audio_write(o->write_signal, s.x, s.n, 1, o->rate, err,
                                sizeof err);
    if (rc)
        fprintf(stderr, "rnnamp-capture: %s\n", err);
    else
        printf("wrote %s: %.2f s at %d Hz, 32-bit float mono.\n"
               "impulses at %.3f s (every %.3f s), training material "
               "%.3f..%.3f s, held-out test clip %.3f..%.3f s.\n"
               "Reamp it through your rig, record the result at the same "
               "rate, then:\n"
               "  rnnamp-train --input %s --target recorded.wav -o amp.json\n",
               o->write_signal, (double)s.n / o->rate, o->rate,
               (double)s.impulse_pos[0] / o->rate,
               (double)s.impulse_spacing / o->rate,
               (double)s.train_start / o->rate, (double)s.train_end / o->rate,
               (double)s.test_start / o->rate, (double)s.test_end / o->rate,
               o->write_signal);
    capture_signal_free(&s);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    options o;
    int r = parse_args(argc, argv, &o);
    if (r) {
        free_options(&o);
        return r > 0 ? 0 : 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    int rc;
    if (o.write_signal)
        rc = write_signal_mode(&o);
    else if (o.render_in)
        rc = render_mode(&o);
    else
        rc = capture_mode(&o);
    free_options(&o);
    return rc;
}
