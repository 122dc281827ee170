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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audio_io.h"
#include "engine.h"
#include "lv2_preset.h"
#include "model.h"
#include "model_io.h"
#include <jansson.h>
#include "trainer.h"
#include "capture_eval.h"
#include "capture_latency.h"
#include "capture_lv2.h"
#include "capture_signal.h"

#define MAX_SETS       32
#define MAX_FILES      8
#define MAX_STEPS      9
#define MAX_LATENCY_MS 50

/* Set by the SIGINT handler, read by the trainer (its stop flag). */
static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct {
    const char *plugin, *out, *write_signal, *bundle_out, *load_bundle;
    const char *render_in, *render_out, *save_audio, *verify;
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
    int patience, early_stop; /* epochs without improvement */
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
        "  rnnamp-capture --verify model.json [--test-di FILE ...]\n"
        "      re-run the captured plugin with the settings stored in the\n"
        "      model and check every held-out ESR stored there (a --test-di\n"
        "      file stands in for a stored clip of the same base name)\n"
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
        "  --input-rms X       RMS input and target are scaled to for "
        "training\n"
        "                      (default 0.25; the trainer folds the scales "
        "back)\n"
        "  --tbptt T --segment S  truncated-BPTT chunk and segment (samples)\n"
        "  --patience N        epochs without improvement before the "
        "learning rate\n"
        "                      halves (default 10)\n"
        "  --early-stop N      epochs without improvement before stopping "
        "(default 60)\n"
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
    o->latency = -1;
    o->arch = RNNAMP_LSTM;
    o->hidden = 16;
    o->layers = 1;
    o->threads = 2;
    /* An epoch here is one pass over ~70 s of audio (1-2 s of work); the
     * trainer's defaults (5 and 20 epochs) gave up on the fuzz and amp
     * targets within a minute of a 5-minute budget. */
    o->patience = 10;
    o->early_stop = 60;
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
        } else if (!strcmp(a, "--verify")) {
            NEED_ARG;
            o->verify = v;
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
        } else if (!strcmp(a, "--patience")) {
            NEED_ARG;
            if (parse_int(a, v, 1, 100000, &o->patience))
                return -1;
        } else if (!strcmp(a, "--early-stop")) {
            NEED_ARG;
            if (parse_int(a, v, 1, 1000000, &o->early_stop))
                return -1;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else {
            fprintf(stderr, "rnnamp-capture: unknown option '%s'\n", a);
            usage(stderr);
            return -1;
        }
#undef NEED_ARG
    }
    int modes = !!o->write_signal + !!o->render_in + !!o->out + !!o->verify;
    if (modes != 1) {
        fprintf(stderr, "rnnamp-capture: give exactly one of --write-signal "
                        "FILE, -o MODEL (with --plugin), --render IN OUT or "
                        "--verify MODEL\n");
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

/* --render: run the plugin over a file, raw. */
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
    capture_heldout ho = {0};
    char *meta = NULL;
    int latency = 0;

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
    if (capture_heldout_make(&ho, &sig, o->test_di, o->n_test_di, o->rate, err,
                             sizeof err))
        goto fail;

    /* The input: capture signal, then any --di files. */
    size_t n_in = sig.n, di_start[MAX_FILES], di_len[MAX_FILES];
    float *di[MAX_FILES] = {0};
    for (int i = 0; i < o->n_di; i++) {
        di[i] = capture_read_mono_at(o->di[i], o->rate, &di_len[i], err,
                                     sizeof err);
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
                            (size_t)(CAPTURE_PREROLL_SECONDS * o->rate),
                            &reported, err, sizeof err)) {
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
        double peak = 0.0;
        for (size_t i = sig.train_start; i < sig.train_end; i++) {
            peak = fmax(peak, fabs(aligned[i]));
        }
        if (peak < 1e-4) {
            snprintf(err, sizeof err,
                     "plugin <%s> output is silent with these settings "
                     "(peak %.1f dBFS): check --set values",
                     o->plugin, 20.0 * log10(peak + 1e-30));
            free(padded_in);
            goto fail;
        }
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
        char pname[512];
        snprintf(pname, sizeof pname, "capture of %s, setting %d",
                 capture_lv2_name(host), c + 1);
        float kv[1] = {knob};
        if (rnnamp_dataset_add_buffers(&ds, pname, input, aligned, n_in, n_in,
                                       o->rate, kv, o->sweep_sym ? 1 : 0,
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
    if (o->input_rms > 0.0)
        tc.train_rms = o->input_rms;
    if (o->patience)
        tc.plateau_patience = o->patience;
    if (o->early_stop)
        tc.early_stop = o->early_stop;
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
        double e[CAPTURE_MAX_CLIPS];
        if (o->sweep_sym) {
            float v = knob_to_control(o, knob);
            if (capture_lv2_set(host, o->sweep_sym, v, err, sizeof err))
                goto fail;
        }
        if (capture_heldout_eval(&ho, host, latency, model, knob, o->rate, e,
                                 err, sizeof err))
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
            ok = !capture_run_model(model, bx, bo, nb, 0.5f, 0, err,
                                    sizeof err) &&
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
    capture_heldout_free(&ho);
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

/* The held-out clip named `stored` in a model's metadata: the signal's test
 * clip, a --test-di file with the same base name, or the stored path. */
static const char *verify_clip_path(const options *o, const char *stored)
{
    const char *b = strrchr(stored, '/');
    b = b ? b + 1 : stored;
    for (int i = 0; i < o->n_test_di; i++) {
        const char *t = strrchr(o->test_di[i], '/');
        if (!strcmp(t ? t + 1 : o->test_di[i], b))
            return o->test_di[i];
    }
    return stored;
}

#define VERIFY_REL_TOL 0.05 /* stored vs recomputed ESR */

/* --verify: recompute the held-out ESRs a capture stored in its model. */
static int verify_mode(const options *o)
{
    char err[RNNAMP_ERR_LEN];
    int rc = 2, checked = 0, bad = 0;
    capture_lv2 *host = NULL;
    capture_signal sig = {0};
    capture_heldout ho = {0};
    json_error_t je;
    json_t *root = json_load_file(o->verify, JSON_REJECT_DUPLICATES, &je);
    rnnamp_model *model = rnnamp_model_load(o->verify, err, sizeof err);
    if (!model) {
        fprintf(stderr, "rnnamp-capture: %s\n", err);
        goto out;
    }
    json_t *cap = json_object_get(json_object_get(root, "metadata"), "capture");
    json_t *heldout = json_object_get(cap, "heldout");
    const char *plugin = json_string_value(json_object_get(cap, "plugin"));
    json_t *settings = json_object_get(cap, "settings");
    json_t *lat_j = json_object_get(cap, "latency_samples");
    if (!json_is_array(heldout) || !plugin || !json_is_object(settings) ||
        !json_is_integer(lat_j)) {
        fprintf(stderr,
                "rnnamp-capture: %s: no capture metadata (plugin, settings, "
                "latency_samples, heldout): not a model made by "
                "rnnamp-capture\n",
                o->verify);
        goto out;
    }
    int latency = (int)json_integer_value(lat_j);
    int rate =
        model->meta.sample_rate > 0 ? (int)model->meta.sample_rate : o->rate;
    json_t *knob = json_object_get(cap, "knob1");
    const char *ksym = json_string_value(json_object_get(knob, "symbol"));
    double kmin = json_number_value(json_object_get(knob, "min"));
    double kmax = json_number_value(json_object_get(knob, "max"));

    host = capture_lv2_open(plugin, rate, o->load_bundle, err, sizeof err);
    if (!host) {
        fprintf(stderr, "rnnamp-capture: %s: %s\n", o->verify, err);
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(settings, key, val)
    {
        if (!json_is_number(val) ||
            capture_lv2_set(host, key, (float)json_number_value(val), err,
                            sizeof err)) {
            fprintf(stderr, "rnnamp-capture: %s: stored setting %s: %s\n",
                    o->verify, key, json_is_number(val) ? err : "not a number");
            goto out;
        }
    }
    /* the clips: the signal's test clip and every stored file we can read */
    const char *files[CAPTURE_MAX_CLIPS - 1];
    int n_files = 0;
    size_t i;
    json_t *e;
    json_array_foreach(heldout, i, e)
    {
        const char *clip = json_string_value(json_object_get(e, "clip"));
        if (!clip || !strcmp(clip, "capture signal test clip"))
            continue;
        const char *path = verify_clip_path(o, clip);
        int seen = 0;
        for (int k = 0; k < n_files; k++)
            seen |= !strcmp(files[k], path);
        if (seen)
            continue;
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr,
                    "rnnamp-capture: note: held-out clip %s not found: not "
                    "checked (give it with --test-di)\n",
                    path);
            continue;
        }
        fclose(f);
        if (n_files < CAPTURE_MAX_CLIPS - 1)
            files[n_files++] = path;
    }
    if (capture_signal_make(&sig, rate, 5.0, err, sizeof err) ||
        capture_heldout_make(&ho, &sig, files, n_files, rate, err,
                             sizeof err)) {
        fprintf(stderr, "rnnamp-capture: %s\n", err);
        goto out;
    }
    fprintf(stderr,
            "rnnamp-capture: verifying %s against <%s> (%s), latency %d, "
            "%d Hz\n",
            o->verify, plugin, capture_lv2_name(host), latency, rate);
    /* one plugin + model run per stored knob value */
    double done_knobs[64];
    int n_done = 0;
    json_array_foreach(heldout, i, e)
    {
        double k = json_number_value(json_object_get(e, "knob"));
        int seen = 0;
        for (int d = 0; d < n_done; d++)
            seen |= done_knobs[d] == k;
        if (seen || n_done == 64)
            continue;
        done_knobs[n_done++] = k;
        if (k >= 0.0 && ksym &&
            capture_lv2_set(host, ksym, (float)(kmin + k * (kmax - kmin)), err,
                            sizeof err)) {
            fprintf(stderr, "rnnamp-capture: %s: knob: %s\n", o->verify, err);
            goto out;
        }
        double now[CAPTURE_MAX_CLIPS];
        if (capture_heldout_eval(&ho, host, latency, model,
                                 k >= 0.0 ? (float)k : 0.5f, rate, now, err,
                                 sizeof err)) {
            fprintf(stderr, "rnnamp-capture: %s\n", err);
            goto out;
        }
        size_t j;
        json_t *f;
        json_array_foreach(heldout, j, f)
        {
            if (json_number_value(json_object_get(f, "knob")) != k)
                continue;
            const char *clip = json_string_value(json_object_get(f, "clip"));
            double stored = json_number_value(json_object_get(f, "esr"));
            const char *path = clip && strcmp(clip, "capture signal test clip")
                                   ? verify_clip_path(o, clip)
                                   : "capture signal test clip";
            int c = -1;
            for (int h = 0; h < ho.n_clips; h++)
                if (!strcmp(ho.name[h], path))
                    c = h;
            if (c < 0)
                continue;
            int ok = fabs(now[c] - stored) <= VERIFY_REL_TOL * stored + 1e-6;
            checked++;
            bad += !ok;
            char kn[32] = "";
            if (k >= 0.0)
                snprintf(kn, sizeof kn, "knob %.3g ", k);
            printf("%-4s %s%-48s stored ESR %.4g  now %.4g\n",
                   ok ? "ok" : "FAIL", kn, clip, stored, now[c]);
        }
    }
    if (!checked) {
        fprintf(stderr,
                "rnnamp-capture: %s: no held-out ESR could be "
                "checked\n",
                o->verify);
        goto out;
    }
    printf("%s: %d of %d held-out ESRs reproduced (within %.0f %%)\n",
           o->verify, checked - bad, checked, 100.0 * VERIFY_REL_TOL);
    rc = bad ? 1 : 0;
out:
    capture_heldout_free(&ho);
    capture_signal_free(&sig);
    capture_lv2_free(host);
    rnnamp_model_free(model);
    json_decref(root);
    return rc;
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
    else if (o.verify)
        rc = verify_mode(&o);
    else
        rc = capture_mode(&o);
    free_options(&o);
    return rc;
}
