/* The fused LSTM / GRU / tanh-RNN kernels of every instruction set this
 * build and CPU have (train_kernel_body.h compiled as scalar, SSE2, AVX2 +
 * FMA) against the reference per-step sgemm path of train_cells.c: states, gate
 * activations, weight and bias gradients and dL/dx over several chunks, for
 * hidden sizes with and without a partial block of 8, odd sequence counts
 * (single-row tiles) and 1, 2 and 6 inputs (the last takes the sgemm branch for
 * the input weights). test_grad.c checks the gradients of whichever path the
 * CPU selects against finite differences. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "model.h"
#include "train_cells.h"
#include "train_kernel.h"

static float rndf(unsigned *s, float a)
{
    *s = *s * 1664525u + 1013904223u;
    return a * ((float)((*s >> 8) & 0xffffff) / (float)0x800000 - 1.0f);
}

/* max |a - b| / (scale + max|b|) over n values */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double d = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        mb = fmax(mb, fabs((double)b[i]));
    }
    return d / (1e-3 + mb);
}

typedef struct {
    rnnamp_cell_ws *w;
    float *grad, *dx;
} run_out;

/* Two chunks of T steps (state carried over), backward on each; gradients
 * accumulate over both chunks. */
static run_out run(const rnnamp_model *m, const rnnamp_layer *L,
                   const rnnamp_tk_ops *tk, const float *x, const float *dh,
                   int T, int b)
{
    run_out o;
    o.w = rnnamp_cell_ws_new(L->type, L->n_in, L->n_out, T, b);
    ck_assert_ptr_nonnull(o.w);
    o.w->tk = tk;
    o.grad = calloc(m->n_params, sizeof(float));
    o.dx = calloc((size_t)T * b * L->n_in, sizeof(float));
    rnnamp_layer g = rnnamp_layer_rebase(L, m->params, o.grad);
    rnnamp_cell_reset(L, o.w);
    size_t nx = (size_t)T * b * L->n_in, nh = (size_t)T * b * L->n_out;
    for (int chunk = 0; chunk < 2; chunk++) {
        if (chunk)
            rnnamp_cell_carry(o.w, T);
        rnnamp_cell_forward(L, o.w, x + chunk * nx, T);
        memcpy(o.w->dh, dh + chunk * nh, nh * sizeof(float));
        rnnamp_cell_backward(L, &g, o.w, x + chunk * nx, T, o.dx);
    }
    return o;
}

static void compare(rnnamp_tk_isa isa, rnnamp_layer_type type, int H, int n_in,
                    int b)
{
    const rnnamp_tk_ops *tk = rnnamp_tk_ops_for(isa);
    if (!tk) { /* the other architecture's, or AVX2 + FMA on x86-64 */
#if defined(__x86_64__)
        ck_assert(isa == RNNAMP_TK_AVX2 || isa == RNNAMP_TK_AVX512 ||
                  isa == RNNAMP_TK_NEON);
#elif defined(__aarch64__)
        ck_assert(isa == RNNAMP_TK_SSE2 || isa == RNNAMP_TK_AVX2 ||
                  isa == RNNAMP_TK_AVX512);
#endif
        return;
    }
    const int T = 11;
    /* more inputs than a model has: test the second of two layers */
    int deep = n_in > RNNAMP_MAX_INPUTS;
    rnnamp_layer_spec sp[3] = {{type, n_in, RNNAMP_ACT_LINEAR},
                               {type, H, RNNAMP_ACT_LINEAR},
                               {RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR}};
    rnnamp_model *m =
        rnnamp_model_new(deep ? 1 : n_in, 3 - !deep, sp + !deep, 0, NULL, 0);
    ck_assert_ptr_nonnull(m);
    const rnnamp_layer *L = &m->layers[deep];
    ck_assert_int_eq(L->n_in, n_in);
    unsigned s = 99u + (unsigned)(H * 31 + n_in * 7 + b);
    /* a tanh-RNN with large weights is chaotic (rounding differences grow
     * without bound); keep its recurrence contractive */
    float amp = type == RNNAMP_RNN ? 1.2f / sqrtf((float)H) : 0.7f;
    for (size_t i = 0; i < m->n_params; i++)
        m->params[i] = rndf(&s, amp);
    size_t nx = (size_t)2 * T * b * n_in, nh = (size_t)2 * T * b * H;
    float *x = malloc(nx * sizeof(float)), *dh = malloc(nh * sizeof(float));
    for (size_t i = 0; i < nx; i++)
        x[i] = rndf(&s, 1.0f);
    for (size_t i = 0; i < nh; i++)
        dh[i] = rndf(&s, 0.1f);

    run_out ref = run(m, L, NULL, x, dh, T, b);
    run_out fast = run(m, L, tk, x, dh, T, b);
    ck_assert_ptr_null(ref.w->tk);
    ck_assert_ptr_eq(fast.w->tk, tk);
    char nm[64];
    snprintf(nm, sizeof nm, "%s %s", rnnamp_tk_isa_name(isa),
             rnnamp_layer_type_name(type));
    size_t ns = ((size_t)T + 1) * b * H,
           na = (size_t)T * b * rnnamp_layer_gates(type) * H;
    double e;
    e = rel_diff(fast.w->h, ref.w->h, ns);
    ck_assert_msg(e < 1e-5, "%s-%d in %d b %d: h differs by %g", nm, H, n_in, b,
                  e);
    e = rel_diff(fast.w->act, ref.w->act, na);
    ck_assert_msg(e < 1e-5, "%s-%d: gate activations differ by %g", nm, H, e);
    if (type == RNNAMP_LSTM) {
        e = rel_diff(fast.w->c, ref.w->c, ns);
        ck_assert_msg(e < 1e-5, "%s-%d: c differs by %g", nm, H, e);
    }
    /* the layer's gradients (nothing else is touched) */
    size_t off = (size_t)(L->w_ih - m->params);
    size_t n_rec = (size_t)(L->h0 - L->w_ih);
    e = rel_diff(fast.grad + off, ref.grad + off, n_rec);
    ck_assert_msg(e < 2e-5, "%s-%d in %d b %d: gradients differ by %g", nm, H,
                  n_in, b, e);
    e = rel_diff(fast.dx, ref.dx, (size_t)T * b * n_in);
    ck_assert_msg(e < 2e-5, "%s-%d: dx differs by %g", nm, H, e);
    /* the comparison must not be vacuous */
    double gn = 0;
    for (size_t i = 0; i < n_rec; i++)
        gn += fabs(ref.grad[off + i]);
    ck_assert(gn > 1e-3);
    run_out *rs[2] = {&ref, &fast};
    for (int k = 0; k < 2; k++) {
        rnnamp_cell_ws_free(rs[k]->w);
        free(rs[k]->grad);
        free(rs[k]->dx);
    }
    free(x);
    free(dh);
    rnnamp_model_free(m);
}

