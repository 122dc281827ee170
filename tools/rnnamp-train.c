/* rnnamp-train: train an RNN amp/filter model from DI/target recordings.
 * See docs/training.md and `rnnamp-train --help`. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "atomic_write.h"
#include "cli.h"
#include "dataset.h"
#include "engine.h"
#include "lv2_preset.h"
#include "model.h"
#include "model_io.h"
#include "plot.h"
#include "train_kernel.h"
#include "trainer.h"

#define PROG "rnnamp-train"

static volatile sig_atomic_t g_stop; /* set by SIGINT; owned by main */

static void on_sigint(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: rnnamp-train --input DI.wav --target AMP.wav -o MODEL.json "
        "[options]\n"
        "       rnnamp-train --pair DI.wav:AMP.wav:K1[,K2] ... -o MODEL.json\n"
        "       rnnamp-train --bench [--arch A --hidden H --batch B]\n"
        "                    [--kernel auto|scalar|sse2|avx2|avx512|neon]\n"
        "\n"
        "data:\n"
        "  --input FILE, --target FILE  DI recording and the amp's output\n"
        "  --pair DI:TARGET:K[,K2]      a pair recorded at knob value(s) "
        "0..1\n"
        "                               (repeat; trains a knob model)\n"
        "  --knob-pairs LIST            text file, one pair per line:\n"
        "                               DI TARGET K1 [K2]\n"
        "  --channel C                  use channel C (1-based) of "
        "multi-channel files\n"
        "  --regions FILE               train/val/test regions (see docs)\n"
        "  --no-align                   do not correct latency/polarity\n"
        "model:\n"
        "  --arch lstm|gru|rnn          (lstm)   --hidden N (16)  --layers "
        "N (1)\n"
        "  --skip                       add the input to the output\n"
        "  --pre-fir N, --post-fir N    hybrid model: learned FIR filters of "
        "N taps\n"
        "                               before / after the network (0 = "
        "none; forces\n"
        "                               --skip; the post-FIR starts from the "
        "linear fit)\n"
        "training:\n"
        "  --epochs N | --minutes M     limits (10000 epochs, 10 minutes)\n"
        "  --batch B (8)  --segment S (~1/6 s)  --tbptt T (512)  --warmup "
        "W (1024)\n"
        "  --lr X (0.004)  --seed S (1)  --threads N (2)  --a-weighting\n"
        "  --patience N (5)   epochs without improvement before the "
        "learning rate halves\n"
        "  --early-stop N (20)  epochs without improvement before stopping\n"
        "                       (with --minutes: before a warm restart)\n"
        "  --restarts K (3)     with --minutes: stop after K warm restarts in "
        "a row\n"
        "                       without improvement (0 = early stop)\n"
        "  --restart-decay X (0.7)  learning rate of restart n: lr * X^n\n"
        "  --checkpoint-every SEC (60)  --resume   (checkpoint: MODEL.ckpt)\n"
        "output:\n"
        "  -o FILE                      AIDA-X JSON model (also FILE.png)\n"
        "  --lv2-bundle DIR             also write an LV2 preset bundle\n"
        "  --name TEXT                  model / preset name\n"
        "  --log FILE.csv               per-epoch log: epoch, seconds, loss, "
        "val ESR, best,\n"
        "                               lr, samples/s\n");
}

typedef struct {
    char in[2048], tgt[2048];
    float knobs[RNNAMP_MAX_KNOBS];
    int n_knobs;
} pair_arg;

static int parse_knobs(const char *s, pair_arg *p, const char *what)
{
    p->n_knobs = 0;
    while (*s) {
        char *e;
        errno = 0;
        double v = strtod(s, &e);
        if (e == s || errno || !(v >= 0 && v <= 1) ||
            p->n_knobs == RNNAMP_MAX_KNOBS) {
            fprintf(stderr,
                    PROG ": %s: knob values must be 1 to %d numbers "
                         "between 0 and 1, separated by commas\n",
                    what, RNNAMP_MAX_KNOBS);
            return -1;
        }
        p->knobs[p->n_knobs++] = (float)v;
        s = *e == ',' ? e + 1 : e;
        if (*e && *e != ',') {
            fprintf(stderr, PROG ": %s: unexpected \"%s\"\n", what, e);
            return -1;
        }
    }
    return 0;
}

