/* tools/rnnamp-bench-plain, the plain C LSTM that issue 14's speed goal is
 * measured against, computes what rnnamp's engine computes: its network,
 * written as a NAM LSTM file, run through the engine (every kernel this CPU
 * has) gives its output. Without this the baseline could be timing a
 * different (cheaper) network. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu.h"
#include "engine.h"
#include "model_io.h"
#include "test_util.h"

#ifndef BENCH_PLAIN
#error "BENCH_PLAIN (the path of rnnamp-bench-plain) must be defined"
#endif

TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-bench-plain")

static float *read_raw(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    *n = (size_t)len / sizeof(float);
    float *x = malloc((size_t)len);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(fread(x, sizeof(float), *n, f), *n);
    fclose(f);
    return x;
}

static const int hidden[] = {8, 16, 32};

START_TEST(plain_loop_matches_engine)
{
    int H = hidden[_i];
    char nam[512], in[512], out[512], cmd[2048];
    snprintf(nam, sizeof nam, "%s/plain.nam", tmpdir);
    snprintf(in, sizeof in, "%s/in.f32", tmpdir);
    snprintf(out, sizeof out, "%s/out.f32", tmpdir);
    snprintf(cmd, sizeof cmd,
             "'%s' --hidden %d --seconds 0.2 --repeats 1 --write-nam '%s' "
             "--write-io '%s' '%s' > /dev/null",
             BENCH_PLAIN, H, nam, in, out);
    ck_assert_int_eq(test_run_tool(cmd), 0);
    size_t n, n2;
    float *x = read_raw(in, &n), *ref = read_raw(out, &n2);
    ck_assert_uint_eq(n, 9600);
    ck_assert_uint_eq(n2, n);
    char err[512];
    rnnamp_model *m = rnnamp_model_load(nam, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    float *y = malloc(n * sizeof *y);
    ck_assert_ptr_nonnull(y);
    double rms = 0.0;
    for (size_t i = 0; i < n; i++)
        rms += (double)ref[i] * ref[i];
    rms = sqrt(rms / (double)n);
    ck_assert_msg(rms > 1e-2, "output RMS %g: the comparison is vacuous", rms);
    for (int k = RNNAMP_KERNEL_SCALAR; k < RNNAMP_KERNEL_N; k++) {
        if (!rnnamp_kernel_supported((rnnamp_kernel)k))
            continue;
        rnnamp_engine_opts o = {(rnnamp_kernel)k, 1.0};
        rnnamp_engine *e = rnnamp_engine_new(m, &o, err, sizeof err);
        ck_assert_msg(e != NULL, "%s", err);
        for (size_t i = 0; i < n; i += 128)
            rnnamp_engine_process(e, x + i, y + i,
                                  (uint32_t)(n - i < 128 ? n - i : 128), NULL);
        double d = 0.0;
        for (size_t i = 0; i < n; i++)
            d = fmax(d, fabs((double)y[i] - ref[i]));
        fprintf(stderr,
                "lstm-%d %s: max |engine - plain loop| %.2g (RMS %.3g)\n", H,
                rnnamp_kernel_name((rnnamp_kernel)k), d, rms);
        ck_assert_msg(d < 1e-4 * fmax(rms, 1.0), "lstm-%d %s: differs by %g", H,
                      rnnamp_kernel_name((rnnamp_kernel)k), d);
        rnnamp_engine_free(e);
    }
    free(y);
    free(x);
    free(ref);
    rnnamp_model_free(m);
}
END_TEST

/* --product-only times the gate product alone, h held at its initial 0:
 * its output, row 0 of the product, is then b0 + w0 x, affine in x. */
START_TEST(product_only_is_the_input_column)
{
    char in[512], out[512], cmd[2048];
    snprintf(in, sizeof in, "%s/in.f32", tmpdir);
    snprintf(out, sizeof out, "%s/out.f32", tmpdir);
    snprintf(cmd, sizeof cmd,
             "'%s' --hidden 16 --product-only --seconds 0.2 --repeats 1 "
             "--write-io '%s' '%s' > /dev/null",
             BENCH_PLAIN, in, out);
    ck_assert_int_eq(test_run_tool(cmd), 0);
    size_t n, n2;
    float *x = read_raw(in, &n), *y = read_raw(out, &n2);
    ck_assert_uint_eq(n2, n);
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = x[i] < x[lo] ? i : lo;
        hi = x[i] > x[hi] ? i : hi;
    }
    double w0 = ((double)y[hi] - y[lo]) / ((double)x[hi] - x[lo]);
    double b0 = y[lo] - w0 * x[lo], d = 0.0;
    ck_assert_msg(fabs(w0) > 1e-3, "w0 %g: the output ignores x", w0);
    for (size_t i = 0; i < n; i++)
        d = fmax(d, fabs(y[i] - (b0 + w0 * x[i])));
    ck_assert_msg(d < 1e-6, "not affine in x: off by %g", d);
    free(x);
    free(y);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bench_plain");
    TCase *tc = tcase_create("bench_plain");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_add_loop_test(tc, plain_loop_matches_engine, 0,
                        (int)(sizeof hidden / sizeof hidden[0]));
    tcase_add_test(tc, product_only_is_the_input_column);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
