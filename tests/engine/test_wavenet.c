/* rnnamp tests: the WaveNet engine against NeuralAmpModelerCore's own
 * output. ../shared/models/nam-wavenet holds NAM Core's MIT example models
 * and, for each, 16384 samples NAM Core computed after Reset(48000, 64)
 * (which prewarms): every file rnnamp plays must match from sample 0 to
 * ESR <= 1e-8 on every kernel this CPU runs, with no allocation in
 * process(); the others must be refused naming the unsupported field. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "engine.h"
#include "model_io.h"
#include "test_util.h"
#include "wavenet.h"

#define ESR_MAX 1e-8

typedef struct {
    const char *model, *ref;
    double size; /* slimmable size (containers) */
    int ours;    /* 0: model and ref in ../shared/models/nam-wavenet; 1: model
                    in tests/fuzz/corpus (our synthetic seeds), ref in
                    tests/engine/golden; 2: shared model, golden ref. The
                    golden refs are NeuralAmpModelerCore's output too (same
                    commit and settings as the shared ones). */
} wn_case;

static const wn_case cases[] = {
    {"wavenet.nam", "wavenet.namcore-ref.csv", 1.0, 0},
    {"wavenet_a1_standard.nam", "wavenet_a1_standard.namcore-ref.csv", 1.0, 0},
    {"A2.nam", "A2.namcore-ref.csv", 1.0, 0},
    {"A2.nam", "A2.slim0.namcore-ref.csv", 0.0, 0},
    {"slimmable_container.nam", "slimmable_container.namcore-ref.csv", 1.0, 0},
    {"slimmable_container.nam", "slimmable_container.slim0.namcore-ref.csv",
     0.0, 0},
    {"slimmable_wavenet.nam", "slimmable_wavenet.namcore-ref.csv", 1.0, 0},
    {"slimmable_wavenet.nam", "namcore_slimmable_wavenet.slim0.5.csv", 0.5, 2},
    {"slimmable_wavenet.nam", "namcore_slimmable_wavenet.slim0.csv", 0.0, 2},
    {"nam_wavenet_a1.nam", "namcore_nam_wavenet_a1.csv", 1.0, 1},
    {"nam_wavenet_a2.nam", "namcore_nam_wavenet_a2.csv", 1.0, 1},
    {"nam_wavenet_a2.nam", "namcore_nam_wavenet_a2.slim0.csv", 0.0, 1},
};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

/* Loop tests run each case on every concrete kernel (NK of them, from
 * RNNAMP_KERNEL_SCALAR); the ones this CPU lacks return at once
 * (test_log_kernels names them). */
#define NK           (RNNAMP_KERNEL_N - RNNAMP_KERNEL_SCALAR)
#define KERNEL_OF(i) ((rnnamp_kernel)(RNNAMP_KERNEL_SCALAR + (i) % NK))

static const char *wn_path(char *buf, size_t len, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "models/nam-wavenet/%s", name);
    return test_shared_path(buf, len, rel);
}

static const char *case_model(char *buf, size_t len, const wn_case *c)
{
    if (c->ours == 1)
        snprintf(buf, len, "%s/tests/fuzz/corpus/%s", RNNAMP_SOURCE_DIR,
                 c->model);
    else
        wn_path(buf, len, c->model);
    return buf;
}

/* x and y columns of a case's reference file; *n gets the rows. */
static void read_ref(const wn_case *c, float **x, double **y, size_t *n)
{
    char p[4096];
    size_t cnt;
    int cols;
    if (c->ours)
        snprintf(p, sizeof p, "%s/tests/engine/golden/%s", RNNAMP_SOURCE_DIR,
                 c->ref);
    else
        wn_path(p, sizeof p, c->ref);
    double *v = test_read_csv(p, &cnt, &cols);
    ck_assert_msg(v && cols == 2 && cnt >= 2048, "%s: bad reference", p);
    *n = cnt / 2;
    *x = malloc(*n * sizeof **x);
    *y = malloc(*n * sizeof **y);
    for (size_t i = 0; i < *n; i++) {
        (*x)[i] = (float)v[2 * i];
        (*y)[i] = v[2 * i + 1];
    }
    free(v);
}

