/* rnnamp-bench-conv: cost of the cabinet convolver, side by side with the
 * two usual ways of doing it.
 *
 *   rnnamp-bench-conv [--seconds S] [--repeats R] [--block N]
 *                     [--taps N] [--gate]
 *
 * For IRs of 2048, 8192 and 96000 taps (or --taps N) it runs white noise
 * through, in blocks of --block samples (default 128, at 48 kHz):
 *   partitioned  rnnamp_convolver: zero latency, non-uniform partitions
 *   direct       a direct-form dot product per sample on the same vector
 *                kernel (what NAM's plugin does for its IRs); zero latency
 *   single-fft   one FFT partition as long as the IR (overlap-add):
 *                latency of the IR length rounded up to a power of two
 * The three alternate within each repeat so that machine noise hits all
 * alike, after one untimed pass each. It prints the median ns/sample, the
 * 99.9th percentile and the worst of the block times over all repeats
 * (microseconds; the budget of a block is block/48000 s). Never time it while
 * the machine is busy.
 *
 * --gate times the plugin's noise gate (src/dsp/noise_gate.c) instead: a
 * note every half second decaying into a -70 dBFS hiss, so that the gate
 * opens, holds and closes, at threshold -50 dBFS, and off (-100: the
 * copy the plugin skips in place), same blocks and repeats, medians. */
#include <fftw3.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "conv_kernel.h"
#include "convolver.h"
#include "noise_gate.h"

#define PROG    "rnnamp-bench-conv"
#define RATE    48000.0
#define METHODS 3

/* ---- baseline 1: direct form, the IR reversed against a history ---- */

typedef struct {
    rnnamp_conv_kernels k;
    const float *h;
    size_t taps, block;
    float *hist; /* taps - 1 history samples, then a block */
} direct_fir;

static int direct_init(direct_fir *d, const float *h, size_t taps, size_t block)
{
    d->h = h;
    d->taps = taps;
    d->block = block;
    d->hist = calloc(taps - 1 + block, sizeof *d->hist);
    return d->hist && !rnnamp_conv_kernels_get(RNNAMP_KERNEL_AUTO, &d->k) ? 0
                                                                          : -1;
}

static void direct_run(direct_fir *d, const float *in, float *out, size_t n)
{
    float *x = d->hist + d->taps - 1;
    memcpy(x, in, n * sizeof *x);
    d->k.fir(d->h, (int)d->taps, x, out, (int)n);
    memmove(d->hist, d->hist + n, (d->taps - 1) * sizeof *d->hist);
}

/* ---- baseline 2: one partition (overlap-add, latency N) ------------- */

typedef struct {
    size_t N; /* partition: the IR rounded up to a power of two */
    size_t fill;
    float *in, *ola, *t;
    fftwf_complex *H, *X;
    fftwf_plan fwd, inv;
} single_fft;

static int single_init(single_fft *s, const float *h, size_t taps)
{
    s->N = 1;
    while (s->N < taps)
        s->N <<= 1;
    s->fill = 0;
    s->in = fftwf_malloc(s->N * sizeof(float));
    s->ola = fftwf_malloc(2 * s->N * sizeof(float));
    s->t = fftwf_malloc(2 * s->N * sizeof(float));
    s->H = fftwf_malloc((s->N + 1) * sizeof(fftwf_complex));
    s->X = fftwf_malloc((s->N + 1) * sizeof(fftwf_complex));
    if (!s->in || !s->ola || !s->t || !s->H || !s->X)
        return -1;
    s->fwd = fftwf_plan_dft_r2c_1d((int)(2 * s->N), s->t, s->X, FFTW_ESTIMATE);
    s->inv = fftwf_plan_dft_c2r_1d((int)(2 * s->N), s->X, s->t, FFTW_ESTIMATE);
    memset(s->t, 0, 2 * s->N * sizeof(float));
    for (size_t i = 0; i < taps; i++)
        s->t[i] = h[i] / (float)(2 * s->N);
    fftwf_execute_dft_r2c(s->fwd, s->t, s->H);
    memset(s->ola, 0, 2 * s->N * sizeof(float));
    return 0;
}

