/* rnnamp-train: train an RNN amp/filter model from DI/target recordings.
 * See docs/training.md and `rnnamp-train --help`. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "atomic_write.h"
#include "dataset.h"
#include "engine.h"
#include "lv2_preset.h"
#include "model.h"
#include "model_io.h"
#include "plot.h"
#include "trainer.h"

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
        "training:\n"
        "  --epochs N | --minutes M     limits (10000 epochs, 10 minutes)\n"
        "  --batch B (8)  --segment S (~1/6 s)  --tbptt T (512)  --warmup "
        "W (1024)\n"
        "  --lr X (0.004)  --seed S (1)  --threads N (2)  --a-weighting\n"
        "  --patience N (5)   epochs without improvement before the "
        "learning rate halves\n"
        "  --early-stop N (20)  epochs without improvement before stopping\n"
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
                    "rnnamp-train: %s: knob values must be 1 to %d numbers "
                    "between 0 and 1, separated by commas\n",
                    what, RNNAMP_MAX_KNOBS);
            return -1;
        }
        p->knobs[p->n_knobs++] = (float)v;
        s = *e == ',' ? e + 1 : e;
        if (*e && *e != ',') {
            fprintf(stderr, "rnnamp-train: %s: unexpected \"%s\"\n", what, e);
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
                "rnnamp-train: --pair %s: expected DI.wav:TARGET.wav:KNOB"
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
        fprintf(stderr, "rnnamp-train: --knob-pairs %s: cannot open: %s\n",
                path, strerror(errno));
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
                    "rnnamp-train: --knob-pairs %s line %d: expected "
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
        fprintf(stderr, "rnnamp-train: --log %s: %s\n", pc->log, err);
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

/* Synthetic pair for --bench: noise through a soft clipper and a 1-pole
 * low-pass. */
static int bench(rnnamp_train_config *cfg, int secs)
{
    int rate = 48000;
    size_t n = (size_t)secs * rate;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    if (!x || !y) {
        free(x);
        free(y);
        return 1;
    }
    uint32_t s = 1;
    float lp = 0;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = 0.5f * ((float)(s >> 8) / 8388608.0f - 1.0f);
        lp += 0.2f * (tanhf(3.0f * x[i]) - lp);
        y[i] = lp;
    }
    rnnamp_dataset d;
    rnnamp_dataset_init(&d);
    rnnamp_dataset_opts o;
    rnnamp_dataset_opts_default(&o);
    o.align = 0;
    char err[RNNAMP_ERR_LEN];
    if (rnnamp_dataset_add_buffers(&d, "bench", x, y, n, n, rate, NULL, 0, &o,
                                   err, sizeof err) != 0) {
        fprintf(stderr, "rnnamp-train: %s\n", err);
        free(x);
        free(y);
        return 1;
    }
    free(x);
    free(y);
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
        fprintf(stderr, "rnnamp-train: %s\n", err);
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
    printf("bench: %s-%d batch %d, %d thread(s): training %.0f samples/s "
           "(fwd+bwd), %.2f s per epoch of 3 min audio at 48 kHz "
           "(training only); with validation and test passes %.0f "
           "samples/s (%.0f samples in %.2f s)\n",
           rnnamp_layer_type_name(cfg->arch), cfg->hidden, cfg->batch,
           cfg->threads, train_sps, epoch3, samples / t, samples, t);
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

enum {
    O_INPUT = 256,
    O_TARGET,
    O_ARCH,
    O_HIDDEN,
    O_LAYERS,
    O_SKIP,
    O_EPOCHS,
    O_MINUTES,
    O_SEED,
    O_LV2,
    O_RESUME,
    O_CHANNEL,
    O_REGIONS,
    O_THREADS,
    O_BATCH,
    O_SEGMENT,
    O_LR,
    O_KNOBPAIRS,
    O_PAIR,
    O_BENCH,
    O_CKEVERY,
    O_TBPTT,
    O_WARMUP,
    O_AW,
    O_NOALIGN,
    O_NAME,
    O_LOG,
    O_BENCHSECS,
    O_PATIENCE,
    O_EARLYSTOP
};

