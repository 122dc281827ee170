/* rnnamp-capture: capture an LV2 plugin (or write the reamp signal for
 * capturing hardware) into an rnnamp model. See docs/capture.md.
 *
 *   rnnamp-capture --write-signal reamp.wav [--rate R]
 *   rnnamp-capture --plugin URI [--set sym=val ...] [--sweep sym=min:max:n]
 *                  -o model.json [--lv2-bundle DIR] [training options]
 *   rnnamp-capture --plugin URI [--set sym=val ...] --render in.wav out.wav
 *   rnnamp-capture --verify model.json [--test-di FILE ...]
 *
 * Command-line handling and the order of the steps; the steps themselves
 * are in src/capture (capture_signal.h, capture_recipe.h, capture_eval.h,
 * capture_lv2.h). Single-threaded except for the trainer's own worker threads.
 * Everything allocated here is freed before exit.
 */
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audio_io.h"
#include "capture_eval.h"
#include "capture_recipe.h"
#include "capture_latency.h"
#include "capture_lv2.h"
#include "capture_signal.h"
#include "cli.h"
#include "error.h"
#include "lv2_preset.h"
#include "model.h"
#include "model_io.h"
#include "trainer.h"

#define PROG           "rnnamp-capture"
#define MAX_SETS       32
#define MAX_FILES      CAPTURE_MAX_DI
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
    int signal_version; /* of the capture signal (capture_signal.h) */
    int eval_knobs;
    int latency; /* -1: measure */
    /* training: the trainer's defaults except patience and early stop */
    rnnamp_train_config tc;
    int tbptt_set, segment_set;
    int hidden_set, skip_set, early_stop_set;
    int pre_fir, post_fir; /* -1: the recipe chooses */
    int probe;             /* --probe: stop after the linear probe */
    int guitar_only;       /* train on the guitar (and --di) only */
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
        "  --guitar-seconds S  training guitar in the signal (default 180)\n"
        "  --signal-version V  make the capture signal as version V did\n"
        "                      (1 or 2, default 2; see docs/capture.md)\n"
        "  --di FILE           extra DI audio to train on (repeatable)\n"
        "  --test-di FILE      held-out DI to report ESR on (repeatable)\n"
        "  --eval-knobs N      knob values to evaluate a --sweep model at\n"
        "                      (default 5, evenly spaced incl. both ends)\n"
        "  --load-bundle DIR   also load the LV2 bundle in DIR\n"
        "  --save-audio DIR    write the signal and targets as WAV to DIR\n"
        "  --probe             with --plugin: take the target, print the\n"
        "                      linear probe and the recipe, and stop\n"
        "  --pre-fir N --post-fir N  FIR taps around the network (default:\n"
        "                      chosen from the linear probe, see\n"
        "                      docs/capture.md; 0 = none)\n"
        "  --guitar-only       train on the guitar (and --di files) only,\n"
        "                      without the sweeps and noise bursts (see\n"
        "                      docs/capture.md: it helps some amps, hurts\n"
        "                      others)\n"
        "  --arch lstm|gru|rnn --hidden N --layers N --skip\n"
        "                      (--hidden, --skip, --early-stop: default\n"
        "                      chosen from the probe)\n"
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
        "  --early-stop N      epochs without improvement before a warm "
        "restart (default 60)\n"
        "  --quiet             no per-epoch progress\n");
}

#define OFF(f)   offsetof(options, f)
#define GIVEN(f) CLI_GIVEN(options, f)