/* Output is the convolution delayed by N samples. */
static void single_run(single_fft *s, const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->in[s->fill] = in[i];
        out[i] = s->ola[s->fill];
        if (++s->fill < s->N)
            continue;
        memcpy(s->t, s->in, s->N * sizeof(float));
        memset(s->t + s->N, 0, s->N * sizeof(float));
        fftwf_execute(s->fwd);
        for (size_t b = 0; b <= s->N; b++) {
            const float xr = s->X[b][0], xi = s->X[b][1];
            s->X[b][0] = xr * s->H[b][0] - xi * s->H[b][1];
            s->X[b][1] = xr * s->H[b][1] + xi * s->H[b][0];
        }
        fftwf_execute(s->inv);
        for (size_t j = 0; j < s->N; j++)
            s->ola[j] = s->ola[s->N + j] + s->t[j];
        memcpy(s->ola + s->N, s->t + s->N, s->N * sizeof(float));
        s->fill = 0;
    }
}

static void single_free(single_fft *s)
{
    fftwf_destroy_plan(s->fwd);
    fftwf_destroy_plan(s->inv);
    fftwf_free(s->in);
    fftwf_free(s->ola);
    fftwf_free(s->t);
    fftwf_free(s->H);
    fftwf_free(s->X);
}

/* ---- the run ------------------------------------------------------- */

typedef struct {
    rnnamp_convolver *part;
    direct_fir direct;
    single_fft single;
} contenders;

static void run_method(contenders *c, int m, const float *in, float *out,
                       size_t n)
{
    if (m == 0)
        rnnamp_convolver_process(c->part, in, out, n);
    else if (m == 1)
        direct_run(&c->direct, in, out, n);
    else
        single_run(&c->single, in, out, n);
}

/* Time n samples of method m in blocks; returns seconds and appends each
 * block's time to blk[*nb]. */
static double time_method(contenders *c, int m, const float *x, float *y,
                          size_t n, size_t block, double *blk, size_t *nb)
{
    const double t0 = cli_now_seconds();
    for (size_t done = 0; done < n; done += block) {
        const size_t k = n - done < block ? n - done : block;
        const double b0 = cli_now_seconds();
        run_method(c, m, x + done, y + done, k);
        blk[(*nb)++] = cli_now_seconds() - b0;
    }
    return cli_now_seconds() - t0;
}

typedef struct {
    double seconds;
    int repeats, block, taps, gate;
} bench_args;

/* ---- --gate: the noise gate ---------------------------------------- */

/* Seconds to gate n samples of x in blocks, in place (as the plugin). */
static double time_gate(rnnamp_noise_gate *g, float *x, size_t n, size_t block)
{
    const double t0 = cli_now_seconds();
    for (size_t done = 0; done < n; done += block) {
        const size_t k = n - done < block ? n - done : block;
        rnnamp_noise_gate_process(g, x + done, x + done, (uint32_t)k);
    }
    return cli_now_seconds() - t0;
}

static void bench_gate(const bench_args *a)
{
    const size_t n = (size_t)(a->seconds * RATE);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint32_t seed = 12345;
    for (size_t i = 0; i < n; i++) {
        const double t = (double)(i % 24000) / RATE;
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(0.5 * exp(-t / 0.05) * sin(0.05 * (double)i) +
                       6e-4 * ((double)(seed >> 8) / 16777216.0 - 0.5));
    }
    static const float thr[2] = {-50.0f, -100.0f};
    static const char *names[2] = {"on (-50 dBFS)", "off (-100)"};
    double *ns = malloc(2 * (size_t)a->repeats * sizeof *ns);
    for (int r = -1; r < a->repeats; r++) /* r = -1: untimed */
        for (int m = 0; m < 2; m++) {
            rnnamp_noise_gate g;
            rnnamp_noise_gate_init(&g, RATE);
            rnnamp_noise_gate_set_threshold(&g, thr[m]);
            memcpy(y, x, n * sizeof *y);
            const double s = time_gate(&g, y, n, (size_t)a->block);
            if (r >= 0)
                ns[m * a->repeats + r] = 1e9 * s / (double)n;
        }
    printf("| noise gate | ns/sample (median) |\n|---|---|\n");
    for (int m = 0; m < 2; m++) {
        qsort(ns + m * a->repeats, (size_t)a->repeats, sizeof *ns,
              cli_cmp_double);
        printf("| %s | %.2f |\n", names[m],
               ns[m * a->repeats + a->repeats / 2]);
    }
    free(ns);
    free(x);
    free(y);
}