static double esr(const float *out, const double *ref, size_t n)
{
    double e = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        e += (out[i] - ref[i]) * (out[i] - ref[i]);
        s += ref[i] * ref[i];
    }
    return e / s;
}

/* Process x in blocks of `block` (0: varying 1..300); counts allocations. */
static long run_blocks(rnnamp_engine *e, const float *x, float *out, size_t n,
                       uint32_t block)
{
    uint32_t vary = 1;
    long allocs = 0;
    for (size_t i = 0; i < n;) {
        uint32_t k = block ? block : (vary = vary * 7 % 301 + 1);
        if (k > n - i)
            k = (uint32_t)(n - i);
        alloc_count_begin();
        unsigned fl = rnnamp_engine_process(e, x + i, out + i, k, NULL);
        allocs += alloc_count_end();
        ck_assert_uint_eq(fl, 0);
        i += k;
    }
    return allocs;
}

/* Every case on every kernel this CPU has, blocks of 64 (as the reference)
 * and varying blocks, then again after a reset. */
START_TEST(matches_namcore)
{
    const wn_case *c = &cases[_i / NK];
    const rnnamp_kernel k = KERNEL_OF(_i);
    if (!rnnamp_kernel_supported(k))
        return;
    char p[4096], err[RNNAMP_ERR_LEN] = "";
    rnnamp_model *m =
        rnnamp_model_load(case_model(p, sizeof p, c), err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    const rnnamp_model *sm = rnnamp_model_at_size(m, c->size);
    rnnamp_engine_opts o = {k, 1.0};
    rnnamp_engine *e = rnnamp_engine_new(sm, &o, err, sizeof err);
    ck_assert_msg(e != NULL, "%s", err);
    float *x;
    double *y;
    size_t n;
    read_ref(c, &x, &y, &n);
    float *out = malloc(n * sizeof *out);
    const uint32_t blocks[3] = {64, 0, 64};
    for (int pass = 0; pass < 3; pass++) {
        if (pass)
            rnnamp_engine_reset(e);
        ck_assert_int_eq(run_blocks(e, x, out, n, blocks[pass]), 0);
        double r = esr(out, y, n), r0 = esr(out, y, 256);
        ck_assert_msg(r <= ESR_MAX && r0 <= ESR_MAX,
                      "%s size %g kernel %s pass %d: ESR %.3g (first 256 "
                      "samples %.3g)",
                      c->ref, c->size, rnnamp_kernel_name(k), pass, r, r0);
    }
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
    free(x);
    free(y);
    free(out);
}
END_TEST

/* ---- a plain double-precision WaveNet, sample by sample over whole
 * signals, straight from wavenet.h's equations: the reference for the
 * synthetic models, whose options (gating, blending, head1x1, head
 * convolution, every activation) the NAM Core files do not all use. */

static double ref_act(const rnnamp_wn_act *a, double x)
{
    const float *p = a->p;
    switch (a->type) {
    case RNNAMP_WN_TANH: return tanh(x);
    case RNNAMP_WN_HARDTANH: return x < -1 ? -1 : x > 1 ? 1 : x;
    case RNNAMP_WN_FASTTANH: {
        double ax = fabs(x), x2 = x * x;
        return x *
               (2.45550750702956 + 2.45550750702956 * ax +
                (0.893229853513558 + 0.821226666969744 * ax) * x2) /
               (2.44506634652299 +
                (2.44506634652299 + x2) * fabs(x + 0.814642734961073 * x * ax));
    }
    case RNNAMP_WN_RELU: return x > 0 ? x : 0;
    case RNNAMP_WN_LEAKYRELU: return x > 0 ? x : p[0] * x;
    case RNNAMP_WN_SIGMOID: return 1 / (1 + exp(-x));
    case RNNAMP_WN_SILU: return x / (1 + exp(-x));
    case RNNAMP_WN_HARDSWISH:
        return x * (x + 3 < 0 ? 0 : x + 3 > 6 ? 6 : x + 3) / 6;
    case RNNAMP_WN_LEAKYHARDTANH:
        return x < p[0]   ? (x - p[0]) * p[2] + p[0]
               : x > p[1] ? (x - p[1]) * p[3] + p[1]
                          : x;
    case RNNAMP_WN_SOFTSIGN: return x / (1 + fabs(x));
    default: return x;
    }
}

/* sig[t * rows + r], zero before t = 0 */
static double at(const double *sig, int rows, long t, int r)
{
    return t < 0 ? 0 : sig[t * rows + r];
}

/* One layer over all T samples: u (C rows) -> next (C rows), head += . */
static void ref_layer(const rnnamp_model *m, const rnnamp_wn_array *A,
                      const rnnamp_wn_layer *L, const double *x,
                      const double *u, double *next, double *head, long T)
{
    const float *P = m->params;
    const int C = A->channels, B = A->bottleneck, K = L->kernel;
    const int Z = rnnamp_wn_zrows(A, L);
    double z[2 * RNNAMP_WN_MAX_CHANNELS], a[RNNAMP_WN_MAX_CHANNELS];
    for (long t = 0; t < T; t++) {
        for (int o = 0; o < Z; o++) {
            double s = P[L->conv_b + o] + P[L->mix_w + o] * x[t];
            for (int i = 0; i < C; i++)
                for (int k = 0; k < K; k++)
                    s += P[L->conv_w + ((size_t)o * C + i) * K + k] *
                         at(u, C, t - (long)L->dilation * (K - 1 - k), i);
            z[o] = s;
        }
        for (int r = 0; r < B; r++) {
            double v = ref_act(&L->act, z[r]);
            if (L->gating == RNNAMP_WN_GATE_GATED)
                v *= ref_act(&L->act2, z[r + B]);
            else if (L->gating == RNNAMP_WN_GATE_BLENDED) {
                double g = ref_act(&L->act2, z[r + B]);
                v = g * v + (1 - g) * z[r];
            }
            a[r] = v;
        }
        for (int h = 0; h < A->head_in; h++) {
            double s = A->head1x1 ? P[L->h1_b + h] : a[h];
            for (int r = 0; A->head1x1 && r < B; r++)
                s += P[L->h1_w + (size_t)h * B + r] * a[r];
            head[t * A->head_in + h] += s;
        }
        for (int c = 0; c < C; c++) {
            double s = u[t * C + c] + (A->layer1x1 ? P[L->l1_b + c] : 0);
            for (int r = 0; A->layer1x1 && r < B; r++)
                s += P[L->l1_w + (size_t)c * B + r] * a[r];
            next[t * C + c] = s;
        }
    }
}

/* The model on x (T samples, the first ones the prewarm silence). Returns
 * malloc'ed head output rows of the last array (1 row). */
static double *ref_wavenet(const rnnamp_model *m, const double *x, long T)
{
    const rnnamp_wavenet *w = m->wavenet;
    const float *P = m->params;
    const size_t R = RNNAMP_WN_MAX_CHANNELS;
    double *in = calloc((size_t)T * R, sizeof *in);
    double *u = calloc((size_t)T * R, sizeof *u);
    double *nx = calloc((size_t)T * R, sizeof *nx);
    double *head = calloc((size_t)T * R, sizeof *head);
    double *hout = calloc((size_t)T * R, sizeof *hout);
    for (long t = 0; t < T; t++)
        in[t] = x[t];
    for (int a = 0; a < w->n_arrays; a++) {
        const rnnamp_wn_array *A = &w->arrays[a];
        const int C = A->channels, Hi = A->head_in;
        for (long t = 0; t < T; t++) {
            for (int c = 0; c < C; c++) {
                double s = 0;
                for (int i = 0; i < A->in_size; i++)
                    s += P[A->rechannel_w + (size_t)c * A->in_size + i] *
                         in[t * A->in_size + i];
                u[t * C + c] = s;
            }
            for (int h = 0; h < Hi; h++)
                head[t * Hi + h] = a ? hout[t * Hi + h] : 0;
        }
        for (int l = 0; l < A->n_layers; l++) {
            ref_layer(m, A, &w->layers[A->first_layer + l], x, u, nx, head, T);
            double *sw = u;
            u = nx;
            nx = sw;
        }
        for (long t = 0; t < T; t++) {
            for (int s = 0; s < A->head_size; s++) {
                double v = A->head_bias ? P[A->head_b + s] : 0;
                for (int h = 0; h < Hi; h++)
                    for (int k = 0; k < A->head_kernel; k++)
                        v += P[A->head_w +
                               ((size_t)s * Hi + h) * A->head_kernel + k] *
                             at(head, Hi,
                                t - (long)A->head_dilation *
                                        (A->head_kernel - 1 - k),
                                h);
                hout[t * A->head_size + s] = v;
            }
            for (int c = 0; c < C; c++)
                in[t * C + c] = u[t * C + c];
        }
    }
    free(in);
    free(u);
    free(nx);
    free(head);
    return hout;
}

/* The synthetic seeds (tests/fuzz/corpus, ours) at every size on every
 * kernel against the reference, from sample 0 after the prewarm. */
START_TEST(matches_reference)
{
    /* ours, and NAM Core's channel-sliced WaveNet at its smaller sizes */
    static const char *const files[] = {
        "nam_wavenet_a1.nam", "nam_wavenet_a2.nam", "slimmable_wavenet.nam"};
    const rnnamp_kernel k = KERNEL_OF(_i);
    if (!rnnamp_kernel_supported(k))
        return;
    char p[4096], err[RNNAMP_ERR_LEN] = "";
    if (_i / NK == 2)
        wn_path(p, sizeof p, files[2]);
    else
        snprintf(p, sizeof p, "%s/tests/fuzz/corpus/%s", RNNAMP_SOURCE_DIR,
                 files[_i / NK]);
    rnnamp_model *m = rnnamp_model_load(p, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    for (double size = 0.0; size <= 1.0; size += 0.5) {
        const rnnamp_model *sm = rnnamp_model_at_size(m, size);
        const long P0 = rnnamp_wn_prewarm_samples(sm->wavenet), N = 3000;
        double *x = calloc((size_t)(P0 + N), sizeof *x);
        float *xf = malloc(N * sizeof *xf), *y = malloc(N * sizeof *y);
        for (long t = 0; t < N; t++) {
            xf[t] = (float)(0.9 * sin(0.031 * t) * sin(0.0023 * t) +
                            0.2 * sin(0.4 * t));
            x[P0 + t] = xf[t];
        }
        double *ref = ref_wavenet(sm, x, P0 + N);
        rnnamp_engine_opts o = {k, 1.0};
        rnnamp_engine *e = rnnamp_engine_new(sm, &o, err, sizeof err);
        ck_assert_msg(e != NULL, "%s", err);
        ck_assert_int_eq(run_blocks(e, xf, y, (size_t)N, 0), 0);
        double es = 0, ss = 0, h = sm->wavenet->head_scale;
        for (long t = 0; t < N; t++) {
            double r = h * ref[P0 + t];
            es += (y[t] - r) * (y[t] - r);
            ss += r * r;
        }
        ck_assert_msg(ss > 1e-6 && es / ss <= ESR_MAX,
                      "%s size %g kernel %s: ESR %.3g", files[_i / NK], size,
                      rnnamp_kernel_name(k), es / ss);
        rnnamp_engine_free(e);
        free(ref);
        free(x);
        free(xf);
        free(y);
    }
    rnnamp_model_free(m);
}
END_TEST

/* The files with options rnnamp does not run are refused by field name. */
START_TEST(refuses_unsupported)
{
    static const struct {
        const char *file, *field;
    } bad[] = {
        {"wavenet_condition_dsp.nam", "unsupported field 'condition_dsp'"},
        {"wavenet_a2_max.nam", "unsupported field 'condition_dsp'"},
    };
    char p[4096], err[RNNAMP_ERR_LEN] = "";
    rnnamp_model *m =
        rnnamp_model_load(wn_path(p, sizeof p, bad[_i].file), err, sizeof err);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, bad[_i].field) && strstr(err, bad[_i].file),
                  "%s: %s", bad[_i].file, err);
}
END_TEST

