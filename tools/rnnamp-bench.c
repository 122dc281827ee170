/* rnnamp-bench: inference speed of the engine.
 *
 *   rnnamp-bench                      the whole table (LSTM/GRU sizes, NAM 2x8)
 *   rnnamp-bench --arch lstm --hidden 32 [--layers 1] [--samples N]
 *                [--kernel auto|all|scalar|sse2|avx2|avx512|neon]
 *                [--repeats R]
 *   rnnamp-bench --model FILE [--size S]  a model file (S: the size a NAM
 *                                     SlimmableContainer plays, 0..1,
 *                                     default 1)
 *
 * One configuration runs N samples in 128-sample blocks, R times, and
 * prints the median ns/sample, the real-time factor at 48 kHz (how many
 * times faster than real time one instance runs) and the kernel the engine
 * used (auto: the one rnnamp_engine_new picks for that model on this CPU;
 * all: a row for each kernel this CPU runs, side by side). Run a
 * single configuration under `valgrind --tool=callgrind` to count
 * instructions per sample. Never time it while the machine is busy. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "engine.h"
#include "model.h"
#include "model_io.h"

/* layers x (t, H), a linear head, skip, and FIR stages of pre and post
 * taps (0: none); random weights. */
static rnnamp_model *make_model(rnnamp_layer_type t, int H, int layers, int pre,
                                int post)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_layer_spec sp[RNNAMP_MAX_LAYERS];
    for (int i = 0; i < layers; i++)
        sp[i] = (rnnamp_layer_spec){t, H, RNNAMP_ACT_LINEAR};
    sp[layers] = (rnnamp_layer_spec){RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR};
    rnnamp_model *m =
        rnnamp_model_new_fir(1, layers + 1, sp, 1, pre, post, err, sizeof err);
    if (!m) {
        fprintf(stderr, "rnnamp-bench: %s\n", err);
        return NULL;
    }
    unsigned s = 12345;
    for (size_t i = 0; i < m->n_params; i++) {
        s = s * 1103515245u + 12345u;
        m->params[i] = ((float)(s >> 8) / 16777216.f - 0.5f) / sqrtf((float)H);
    }
    return m;
}

/* Median ns/sample over repeats; 0 on error. */
static double bench(const rnnamp_model *m, rnnamp_kernel k, long samples,
                    int repeats, const char **kname)
{
    rnnamp_engine_opts o = {k, 1.0};
    char err[RNNAMP_ERR_LEN];
    rnnamp_engine *e = rnnamp_engine_new(m, &o, err, sizeof err);
    if (!e) {
        fprintf(stderr, "rnnamp-bench: %s\n", err);
        return 0;
    }
    *kname = rnnamp_engine_kernel_name(e);
    enum { B = 128, NSIG = 48000 };
    /* a guitar-level test signal, made once outside the timed loop */
    float *sig = malloc(NSIG * sizeof *sig), out[B];
    for (int i = 0; i < NSIG; i++)
        sig[i] =
            0.3f * sinf(0.0288f * (float)i) + 0.05f * sinf(0.18f * (float)i);
    double *t = calloc((size_t)repeats, sizeof *t);
    for (int r = 0; r < repeats; r++) {
        long done = 0;
        double t0 = cli_now_seconds();
        while (done < samples) {
            rnnamp_engine_process(e, sig + done % (NSIG - B + 1) / B * B, out,
                                  B, NULL);
            done += B;
        }
        t[r] = (cli_now_seconds() - t0) * 1e9 / (double)done;
    }
    qsort(t, (size_t)repeats, sizeof *t, cli_cmp_double);
    double med = t[repeats / 2];
    free(t);
    free(sig);
    rnnamp_engine_free(e);
    return med;
}