static const int sizes[][3] = {
    /* H, n_in, b */
    {1, 1, 1},   {5, 2, 3},  {8, 1, 2},  {13, 1, 5}, {20, 1, 3},
    {32, 1, 25}, {40, 2, 4}, {64, 6, 3}, {72, 1, 2},
};

#define N_SIZES ((int)(sizeof sizes / sizeof sizes[0]))

/* _i runs over every instruction set x every size */
START_TEST(lstm_fast_matches_portable)
{
    compare((rnnamp_tk_isa)(_i / N_SIZES), RNNAMP_LSTM, sizes[_i % N_SIZES][0],
            sizes[_i % N_SIZES][1], sizes[_i % N_SIZES][2]);
}
END_TEST

START_TEST(rnn_fast_matches_portable)
{
    compare((rnnamp_tk_isa)(_i / N_SIZES), RNNAMP_RNN, sizes[_i % N_SIZES][0],
            sizes[_i % N_SIZES][1], sizes[_i % N_SIZES][2]);
}
END_TEST

START_TEST(gru_fast_matches_portable)
{
    compare((rnnamp_tk_isa)(_i / N_SIZES), RNNAMP_GRU, sizes[_i % N_SIZES][0],
            sizes[_i % N_SIZES][1], sizes[_i % N_SIZES][2]);
}
END_TEST

/* The portable kernels always exist; on x86-64 SSE2 does too; the
 * fastest table is what a new workspace gets. */
START_TEST(kernels_available)
{
    ck_assert_ptr_nonnull(rnnamp_tk_ops_for(RNNAMP_TK_SCALAR));
#if defined(__x86_64__)
    ck_assert_ptr_nonnull(rnnamp_tk_ops_for(RNNAMP_TK_SSE2));
#elif defined(__aarch64__)
    ck_assert_ptr_nonnull(rnnamp_tk_ops_for(RNNAMP_TK_NEON));
#endif
    rnnamp_cell_ws *w = rnnamp_cell_ws_new(RNNAMP_LSTM, 1, 8, 1, 1);
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_eq(w->tk, rnnamp_tk_ops_best());
    rnnamp_cell_ws_free(w);
    for (int k = 0; k < RNNAMP_TK_N_ISA; k++)
        fprintf(stderr, "train kernels %s: %s\n",
                rnnamp_tk_isa_name((rnnamp_tk_isa)k),
                rnnamp_tk_ops_for((rnnamp_tk_isa)k) ? "tested"
                                                    : "not on this CPU");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train_kernels");
    TCase *tc = tcase_create("kernels");
    int n = RNNAMP_TK_N_ISA * N_SIZES;
    tcase_add_test(tc, kernels_available);
    tcase_add_loop_test(tc, lstm_fast_matches_portable, 0, n);
    tcase_add_loop_test(tc, gru_fast_matches_portable, 0, n);
    tcase_add_loop_test(tc, rnn_fast_matches_portable, 0, n);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