static const cli_option option_table[] = {
    {"plugin", 0, CLI_STRING, 0, 0, OFF(plugin), 0},
    {"output", 'o', CLI_STRING, 0, 0, OFF(out), 0},
    {"write-signal", 0, CLI_STRING, 0, 0, OFF(write_signal), 0},
    {"lv2-bundle", 0, CLI_STRING, 0, 0, OFF(bundle_out), 0},
    {"load-bundle", 0, CLI_STRING, 0, 0, OFF(load_bundle), 0},
    {"save-audio", 0, CLI_STRING, 0, 0, OFF(save_audio), 0},
    {"verify", 0, CLI_STRING, 0, 0, OFF(verify), 0},
    {"render", 0, CLI_CALL, 0, 0, 0, 0},
    {"set", 0, CLI_CALL, 0, 0, 0, 0},
    {"sweep", 0, CLI_CALL, 0, 0, 0, 0},
    {"di", 0, CLI_CALL, 0, 0, 0, 0},
    {"test-di", 0, CLI_CALL, 0, 0, 0, 0},
    {"rate", 0, CLI_INT, 8000, 384000, OFF(rate), 0},
    {"guitar-seconds", 0, CLI_DOUBLE, 5.0, 600.0, OFF(guitar_seconds), 0},
    {"signal-version", 0, CLI_INT, 1, CAPTURE_SIGNAL_VERSION,
     OFF(signal_version), 0},
    {"eval-knobs", 0, CLI_INT, 2, 21, OFF(eval_knobs), 0},
    {"arch", 0, CLI_ARCH, 0, 0, OFF(tc.arch), 0},
    {"hidden", 0, CLI_INT, 1, RNNAMP_MAX_HIDDEN, OFF(tc.hidden),
     GIVEN(hidden_set)},
    {"probe", 0, CLI_FLAG, 0, 0, OFF(probe), 0},
    {"guitar-only", 0, CLI_FLAG, 0, 0, OFF(guitar_only), 0},
    {"pre-fir", 0, CLI_INT, 0, 4096, OFF(pre_fir), 0},
    {"post-fir", 0, CLI_INT, 0, 65536, OFF(post_fir), 0},
    {"layers", 0, CLI_INT, 1, RNNAMP_MAX_LAYERS - 1, OFF(tc.layers), 0},
    {"skip", 0, CLI_FLAG, 0, 0, OFF(tc.skip), GIVEN(skip_set)},
    {"minutes", 0, CLI_DOUBLE, 0.01, 10000.0, OFF(tc.minutes), 0},
    {"epochs", 0, CLI_INT, 1, 1000000, OFF(tc.epochs), 0},
    {"seed", 0, CLI_U64, 0, 1e15, OFF(tc.seed), 0},
    {"threads", 0, CLI_INT, 1, 64, OFF(tc.threads), 0},
    {"batch", 0, CLI_INT, 1, 1024, OFF(tc.batch), 0},
    {"latency", 0, CLI_INT, 0, 96000, OFF(latency), 0},
    {"input-rms", 0, CLI_DOUBLE, 0.001, 10.0, OFF(tc.train_rms), 0},
    {"tbptt", 0, CLI_INT, 16, 1 << 16, OFF(tc.tbptt), GIVEN(tbptt_set)},
    {"segment", 0, CLI_INT, 64, 1 << 22, OFF(tc.segment), GIVEN(segment_set)},
    {"lr", 0, CLI_DOUBLE, 1e-7, 1.0, OFF(tc.lr), 0},
    {"patience", 0, CLI_INT, 1, 100000, OFF(tc.plateau_patience), 0},
    {"early-stop", 0, CLI_INT, 1, 1000000, OFF(tc.early_stop),
     GIVEN(early_stop_set)},
    {"quiet", 0, CLI_FLAG, 0, 0, OFF(quiet), 0},
    {NULL, 0, CLI_FLAG, 0, 0, 0, 0},
};

/* --set symbol=value (repeatable). */
static int add_set(options *o, const char *v)
{
    const char *eq = strchr(v, '=');
    double d;
    if (!eq || eq == v) {
        fprintf(stderr, PROG ": --set '%s': expected symbol=value\n", v);
        return -1;
    }
    if (o->n_set == MAX_SETS) {
        fprintf(stderr, PROG ": more than %d --set\n", MAX_SETS);
        return -1;
    }
    if (cli_number(PROG, "--set", eq + 1, &d))
        return -1;
    char *sym = strndup(v, (size_t)(eq - v));
    if (!sym) {
        fprintf(stderr, PROG ": out of memory\n");
        return -1;
    }
    o->set_sym[o->n_set] = sym;
    o->set_val[o->n_set++] = (float)d;
    return 0;
}

/* --sweep symbol=min:max:steps. */
static int set_sweep(options *o, const char *v)
{
    char sym[64];
    float mn, mx;
    int steps, used = 0;
    const char *eq = strchr(v, '=');
    if (eq && eq - v >= (ptrdiff_t)sizeof sym) {
        fprintf(stderr, PROG ": --sweep '%s': symbol longer than %zu bytes\n",
                v, sizeof sym - 1);
        return -1;
    }
    if (sscanf(v, "%63[^=]=%f:%f:%d%n", sym, &mn, &mx, &steps, &used) != 4 ||
        v[used] || !isfinite(mn) || !isfinite(mx) || mn >= mx) {
        fprintf(stderr,
                PROG ": --sweep '%s': expected symbol=min:max:steps with "
                     "min < max\n",
                v);
        return -1;
    }
    if (steps < 2 || steps > MAX_STEPS) {
        fprintf(stderr, PROG ": --sweep '%s': steps must be 2 to %d\n", v,
                MAX_STEPS);
        return -1;
    }
    char *s = strdup(sym);
    if (!s) {
        fprintf(stderr, PROG ": out of memory\n");
        return -1;
    }
    free((void *)o->sweep_sym);
    o->sweep_sym = s;
    o->sweep_min = mn;
    o->sweep_max = mx;
    o->sweep_steps = steps;
    return 0;
}