static void row1(const char *label, const rnnamp_model *m, rnnamp_kernel k,
                 long samples, int repeats)
{
    const char *kn = "?";
    double ns = bench(m, k, samples, repeats, &kn);
    if (ns > 0)
        printf("| %-10s | %8.1f | %8.0fx | %-8s |\n", label, ns,
               1e9 / (ns * 48000.0), kn);
    fflush(stdout);
}

/* One row, or with k == RNNAMP_KERNEL_N (--kernel all) one per kernel
 * this CPU runs. */
static void row(const char *label, const rnnamp_model *m, rnnamp_kernel k,
                long samples, int repeats)
{
    if (k != RNNAMP_KERNEL_N) {
        row1(label, m, k, samples, repeats);
        return;
    }
    for (int i = RNNAMP_KERNEL_SCALAR; i < RNNAMP_KERNEL_N; i++)
        if (rnnamp_kernel_supported((rnnamp_kernel)i))
            row1(label, m, (rnnamp_kernel)i, samples, repeats);
}

#define PROG "rnnamp-bench"

static void usage(void)
{
    fprintf(stderr,
            "usage: rnnamp-bench [--arch lstm|gru|rnn --hidden H [--layers L]"
            " [--pre-fir N] [--post-fir N]\n"
            "                    | --model FILE [--size 0..1]]\n"
            "                    [--samples N] [--repeats R]"
            " [--kernel auto|all|scalar|sse2|avx2|avx512|neon]\n");
}

typedef struct {
    const char *arch, *file, *kernel;
    int hidden, layers, repeats, samples, pre_fir, post_fir;
    double size; /* SlimmableContainer size, default 1 */
} bench_args;

#define OFF(f) offsetof(bench_args, f)

static const cli_option option_table[] = {
    {"arch", 0, CLI_STRING, 0, 0, OFF(arch), 0},
    {"model", 0, CLI_STRING, 0, 0, OFF(file), 0},
    {"kernel", 0, CLI_STRING, 0, 0, OFF(kernel), 0},
    {"hidden", 0, CLI_INT, 1, RNNAMP_MAX_HIDDEN, OFF(hidden), 0},
    {"layers", 0, CLI_INT, 1, RNNAMP_MAX_LAYERS - 1, OFF(layers), 0},
    {"samples", 0, CLI_INT, 1, 100000000, OFF(samples), 0},
    {"repeats", 0, CLI_INT, 1, 100000000, OFF(repeats), 0},
    {"pre-fir", 0, CLI_INT, 0, RNNAMP_MAX_FIR, OFF(pre_fir), 0},
    {"post-fir", 0, CLI_INT, 0, RNNAMP_MAX_FIR, OFF(post_fir), 0},
    {"size", 0, CLI_DOUBLE, 0, 1, OFF(size), 0},
    {NULL, 0, CLI_FLAG, 0, 0, 0, 0},
};

/* --kernel NAME: a kernel, "auto" (RNNAMP_KERNEL_AUTO) or "all" (every
 * kernel this CPU runs, one row each: RNNAMP_KERNEL_N). */
static int parse_kernel(const char *v, rnnamp_kernel *k)
{
    int p = strcmp(v, "all") ? rnnamp_kernel_parse(v) : RNNAMP_KERNEL_N;
    if (p < 0) {
        fprintf(stderr,
                PROG ": --kernel %s: must be auto, all, scalar, sse2, avx2, "
                     "avx512 or neon\n",
                v);
        return -1;
    }
    if (p != RNNAMP_KERNEL_N && !rnnamp_kernel_supported((rnnamp_kernel)p)) {
        fprintf(stderr, PROG ": --kernel %s: this CPU does not run it\n", v);
        return -1;
    }
    *k = (rnnamp_kernel)p;
    return 0;
}

/* One row for --model FILE. */
static int bench_file(const bench_args *a, rnnamp_kernel k)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_load(a->file, err, sizeof err);
    if (!m) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    const rnnamp_model *sm = rnnamp_model_at_size(m, a->size);
    char d[64];
    rnnamp_model_describe(sm, d, sizeof d);
    row(d, sm, k, a->samples, a->repeats);
    rnnamp_model_free(m);
    return 0;
}

