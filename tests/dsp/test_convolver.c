/* Convolver tests: the partitioned convolver against a float64 direct
 * convolution for IRs of 1 to 96000 taps, blocks of 1 to 8192 samples
 * (fixed and varying), every kernel, several layouts; zero latency;
 * in-place; reset; non-finite input; bad IRs and layouts refused; and no
 * allocation in process. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "conv_kernel.h"
#include "convolver.h"
#include "test_util.h"

#define TOL        1e-6 /* max |error| / max |reference| */
#define DENSE_HEAD 4096 /* input samples that are all non-zero */
#define SPARSE_GAP 331  /* then one non-zero sample every SPARSE_GAP */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static float urand(uint64_t *s)
{
    return 2.f * (float)(rng_next(s) >> 40) / (float)(1u << 24) - 1.f;
}

/* A random IR with an exponential decay over its length (like a cabinet
 * or a room), unit energy. */
static float *random_ir(size_t taps, uint64_t seed)
{
    float *h = malloc(taps * sizeof *h);
    double e = 0.0;
    for (size_t i = 0; i < taps; i++) {
        h[i] = urand(&seed) * (float)exp(-3.0 * (double)i / (double)taps);
        e += (double)h[i] * h[i];
    }
    for (size_t i = 0; i < taps; i++)
        h[i] = (float)(h[i] / sqrt(e));
    return h;
}

/* n input samples: dense noise first, then sparse clicks (so that a
 * float64 reference over 96000 taps stays cheap while every partition
 * sees signal). */
static float *test_input(size_t n, uint64_t seed)
{
    float *x = calloc(n, sizeof *x);
    for (size_t i = 0; i < n; i++)
        if (i < DENSE_HEAD || i % SPARSE_GAP == 0)
            x[i] = urand(&seed);
    return x;
}

/* float64 direct convolution, scattered from the non-zero inputs */
static double *reference(const float *h, size_t taps, const float *x, size_t n)
{
    double *y = calloc(n, sizeof *y);
    for (size_t m = 0; m < n; m++) {
        if (x[m] == 0.0f)
            continue;
        const size_t kmax = taps < n - m ? taps : n - m;
        for (size_t k = 0; k < kmax; k++)
            y[m + k] += (double)h[k] * x[m];
    }
    return y;
}

/* Block length of call i: fixed, or (block == 0) varying 1..8192. */
static size_t block_len(size_t block, uint64_t *rng)
{
    if (block)
        return block;
    const uint64_t r = rng_next(rng);
    return (r & 3) ? 1 + (r >> 8) % 300 : 1 + (r >> 8) % 8192;
}

/* Run c over x in blocks, compare with ref; returns the relative error. */
static double run_and_compare(rnnamp_convolver *c, const float *x,
                              const double *ref, size_t n, size_t block)
{
    float *y = malloc(n * sizeof *y);
    uint64_t rng = 99;
    for (size_t done = 0; done < n;) {
        size_t k = block_len(block, &rng);
        k = k < n - done ? k : n - done;
        rnnamp_convolver_process(c, x + done, y + done, k);
        done += k;
    }
    double err = 0.0, peak = 0.0;
    for (size_t i = 0; i < n; i++) {
        err = fmax(err, fabs((double)y[i] - ref[i]));
        peak = fmax(peak, fabs(ref[i]));
    }
    free(y);
    return err / peak;
}

/* taps, block (0: varying), layout head, max_part, kernel */
static double check_case(size_t taps, size_t block,
                         const rnnamp_conv_layout *lay)
{
    const size_t n = taps + 3 * DENSE_HEAD;
    float *h = random_ir(taps, 1000 + taps);
    float *x = test_input(n, 7 + taps);
    double *ref = reference(h, taps, x, n);
    char err[256] = "";
    rnnamp_convolver *c = rnnamp_convolver_new(h, taps, lay, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    const double rel = run_and_compare(c, x, ref, n, block);
    ck_assert_msg(rel <= TOL,
                  "%zu taps, block %zu, head %u, max_part %u, kernel %d: "
                  "error %.3g",
                  taps, block, lay ? lay->head : 0, lay ? lay->max_part : 0,
                  lay ? (int)lay->kernel : 0, rel);
    rnnamp_convolver_free(c);
    free(ref);
    free(x);
    free(h);
    return rel;
}

START_TEST(matches_direct_convolution)
{
    static const size_t taps[] = {1,    2,    3,    63,    64,   65,
                                  100,  255,  256,  257,   1000, 1025,
                                  2048, 4097, 8192, 16385, 30000};
    static const size_t blocks[] = {1, 7, 64, 128, 1000, 8192, 0};
    for (size_t i = 0; i < sizeof taps / sizeof *taps; i++)
        for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++)
            check_case(taps[i], blocks[b], NULL);
}
END_TEST