/* Facts: receptive field, prewarm, cost, metadata, sizes of A2. */
START_TEST(model_facts)
{
    char p[4096], err[RNNAMP_ERR_LEN] = "";
    rnnamp_model *m = rnnamp_model_load(
        wn_path(p, sizeof p, "wavenet_a1_standard.nam"), err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert_int_eq(m->kind, RNNAMP_KIND_WAVENET);
    /* 2 arrays of dilations 1..512, kernel 3: 2 * 2 * 1023 */
    ck_assert_int_eq(rnnamp_wn_receptive_field(m->wavenet), 4092);
    ck_assert_int_eq(m->meta.prewarm_samples, 4093);
    ck_assert(m->meta.sample_rate == 48000.0 && m->meta.sample_rate_assumed);
    double macs = rnnamp_engine_cost_macs(m);
    ck_assert_msg(macs > 13000 && macs < 20000, "A1 cost %g", macs);
    ck_assert_int_eq(rnnamp_engine_check_budget(m, 96000, err, sizeof err), 0);
    /* a WaveNet runs at its own rate: 96 kHz hosts resample, same cost */
    ck_assert(rnnamp_engine_cost_per_second(m, 96000) == macs * 48000);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(rnnamp_engine_bytes(e), rnnamp_engine_cost_bytes(m, 1));
    rnnamp_engine_free(e);
    rnnamp_model_free(m);

    m = rnnamp_model_load(wn_path(p, sizeof p, "A2.nam"), err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert_int_eq(m->kind, RNNAMP_KIND_CONTAINER);
    ck_assert_int_eq(m->n_sub, 2);
    ck_assert_ptr_eq(rnnamp_model_at_size(m, 0.0), m->sub[0]);
    ck_assert_ptr_eq(rnnamp_model_at_size(m, 0.49), m->sub[0]);
    ck_assert_ptr_eq(rnnamp_model_at_size(m, 0.5), m->sub[1]);
    ck_assert_ptr_eq(rnnamp_model_at_size(m, 1.0), m->sub[1]);
    ck_assert_int_eq(m->sub[1]->wavenet->arrays[0].channels, 8);
    ck_assert_int_eq(m->sub[1]->wavenet->arrays[0].head_kernel, 16);
    ck_assert(m->meta.has_loudness);
    rnnamp_model *c = rnnamp_model_clone(m);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(rnnamp_model_validate(c, err, sizeof err), 0);
    rnnamp_model_free(c);
    rnnamp_model_free(m);

    m = rnnamp_model_load(wn_path(p, sizeof p, "wavenet.nam"), err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert(m->meta.has_input_level && m->meta.input_level_dbu == 18.3);
    ck_assert(m->meta.has_output_level && m->meta.output_level_dbu == 12.3);
    ck_assert(m->meta.has_loudness);
    rnnamp_engine_opts o = {RNNAMP_KERNEL_AUTO, 2.0};
    ck_assert_ptr_null(rnnamp_engine_new(m, &o, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "resample"));
    rnnamp_model_free(m);
}
END_TEST

/* A non-finite input resets the state and silences the block. */
START_TEST(nonfinite_resets)
{
    char p[4096], err[RNNAMP_ERR_LEN] = "";
    rnnamp_model *m =
        rnnamp_model_load(wn_path(p, sizeof p, "wavenet.nam"), err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(e);
    float buf[64] = {0}, first[64];
    rnnamp_engine_process(e, buf, first, 64, NULL);
    buf[3] = NAN;
    ck_assert_uint_eq(rnnamp_engine_process(e, buf, buf, 64, NULL),
                      RNNAMP_FLAG_RESET);
    for (int i = 0; i < 64; i++)
        ck_assert(buf[i] == 0.f);
    memset(buf, 0, sizeof buf);
    rnnamp_engine_process(e, buf, buf, 64, NULL);
    for (int i = 0; i < 64; i++)
        ck_assert_float_eq(buf[i], first[i]);
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
}
END_TEST

int main(void)
{
    test_require_shared();
    test_log_kernels("wavenet");
    Suite *s = suite_create("wavenet");
    TCase *tc = tcase_create("namcore");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, matches_namcore, 0, NK * N_CASES);
    tcase_add_loop_test(tc, refuses_unsupported, 0, 2);
    tcase_add_loop_test(tc, matches_reference, 0, 3 * NK);
    tcase_add_test(tc, model_facts);
    tcase_add_test(tc, nonfinite_resets);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