/* One row for --arch A --hidden H [--layers L]. */
static int bench_arch(const bench_args *a, rnnamp_kernel k)
{
    rnnamp_layer_type t;
    if (cli_arch(PROG, "--arch", a->arch, &t))
        return 2;
    if (a->hidden < 1) {
        fprintf(stderr, PROG ": --arch needs --hidden 1..%d\n",
                RNNAMP_MAX_HIDDEN);
        return 2;
    }
    rnnamp_model *m =
        make_model(t, a->hidden, a->layers, a->pre_fir, a->post_fir);
    if (!m)
        return 1;
    char label[64];
    snprintf(label, sizeof label, "%s-%d%s", a->arch, a->hidden,
             a->layers > 1 ? (a->layers == 2 ? "x2" : "xN") : "");
    if (a->pre_fir || a->post_fir)
        snprintf(label + strlen(label), sizeof label - strlen(label),
                 " +FIR %d/%d", a->pre_fir, a->post_fir);
    row(label, m, k, a->samples, a->repeats);
    rnnamp_model_free(m);
    return 0;
}

/* The default table: LSTM and GRU of several sizes, and a 2-layer LSTM. */
static int bench_table(const bench_args *a, rnnamp_kernel k)
{
    static const int sizes[] = {8, 12, 16, 20, 24, 32, 40, 64};
    const char *names[] = {"LSTM", "GRU"};
    rnnamp_layer_type types[] = {RNNAMP_LSTM, RNNAMP_GRU};
    for (int ti = 0; ti < 2; ti++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            rnnamp_model *m = make_model(types[ti], sizes[s], 1, 0, 0);
            char label[32];
            snprintf(label, sizeof label, "%s-%d", names[ti], sizes[s]);
            row(label, m, k, a->samples, a->repeats);
            rnnamp_model_free(m);
        }
    rnnamp_model *m = make_model(RNNAMP_LSTM, 8, 2, 0, 0);
    row("LSTM-2x8", m, k, a->samples, a->repeats);
    rnnamp_model_free(m);
    /* hybrids: the network of a capture with its FIR stages */
    static const int hyb[][3] = {{16, 32, 512}, {16, 64, 2048}};
    for (size_t i = 0; i < sizeof hyb / sizeof *hyb; i++) {
        m = make_model(RNNAMP_LSTM, hyb[i][0], 1, hyb[i][1], hyb[i][2]);
        char label[48];
        snprintf(label, sizeof label, "LSTM-%d +FIR %d/%d", hyb[i][0],
                 hyb[i][1], hyb[i][2]);
        row(label, m, k, a->samples, a->repeats);
        rnnamp_model_free(m);
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_args a = {.layers = 1, .repeats = 7, .samples = 480000, .size = 1.0};
    rnnamp_kernel k = RNNAMP_KERNEL_AUTO;
    int r = cli_parse(PROG, option_table, &a, NULL, argc, argv);
    if (r > 0) {
        usage();
        return 0;
    }
    if (r || cli_no_more_args(PROG, argc, argv) ||
        (a.kernel && parse_kernel(a.kernel, &k))) {
        usage();
        return 2;
    }
    printf("CPU: best kernel %s; runs:",
           rnnamp_kernel_name(rnnamp_kernel_best()));
    for (int i = RNNAMP_KERNEL_SCALAR; i < RNNAMP_KERNEL_N; i++)
        if (rnnamp_kernel_supported((rnnamp_kernel)i))
            printf(" %s", rnnamp_kernel_name((rnnamp_kernel)i));
    printf("\n\n");
    printf("| model      | ns/sample | RT @48k  | kernel   |\n"
           "|------------|----------:|---------:|----------|\n");
    if (a.file)
        return bench_file(&a, k);
    if (a.arch)
        return bench_arch(&a, k);
    return bench_table(&a, k);
}