static int parse_pair(const char *arg, pair_arg *p)
{
    const char *c1 = strchr(arg, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == arg || c2 == c1 + 1 ||
        (size_t)(c1 - arg) >= sizeof p->in ||
        (size_t)(c2 - c1 - 1) >= sizeof p->tgt) {
        fprintf(stderr,
                PROG ": --pair %s: expected DI.wav:TARGET.wav:KNOB"
                     "[,KNOB2]\n",
                arg);
        return -1;
    }
    memcpy(p->in, arg, (size_t)(c1 - arg));
    p->in[c1 - arg] = '\0';
    memcpy(p->tgt, c1 + 1, (size_t)(c2 - c1 - 1));
    p->tgt[c2 - c1 - 1] = '\0';
    char what[2100];
    snprintf(what, sizeof what, "--pair %s", arg);
    return parse_knobs(c2 + 1, p, what);
}

static int read_pair_list(const char *path, pair_arg *pairs, int *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, PROG ": --knob-pairs %s: cannot open: %s\n", path,
                strerror(errno));
        return -1;
    }
    char line[4600];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        char *h = strchr(line, '#');
        if (h)
            *h = '\0';
        pair_arg p;
        memset(&p, 0, sizeof p);
        char k1[64] = "", k2[64] = "";
        int k = sscanf(line, "%2047s %2047s %63s %63s", p.in, p.tgt, k1, k2);
        if (k <= 0)
            continue;
        if (k < 3) {
            fprintf(stderr,
                    PROG ": --knob-pairs %s line %d: expected "
                         "\"DI TARGET K1 [K2]\"\n",
                    path, ln);
            fclose(f);
            return -1;
        }
        char ks[140], what[4700];
        snprintf(ks, sizeof ks, "%s%s%s", k1, k == 4 ? "," : "", k2);
        snprintf(what, sizeof what, "--knob-pairs %s line %d", path, ln);
        if (parse_knobs(ks, &p, what) != 0 || *n == RNNAMP_MAX_PAIRS) {
            fclose(f);
            return -1;
        }
        pairs[(*n)++] = p;
    }
    fclose(f);
    return 0;
}

static void on_msg(void *user, int warn, const char *msg)
{
    (void)user;
    fprintf(stderr, "%s: %s\n", warn ? "warning" : "note", msg);
}

static void fmt_time(double s, char *b, size_t n)
{
    if (!(s >= 0) || !isfinite(s)) {
        snprintf(b, n, "--:--");
        return;
    }
    int t = (int)(s + 0.5);
    snprintf(b, n, "%d:%02d", t / 60, t % 60);
}

/* Validation-ESR milestones reported at the end (time to reach each). */
static const double esr_marks[3] = {0.05, 0.02, 0.01};

typedef struct {
    int tty;
    double t_mark[3]; /* seconds when val ESR first fell below esr_marks,
                         < 0 not yet */
    int mark_epoch[3];
    const char *log; /* --log CSV path or NULL */
    char *buf;       /* CSV text so far (rewritten atomically per epoch) */
    size_t len, cap;
    int log_failed;
} progress_ctx;

static int log_append(progress_ctx *pc, const char *line)
{
    size_t n = strlen(line);
    if (pc->len + n + 1 > pc->cap) {
        size_t cap = (pc->cap ? pc->cap * 2 : 4096) + n;
        char *b = realloc(pc->buf, cap);
        if (!b)
            return -1;
        pc->buf = b;
        pc->cap = cap;
    }
    memcpy(pc->buf + pc->len, line, n + 1);
    pc->len += n;
    return 0;
}

/* Append a line to the --log CSV and rewrite the file. Returns -1 with a
 * message printed when it cannot be written. */
static int log_line(progress_ctx *pc, const char *line)
{
    if (!pc->log || pc->log_failed)
        return 0;
    char err[RNNAMP_ERR_LEN] = "out of memory";
    if (log_append(pc, line) != 0 ||
        rnnamp_write_file_atomic(pc->log, pc->buf, pc->len, err, sizeof err)) {
        fprintf(stderr, PROG ": --log %s: %s\n", pc->log, err);
        pc->log_failed = 1;
        return -1;
    }
    return 0;
}