static int parse_int(const char *opt, const char *v, int lo, int hi, int *out)
{
    char *e;
    errno = 0;
    long x = strtol(v, &e, 10);
    if (e == v || *e || errno || x < lo || x > hi) {
        fprintf(stderr,
                "rnnamp-train: %s %s: must be a whole number from %d "
                "to %d\n",
                opt, v, lo, hi);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int parse_double(const char *opt, const char *v, double lo, double hi,
                        double *out)
{
    char *e;
    errno = 0;
    double x = strtod(v, &e);
    if (e == v || *e || errno || !(x >= lo && x <= hi)) {
        fprintf(stderr,
                "rnnamp-train: %s %s: must be a number from %g to "
                "%g\n",
                opt, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"input", 1, 0, O_INPUT},
                                       {"target", 1, 0, O_TARGET},
                                       {"output", 1, 0, 'o'},
                                       {"arch", 1, 0, O_ARCH},
                                       {"hidden", 1, 0, O_HIDDEN},
                                       {"layers", 1, 0, O_LAYERS},
                                       {"skip", 0, 0, O_SKIP},
                                       {"epochs", 1, 0, O_EPOCHS},
                                       {"minutes", 1, 0, O_MINUTES},
                                       {"seed", 1, 0, O_SEED},
                                       {"lv2-bundle", 1, 0, O_LV2},
                                       {"resume", 0, 0, O_RESUME},
                                       {"channel", 1, 0, O_CHANNEL},
                                       {"regions", 1, 0, O_REGIONS},
                                       {"threads", 1, 0, O_THREADS},
                                       {"batch", 1, 0, O_BATCH},
                                       {"segment", 1, 0, O_SEGMENT},
                                       {"lr", 1, 0, O_LR},
                                       {"knob-pairs", 1, 0, O_KNOBPAIRS},
                                       {"pair", 1, 0, O_PAIR},
                                       {"bench", 0, 0, O_BENCH},
                                       {"bench-seconds", 1, 0, O_BENCHSECS},
                                       {"checkpoint-every", 1, 0, O_CKEVERY},
                                       {"tbptt", 1, 0, O_TBPTT},
                                       {"warmup", 1, 0, O_WARMUP},
                                       {"a-weighting", 0, 0, O_AW},
                                       {"no-align", 0, 0, O_NOALIGN},
                                       {"name", 1, 0, O_NAME},
                                       {"log", 1, 0, O_LOG},
                                       {"patience", 1, 0, O_PATIENCE},
                                       {"early-stop", 1, 0, O_EARLYSTOP},
                                       {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
    rnnamp_train_config cfg;
    rnnamp_train_config_default(&cfg, 48000);
    int segment_set = 0, do_bench = 0, bench_secs = 60;
    const char *input = NULL, *target = NULL, *out = NULL, *lv2 = NULL;
    const char *name = NULL, *log = NULL;
    static pair_arg pairs[RNNAMP_MAX_PAIRS];
    int n_pairs = 0;
    rnnamp_dataset_opts dopt;
    rnnamp_dataset_opts_default(&dopt);
    dopt.msg = on_msg;
    int c, iv;
    double dv;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case O_INPUT: input = optarg; break;
        case O_TARGET: target = optarg; break;
        case 'o': out = optarg; break;
        case O_ARCH:
            if (!strcmp(optarg, "lstm"))
                cfg.arch = RNNAMP_LSTM;
            else if (!strcmp(optarg, "gru"))
                cfg.arch = RNNAMP_GRU;
            else if (!strcmp(optarg, "rnn"))
                cfg.arch = RNNAMP_RNN;
            else {
                fprintf(stderr,
                        "rnnamp-train: --arch %s: must be lstm, gru "
                        "or rnn\n",
                        optarg);
                return 2;
            }
            break;
        case O_HIDDEN:
            if (parse_int("--hidden", optarg, 1, RNNAMP_MAX_HIDDEN,
                          &cfg.hidden))
                return 2;
            break;
        case O_LAYERS:
            if (parse_int("--layers", optarg, 1, RNNAMP_MAX_LAYERS - 1,
                          &cfg.layers))
                return 2;
            break;
        case O_SKIP: cfg.skip = 1; break;
        case O_EPOCHS:
            if (parse_int("--epochs", optarg, 1, 1000000, &cfg.epochs))
                return 2;
            cfg.minutes = 0;
            break;
        case O_MINUTES:
            if (parse_double("--minutes", optarg, 0.01, 1e6, &cfg.minutes))
                return 2;
            break;
        case O_SEED:
            if (parse_int("--seed", optarg, 0, 2147483647, &iv))
                return 2;
            cfg.seed = (uint64_t)iv;
            break;
        case O_LV2: lv2 = optarg; break;
        case O_RESUME: cfg.resume = 1; break;
        case O_CHANNEL:
            if (parse_int("--channel", optarg, 1, 64, &iv))
                return 2;
            dopt.channel = iv - 1;
            break;
        case O_REGIONS: dopt.regions = optarg; break;
        case O_THREADS:
            if (parse_int("--threads", optarg, 1, 64, &cfg.threads))
                return 2;
            break;
        case O_BATCH:
            if (parse_int("--batch", optarg, 1, 4096, &cfg.batch))
                return 2;
            break;
        case O_SEGMENT:
            if (parse_int("--segment", optarg, 1, 1 << 22, &cfg.segment))
                return 2;
            segment_set = 1;
            break;
        case O_TBPTT:
            if (parse_int("--tbptt", optarg, 1, 65536, &cfg.tbptt))
                return 2;
            break;
        case O_WARMUP:
            if (parse_int("--warmup", optarg, 0, 1 << 20, &cfg.warmup))
                return 2;
            break;
        case O_LR:
            if (parse_double("--lr", optarg, 1e-7, 0.5, &cfg.lr))
                return 2;
            break;
        case O_PATIENCE:
            if (parse_int("--patience", optarg, 1, 100000,
                          &cfg.plateau_patience))
                return 2;
            break;
        case O_EARLYSTOP:
            if (parse_int("--early-stop", optarg, 1, 1000000, &cfg.early_stop))
                return 2;
            break;
        case O_CKEVERY:
            if (parse_double("--checkpoint-every", optarg, 1, 1e7, &dv))
                return 2;
            cfg.checkpoint_every = dv;
            break;
        case O_KNOBPAIRS:
            if (read_pair_list(optarg, pairs, &n_pairs))
                return 2;
            break;
        case O_PAIR:
            if (n_pairs == RNNAMP_MAX_PAIRS) {
                fprintf(stderr, "rnnamp-train: at most %d pairs\n",
                        RNNAMP_MAX_PAIRS);
                return 2;
            }
            if (parse_pair(optarg, &pairs[n_pairs]))
                return 2;
            n_pairs++;
            break;
        case O_BENCH: do_bench = 1; break;
        case O_BENCHSECS:
            if (parse_int("--bench-seconds", optarg, 5, 3600, &bench_secs))
                return 2;
            break;
        case O_AW: cfg.a_weighting = 1; break;
        case O_NOALIGN: dopt.align = 0; break;
        case O_NAME: name = optarg; break;
        case O_LOG: log = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rnnamp-train: unexpected argument \"%s\"\n",
                argv[optind]);
        return 2;
    }
    if (do_bench) {
        if (!segment_set) {
            rnnamp_train_config t;
            rnnamp_train_config_default(&t, 48000);
            cfg.segment = cfg.tbptt * (t.segment / t.tbptt);
        }
        return bench(&cfg, bench_secs);
    }
    if ((input || target) && n_pairs) {
        fprintf(stderr, "rnnamp-train: use either --input/--target or "
                        "--pair/--knob-pairs, not both\n");
        return 2;
    }
    if (!n_pairs && (!input || !target)) {
        fprintf(stderr, "rnnamp-train: %s is missing (see --help)\n",
                !input ? "--input" : "--target");
        return 2;
    }
    if (!out) {
        fprintf(stderr, "rnnamp-train: -o MODEL.json is missing\n");
        return 2;
    }
    char err[RNNAMP_ERR_LEN];
    rnnamp_dataset d;
    rnnamp_dataset_init(&d);
    if (!n_pairs) {
        if (rnnamp_dataset_add_files(&d, input, target, NULL, 0, &dopt, err,
                                     sizeof err)) {
            fprintf(stderr, "rnnamp-train: %s\n", err);
            rnnamp_dataset_free(&d);
            return 1;
        }
    }
    for (int i = 0; i < n_pairs; i++)
        if (rnnamp_dataset_add_files(&d, pairs[i].in, pairs[i].tgt,
                                     pairs[i].knobs, pairs[i].n_knobs, &dopt,
                                     err, sizeof err)) {
            fprintf(stderr, "rnnamp-train: %s\n", err);
            rnnamp_dataset_free(&d);
            return 1;
        }
    if (!segment_set) {
        rnnamp_train_config t;
        rnnamp_train_config_default(&t, d.rate);
        cfg.segment = cfg.tbptt * (t.segment / t.tbptt);
    }
    if (rnnamp_train_config_check(&cfg, err, sizeof err)) {
        fprintf(stderr, "rnnamp-train: %s\n", err);
        rnnamp_dataset_free(&d);
        return 2;
    }
    char ckpt[4200], png[4200];
    path_with_ext(out, ".ckpt", ckpt, sizeof ckpt);
    path_with_ext(out, ".png", png, sizeof png);
    cfg.checkpoint_path = ckpt;
    cfg.stop = &g_stop;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);

    fprintf(
        stderr,
        "training %s-%d x%d%s on %.1f s (validation %.1f s, test %.1f "
        "s) at %d Hz, %d pair(s), %d knob(s); Ctrl-C stops and saves\n",
        rnnamp_layer_type_name(cfg.arch), cfg.hidden, cfg.layers,
        cfg.skip ? " + skip" : "",
        (double)rnnamp_dataset_split_samples(&d, RNNAMP_SPLIT_TRAIN) / d.rate,
        (double)rnnamp_dataset_split_samples(&d, RNNAMP_SPLIT_VAL) / d.rate,
        (double)rnnamp_dataset_split_samples(&d, RNNAMP_SPLIT_TEST) / d.rate,
        d.rate, d.n_pairs, d.n_knobs);
    progress_ctx pc = {.tty = isatty(2), .log = log};
    for (int k = 0; k < 3; k++)
        pc.t_mark[k] = -1.0;
    if (log_line(&pc, "epoch,seconds,train_loss,val_esr,best_val_esr,lr,"
                      "samples_per_s\n") != 0) {
        free(pc.buf);
        rnnamp_dataset_free(&d);
        return 2;
    }
    rnnamp_model *m = NULL;
    rnnamp_train_result r;
    if (rnnamp_train_run(&cfg, &d, on_progress, &pc, &m, &r, err, sizeof err)) {
        fprintf(stderr, "\nrnnamp-train: %s\n", err);
        free(pc.buf);
        rnnamp_dataset_free(&d);
        return 1;
    }
    free(pc.buf);
    if (pc.tty)
        fputc('\n', stderr);

    /* self-test batch: 2048 samples of the test (else validation) audio of
     * the first pair, run through the real-time engine */
    const rnnamp_pair *p0 = &d.pairs[0];
    rnnamp_span sp = p0->n_spans[RNNAMP_SPLIT_TEST]
                         ? p0->spans[RNNAMP_SPLIT_TEST][0]
                         : p0->spans[RNNAMP_SPLIT_VAL][0];
    size_t nb = 2048;
    if (sp.end - sp.start < nb)
        nb = sp.end - sp.start;
    int ni = m->n_inputs;
    float *bin = malloc(nb * (size_t)ni * sizeof(float));
    float *bx = malloc(nb * sizeof(float)), *bout = malloc(nb * sizeof(float));
    int rc = 1;
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
    if (!bin || !bx || !bout || !e) {
        fprintf(stderr, "rnnamp-train: cannot run the trained model: %s\n",
                e ? "out of memory" : err);
        goto out;
    }
    for (size_t i = 0; i < nb; i++) {
        bx[i] = p0->input[sp.start + i];
        bin[i * ni] = bx[i];
        for (int k = 1; k < ni; k++)
            bin[i * ni + k] = p0->knobs[k - 1];
    }
    rnnamp_engine_process(e, bx, bout, (uint32_t)nb, ni > 1 ? p0->knobs : NULL);
    rnnamp_model_set_batch(m, bin, bout, nb);
    snprintf(m->meta.name, sizeof m->meta.name, "%s",
             name ? name : "rnnamp-train model");
    char meta[2048], date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    snprintf(meta, sizeof meta,
             "{\"trainer\": \"rnnamp-train\", \"date\": \"%s\", "
             "\"arch\": \"%s\", \"hidden\": %d, \"layers\": %d, "
             "\"skip\": %d, \"epochs\": %d, \"best_epoch\": %d, "
             "\"val_esr\": %.6g, \"test_esr\": %.6g, \"seed\": %llu, "
             "\"batch\": %d, \"segment\": %d, \"tbptt\": %d, "
             "\"lr\": %g, \"latency_samples\": %d, "
             "\"polarity_inverted\": %s, \"knobs\": %d}",
             date, rnnamp_layer_type_name(cfg.arch), cfg.hidden, cfg.layers,
             cfg.skip, r.epochs_run, r.best_epoch + 1, r.val_esr, r.test_esr,
             (unsigned long long)cfg.seed, cfg.batch, cfg.segment, cfg.tbptt,
             cfg.lr, p0->latency, p0->inverted ? "true" : "false", d.n_knobs);
    if (rnnamp_model_save_aidax(m, out, meta, err, sizeof err)) {
        fprintf(stderr, "rnnamp-train: %s\n", err);
        goto out;
    }
    /* plot: first 2048 samples of the self-test clip */
    char perr[RNNAMP_ERR_LEN];
    int plot_ok = rnnamp_plot_write(png, r.train_loss, r.val_hist, r.n_epochs,
                                    p0->target + sp.start, bout, nb, r.test_esr,
                                    perr, sizeof perr) == 0;
    if (!plot_ok)
        fprintf(stderr, "warning: %s\n", perr);
    if (lv2 && rnnamp_lv2_preset_write(lv2, name ? name : m->meta.name, out,
                                       err, sizeof err)) {
        fprintf(stderr, "rnnamp-train: %s\n", err);
        goto out;
    }
    static const char *why[] = {"all epochs done", "time budget used",
                                "no improvement (early stop)", "interrupted",
                                "learning rate exhausted"};
    printf("stopped: %s after %d epoch(s), %.0f s; best validation ESR "
           "%.4g (epoch %d)\n",
           why[r.stop], r.epochs_run, r.seconds, r.val_esr, r.best_epoch + 1);
    printf("test ESR %.4g: %s\n", r.test_esr, rnnamp_esr_grade(r.test_esr));
    printf("time to validation ESR");
    for (int k = 0; k < 3; k++) {
        char tm[32];
        fmt_time(pc.t_mark[k], tm, sizeof tm);
        if (pc.t_mark[k] >= 0)
            printf("%s %g%%: %s (%.1f s, epoch %d)", k ? "," : "",
                   esr_marks[k] * 100, tm, pc.t_mark[k], pc.mark_epoch[k]);
        else
            printf("%s %g%%: not reached", k ? "," : "", esr_marks[k] * 100);
    }
    printf("\n");
    printf("wrote %s%s%s%s%s\n", out, plot_ok ? ", " : "", plot_ok ? png : "",
           lv2 ? ", LV2 preset bundle " : "", lv2 ? lv2 : "");
    printf("checkpoint: %s (continue with --resume)\n", ckpt);
    printf("next: rnnamp-info %s; play it with the rnnamp LV2 plugin%s\n", out,
           lv2 ? " (preset listed once the bundle is on LV2_PATH)" : "");
    rc = 0;
out:
    rnnamp_engine_free(e);
    free(bin);
    free(bx);
    free(bout);
    rnnamp_train_result_free(&r);
    rnnamp_model_free(m);
    rnnamp_dataset_free(&d);
    return rc;
}