static void bench_taps(const bench_args *a, size_t taps)
{
    float *h = malloc(taps * sizeof *h);
    uint32_t seed = 12345;
    for (size_t i = 0; i < taps; i++) {
        seed = seed * 1664525u + 1013904223u;
        h[i] = ((float)(seed >> 8) / 8388608.0f - 1.0f) *
               expf(-3.0f * (float)i / (float)taps) / sqrtf((float)taps);
    }
    const size_t n = (size_t)(a->seconds * RATE);
    /* direct form is ~taps multiply-adds a sample: give it less audio */
    const size_t n_direct = taps > 8192 ? n / 8 : n;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = 0.5f * ((float)(seed >> 8) / 8388608.0f - 1.0f);
    }
    char err[256];
    contenders c;
    c.part = rnnamp_convolver_new(h, taps, NULL, err, sizeof err);
    if (!c.part || direct_init(&c.direct, h, taps, (size_t)a->block) ||
        single_init(&c.single, h, taps)) {
        fprintf(stderr, PROG ": cannot set up %zu taps: %s\n", taps, err);
        exit(1);
    }
    double *ns = malloc((size_t)a->repeats * METHODS * sizeof *ns);
    const size_t per = (n + (size_t)a->block - 1) / (size_t)a->block;
    double *blk[METHODS];
    size_t nb[METHODS] = {0, 0, 0};
    for (int m = 0; m < METHODS; m++) {
        blk[m] = malloc((size_t)a->repeats * per * sizeof *blk[m]);
        size_t warm = 0; /* one untimed pass: caches, page faults */
        time_method(&c, m, x, y, m == 1 ? n_direct : n, (size_t)a->block,
                    blk[m], &warm);
    }
    for (int r = 0; r < a->repeats; r++)
        for (int m = 0; m < METHODS; m++) {
            const size_t len = m == 1 ? n_direct : n;
            ns[m * a->repeats + r] =
                1e9 *
                time_method(&c, m, x, y, len, (size_t)a->block, blk[m],
                            &nb[m]) /
                (double)len;
        }
    static const char *names[METHODS] = {"partitioned", "direct", "single-fft"};
    const double budget_us = 1e6 * a->block / RATE;
    for (int m = 0; m < METHODS; m++) {
        qsort(ns + m * a->repeats, (size_t)a->repeats, sizeof *ns,
              cli_cmp_double);
        const double med = ns[m * a->repeats + a->repeats / 2];
        qsort(blk[m], nb[m], sizeof *blk[m], cli_cmp_double);
        const double p999 = 1e6 * blk[m][(size_t)(0.999 * (double)(nb[m] - 1))];
        const double worst = 1e6 * blk[m][nb[m] - 1];
        printf("| %6zu | %-11s | %9.1f | %7.1f | %7.1f (%4.1f%%) | %s |\n",
               taps, names[m], med, p999, worst, 100.0 * worst / budget_us,
               m == 2 ? "IR rounded up to 2^k" : "0");
        free(blk[m]);
    }
    rnnamp_convolver_free(c.part);
    free(c.direct.hist);
    single_free(&c.single);
    free(ns);
    free(x);
    free(y);
    free(h);
}

static const cli_option option_table[] = {
    {"seconds", 0, CLI_DOUBLE, 0.1, 600.0, offsetof(bench_args, seconds), 0},
    {"repeats", 0, CLI_INT, 1, 1000, offsetof(bench_args, repeats), 0},
    {"block", 0, CLI_INT, 1, 8192, offsetof(bench_args, block), 0},
    {"taps", 0, CLI_INT, 1, 1 << 22, offsetof(bench_args, taps), 0},
    {"gate", 0, CLI_FLAG, 0, 0, offsetof(bench_args, gate), 0},
    {NULL, 0, CLI_FLAG, 0, 0, 0, 0},
};

int main(int argc, char **argv)
{
    bench_args a = {10.0, 5, 128, 0, 0};
    const int r = cli_parse(PROG, option_table, &a, NULL, argc, argv);
    if (r > 0) {
        printf("usage: %s [--seconds S] [--repeats R] [--block N] "
               "[--taps N] [--gate]\n",
               PROG);
        return 0;
    }
    if (r || cli_no_more_args(PROG, argc, argv))
        return 2;
    if (a.gate) {
        printf("%s --gate: %g s of audio, %d repeats, %d-sample blocks at "
               "48 kHz\n\n",
               PROG, a.seconds, a.repeats, a.block);
        bench_gate(&a);
        return 0;
    }
    printf("%s: %g s of audio per method and repeat (direct form: 1/8 of "
           "it above 8192 taps), %d repeats, %d-sample blocks at 48 kHz\n\n",
           PROG, a.seconds, a.repeats, a.block);
    printf("| taps | method | ns/sample (median) | 99.9%% of blocks "
           "within (us) | worst block, us (share of the block's time) | "
           "latency |\n|---|---|---|---|---|---|\n");
    static const size_t sizes[] = {2048, 8192, 96000};
    if (a.taps) {
        bench_taps(&a, (size_t)a.taps);
        return 0;
    }
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        bench_taps(&a, sizes[i]);
    return 0;
}