/* --di FILE / --test-di FILE (repeatable). */
static int add_file(const char *opt, const char **list, int *n, const char *v)
{
    if (*n == MAX_FILES) {
        fprintf(stderr, PROG ": more than %d %s files\n", MAX_FILES, opt);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

/* The options that are more than one value (cli_parse's CLI_CALL). */
static int on_option(void *dst, const cli_option *opt, const char *arg,
                     int argc, char **argv)
{
    options *o = dst;
    if (!strcmp(opt->name, "set"))
        return add_set(o, arg);
    if (!strcmp(opt->name, "sweep"))
        return set_sweep(o, arg);
    if (!strcmp(opt->name, "di"))
        return add_file("--di", o->di, &o->n_di, arg);
    if (!strcmp(opt->name, "test-di"))
        return add_file("--test-di", o->test_di, &o->n_test_di, arg);
    /* --render IN OUT */
    if (optind >= argc) {
        fprintf(stderr, PROG ": --render needs IN and OUT files\n");
        return -1;
    }
    o->render_in = arg;
    o->render_out = argv[optind++];
    return 0;
}

static void default_options(options *o)
{
    *o = (options){.rate = 48000,
                   /* 180 s rather than 60: on the metal head and the
                    * Chump at full gain every held-out ESR fell by 18-53 %
                    * (docs/capture.md, "Guitar length") */
                   .guitar_seconds = 180.0,
                   .signal_version = CAPTURE_SIGNAL_VERSION,
                   .eval_knobs = 5,
                   .latency = -1,
                   .pre_fir = -1,
                   .post_fir = -1};
    rnnamp_train_config_default(&o->tc, o->rate);
    /* An epoch here is one pass over ~190 s of audio (3-6 s of work;
     * these counts were set with 70 s); the trainer's defaults (5 and 20
     * epochs) gave up on the fuzz and amp targets within a minute of a
     * 5-minute budget. */
    o->tc.plateau_patience = 10;
    o->tc.early_stop = 60;
}

/* The options must name exactly one mode, with what it needs. */
static int check_mode(const options *o)
{
    int modes = !!o->write_signal + !!o->render_in + !!o->out + !!o->verify +
                (o->probe && !o->out);
    if (modes != 1) {
        fprintf(stderr, PROG ": give exactly one of --write-signal FILE, -o "
                             "MODEL (with --plugin), --render IN OUT or "
                             "--verify MODEL\n");
        usage(stderr);
        return -1;
    }
    if ((o->out || o->render_in || o->probe) && !o->plugin) {
        fprintf(stderr, PROG ": --plugin URI is required\n");
        return -1;
    }
    if (o->render_in && o->sweep_sym) {
        fprintf(stderr, PROG ": --sweep cannot be used with --render\n");
        return -1;
    }
    return 0;
}

/* Returns 0 ok, 1 help printed, -1 error. */
static int parse_args(int argc, char **argv, options *o)
{
    default_options(o);
    int r = cli_parse(PROG, option_table, o, on_option, argc, argv);
    if (r > 0)
        usage(stdout);
    if (r)
        return r;
    if (cli_no_more_args(PROG, argc, argv)) {
        usage(stderr);
        return -1;
    }
    return check_mode(o);
}

static void free_options(options *o)
{
    for (int i = 0; i < o->n_set; i++)
        free((void *)o->set_sym[i]);
    free((void *)o->sweep_sym);
}

/* Open the plugin at rate and apply the --set values. Returns NULL with a
 * message in err. */
static capture_lv2 *open_plugin(const options *o, int rate, char *err,
                                size_t errlen)
{
    capture_lv2 *h =
        capture_lv2_open(o->plugin, rate, o->load_bundle, err, errlen);
    for (int i = 0; h && i < o->n_set; i++)
        if (capture_lv2_set(h, o->set_sym[i], o->set_val[i], err, errlen)) {
            capture_lv2_free(h);
            h = NULL;
        }
    return h;
}

/* --render: run the plugin over a file, raw. */
static int render_mode(const options *o)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_audio a;
    if (rnnamp_audio_read(o->render_in, &a, err, sizeof err)) {
        fprintf(stderr, PROG ": %s\n", err);
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
        fprintf(stderr, PROG ": out of memory\n");
        goto out;
    }
    h = open_plugin(o, rate, err, sizeof err);
    if (!h)
        goto fail;
    if (capture_lv2_run(h, x, y, n, (size_t)(0.5 * rate), NULL, err,
                        sizeof err))
        goto fail;
    if (rnnamp_audio_write(o->render_out, y, n, 1, rate, err, sizeof err))
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, PROG ": %s\n", err);
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

static int on_progress(const rnnamp_train_progress *p, void *user)
{
    const options *o = user;
    if (!p->epoch_done || o->quiet)
        return 0;
    fprintf(stderr,
            "epoch %4d  train loss %.5f  val ESR %.5f  best %.5f (epoch %d)  "
            "lr %.1e  %.0f s\n",
            p->epoch + 1, p->train_loss, p->val_esr, p->best_val_esr,
            p->best_epoch + 1, p->lr, p->elapsed);
    return 0;
}

/* Write x as DIR/name for --save-audio DIR (nothing without it). */
static int save_wav(const options *o, const char *name, const float *x,
                    size_t n, char *err, size_t errlen)
{
    char path[4200];
    if (!o->save_audio)
        return 0;
    snprintf(path, sizeof path, "%s/%s", o->save_audio, name);
    return rnnamp_audio_write(path, x, n, 1, o->rate, err, errlen);
}

/* Everything one capture run holds; freed by capture_job_free(). */
typedef struct {
    const options *o;
    char err[RNNAMP_ERR_LEN];
    capture_lv2 *host;
    capture_signal sig;
    capture_heldout ho;
    capture_input in;
    rnnamp_dataset ds;
    rnnamp_model *model;
    rnnamp_train_result res;
    capture_meta meta;
    int latency;         /* of the first setting: the one stored */
    double worst;        /* worst held-out ESR */
    capture_probe probe; /* merged over the settings */
    capture_choice choice;
} capture_job;

static void capture_job_free(capture_job *j)
{
    capture_meta_free(&j->meta);
    capture_heldout_free(&j->ho);
    capture_input_free(&j->in);
    rnnamp_train_result_free(&j->res);
    rnnamp_model_free(j->model);
    rnnamp_dataset_free(&j->ds);
    capture_signal_free(&j->sig);
    capture_lv2_free(j->host);
}

/* The plugin with the --set values; a --sweep's both ends are checked. */
static int open_target(capture_job *j)
{
    const options *o = j->o;
    j->host = open_plugin(o, o->rate, j->err, sizeof j->err);
    if (!j->host)
        return -1;
    if (o->sweep_sym && (capture_lv2_set(j->host, o->sweep_sym, o->sweep_min,
                                         j->err, sizeof j->err) ||
                         capture_lv2_set(j->host, o->sweep_sym, o->sweep_max,
                                         j->err, sizeof j->err)))
        return -1;
    fprintf(stderr, PROG ": plugin %s (%s) at %d Hz\n", o->plugin,
            capture_lv2_name(j->host), o->rate);
    return 0;
}

/* The capture signal, the held-out material (read now so that a bad
 * --test-di fails early) and the training input (signal + --di files). */
static int make_material(capture_job *j)
{
    const options *o = j->o;
    char *err = j->err;
    size_t el = sizeof j->err;
    if (capture_signal_make(&j->sig, o->rate, o->guitar_seconds,
                            o->signal_version, err, el) ||
        capture_heldout_make(&j->ho, &j->sig, o->test_di, o->n_test_di, o->rate,
                             1, err, el) ||
        capture_input_make(&j->in, &j->sig, o->di, o->n_di, o->rate, err, el))
        return -1;
    return save_wav(o, "input.wav", j->in.x, j->in.n, err, el);
}

/* Report the latency of setting c (the first one is the one stored). */
static void report_latency(capture_job *j, int c, const capture_take *t)
{
    const options *o = j->o;
    if (c == 0 && o->latency >= 0)
        fprintf(stderr,
                PROG ": latency %d samples from --latency (measured %d)\n",
                o->latency, t->measured);
    else if (c == 0)
        fprintf(stderr,
                PROG ": latency %d samples (%.2f ms) measured (impulse onset "
                     "%d, correlation peak %d), %d reported by the plugin; "
                     "corrected\n",
                t->latency, 1000.0 * t->latency / o->rate, t->onset, t->xc_peak,
                t->reported);
    else if (t->latency != j->latency)
        fprintf(stderr,
                PROG ": note: latency %d samples at this setting (was %d)\n",
                t->latency, j->latency);
    if (c == 0)
        j->latency = t->latency;
}

/* Capture setting c (knob value knob) into the training set. */
static int take_setting(capture_job *j, int c, float knob, int max_lat,
                        float *aligned)
{
    const options *o = j->o;
    char *err = j->err;
    size_t el = sizeof j->err;
    if (o->sweep_sym) {
        float v = knob_to_control(o, knob);
        if (capture_lv2_set(j->host, o->sweep_sym, v, err, el))
            return -1;
        fprintf(stderr, PROG ": capturing %s=%g (knob %.3f)\n", o->sweep_sym, v,
                knob);
    }
    capture_take t;
    if (capture_take_run(j->host, &j->sig, &j->in, max_lat, o->latency, aligned,
                         &t, err, el))
        return -1;
    report_latency(j, c, &t);
    if (capture_take_check_level(&t, j->host, err, el))
        return -1;
    if (t.peak > 1.0)
        fprintf(stderr,
                PROG ": note: the plugin's output peaks at %+.1f dBFS (above "
                     "full scale; kept as is)\n",
                20.0 * log10(t.peak));
    char name[512];
    snprintf(name, sizeof name, "target-%d.wav", c);
    if (save_wav(o, name, aligned, j->in.n, err, el))
        return -1;
    capture_probe p;
    if (capture_probe_take(&j->sig, &j->in, aligned, &p, err, el))
        return -1;
    capture_probe_merge(&j->probe, &p);
    snprintf(name, sizeof name, "capture of %s, setting %d",
             capture_lv2_name(j->host), c + 1);
    return capture_dataset_add(&j->ds, name, &j->sig, &j->in, aligned,
                               t.latency, o->rate, o->sweep_sym ? &knob : NULL,
                               err, el);
}

/* Every setting (one, or --sweep's steps) into the training set. */
static int take_settings(capture_job *j)
{
    const options *o = j->o;
    int max_lat = o->rate * MAX_LATENCY_MS / 1000;
    if (o->latency > max_lat) {
        rnnamp_seterr(j->err, sizeof j->err,
                      "--latency %d: at most %d samples (%d ms)", o->latency,
                      max_lat, MAX_LATENCY_MS);
        return -1;
    }
    float *aligned = calloc(j->in.n, sizeof *aligned);
    if (!aligned) {
        rnnamp_seterr(j->err, sizeof j->err, "out of memory");
        return -1;
    }
    int n_caps = o->sweep_sym ? o->sweep_steps : 1, rc = 0;
    for (int c = 0; c < n_caps && !rc; c++) {
        float knob = n_caps > 1 ? (float)c / (float)(n_caps - 1) : 0.0f;
        rc = take_setting(j, c, knob, max_lat, aligned);
    }
    free(aligned);
    return rc;
}

/* The recipe from the linear probe, the user's options overriding it;
 * printed with the probe table. */
static void choose_recipe(capture_job *j)
{
    const options *o = j->o;
    capture_choice *c = &j->choice;
    capture_recipe_choose(&j->probe, c);
    if (o->pre_fir >= 0)
        c->pre_fir = o->pre_fir;
    if (o->post_fir >= 0)
        c->post_fir = o->post_fir;
    if (o->hidden_set)
        c->hidden = o->tc.hidden;
    if (o->skip_set)
        c->skip = 1;
    if (o->early_stop_set)
        c->use_budget = 0;
    if (o->guitar_only)
        c->guitar_only = 1;
    capture_probe_print(stderr, PROG ": ", &j->probe);
    fprintf(stderr,
            PROG ": recipe for a %s target: pre-FIR %d taps, post-FIR %d "
                 "taps, hidden %d, skip %s, trains on %s, %s\n",
            c->kind, c->pre_fir, c->post_fir, c->hidden, c->skip ? "on" : "off",
            c->guitar_only ? "the guitar only" : "the whole signal",
            c->use_budget ? "until the budget or --epochs"
                          : "stops early on a plateau");
}

/* The trainer's configuration: the options and the recipe's choice c,
 * with a segment length for the capture rate (about 0.5 s in whole chunks
 * with --tbptt) unless given. */
static void train_config(const options *o, const capture_choice *c,
                         rnnamp_train_config *tc)
{
    *tc = o->tc;
    tc->hidden = c->hidden;
    tc->skip = c->skip;
    /* with the budget the trainer's warm restarts use it until a real
     * plateau; a nearly linear target stops at its first plateau */
    if (!c->use_budget)
        tc->restarts = 0;
    tc->pre_fir = c->pre_fir;
    tc->post_fir = c->post_fir;
    if (!o->segment_set && o->tbptt_set) {
        int t = tc->tbptt;
        tc->segment = ((o->rate / 2 + t / 2) / t) * t;
    } else if (!o->segment_set) {
        rnnamp_train_config d;
        rnnamp_train_config_default(&d, o->rate);
        tc->segment = d.segment;
    }
    if (tc->segment < tc->tbptt)
        tc->segment = tc->tbptt;
    tc->stop = &stop_flag;
}

static int train(capture_job *j)
{
    const options *o = j->o;
    rnnamp_train_config tc;
    choose_recipe(j);
    if (j->choice.guitar_only)
        capture_dataset_guitar_only(&j->ds, &j->sig);
    train_config(o, &j->choice, &tc);
    if (rnnamp_train_config_check(&tc, j->err, sizeof j->err))
        return -1;
    int n_caps = o->sweep_sym ? o->sweep_steps : 1;
    fprintf(stderr,
            PROG ": training %s-%d x%d on %.1f s of audio per setting, budget "
                 "%.1f min (Ctrl-C stops and saves)\n",
            rnnamp_layer_type_name(tc.arch), tc.hidden, tc.layers,
            (double)rnnamp_dataset_split_samples(&j->ds, RNNAMP_SPLIT_TRAIN) /
                n_caps / o->rate,
            tc.minutes);
    return rnnamp_train_run(&tc, &j->ds, on_progress, (void *)o, &j->model,
                            &j->res, j->err, sizeof j->err);
}

/* Held-out ESRs at knob value knob (0..1) into the metadata. */
static int evaluate_at(capture_job *j, float knob)
{
    const options *o = j->o;
    double e[CAPTURE_MAX_CLIPS];
    if (o->sweep_sym &&
        capture_lv2_set(j->host, o->sweep_sym, knob_to_control(o, knob), j->err,
                        sizeof j->err))
        return -1;
    if (capture_heldout_eval(&j->ho, j->host, j->latency, j->model, knob,
                             o->rate, e, j->err, sizeof j->err))
        return -1;
    for (int c = 0; c < j->ho.n_clips; c++) {
        if (o->sweep_sym)
            fprintf(stderr, "  %s=%-8g (knob %.3f) %-40s ESR %.5f  %s\n",
                    o->sweep_sym, knob_to_control(o, knob), knob, j->ho.name[c],
                    e[c], rnnamp_esr_grade(e[c]));
        else
            fprintf(stderr, "  %-48s ESR %.5f  %s\n", j->ho.name[c], e[c],
                    rnnamp_esr_grade(e[c]));
        if (j->ho.gain_db[c] > 0.0)
            fprintf(stderr, "      (raised %+.1f dB to RMS %.3f)\n",
                    j->ho.gain_db[c], j->ho.rms[c]);
        capture_meta_heldout(&j->meta, j->ho.name[c],
                             o->sweep_sym ? knob : -1.0, e[c]);
        if (c > 0 || j->ho.n_clips == 1)
            j->worst = fmax(j->worst, e[c]);
    }
    return 0;
}

/* Evaluate on held-out material with the real-time engine (at eval_knobs
 * knob values for a --sweep) into the metadata. */
static int evaluate(capture_job *j)
{
    const options *o = j->o;
    if (capture_meta_begin(&j->meta, j->host, j->latency, j->sig.version,
                           o->guitar_seconds, j->res.test_esr, o->set_sym,
                           o->set_val, o->n_set, j->err, sizeof j->err))
        return -1;
    fprintf(stderr, PROG ": held-out ESR (real-time engine, no "
                         "pre-emphasis):\n");
    int n_eval = o->sweep_sym ? o->eval_knobs : 1;
    for (int k = 0; k < n_eval; k++)
        if (evaluate_at(j, n_eval > 1 ? (float)k / (float)(n_eval - 1) : 0.5f))
            return -1;
    capture_meta_recipe(&j->meta, &j->probe, &j->choice);
    return capture_meta_end(&j->meta, o->sweep_sym, o->sweep_min, o->sweep_max,
                            o->sweep_steps, j->err, sizeof j->err);
}

/* Self-test batch, name and ESR into the model; write it (and the LV2
 * preset bundle). */
static int write_model(capture_job *j)
{
    const options *o = j->o;
    rnnamp_model *m = j->model;
    if (capture_self_test(m, &j->sig, j->err, sizeof j->err))
        return -1;
    snprintf(m->meta.name, sizeof m->meta.name, "%s",
             capture_lv2_name(j->host));
    m->meta.has_esr = 1;
    m->meta.esr = j->worst;
    if (rnnamp_model_save_aidax(m, o->out, j->meta.text, j->err, sizeof j->err))
        return -1;
    char desc[256];
    rnnamp_model_describe(m, desc, sizeof desc);
    fprintf(stderr,
            PROG ": wrote %s (%s), %d epochs in %.0f s; test ESR %.5f (%s), "
                 "worst held-out ESR %.5f\n",
            o->out, desc, j->res.epochs_run, j->res.seconds, j->res.test_esr,
            rnnamp_esr_grade(j->res.test_esr), j->worst);
    if (!o->bundle_out)
        return 0;
    char label[512];
    snprintf(label, sizeof label, "%s capture", capture_lv2_name(j->host));
    if (rnnamp_lv2_preset_write(o->bundle_out, label, o->out, j->err,
                                sizeof j->err))
        return -1;
    fprintf(stderr, PROG ": wrote LV2 preset bundle %s\n", o->bundle_out);
    return 0;
}

/* -o MODEL: the capture recipe. */
static int capture_mode(const options *o)
{
    capture_job j = {.o = o};
    rnnamp_dataset_init(&j.ds);
    int rc = open_target(&j) || make_material(&j) || take_settings(&j);
    if (!rc && o->probe && !o->out)
        choose_recipe(&j);
    else if (!rc)
        rc = train(&j) || evaluate(&j) || write_model(&j);
    if (rc)
        fprintf(stderr, PROG ": %s\n", j.err);
    capture_job_free(&j);
    return rc ? 1 : 0;
}

static int write_signal_mode(const options *o)
{
    char err[RNNAMP_ERR_LEN];
    capture_signal s;
    if (capture_signal_make(&s, o->rate, o->guitar_seconds, o->signal_version,
                            err, sizeof err)) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    int rc = rnnamp_audio_write(o->write_signal, s.x, s.n, 1, o->rate, err,
                                sizeof err);
    if (rc)
        fprintf(stderr, PROG ": %s\n", err);
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
#define TEST_CLIP      "capture signal test clip"

/* Everything one --verify run holds; freed by verify_job_free(). */
typedef struct {
    const options *o;
    char err[RNNAMP_ERR_LEN];
    json_t *root;
    rnnamp_model *model;
    /* the model's capture metadata (borrowed from root) */
    json_t *heldout, *settings;
    const char *plugin, *ksym;
    double kmin, kmax;
    int latency, rate, signal_version;
    capture_lv2 *host;
    capture_signal sig;
    capture_heldout ho;
    const char *files[CAPTURE_MAX_HELDOUT_FILES];
    int n_files, checked, bad;
} verify_job;

static void verify_job_free(verify_job *j)
{
    capture_heldout_free(&j->ho);
    capture_signal_free(&j->sig);
    capture_lv2_free(j->host);
    rnnamp_model_free(j->model);
    json_decref(j->root);
}

/* The model and its capture metadata. */
static int verify_load(verify_job *j)
{
    const char *path = j->o->verify;
    json_error_t je;
    j->root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    j->model = rnnamp_model_load(path, j->err, sizeof j->err);
    if (!j->model) {
        fprintf(stderr, PROG ": %s\n", j->err);
        return -1;
    }
    json_t *cap =
        json_object_get(json_object_get(j->root, "metadata"), "capture");
    j->heldout = json_object_get(cap, "heldout");
    j->plugin = json_string_value(json_object_get(cap, "plugin"));
    j->settings = json_object_get(cap, "settings");
    json_t *lat = json_object_get(cap, "latency_samples");
    if (!json_is_array(j->heldout) || !j->plugin ||
        !json_is_object(j->settings) || !json_is_integer(lat)) {
        fprintf(stderr,
                PROG ": %s: no capture metadata (plugin, settings, "
                     "latency_samples, heldout): not a model made by "
                     "rnnamp-capture\n",
                path);
        return -1;
    }
    j->latency = (int)json_integer_value(lat);
    /* Captures made before signal versions were stored used version 1. */
    json_t *ver = json_object_get(cap, "signal_version");
    j->signal_version = ver ? (int)json_integer_value(ver) : 1;
    if (j->signal_version < 1 || j->signal_version > CAPTURE_SIGNAL_VERSION) {
        fprintf(stderr,
                PROG ": %s: capture signal_version %s: this rnnamp-capture "
                     "makes versions 1 to %d\n",
                path,
                ver && json_is_integer(ver) ? "out of range" : "not an integer",
                CAPTURE_SIGNAL_VERSION);
        return -1;
    }
    j->rate = j->model->meta.sample_rate > 0 ? (int)j->model->meta.sample_rate
                                             : j->o->rate;
    json_t *knob = json_object_get(cap, "knob1");
    j->ksym = json_string_value(json_object_get(knob, "symbol"));
    j->kmin = json_number_value(json_object_get(knob, "min"));
    j->kmax = json_number_value(json_object_get(knob, "max"));
    return 0;
}

/* The captured plugin with the stored settings. */
static int verify_open(verify_job *j)
{
    const char *path = j->o->verify;
    j->host = capture_lv2_open(j->plugin, j->rate, j->o->load_bundle, j->err,
                               sizeof j->err);
    if (!j->host) {
        fprintf(stderr, PROG ": %s: %s\n", path, j->err);
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(j->settings, key, val)
    {
        if (!json_is_number(val) ||
            capture_lv2_set(j->host, key, (float)json_number_value(val), j->err,
                            sizeof j->err)) {
            fprintf(stderr, PROG ": %s: stored setting %s: %s\n", path, key,
                    json_is_number(val) ? j->err : "not a number");
            return -1;
        }
    }
    return 0;
}

/* The held-out clips: the signal's test clip and every stored file that
 * can be read. */
static int verify_clips(verify_job *j)
{
    size_t i;
    json_t *e;
    json_array_foreach(j->heldout, i, e)
    {
        const char *clip = json_string_value(json_object_get(e, "clip"));
        if (clip && capture_hot_base_len(clip))
            continue; /* its file comes with its plain entry */
        if (!clip || !strcmp(clip, TEST_CLIP))
            continue;
        const char *path = verify_clip_path(j->o, clip);
        int seen = 0;
        for (int k = 0; k < j->n_files; k++)
            seen |= !strcmp(j->files[k], path);
        if (seen)
            continue;
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr,
                    PROG ": note: held-out clip %s not found: not checked "
                         "(give it with --test-di)\n",
                    path);
            continue;
        }
        fclose(f);
        if (j->n_files < CAPTURE_MAX_HELDOUT_FILES)
            j->files[j->n_files++] = path;
    }
    if (capture_signal_make(&j->sig, j->rate, 5.0, j->signal_version, j->err,
                            sizeof j->err) ||
        capture_heldout_make(&j->ho, &j->sig, j->files, j->n_files, j->rate, 1,
                             j->err, sizeof j->err)) {
        fprintf(stderr, PROG ": %s\n", j->err);
        return -1;
    }
    return 0;
}

/* The index in j->ho of the clip a model stored as clip (a hot copy is
 * FILE @hot), or -1. */
static int verify_find_clip(const verify_job *j, const char *clip)
{
    char base[4200];
    size_t bl = capture_hot_base_len(clip);
    if (bl) {
        snprintf(base, sizeof base, "%.*s", (int)bl, clip);
        clip = base;
    }
    const char *path =
        strcmp(clip, TEST_CLIP) ? verify_clip_path(j->o, clip) : TEST_CLIP;
    size_t pl = strlen(path);
    for (int h = 0; h < j->ho.n_clips; h++) {
        const char *n = j->ho.name[h];
        if (bl ? !strncmp(n, path, pl) && !strcmp(n + pl, CAPTURE_HOT_SUFFIX)
               : !strcmp(n, path))
            return h;
    }
    return -1;
}

/* Compare the stored results at knob k with now[] (per held-out clip). */
static void verify_compare(verify_job *j, double k, const double *now)
{
    size_t i;
    json_t *f;
    json_array_foreach(j->heldout, i, f)
    {
        if (json_number_value(json_object_get(f, "knob")) != k)
            continue;
        const char *clip = json_string_value(json_object_get(f, "clip"));
        double stored = json_number_value(json_object_get(f, "esr"));
        int c = clip ? verify_find_clip(j, clip) : -1;
        if (c < 0)
            continue;
        int ok = fabs(now[c] - stored) <= VERIFY_REL_TOL * stored + 1e-6;
        j->checked++;
        j->bad += !ok;
        char kn[32] = "";
        if (k >= 0.0)
            snprintf(kn, sizeof kn, "knob %.3g ", k);
        printf("%-4s %s%-48s stored ESR %.4g  now %.4g\n", ok ? "ok" : "FAIL",
               kn, clip, stored, now[c]);
    }
}

/* Held-out clips evaluated now but not stored at knob k (the hot copies
 * of a model made before hot evaluation): printed, not checked. */
static void verify_report_new(const verify_job *j, double k, const double *now)
{
    for (int c = 1; c < j->ho.n_clips; c++) {
        int stored = 0;
        size_t i;
        json_t *f;
        json_array_foreach(j->heldout, i, f)
        {
            const char *clip = json_string_value(json_object_get(f, "clip"));
            if (json_number_value(json_object_get(f, "knob")) == k && clip &&
                verify_find_clip(j, clip) == c)
                stored = 1;
        }
        if (!stored)
            printf("new  %-48s not stored; ESR now %.4g (raised %+.1f dB "
                   "to RMS %.3f)\n",
                   j->ho.name[c], now[c], j->ho.gain_db[c], j->ho.rms[c]);
    }
}

/* One plugin + model run at stored knob value k (< 0: not swept). */
static int verify_knob(verify_job *j, double k)
{
    if (k >= 0.0 && j->ksym &&
        capture_lv2_set(j->host, j->ksym,
                        (float)(j->kmin + k * (j->kmax - j->kmin)), j->err,
                        sizeof j->err)) {
        fprintf(stderr, PROG ": %s: knob: %s\n", j->o->verify, j->err);
        return -1;
    }
    double now[CAPTURE_MAX_CLIPS];
    if (capture_heldout_eval(&j->ho, j->host, j->latency, j->model,
                             k >= 0.0 ? (float)k : 0.5f, j->rate, now, j->err,
                             sizeof j->err)) {
        fprintf(stderr, PROG ": %s\n", j->err);
        return -1;
    }
    verify_compare(j, k, now);
    verify_report_new(j, k, now);
    return 0;
}

/* Every distinct stored knob value once (at most 64). */
static int verify_knobs(verify_job *j)
{
    double done[64];
    int n_done = 0;
    size_t i;
    json_t *e;
    json_array_foreach(j->heldout, i, e)
    {
        double k = json_number_value(json_object_get(e, "knob"));
        int seen = 0;
        for (int d = 0; d < n_done; d++)
            seen |= done[d] == k;
        if (seen || n_done == 64)
            continue;
        done[n_done++] = k;
        if (verify_knob(j, k))
            return -1;
    }
    return 0;
}

/* --verify: recompute the held-out ESRs a capture stored in its model.
 * Exit 0 all reproduced, 1 some did not, 2 nothing could be checked. */
static int verify_mode(const options *o)
{
    verify_job j = {.o = o};
    int rc = 2;
    if (verify_load(&j) || verify_open(&j) || verify_clips(&j))
        goto out;
    fprintf(stderr,
            PROG ": verifying %s against <%s> (%s), latency %d, %d Hz\n",
            o->verify, j.plugin, capture_lv2_name(j.host), j.latency, j.rate);
    if (verify_knobs(&j))
        goto out;
    if (!j.checked) {
        fprintf(stderr, PROG ": %s: no held-out ESR could be checked\n",
                o->verify);
        goto out;
    }
    printf("%s: %d of %d held-out ESRs reproduced (within %.0f %%)\n",
           o->verify, j.checked - j.bad, j.checked, 100.0 * VERIFY_REL_TOL);
    rc = j.bad ? 1 : 0;
out:
    verify_job_free(&j);
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
    else /* -o MODEL, or --probe */
        rc = capture_mode(&o);
    free_options(&o);
    return rc;
}
