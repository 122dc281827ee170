/* rnnamp-bench-plain: the baseline rnnamp's LSTM kernels are measured
 * against (issue 14): a plain C LSTM (one layer, PyTorch gate order i, f,
 * g, o, a dense head) in a 40-line loop, with no project code, as a user
 * would write it and let the compiler vectorise it. tools/bench-plain.sh
 * compiles it with -O3 -march=native -ffast-math (glibc's vector expf and
 * tanhf) and times it beside rnnamp-bench on the same network in one run.
 * The script builds one program per size with -DPLAIN_H=H, so the
 * compiler sees fixed trip counts (the fastest form of the loop). The meson
 * build compiles it with the project's flags and a run-time size, for the
 * test that checks it computes what rnnamp's engine computes
 * (tests/engine/test_bench_plain.c).
 *
 * usage: rnnamp-bench-plain --hidden H [--seconds S] [--repeats R]
 *                           [--product-only] [--write-nam FILE]
 *                           [--write-io IN OUT]
 *   --product-only: time only the gate product (plain_product);
 *   --write-nam: the network (random weights, fixed seed) as a NAM LSTM
 *                file, for rnnamp-bench --model and the test;
 *   --write-io:  the input signal and this loop's output, raw float32.
 * Prints the median ns/sample over R runs of S seconds of 48 kHz audio.
 *
 * Single-threaded, allocates its buffers once in main(); not part of the
 * plugin or the libraries, not installed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_H 128

typedef struct {
    int H;
    float *wt; /* [1 + H][4H]: column k of [W_ih | W_hh] (k = 0: input) */
    float *b;  /* [4H] */
    float *hw; /* [H] head */
    float hb;
    float h[MAX_H], c[MAX_H];
} plain_lstm;

/* The gate products z = b + [W_ih | W_hh] [x, h]: the inner loops run over
 * the 4H gate rows, contiguous in wt, so the compiler vectorises them. */
static inline void plain_gates(const plain_lstm *m, float x, float *z)
{
#ifdef PLAIN_H /* a compile-time size: fixed trip counts, full unrolling */
    const int H = PLAIN_H, G = 4 * PLAIN_H;
#else
    const int H = m->H, G = 4 * H;
#endif
    for (int r = 0; r < G; r++)
        z[r] = m->b[r] + m->wt[r] * x;
    for (int k = 0; k < H; k++) {
        const float *wk = m->wt + (size_t)(1 + k) * G;
        const float hk = m->h[k];
        for (int r = 0; r < G; r++)
            z[r] += wk[r] * hk;
    }
}

/* The loop under test: one sample per call. */
static float plain_step(plain_lstm *m, float x)
{
#ifdef PLAIN_H
    const int H = PLAIN_H;
#else
    const int H = m->H;
#endif
    float z[4 * MAX_H];
    plain_gates(m, x, z);
    for (int j = 0; j < H; j++) {
        float i = 1.0f / (1.0f + expf(-z[j]));
        float f = 1.0f / (1.0f + expf(-z[H + j]));
        float g = tanhf(z[2 * H + j]);
        float o = 1.0f / (1.0f + expf(-z[3 * H + j]));
        m->c[j] = f * m->c[j] + i * g;
        m->h[j] = o * tanhf(m->c[j]);
    }
    float y = m->hb;
    for (int j = 0; j < H; j++)
        y += m->hw[j] * m->h[j];
    return y;
}

/* The gate product of plain_step alone, with h held fixed (no recurrence,
 * no activations): the floor of any kernel that reads float32 weights,
 * bounded by the load bandwidth of L1. The empty asm (GCC, Clang) keeps
 * the compiler from computing the h part once for all samples. */