static int on_progress(const rnnamp_train_progress *p, void *user)
{
    progress_ctx *pc = user;
    char el[32], eta[32];
    if (p->epoch_done) {
        for (int k = 0; k < 3; k++)
            if (pc->t_mark[k] < 0 && p->val_esr < esr_marks[k]) {
                pc->t_mark[k] = p->elapsed;
                pc->mark_epoch[k] = p->epoch + 1;
            }
        char line[256];
        snprintf(line, sizeof line, "%d,%.3f,%.6g,%.6g,%.6g,%.4g,%.0f\n",
                 p->epoch + 1, p->elapsed, p->train_loss, p->val_esr,
                 p->best_val_esr, p->lr, p->samples_per_sec);
        log_line(pc, line);
    }
    fmt_time(p->elapsed, el, sizeof el);
    fmt_time(p->eta, eta, sizeof eta);
    if (pc->tty) {
        int w = 20, fill = (int)(p->epoch_frac * w + 0.5);
        char bar[32];
        for (int i = 0; i < w; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[w] = '\0';
        fprintf(stderr,
                "\repoch %4d [%s] loss %.4g  val ESR %.4g  best %.4g  %s "
                "ETA %s  %.0fk smp/s ",
                p->epoch + 1, bar, p->train_loss, p->val_esr, p->best_val_esr,
                el, eta, p->samples_per_sec / 1000);
        if (p->epoch_done)
            fputc('\n', stderr);
        fflush(stderr);
    } else if (p->epoch_done) {
        fprintf(stderr,
                "epoch %d: loss %.4g, val ESR %.4g, best %.4g (epoch %d), "
                "lr %.3g, elapsed %s, ETA %s\n",
                p->epoch + 1, p->train_loss, p->val_esr, p->best_val_esr,
                p->best_epoch + 1, p->lr, el, eta);
    }
    return 0;
}

/* --bench: training throughput before the end-of-epoch validation. */
static int on_bench_progress(const rnnamp_train_progress *p, void *user)
{
    if (!p->epoch_done)
        *(double *)user = p->samples_per_sec;
    return 0;
}

/* Synthetic pair for --bench: secs of noise through a soft clipper and a
 * 1-pole low-pass, at 48 kHz, unaligned. Returns 0, or -1 (message
 * printed). */
static int bench_data(rnnamp_dataset *d, int secs)
{
    int rate = 48000;
    size_t n = (size_t)secs * rate;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    char err[RNNAMP_ERR_LEN] = "out of memory";
    int rc = -1;
    if (x && y) {
        uint32_t s = 1;
        float lp = 0;
        for (size_t i = 0; i < n; i++) {
            s = s * 1664525u + 1013904223u;
            x[i] = 0.5f * ((float)(s >> 8) / 8388608.0f - 1.0f);
            lp += 0.2f * (tanhf(3.0f * x[i]) - lp);
            y[i] = lp;
        }
        rnnamp_dataset_opts unaligned;
        rnnamp_dataset_opts_default(&unaligned);
        unaligned.align = 0;
        rc = rnnamp_dataset_add_buffers(d, "bench", x, y, n, n, rate, NULL, 0,
                                        &unaligned, err, sizeof err);
    }
    if (rc)
        fprintf(stderr, PROG ": %s\n", err);
    free(x);
    free(y);
    return rc;
}

/* --bench: training throughput on bench_data(). */
static int bench(rnnamp_train_config *cfg, int secs)
{
    rnnamp_dataset d;
    rnnamp_dataset_init(&d);
    if (bench_data(&d, secs)) {
        rnnamp_dataset_free(&d);
        return 1;
    }
    char err[RNNAMP_ERR_LEN];
    cfg->epochs = 1;
    cfg->minutes = 0;
    rnnamp_model *m = NULL;
    rnnamp_train_result r;
    fprintf(stderr,
            "bench: %s-%d x%d, batch %d, segment %d, tbptt %d, "
            "threads %d, OpenBLAS core %s\n",
            rnnamp_layer_type_name(cfg->arch), cfg->hidden, cfg->layers,
            cfg->batch, cfg->segment, cfg->tbptt, cfg->threads,
            openblas_get_corename());
    size_t train_n = rnnamp_dataset_split_samples(&d, RNNAMP_SPLIT_TRAIN);
    int nb = (int)(train_n / ((size_t)cfg->segment * cfg->batch));
    if (nb < 1)
        nb = 1;
    double samples = (double)nb * cfg->batch * (cfg->segment + cfg->warmup);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    double train_sps = 0;
    int rc = rnnamp_train_run(cfg, &d, on_bench_progress, &train_sps, &m, &r,
                              err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (rc != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        rnnamp_dataset_free(&d);
        return 1;
    }
    double t = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (b.tv_nsec - a.tv_nsec);
    /* An epoch of 3 minutes of 48 kHz audio (80 % trains): whole batches of
     * warm-up + segment samples, as rnnamp_train_run() counts them. The
     * run itself also includes one validation and the test pass. */
    long nb3 = (long)(0.8 * 180 * 48000) / ((long)cfg->segment * cfg->batch);
    double epoch3 = (double)(nb3 < 1 ? 1 : nb3) * cfg->batch *
                    (cfg->segment + cfg->warmup) / train_sps;
    const char *kname = cfg->kernel >= 0
                            ? rnnamp_tk_isa_name((rnnamp_tk_isa)cfg->kernel)
                            : rnnamp_tk_isa_name(rnnamp_tk_isa_best());
    printf("bench: %s-%d batch %d, %d thread(s), %s kernels: training %.0f "
           "samples/s (fwd+bwd), %.2f s per epoch of 3 min audio at 48 kHz "
           "(training only); with validation and test passes %.0f "
           "samples/s (%.0f samples in %.2f s)\n",
           rnnamp_layer_type_name(cfg->arch), cfg->hidden, cfg->batch,
           cfg->threads, kname, train_sps, epoch3, samples / t, samples, t);
    rnnamp_train_result_free(&r);
    rnnamp_model_free(m);
    rnnamp_dataset_free(&d);
    return 0;
}

static void path_with_ext(const char *out, const char *ext, char *buf, size_t n)
{
    const char *slash = strrchr(out, '/');
    const char *dot = strrchr(out, '.');
    size_t stem =
        dot && (!slash || dot > slash) ? (size_t)(dot - out) : strlen(out);
    snprintf(buf, n, "%.*s%s", (int)stem, out, ext);
}

/* Everything the command line sets. */
typedef struct {
    rnnamp_train_config cfg;
    rnnamp_dataset_opts dopt;
    const char *input, *target, *out, *lv2, *name, *log;
    pair_arg *pairs; /* RNNAMP_MAX_PAIRS */
    int n_pairs;
    int segment_set, do_bench, bench_secs, channel, channel_set, no_align;
} train_args;

#define OFF(f)   offsetof(train_args, f)
#define GIVEN(f) CLI_GIVEN(train_args, f)

static const cli_option option_table[] = {
    {"input", 0, CLI_STRING, 0, 0, OFF(input), 0},
    {"target", 0, CLI_STRING, 0, 0, OFF(target), 0},
    {"output", 'o', CLI_STRING, 0, 0, OFF(out), 0},
    {"arch", 0, CLI_ARCH, 0, 0, OFF(cfg.arch), 0},
    {"hidden", 0, CLI_INT, 1, RNNAMP_MAX_HIDDEN, OFF(cfg.hidden), 0},
    {"layers", 0, CLI_INT, 1, RNNAMP_MAX_LAYERS - 1, OFF(cfg.layers), 0},
    {"skip", 0, CLI_FLAG, 0, 0, OFF(cfg.skip), 0},
    {"pre-fir", 0, CLI_INT, 0, RNNAMP_MAX_FIR, OFF(cfg.pre_fir), 0},
    {"post-fir", 0, CLI_INT, 0, RNNAMP_MAX_FIR, OFF(cfg.post_fir), 0},
    {"epochs", 0, CLI_CALL, 0, 0, 0, 0},
    {"minutes", 0, CLI_DOUBLE, 0.01, 1e6, OFF(cfg.minutes), 0},
    {"seed", 0, CLI_U64, 0, 2147483647, OFF(cfg.seed), 0},
    {"lv2-bundle", 0, CLI_STRING, 0, 0, OFF(lv2), 0},
    {"resume", 0, CLI_FLAG, 0, 0, OFF(cfg.resume), 0},
    {"channel", 0, CLI_INT, 1, 64, OFF(channel), GIVEN(channel_set)},
    {"regions", 0, CLI_STRING, 0, 0, OFF(dopt.regions), 0},
    {"threads", 0, CLI_INT, 1, 64, OFF(cfg.threads), 0},
    {"kernel", 0, CLI_CALL, 0, 0, 0, 0},
    {"batch", 0, CLI_INT, 1, 4096, OFF(cfg.batch), 0},
    {"segment", 0, CLI_INT, 1, 1 << 22, OFF(cfg.segment), GIVEN(segment_set)},
    {"lr", 0, CLI_DOUBLE, 1e-7, 0.5, OFF(cfg.lr), 0},
    {"knob-pairs", 0, CLI_CALL, 0, 0, 0, 0},
    {"pair", 0, CLI_CALL, 0, 0, 0, 0},
    {"bench", 0, CLI_FLAG, 0, 0, OFF(do_bench), 0},
    {"bench-seconds", 0, CLI_INT, 5, 3600, OFF(bench_secs), 0},
    {"checkpoint-every", 0, CLI_DOUBLE, 1, 1e7, OFF(cfg.checkpoint_every), 0},
    {"tbptt", 0, CLI_INT, 1, 65536, OFF(cfg.tbptt), 0},
    {"warmup", 0, CLI_INT, 0, 1 << 20, OFF(cfg.warmup), 0},
    {"a-weighting", 0, CLI_FLAG, 0, 0, OFF(cfg.a_weighting), 0},
    {"no-align", 0, CLI_FLAG, 0, 0, OFF(no_align), 0},
    {"name", 0, CLI_STRING, 0, 0, OFF(name), 0},
    {"log", 0, CLI_STRING, 0, 0, OFF(log), 0},
    {"patience", 0, CLI_INT, 1, 100000, OFF(cfg.plateau_patience), 0},
    {"early-stop", 0, CLI_INT, 1, 1000000, OFF(cfg.early_stop), 0},
    {"restarts", 0, CLI_INT, 0, 1000000, OFF(cfg.restarts), 0},
    {"restart-decay", 0, CLI_DOUBLE, 1e-6, 1.0, OFF(cfg.restart_decay), 0},
    {NULL, 0, CLI_FLAG, 0, 0, 0, 0},
};

/* --kernel auto|scalar|sse2|avx2|avx512|neon: the trainer kernels (auto: the
 * fastest this CPU runs; availability is checked with the rest of the config).
 */
static int parse_train_kernel(const char *arg, int *kernel)
{
    if (!strcmp(arg, "auto")) {
        *kernel = -1;
        return 0;
    }
    for (int k = 0; k < RNNAMP_TK_N_ISA; k++) {
        const char *name = rnnamp_tk_isa_name((rnnamp_tk_isa)k);
        if (!strcmp(arg, name) ||
            (k == RNNAMP_TK_AVX2 && !strcmp(arg, "avx2"))) {
            *kernel = k;
            return 0;
        }
    }
    fprintf(stderr,
            PROG ": --kernel %s: must be auto, scalar, sse2, avx2, avx512 or "
                 "neon\n",
            arg);
    return -1;
}

/* --epochs (also ends the time budget), --kernel, --pair and --knob-pairs. */
static int on_option(void *dst, const cli_option *opt, const char *arg,
                     int argc, char **argv)
{
    (void)argc;
    (void)argv;
    train_args *a = dst;
    if (!strcmp(opt->name, "epochs")) {
        if (cli_int(PROG, "--epochs", arg, 1, 1000000, &a->cfg.epochs))
            return -1;
        a->cfg.minutes = 0;
        return 0;
    }
    if (!strcmp(opt->name, "kernel"))
        return parse_train_kernel(arg, &a->cfg.kernel);
    if (!strcmp(opt->name, "knob-pairs"))
        return read_pair_list(arg, a->pairs, &a->n_pairs);
    if (a->n_pairs == RNNAMP_MAX_PAIRS) {
        fprintf(stderr, PROG ": at most %d pairs\n", RNNAMP_MAX_PAIRS);
        return -1;
    }
    if (parse_pair(arg, &a->pairs[a->n_pairs]))
        return -1;
    a->n_pairs++;
    return 0;
}

/* The segment length when --segment is not given: the trainer's default
 * for rate, in whole --tbptt chunks. */
static void default_segment(train_args *a, int rate)
{
    if (a->segment_set)
        return;
    rnnamp_train_config t;
    rnnamp_train_config_default(&t, rate);
    a->cfg.segment = a->cfg.tbptt * (t.segment / t.tbptt);
}

/* The data options must make one complete request. */
static int check_args(const train_args *a)
{
    if ((a->input || a->target) && a->n_pairs) {
        fprintf(stderr, PROG ": use either --input/--target or "
                             "--pair/--knob-pairs, not both\n");
        return -1;
    }
    if (!a->n_pairs && (!a->input || !a->target)) {
        fprintf(stderr, PROG ": %s is missing (see --help)\n",
                !a->input ? "--input" : "--target");
        return -1;
    }
    if (!a->out) {
        fprintf(stderr, PROG ": -o MODEL.json is missing\n");
        return -1;
    }
    return 0;
}

/* Returns 0 ok, 1 help printed, -1 error. */
static int parse_args(int argc, char **argv, train_args *a)
{
    rnnamp_train_config_default(&a->cfg, 48000);
    rnnamp_dataset_opts_default(&a->dopt);
    a->dopt.msg = on_msg;
    a->bench_secs = 60;
    int r = cli_parse(PROG, option_table, a, on_option, argc, argv);
    if (r > 0)
        usage(stdout);
    if (r)
        return r;
    if (cli_no_more_args(PROG, argc, argv))
        return -1;
    if (a->channel_set)
        a->dopt.channel = a->channel - 1;
    if (a->no_align)
        a->dopt.align = 0;
    return a->do_bench ? 0 : check_args(a);
}

/* The training pairs: --input/--target, or every --pair. */
static int load_data(const train_args *a, rnnamp_dataset *d)
{
    char err[RNNAMP_ERR_LEN];
    int rc = 0;
    if (!a->n_pairs)
        rc = rnnamp_dataset_add_files(d, a->input, a->target, NULL, 0, &a->dopt,
                                      err, sizeof err);
    for (int i = 0; i < a->n_pairs && !rc; i++)
        rc = rnnamp_dataset_add_files(d, a->pairs[i].in, a->pairs[i].tgt,
                                      a->pairs[i].knobs, a->pairs[i].n_knobs,
                                      &a->dopt, err, sizeof err);
    if (rc)
        fprintf(stderr, PROG ": %s\n", err);
    return rc;
}

/* Train on d. Returns 0, 1 (training failed) or 2 (--log unwritable). */
static int run_training(const train_args *a, const rnnamp_dataset *d,
                        progress_ctx *pc, rnnamp_model **m,
                        rnnamp_train_result *r)
{
    char fir_desc[64] = "";
    if (a->cfg.pre_fir || a->cfg.post_fir)
        snprintf(fir_desc, sizeof fir_desc,
                 ", pre-FIR %d + post-FIR %d taps (skip)", a->cfg.pre_fir,
                 a->cfg.post_fir);
    fprintf(
        stderr,
        "training %s-%d x%d%s%s on %.1f s (validation %.1f s, test %.1f "
        "s) at %d Hz, %d pair(s), %d knob(s); Ctrl-C stops and saves\n",
        rnnamp_layer_type_name(a->cfg.arch), a->cfg.hidden, a->cfg.layers,
        a->cfg.skip ? " + skip" : "", fir_desc,
        (double)rnnamp_dataset_split_samples(d, RNNAMP_SPLIT_TRAIN) / d->rate,
        (double)rnnamp_dataset_split_samples(d, RNNAMP_SPLIT_VAL) / d->rate,
        (double)rnnamp_dataset_split_samples(d, RNNAMP_SPLIT_TEST) / d->rate,
        d->rate, d->n_pairs, d->n_knobs);
    for (int k = 0; k < 3; k++)
        pc->t_mark[k] = -1.0;
    if (log_line(pc, "epoch,seconds,train_loss,val_esr,best_val_esr,lr,"
                     "samples_per_s\n") != 0)
        return 2;
    char err[RNNAMP_ERR_LEN];
    if (rnnamp_train_run(&a->cfg, d, on_progress, pc, m, r, err, sizeof err)) {
        fprintf(stderr, "\n" PROG ": %s\n", err);
        return 1;
    }
    if (pc->tty)
        fputc('\n', stderr);
    return 0;
}

/* The model's self-test batch: up to 2048 samples of the test (else
 * validation) audio of the first pair, run through the real-time engine;
 * the engine's output goes to out[0..*nb) for the plot. */
static int self_test(rnnamp_model *m, const rnnamp_pair *p0, float *out,
                     size_t *nb)
{
    rnnamp_span sp = p0->n_spans[RNNAMP_SPLIT_TEST]
                         ? p0->spans[RNNAMP_SPLIT_TEST][0]
                         : p0->spans[RNNAMP_SPLIT_VAL][0];
    if (sp.end - sp.start < *nb)
        *nb = sp.end - sp.start;
    size_t n = *nb, ni = (size_t)m->n_inputs;
    char err[RNNAMP_ERR_LEN];
    float *bin = malloc(n * ni * sizeof(float));
    const float *bx = p0->input + sp.start;
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
    int rc = -1;
    if (!bin || !e) {
        fprintf(stderr, PROG ": cannot run the trained model: %s\n",
                e ? "out of memory" : err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        bin[i * ni] = bx[i];
        for (size_t k = 1; k < ni; k++)
            bin[i * ni + k] = p0->knobs[k - 1];
    }
    rnnamp_engine_process(e, bx, out, (uint32_t)n, ni > 1 ? p0->knobs : NULL);
    rnnamp_model_set_batch(m, bin, out, n);
    rc = 0;
out:
    rnnamp_engine_free(e);
    free(bin);
    return rc;
}

/* The metadata stored in the model. */
static void train_meta(char *meta, size_t len, const rnnamp_train_config *c,
                       const rnnamp_train_result *r, const rnnamp_dataset *d)
{
    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    const rnnamp_pair *p0 = &d->pairs[0];
    snprintf(meta, len,
             "{\"trainer\": \"rnnamp-train\", \"date\": \"%s\", "
             "\"arch\": \"%s\", \"hidden\": %d, \"layers\": %d, "
             "\"skip\": %d, \"pre_fir\": %d, \"post_fir\": %d, "
             "\"epochs\": %d, \"best_epoch\": %d, "
             "\"val_esr\": %.6g, \"test_esr\": %.6g, \"seed\": %llu, "
             "\"batch\": %d, \"segment\": %d, \"tbptt\": %d, "
             "\"lr\": %g, \"latency_samples\": %d, "
             "\"polarity_inverted\": %s, \"knobs\": %d}",
             date, rnnamp_layer_type_name(c->arch), c->hidden, c->layers,
             c->skip, c->pre_fir, c->post_fir, r->epochs_run, r->best_epoch + 1,
             r->val_esr, r->test_esr, (unsigned long long)c->seed, c->batch,
             c->segment, c->tbptt, c->lr, p0->latency,
             p0->inverted ? "true" : "false", d->n_knobs);
}

/* What happened and what was written. */
static void report(const train_args *a, const rnnamp_train_result *r,
                   const progress_ctx *pc, const char *png, int plot_ok,
                   const char *ckpt)
{
    static const char *why[] = {"all epochs done",
                                "time budget used",
                                "no improvement (early stop)",
                                "interrupted",
                                "learning rate exhausted",
                                "plateau (warm restarts brought no "
                                "improvement)"};
    printf("stopped: %s after %d epoch(s), %.0f s, %d warm restart(s); "
           "best validation ESR %.4g (epoch %d)\n",
           why[r->stop], r->epochs_run, r->seconds, r->restarts, r->val_esr,
           r->best_epoch + 1);
    if (r->linear_taps > 0)
        printf("linear fit (%d taps): ESR %.4g\n", r->linear_taps,
               r->linear_esr);
    printf("test ESR %.4g: %s\n", r->test_esr, rnnamp_esr_grade(r->test_esr));
    printf("time to validation ESR");
    for (int k = 0; k < 3; k++) {
        char tm[32];
        fmt_time(pc->t_mark[k], tm, sizeof tm);
        if (pc->t_mark[k] >= 0)
            printf("%s %g%%: %s (%.1f s, epoch %d)", k ? "," : "",
                   esr_marks[k] * 100, tm, pc->t_mark[k], pc->mark_epoch[k]);
        else
            printf("%s %g%%: not reached", k ? "," : "", esr_marks[k] * 100);
    }
    printf("\n");
    printf("wrote %s%s%s%s%s\n", a->out, plot_ok ? ", " : "",
           plot_ok ? png : "", a->lv2 ? ", LV2 preset bundle " : "",
           a->lv2 ? a->lv2 : "");
    printf("checkpoint: %s (continue with --resume)\n", ckpt);
    printf("next: rnnamp-info %s; play it with the rnnamp LV2 plugin%s\n",
           a->out,
           a->lv2 ? " (preset listed once the bundle is on LV2_PATH)" : "");
}

/* Self-test batch, model file, plot and LV2 bundle; then the report. */
static int write_outputs(const train_args *a, const rnnamp_dataset *d,
                         rnnamp_model *m, const rnnamp_train_result *r,
                         const progress_ctx *pc, const char *png,
                         const char *ckpt)
{
    float bout[2048];
    size_t nb = 2048;
    const rnnamp_pair *p0 = &d->pairs[0];
    if (self_test(m, p0, bout, &nb))
        return 1;
    snprintf(m->meta.name, sizeof m->meta.name, "%s",
             a->name ? a->name : "rnnamp-train model");
    char meta[2048], err[RNNAMP_ERR_LEN];
    train_meta(meta, sizeof meta, &a->cfg, r, d);
    if (rnnamp_model_save_aidax(m, a->out, meta, err, sizeof err)) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    /* plot: first 2048 samples of the self-test clip */
    rnnamp_span sp = p0->n_spans[RNNAMP_SPLIT_TEST]
                         ? p0->spans[RNNAMP_SPLIT_TEST][0]
                         : p0->spans[RNNAMP_SPLIT_VAL][0];
    const rnnamp_plot_data pd = {
        m->meta.name, r->train_loss,         r->val_hist,
        r->n_epochs,  p0->target + sp.start, bout,
        nb,           (double)d->rate,       r->test_esr};
    int plot_ok = rnnamp_plot_write(png, &pd, err, sizeof err) == 0;
    if (!plot_ok)
        fprintf(stderr, "warning: %s\n", err);
    if (a->lv2 &&
        rnnamp_lv2_preset_write(a->lv2, a->name ? a->name : m->meta.name,
                                a->out, err, sizeof err)) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    report(a, r, pc, png, plot_ok, ckpt);
    return 0;
}

/* Load, train, write. Returns the exit status. */
static int train(train_args *a)
{
    rnnamp_dataset d;
    rnnamp_dataset_init(&d);
    rnnamp_model *m = NULL;
    rnnamp_train_result r = {0};
    progress_ctx pc = {.tty = isatty(2), .log = a->log};
    char err[RNNAMP_ERR_LEN], ckpt[4200], png[4200];
    int rc = 1;
    if (load_data(a, &d))
        goto out;
    default_segment(a, d.rate);
    if (rnnamp_train_config_check(&a->cfg, err, sizeof err)) {
        fprintf(stderr, PROG ": %s\n", err);
        rc = 2;
        goto out;
    }
    path_with_ext(a->out, ".ckpt", ckpt, sizeof ckpt);
    path_with_ext(a->out, ".png", png, sizeof png);
    a->cfg.checkpoint_path = ckpt;
    a->cfg.stop = &g_stop;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    rc = run_training(a, &d, &pc, &m, &r);
    if (!rc)
        rc = write_outputs(a, &d, m, &r, &pc, png, ckpt);
out:
    free(pc.buf);
    rnnamp_train_result_free(&r);
    rnnamp_model_free(m);
    rnnamp_dataset_free(&d);
    return rc;
}

int main(int argc, char **argv)
{
    static pair_arg pairs[RNNAMP_MAX_PAIRS];
    train_args a = {.pairs = pairs};
    int r = parse_args(argc, argv, &a);
    if (r)
        return r > 0 ? 0 : 2;
    if (a.do_bench) {
        default_segment(&a, 48000);
        return bench(&a.cfg, a.bench_secs);
    }
    return train(&a);
}