/* 2 s at 48 kHz, the longest IR the issue asks for */
START_TEST(matches_direct_convolution_96000_taps)
{
    check_case(96000, 128, NULL);
    check_case(96000, 0, NULL);
    check_case(96000, 1, NULL);
}
END_TEST

START_TEST(every_kernel_and_layout)
{
    static const uint32_t layouts[][2] = {{1, 16},     {1, 64},    {16, 16},
                                          {64, 64},    {64, 1024}, {256, 65536},
                                          {1024, 8192}};
    for (int k = RNNAMP_KERNEL_SCALAR; k < RNNAMP_KERNEL_N; k++) {
        rnnamp_conv_kernels probe;
        const int got = rnnamp_conv_kernels_get((rnnamp_kernel)k, &probe);
        /* exactly the kernels the CPU runs are there */
        ck_assert_int_eq(got == 0, rnnamp_kernel_supported((rnnamp_kernel)k));
        if (got)
            continue;
        for (size_t l = 0; l < sizeof layouts / sizeof *layouts; l++) {
            const rnnamp_conv_layout lay = {layouts[l][0], layouts[l][1],
                                            (rnnamp_kernel)k};
            check_case(5000, 0, &lay);
            check_case(37, 3, &lay);
        }
    }
}
END_TEST

/* An impulse comes out at once: h itself, from the first sample. */
START_TEST(zero_latency)
{
    const size_t taps = 20000;
    float *h = random_ir(taps, 3);
    char err[256];
    rnnamp_convolver *c = rnnamp_convolver_new(h, taps, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(c);
    float *x = calloc(taps, sizeof *x), *y = malloc(taps * sizeof *y);
    x[0] = 1.0f;
    rnnamp_convolver_process(c, x, y, 1);
    ck_assert_float_eq_tol(y[0], h[0], 1e-7f);
    rnnamp_convolver_process(c, x + 1, y + 1, taps - 1);
    double err_max = 0.0;
    for (size_t i = 0; i < taps; i++)
        err_max = fmax(err_max, fabs((double)y[i] - h[i]));
    ck_assert_double_lt(err_max, 1e-7);
    rnnamp_convolver_free(c);
    free(x);
    free(y);
    free(h);
}
END_TEST

START_TEST(in_place_and_reset)
{
    const size_t taps = 3000, n = 20000;
    float *h = random_ir(taps, 5);
    float *x = test_input(n, 11);
    double *ref = reference(h, taps, x, n);
    char err[256];
    rnnamp_convolver *c = rnnamp_convolver_new(h, taps, NULL, err, sizeof err);
    float *buf = malloc(n * sizeof *buf);
    for (int pass = 0; pass < 2; pass++) {
        memcpy(buf, x, n * sizeof *buf);
        for (size_t done = 0; done < n; done += 100)
            rnnamp_convolver_process(c, buf + done, buf + done, 100);
        double e = 0.0;
        for (size_t i = 0; i < n; i++)
            e = fmax(e, fabs((double)buf[i] - ref[i]));
        ck_assert_msg(e < 1e-6, "pass %d: error %g", pass, e);
        rnnamp_convolver_reset(c); /* the second pass starts afresh */
    }
    rnnamp_convolver_free(c);
    free(buf);
    free(ref);
    free(x);
    free(h);
}
END_TEST

/* A clone (rnnamp_convolver_new_shared) starts in its owner's state and
 * then runs on its own: owner and clone, fed different signals in turn,
 * give bit for bit what two separate convolvers give; the clone holds no
 * copy of the partition spectra, runs without allocating, and its reset
 * leaves the owner alone. */
START_TEST(shared_convolver_has_its_own_state)
{
    const size_t taps = 20000, pre = 5000, n = 30000;
    float *h = random_ir(taps, 17);
    float *xa = test_input(pre + n, 31), *xb = test_input(n, 32);
    float *ya = malloc((pre + n) * sizeof *ya), *yb = malloc(n * sizeof *yb);
    float *ra = malloc((pre + n) * sizeof *ra), *rb = malloc(n * sizeof *rb);
    char err[256];
    rnnamp_convolver *c = rnnamp_convolver_new(h, taps, NULL, err, sizeof err);
    rnnamp_convolver *r1 = rnnamp_convolver_new(h, taps, NULL, err, sizeof err);
    rnnamp_convolver *r2 = rnnamp_convolver_new(h, taps, NULL, err, sizeof err);
    ck_assert_msg(c && r1 && r2, "%s", err);
    rnnamp_convolver_process(c, xa, ya, pre);
    rnnamp_convolver_process(r1, xa, ra, pre);
    rnnamp_convolver_process(r2, xa, ra, pre);
    rnnamp_convolver *sh = rnnamp_convolver_new_shared(c, err, sizeof err);
    ck_assert_msg(sh != NULL, "%s", err);
    ck_assert_uint_eq(rnnamp_convolver_taps(sh), taps);
    uint64_t rng = 5;
    alloc_count_begin();
    for (size_t done = 0; done < n;) {
        size_t k = block_len(0, &rng);
        k = k < n - done ? k : n - done;
        rnnamp_convolver_process(c, xa + pre + done, ya + pre + done, k);
        rnnamp_convolver_process(sh, xb + done, yb + done, k);
        done += k;
    }
    const long allocs = alloc_count_end();
    if (ALLOC_COUNT_AVAILABLE)
        ck_assert_int_eq(allocs, 0);
    rng = 5; /* the same blocks (the head's sums depend on them) */
    for (size_t done = 0; done < n;) {
        size_t k = block_len(0, &rng);
        k = k < n - done ? k : n - done;
        rnnamp_convolver_process(r1, xa + pre + done, ra + pre + done, k);
        rnnamp_convolver_process(r2, xb + done, rb + done, k);
        done += k;
    }
    ck_assert_mem_eq(ya + pre, ra + pre, n * sizeof *ya);
    ck_assert_mem_eq(yb, rb, n * sizeof *yb);
    /* spectra of 20000 taps: 2 x 4 bytes per tap at least, not in the
     * clone */
    ck_assert_msg(rnnamp_convolver_bytes(c) - rnnamp_convolver_bytes(sh) >=
                      8 * (taps - 64),
                  "owner %zu bytes, clone %zu", rnnamp_convolver_bytes(c),
                  rnnamp_convolver_bytes(sh));
    /* a reset clone starts afresh; the owner goes on */
    rnnamp_convolver_reset(sh);
    rnnamp_convolver_reset(r2);
    rnnamp_convolver_process(sh, xb, yb, 4000);
    rnnamp_convolver_process(r2, xb, rb, 4000);
    rnnamp_convolver_process(c, xb, ya, 4000);
    rnnamp_convolver_process(r1, xb, ra, 4000);
    ck_assert_mem_eq(yb, rb, 4000 * sizeof *yb);
    ck_assert_mem_eq(ya, ra, 4000 * sizeof *ya);
    rnnamp_convolver_free(sh);
    rnnamp_convolver_free(c);
    rnnamp_convolver_free(r1);
    rnnamp_convolver_free(r2);
    free(ya);
    free(yb);
    free(ra);
    free(rb);
    free(xa);
    free(xb);
    free(h);
}
END_TEST

START_TEST(non_finite_input_gives_finite_output)
{
    float h[300];
    for (int i = 0; i < 300; i++)
        h[i] = 1.0f / (float)(i + 1);
    char err[256];
    rnnamp_convolver *c = rnnamp_convolver_new(h, 300, NULL, err, sizeof err);
    float x[1000], y[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = (i % 97 == 5) ? NAN : (i % 89 == 3) ? INFINITY : 0.25f;
    rnnamp_convolver_process(c, x, y, 1000);
    for (int i = 0; i < 1000; i++)
        ck_assert_msg(isfinite(y[i]), "sample %d", i);
    /* non-finite samples count as zeros */
    for (int i = 0; i < 1000; i++)
        x[i] = 0.25f;
    rnnamp_convolver_reset(c);
    rnnamp_convolver_process(c, x, y, 1000);
    double s = 0.0;
    for (int i = 0; i < 300; i++)
        s += h[i] * 0.25;
    ck_assert_double_lt(fabs(y[999] - s), 1e-5);
    rnnamp_convolver_free(c);
}
END_TEST

START_TEST(bad_irs_and_layouts_refused)
{
    float h[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    char err[256];
    ck_assert_ptr_null(rnnamp_convolver_new(h, 0, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "0 taps"));
    h[3] = NAN;
    ck_assert_ptr_null(rnnamp_convolver_new(h, 8, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "tap 3"));
    h[3] = 0.0f;
    const rnnamp_conv_layout bad_head = {48, 0, RNNAMP_KERNEL_AUTO};
    ck_assert_ptr_null(rnnamp_convolver_new(h, 8, &bad_head, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "head of 48"));
    const rnnamp_conv_layout bad_part = {64, 32, RNNAMP_KERNEL_AUTO};
    ck_assert_ptr_null(rnnamp_convolver_new(h, 8, &bad_part, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "partition size 32"));
    rnnamp_convolver *c = rnnamp_convolver_new(h, 8, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(rnnamp_convolver_taps(c), 8);
    rnnamp_convolver_free(c);
    rnnamp_convolver_free(NULL);
}
END_TEST

/* The layout the header promises: 64 direct, 3 x 64, 3 x 256, 3 x 1024,
 * then 4096-sample partitions (23 of them for 2 s at 48 kHz). */
START_TEST(layout_of_a_two_second_ir)
{
    float *h = random_ir(96000, 1);
    char err[256];
    rnnamp_convolver *c = rnnamp_convolver_new(h, 96000, NULL, err, sizeof err);
    uint32_t head, part[8], count[8];
    ck_assert_int_eq(rnnamp_convolver_stages(c, &head, part, count, 8), 4);
    ck_assert_uint_eq(head, 64);
    static const uint32_t want_part[4] = {64, 256, 1024, 4096};
    static const uint32_t want_count[4] = {3, 3, 3, 23};
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(part[i], want_part[i]);
        ck_assert_uint_eq(count[i], want_count[i]);
    }
    ck_assert_uint_gt(rnnamp_convolver_bytes(c), 96000 * 2 * sizeof(float));
    rnnamp_convolver_free(c);
    free(h);
}
END_TEST

START_TEST(process_does_not_allocate)
{
    if (!ALLOC_COUNT_AVAILABLE)
        return; /* ASan owns malloc */
    float *h = random_ir(50000, 2);
    char err[256];
    rnnamp_convolver *c = rnnamp_convolver_new(h, 50000, NULL, err, sizeof err);
    float *x = test_input(70000, 4);
    alloc_count_begin();
    for (size_t done = 0; done < 70000; done += 128)
        rnnamp_convolver_process(c, x + done, x + done,
                                 70000 - done < 128 ? 70000 - done : 128);
    rnnamp_convolver_reset(c);
    const long n = alloc_count_end();
    ck_assert_int_eq(n, 0);
    /* the counter counts: building one allocates */
    alloc_count_begin();
    rnnamp_convolver *c2 = rnnamp_convolver_new(h, 100, NULL, err, sizeof err);
    ck_assert_int_gt(alloc_count_end(), 0);
    rnnamp_convolver_free(c2);
    rnnamp_convolver_free(c);
    free(x);
    free(h);
}
END_TEST

int main(void)
{
    test_log_kernels("convolver");
    Suite *s = suite_create("convolver");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, matches_direct_convolution);
    tcase_add_test(tc, matches_direct_convolution_96000_taps);
    tcase_add_test(tc, every_kernel_and_layout);
    tcase_add_test(tc, zero_latency);
    tcase_add_test(tc, in_place_and_reset);
    tcase_add_test(tc, non_finite_input_gives_finite_output);
    tcase_add_test(tc, bad_irs_and_layouts_refused);
    tcase_add_test(tc, layout_of_a_two_second_ir);
    tcase_add_test(tc, process_does_not_allocate);
    tcase_add_test(tc, shared_convolver_has_its_own_state);
    suite_add_tcase(s, tc);
    return test_run_suite_nofork(s);
}