static float plain_product(const plain_lstm *m, float x)
{
    float z[4 * MAX_H];
    plain_gates(m, x, z);
    /* z is read, and h may have changed: no factoring across samples */
    __asm__ volatile("" : : "r"(z) : "memory");
    return z[0];
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* uniform in [-a, a) */
static float rng_f(uint64_t *s, float a)
{
    return a * ((float)(rng_next(s) >> 40) / 8388608.0f - 1.0f);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* NAM LSTM weight order: per row [W_ih | W_hh], bias, h0, c0, head w, b. */
static int write_nam(const char *path, const plain_lstm *m)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    const int H = m->H;
    fprintf(f,
            "{\"version\": \"0.5.4\", \"architecture\": \"LSTM\", "
            "\"sample_rate\": 48000, \"config\": {\"input_size\": 1, "
            "\"hidden_size\": %d, \"num_layers\": 1}, \"weights\": [",
            H);
    const char *sep = "";
    for (int r = 0; r < 4 * H; r++)
        for (int k = 0; k <= H; k++, sep = ", ")
            fprintf(f, "%s%.9g", sep, m->wt[(size_t)k * 4 * H + r]);
    for (int i = 0; i < 4 * H; i++)
        fprintf(f, ", %.9g", m->b[i]);
    for (int i = 0; i < 2 * H; i++)
        fprintf(f, ", 0");
    for (int i = 0; i < H; i++)
        fprintf(f, ", %.9g", m->hw[i]);
    fprintf(f, ", %.9g]}\n", m->hb);
    return fclose(f) == 0 ? 0 : -1;
}

static int write_raw(const char *path, const float *x, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(x, sizeof *x, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: rnnamp-bench-plain --hidden H [--seconds S] "
                    "[--repeats R] [--product-only] [--write-nam FILE] "
                    "[--write-io IN OUT]\n");
}

int main(int argc, char **argv)
{
    int H = 0, repeats = 5, product = 0;
    double seconds = 2.0;
    const char *nam = NULL, *io_in = NULL, *io_out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--hidden") && more)
            H = atoi(argv[++i]);
        else if (!strcmp(a, "--seconds") && more)
            seconds = atof(argv[++i]);
        else if (!strcmp(a, "--repeats") && more)
            repeats = atoi(argv[++i]);
        else if (!strcmp(a, "--product-only"))
            product = 1;
        else if (!strcmp(a, "--write-nam") && more)
            nam = argv[++i];
        else if (!strcmp(a, "--write-io") && i + 2 < argc) {
            io_in = argv[++i];
            io_out = argv[++i];
        } else {
            usage();
            return 2;
        }
    }
    if (H < 1 || H > MAX_H || !(seconds > 0.0 && seconds <= 600.0) ||
        repeats < 1 || repeats > 101) {
        fprintf(stderr,
                "rnnamp-bench-plain: --hidden 1..%d, --seconds "
                "(0, 600], --repeats 1..101\n",
                MAX_H);
        return 2;
    }
#ifdef PLAIN_H
    if (H != PLAIN_H) {
        fprintf(stderr, "rnnamp-bench-plain: built for --hidden %d only\n",
                PLAIN_H);
        return 2;
    }
#endif
    size_t n = (size_t)(seconds * 48000.0);
    plain_lstm m = {.H = H};
    m.wt = malloc(sizeof(float) * (size_t)4 * H * (1 + H));
    m.b = malloc(sizeof(float) * (size_t)4 * H);
    m.hw = malloc(sizeof(float) * (size_t)H);
    float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    double *t = malloc(sizeof(double) * (size_t)repeats);
    if (!m.wt || !m.b || !m.hw || !x || !y || !t) {
        fprintf(stderr, "rnnamp-bench-plain: out of memory\n");
        return 1;
    }
    uint64_t s = 0x9E3779B97F4A7C15ull;
    float a = 1.0f / sqrtf((float)H);
    for (size_t i = 0; i < (size_t)4 * H * (1 + H); i++)
        m.wt[i] = rng_f(&s, a);
    for (int i = 0; i < 4 * H; i++)
        m.b[i] = rng_f(&s, a);
    for (int i = 0; i < H; i++)
        m.hw[i] = rng_f(&s, a);
    m.hb = rng_f(&s, a);
    for (size_t i = 0; i < n; i++) /* a guitar-like level: sines + noise */
        x[i] = 0.2f * sinf(0.0287f * (float)i) +
               0.1f * sinf(0.1313f * (float)i) + rng_f(&s, 0.02f);
    for (int r = 0; r < repeats; r++) {
        memset(m.h, 0, sizeof m.h);
        memset(m.c, 0, sizeof m.c);
        double t0 = now_s();
        if (product)
            for (size_t i = 0; i < n; i++)
                y[i] = plain_product(&m, x[i]);
        else
            for (size_t i = 0; i < n; i++)
                y[i] = plain_step(&m, x[i]);
        t[r] = (now_s() - t0) * 1e9 / (double)n;
    }
    qsort(t, (size_t)repeats, sizeof *t, cmp_double);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += y[i];
    printf("plain-c%s lstm-%d: %.1f ns/sample (median of %d x %.1f s; output "
           "sum %.6g)\n",
           product ? "-product" : "", H, t[repeats / 2], repeats, seconds, sum);
    int rc = 0;
    if (nam && write_nam(nam, &m)) {
        fprintf(stderr, "rnnamp-bench-plain: cannot write %s\n", nam);
        rc = 1;
    }
    if (io_in && (write_raw(io_in, x, n) || write_raw(io_out, y, n))) {
        fprintf(stderr, "rnnamp-bench-plain: cannot write %s / %s\n", io_in,
                io_out);
        rc = 1;
    }
    free(m.wt);
    free(m.b);
    free(m.hw);
    free(x);
    free(y);
    free(t);
    return rc;
}
