/* Engine tests: every kernel against the float64 reference (ref_forward.h)
 * for each cell type and size, block-size invariance, in-place, knobs,
 * reset/prewarm, non-finite recovery, sample-rate correction, and zero
 * allocations in process. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "engine.h"
#include "model.h"
#include "model_io.h"
#include "ref_forward.h"
#include "test_util.h"

#define N_SIG 4096

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static float urand(uint64_t *s, float a)
{
    return a * (2.f * (float)(rng_next(s) >> 40) / (float)(1u << 24) - 1.f);
}

/* A random model: n_rec recurrent layers of type t and size H, optional
 * dense hidden layer, head. Weights scaled like PyTorch's init (1/sqrt(H))
 * times gain so the cells are driven into saturation too. */
static rnnamp_model *random_model(rnnamp_layer_type t, int H, int n_rec,
                                  int n_inputs, int skip, int dense_act,
                                  uint64_t seed)
{
    rnnamp_layer_spec sp[RNNAMP_MAX_LAYERS];
    int n = 0;
    for (int i = 0; i < n_rec; i++)
        sp[n++] = (rnnamp_layer_spec){t, H, RNNAMP_ACT_LINEAR};
    if (dense_act >= 0)
        sp[n++] = (rnnamp_layer_spec){RNNAMP_DENSE, 8, (rnnamp_act)dense_act};
    sp[n++] = (rnnamp_layer_spec){RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR};
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_new(n_inputs, n, sp, skip, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    uint64_t s = seed * 2654435761u + 1;
    /* plain RNN at gain 2 is chaotic: float32 rounding then grows */
    float a = (t == RNNAMP_RNN ? 1.0f : 2.0f) / sqrtf((float)H);
    for (size_t i = 0; i < m->n_params; i++)
        m->params[i] = urand(&s, a);
    return m;
}

static void test_signal(float *x, int n, uint64_t seed)
{
    uint64_t s = seed + 7;
    for (int i = 0; i < n; i++) {
        float env = i < 3072 ? (float)i / 3072.f : 1.f;
        x[i] = env * (0.8f * sinf(2.f * 3.14159265f * 220.f * i / 48000.f) +
                      0.1f * sinf(2.f * 3.14159265f * 1375.f * i / 48000.f)) +
               urand(&s, 0.05f);
    }
    x[100] = 1.0f; /* an impulse */
    x[101] = -1.0f;
}

static double max_err_vs_ref(rnnamp_model *m, rnnamp_kernel k,
                             const float *knobs)
{
    static float x[N_SIG], y[N_SIG];
    test_signal(x, N_SIG, 3);
    rnnamp_engine_opts o = {k, 1.0};
    char err[RNNAMP_ERR_LEN];
    rnnamp_engine *e = rnnamp_engine_new(m, &o, err, sizeof err);
    ck_assert_msg(e != NULL, "%s", err);
    ck_assert_uint_eq(rnnamp_engine_process(e, x, y, N_SIG, knobs), 0);
    ref_state *rs = malloc(sizeof *rs);
    ref_reset(m, rs);
    double worst = 0;
    for (int i = 0; i < N_SIG; i++) {
        double xv[RNNAMP_MAX_INPUTS] = {x[i], 0, 0, 0};
        for (int j = 1; j < m->n_inputs; j++)
            xv[j] = knobs ? knobs[j - 1] : 0.5;
        double r = ref_step(m, rs, xv);
        double d = fabs(r - (double)y[i]);
        if (d > worst)
            worst = d;
    }
    free(rs);
    rnnamp_engine_free(e);
    return worst;
}

START_TEST(cells_match_reference)
{
    static const int sizes[] = {1, 3, 8, 12, 16, 20, 24, 32, 40, 64, 128};
    rnnamp_layer_type types[] = {RNNAMP_LSTM, RNNAMP_GRU, RNNAMP_RNN};
    for (int ti = 0; ti < 3; ti++) {
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            rnnamp_model *m =
                random_model(types[ti], sizes[si], 1, 1, si & 1, -1, si + 1);
            TEST_FOR_EACH_KERNEL(k)
            {
                double e = max_err_vs_ref(m, k, NULL);
                ck_assert_msg(e < 1e-5, "%s-%d kernel %s: max err %g",
                              rnnamp_layer_type_name(types[ti]), sizes[si],
                              rnnamp_kernel_name(k), e);
            }
            rnnamp_model_free(m);
        }
    }
}
END_TEST

/* Single recurrent layers with knob inputs (2 and 3 input columns): the
 * specialised loops for more than one input column, apart from the
 * one-column ones cells_match_reference covers. */
START_TEST(single_layer_knobs_match_reference)
{
    static const int sizes[] = {8, 16, 24, 32, 64};
    rnnamp_layer_type types[] = {RNNAMP_LSTM, RNNAMP_GRU};
    float knobs[2] = {0.8f, 0.1f};
    for (int ti = 0; ti < 2; ti++) {
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            int n_in = 2 + (int)(si & 1);
            rnnamp_model *m = random_model(types[ti], sizes[si], 1, n_in,
                                           si & 1, -1, 40 + si);
            TEST_FOR_EACH_KERNEL(k)
            {
                double e = max_err_vs_ref(m, k, knobs);
                ck_assert_msg(e < 1e-5, "%s-%d, %d inputs, kernel %s: %g",
                              rnnamp_layer_type_name(types[ti]), sizes[si],
                              n_in, rnnamp_kernel_name(k), e);
            }
            rnnamp_model_free(m);
        }
    }
}
END_TEST

/* Hybrid models: pre-FIR -> network (with and without skip) -> post-FIR,
 * short (direct) and long (FFT) stages, against the float64 reference,
 * in blocks of several sizes. */
START_TEST(hybrid_fir_models_match_reference)
{
    static const int taps[][2] = {{0, 1},    {7, 0},    {32, 64},
                                  {64, 700}, {0, 2048}, {129, 5000}};
    static float x[N_SIG], y[N_SIG];
    static double xd[N_SIG], ref[N_SIG];
    test_signal(x, N_SIG, 5);
    for (int i = 0; i < N_SIG; i++)
        xd[i] = x[i];
    for (size_t c = 0; c < sizeof taps / sizeof *taps; c++) {
        rnnamp_layer_spec sp[2] = {{RNNAMP_LSTM, 12, RNNAMP_ACT_LINEAR},
                                   {RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR}};
        char err[RNNAMP_ERR_LEN];
        rnnamp_model *m = rnnamp_model_new_fir(
            1, 2, sp, (int)(c & 1), taps[c][0], taps[c][1], err, sizeof err);
        ck_assert_msg(m != NULL, "%s", err);
        uint64_t s = 77 + c;
        for (size_t i = 0; i < m->n_params; i++)
            m->params[i] = urand(&s, 0.5f);
        for (int k = 0; k < m->pre_taps; k++) /* a decaying filter */
            m->pre_fir[k] = urand(&s, 1.0f) * expf(-0.1f * (float)k);
        for (int k = 0; k < m->post_taps; k++)
            m->post_fir[k] = urand(&s, 0.3f) * expf(-0.003f * (float)k);
        ref_forward(m, xd, ref, N_SIG);
        rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
        ck_assert_msg(e != NULL, "%s", err);
        for (int done = 0, blk = 1; done < N_SIG; blk = blk * 3 % 1000 + 1) {
            const int k = N_SIG - done < blk ? N_SIG - done : blk;
            memcpy(y + done, x + done, (size_t)k * sizeof *y);
            rnnamp_engine_process(e, y + done, y + done, (uint32_t)k, NULL);
            done += k;
        }
        double worst = 0, peak = 0;
        for (int i = 0; i < N_SIG; i++) {
            worst = fmax(worst, fabs(ref[i] - (double)y[i]));
            peak = fmax(peak, fabs(ref[i]));
        }
        ck_assert_msg(worst < 1e-5 * fmax(1.0, peak),
                      "pre %d post %d: max err %g (peak %g)", taps[c][0],
                      taps[c][1], worst, peak);
        /* cost: the network's, plus each stage's (direct taps up to 64,
         * else 64 + 40 log2 taps) */
        double want = 4.0 * 12 * (1 + 12) + 12;
        for (int j = 0; j < 2; j++)
            want += taps[c][j] <= 64 ? taps[c][j]
                                     : 64.0 + 40.0 * log2((double)taps[c][j]);
        ck_assert_double_eq_tol(rnnamp_engine_cost_macs(m), want, 1e-9);
        rnnamp_engine_free(e);
        rnnamp_model_free(m);
    }
}
END_TEST

/* Amplitude and phase of y at f Hz (rate r) over the last n samples. */
static void tone_response(const float *y, int n, double f, double r,
                          double *amp, double *ph)
{
    double c = 0, s = 0;
    for (int i = 0; i < n; i++) {
        c += y[i] * cos(2 * M_PI * f * i / r);
        s += y[i] * sin(2 * M_PI * f * i / r);
    }
    *amp = 2 * sqrt(c * c + s * s) / n;
    *ph = atan2(s, c);
}

/* A hybrid model at twice its rate (rate correction): the FIR stages are
 * resampled, so a tone below the model's Nyquist frequency comes out with
 * the same gain as at the model's rate. The network is zero (skip only),
 * so the output is the two FIRs alone. */
START_TEST(hybrid_fir_resampled_at_higher_rate)
{
    rnnamp_layer_spec sp[2] = {{RNNAMP_LSTM, 8, RNNAMP_ACT_LINEAR},
                               {RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR}};
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m =
        rnnamp_model_new_fir(1, 2, sp, 1, 5, 400, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    uint64_t s = 5;
    for (int k = 0; k < 5; k++)
        m->pre_fir[k] = (k == 0 ? 1.0f : 0.0f) + urand(&s, 0.2f);
    for (int k = 0; k < 400; k++)
        m->post_fir[k] = urand(&s, 0.2f) * expf(-0.01f * (float)k);
    m->meta.sample_rate = 48000;
    static const double freqs[] = {200, 1000, 5000};
    enum { N = 48000 };
    static float x[2 * N], y[2 * N];
    for (size_t fi = 0; fi < 3; fi++) {
        double amp[2], ph[2];
        for (int r = 1; r <= 2; r++) {
            rnnamp_engine_opts o = {RNNAMP_KERNEL_AUTO, (double)r};
            rnnamp_engine *e = rnnamp_engine_new(m, &o, err, sizeof err);
            ck_assert_msg(e != NULL, "%s", err);
            const int n = r * N;
            for (int i = 0; i < n; i++)
                x[i] =
                    0.5f * (float)sin(2 * M_PI * freqs[fi] * i / (48000.0 * r));
            rnnamp_engine_process(e, x, y, (uint32_t)n, NULL);
            /* the last 0.5 s, a whole number of periods */
            tone_response(y + n / 2, n / 2, freqs[fi], 48000.0 * r, &amp[r - 1],
                          &ph[r - 1]);
            rnnamp_engine_free(e);
        }
        const double db = 20 * log10(amp[1] / amp[0]);
        ck_assert_msg(fabs(db) < 0.05, "%g Hz: %g dB apart", freqs[fi], db);
        ck_assert_double_gt(amp[0], 0.01);
    }
    rnnamp_model_free(m);
}
END_TEST

START_TEST(stacks_knobs_dense_match_reference)
{
    rnnamp_layer_type types[] = {RNNAMP_LSTM, RNNAMP_GRU, RNNAMP_RNN};
    float knobs[3] = {0.25f, 0.9f, 0.0f};
    for (int ti = 0; ti < 3; ti++) {
        for (int act = 0; act <= RNNAMP_ACT_RELU; act++) {
            int n_in = 1 + act; /* 1..4 inputs */
            rnnamp_model *m = random_model(types[ti], 8 + 5 * act, 2, n_in,
                                           act & 1, act, 100 + ti * 10 + act);
            /* random initial state too (NAM stores h0/c0) */
            TEST_FOR_EACH_KERNEL(k)
            {
                double e = max_err_vs_ref(m, k, knobs);
                ck_assert_msg(e < 1e-5,
                              "%s x2 + dense act %d, %d inputs, %s: %g",
                              rnnamp_layer_type_name(types[ti]), act, n_in,
                              rnnamp_kernel_name(k), e);
            }
            rnnamp_model_free(m);
        }
    }
}
END_TEST

START_TEST(dense_only_model)
{
    rnnamp_layer_spec sp[1] = {{RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR}};
    rnnamp_model *m = rnnamp_model_new(2, 1, sp, 1, NULL, 0);
    m->params[0] = 0.5f;
    m->params[1] = 2.0f;
    m->params[2] = 0.25f;
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, NULL, 0);
    float x[3] = {1.f, -1.f, 0.f}, y[3], k = 0.5f;
    rnnamp_engine_process(e, x, y, 3, &k);
    /* y = x + 0.5 x + 2 * 0.5 + 0.25 */
    ck_assert_float_eq_tol(y[0], 2.75f, 1e-6);
    ck_assert_float_eq_tol(y[1], -0.25f, 1e-6);
    ck_assert_float_eq_tol(y[2], 1.25f, 1e-6);
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
}
END_TEST

START_TEST(block_sizes_bit_identical_and_in_place)
{
    static float x[N_SIG], ref[N_SIG], y[N_SIG];
    test_signal(x, N_SIG, 5);
    rnnamp_model *m = random_model(RNNAMP_LSTM, 20, 2, 2, 1, -1, 9);
    float knob = 0.3f;
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, NULL, 0);
    rnnamp_engine_process(e, x, ref, N_SIG, &knob);
    static const uint32_t blocks[] = {1, 7, 64, 4096, 333};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        rnnamp_engine_reset(e);
        memcpy(y, x, sizeof x);
        for (uint32_t off = 0; off < N_SIG; off += blocks[b]) {
            uint32_t n = N_SIG - off < blocks[b] ? N_SIG - off : blocks[b];
            rnnamp_engine_process(e, y + off, y + off, n, &knob); /* in place */
        }
        ck_assert_msg(memcmp(y, ref, sizeof y) == 0,
                      "block size %u differs from one call", blocks[b]);
    }
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
}
END_TEST

START_TEST(reset_and_prewarm)
{
    static float x[1024], a[1024], b[1024], z[1000];
    test_signal(x, 1024, 1);
    rnnamp_model *m = random_model(RNNAMP_GRU, 16, 1, 1, 0, -1, 4);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, NULL, 0);
    rnnamp_engine_process(e, x, a, 1024, NULL);
    rnnamp_engine_reset(e);
    rnnamp_engine_process(e, x, b, 1024, NULL);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    /* prewarm(n) == processing n zeros */
    rnnamp_engine_reset(e);
    rnnamp_engine_prewarm(e, 1000, NULL);
    rnnamp_engine_process(e, x, a, 1024, NULL);
    rnnamp_engine_reset(e);
    memset(z, 0, sizeof z);
    rnnamp_engine_process(e, z, z, 1000, NULL);
    rnnamp_engine_process(e, x, b, 1024, NULL);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
}
END_TEST

START_TEST(non_finite_input_recovers)
{
    static float x[512], y[512], ref[512];
    test_signal(x, 512, 2);
    rnnamp_model *m = random_model(RNNAMP_LSTM, 16, 1, 1, 1, -1, 5);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, NULL, 0);
    rnnamp_engine_process(e, x, ref, 512, NULL);
    rnnamp_engine_reset(e);
    float bad[64];
    memcpy(bad, x, sizeof bad);
    bad[10] = NAN;
    bad[11] = INFINITY;
    unsigned fl = rnnamp_engine_process(e, bad, y, 64, NULL);
    ck_assert_uint_eq(fl, RNNAMP_FLAG_RESET);
    for (int i = 0; i < 64; i++)
        ck_assert(y[i] == 0.f);
    ck_assert_uint_eq(rnnamp_engine_take_flags(e), RNNAMP_FLAG_RESET);
    ck_assert_uint_eq(rnnamp_engine_take_flags(e), 0);
    /* after the reset it plays exactly like a fresh engine */
    rnnamp_engine_process(e, x, y, 512, NULL);
    ck_assert(memcmp(y, ref, sizeof y) == 0);
    /* huge input never produces non-finite output */
    for (int i = 0; i < 64; i++)
        bad[i] = (i & 1) ? 3e38f : -3e38f;
    rnnamp_engine_process(e, bad, y, 64, NULL);
    for (int i = 0; i < 64; i++)
        ck_assert(isfinite(y[i]));
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
}
END_TEST

/* With the recurrence delayed by an integer ratio R, a sample-and-hold
 * upsampled input gives the base-rate output repeated R times. */
START_TEST(rate_correction_integer_ratio)
{
    static float x[1024], y[1024], xu[4096], yu[4096];
    test_signal(x, 1024, 8);
    rnnamp_layer_type types[] = {RNNAMP_LSTM, RNNAMP_GRU};
    for (int ti = 0; ti < 2; ti++) {
        /* 24 wide: a 16-lane kernel ends each ring row on a half vector */
        rnnamp_model *m =
            random_model(types[ti], 12 + 12 * ti, 2, 1, 0, -1, 11 + ti);
        TEST_FOR_EACH_KERNEL(k)
        {
            const rnnamp_engine_opts o1 = {k, 1.0};
            rnnamp_engine *e = rnnamp_engine_new(m, &o1, NULL, 0);
            rnnamp_engine_process(e, x, y, 1024, NULL);
            for (int R = 2; R <= 4; R += 2) {
                rnnamp_engine_opts o = {k, (double)R};
                rnnamp_engine *eu = rnnamp_engine_new(m, &o, NULL, 0);
                ck_assert_ptr_nonnull(eu);
                for (int i = 0; i < 1024 * R; i++)
                    xu[i] = x[i / R];
                rnnamp_engine_process(eu, xu, yu, (uint32_t)(1024 * R), NULL);
                for (int i = 0; i < 1024 * R; i++)
                    ck_assert_msg(fabsf(yu[i] - y[i / R]) < 1e-6f,
                                  "%s ratio %d sample %d: %g vs %g",
                                  rnnamp_kernel_name(k), R, i, yu[i], y[i / R]);
                rnnamp_engine_free(eu);
            }
            rnnamp_engine_free(e);
        }
        rnnamp_model_free(m);
    }
}
END_TEST

/* Dispatch: the best kernel runs and is what AUTO builds for a mid-size
 * model; each kernel this CPU has builds an engine named after it; the
 * others are refused with their name; names parse back. */
START_TEST(kernel_dispatch)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_kernel best = rnnamp_kernel_best();
    ck_assert(rnnamp_kernel_supported(best));
    rnnamp_model *m = random_model(RNNAMP_LSTM, 32, 1, 1, 0, -1, 4);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
    ck_assert_msg(e != NULL, "%s", err);
    ck_assert_str_eq(rnnamp_engine_kernel_name(e), rnnamp_kernel_name(best));
    rnnamp_engine_free(e);
    for (int k = RNNAMP_KERNEL_SCALAR; k < RNNAMP_KERNEL_N; k++) {
        const char *name = rnnamp_kernel_name((rnnamp_kernel)k);
        ck_assert_int_eq(rnnamp_kernel_parse(name), k);
        ck_assert_int_eq(rnnamp_kernel_lanes((rnnamp_kernel)k) > 0, 1);
        const rnnamp_engine_opts o = {(rnnamp_kernel)k, 1.0};
        e = rnnamp_engine_new(m, &o, err, sizeof err);
        if (rnnamp_kernel_supported((rnnamp_kernel)k)) {
            ck_assert_msg(e != NULL, "%s", err);
            ck_assert_str_eq(rnnamp_engine_kernel_name(e), name);
            rnnamp_engine_free(e);
        } else {
            ck_assert_ptr_null(e);
            ck_assert_msg(strstr(err, name) && strstr(err, "not supported"),
                          "%s", err);
        }
    }
    ck_assert_int_eq(rnnamp_kernel_parse("avx2"), RNNAMP_KERNEL_AVX2);
    ck_assert_int_eq(rnnamp_kernel_parse("mmx"), -1);
#if defined(__x86_64__)
    ck_assert(rnnamp_kernel_supported(RNNAMP_KERNEL_SSE2));
    ck_assert(!rnnamp_kernel_supported(RNNAMP_KERNEL_NEON));
#elif defined(__aarch64__)
    ck_assert_int_eq(best, RNNAMP_KERNEL_NEON);
    ck_assert(!rnnamp_kernel_supported(RNNAMP_KERNEL_AVX2));
#endif
    rnnamp_model_free(m);
}
END_TEST

START_TEST(bad_models_and_options_refused)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_layer_spec sp[2] = {{RNNAMP_LSTM, 0, 0}, {RNNAMP_DENSE, 1, 0}};
    ck_assert_ptr_null(rnnamp_model_new(1, 2, sp, 0, err, sizeof err));
    ck_assert(strstr(err, "size 0") != NULL);
    sp[0].n_out = 100000;
    ck_assert_ptr_null(rnnamp_model_new(1, 2, sp, 0, err, sizeof err));
    ck_assert_ptr_null(rnnamp_model_new(1, 50, sp, 0, err, sizeof err));
    ck_assert(strstr(err, "50 layers") != NULL);
    sp[0].n_out = 8;
    sp[1].n_out = 2;
    ck_assert_ptr_null(rnnamp_model_new(1, 2, sp, 0, err, sizeof err));
    ck_assert(strstr(err, "last layer") != NULL);
    rnnamp_model *m = random_model(RNNAMP_LSTM, 8, 1, 1, 0, -1, 1);
    m->params[5] = NAN;
    ck_assert_ptr_null(rnnamp_engine_new(m, NULL, err, sizeof err));
    ck_assert(strstr(err, "finite") != NULL);
    m->params[5] = 0.f;
    rnnamp_engine_opts o = {RNNAMP_KERNEL_AUTO, 0.5};
    ck_assert_ptr_null(rnnamp_engine_new(m, &o, err, sizeof err));
    ck_assert(strstr(err, "resample") != NULL);
    rnnamp_model_free(m);
}
END_TEST

START_TEST(selftest_detects_mismatch)
{
    rnnamp_model *m = random_model(RNNAMP_GRU, 8, 1, 1, 0, -1, 3);
    float in[256], out[256];
    test_signal(in, 256, 1);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, NULL, 0);
    rnnamp_engine_process(e, in, out, 256, NULL);
    rnnamp_engine_free(e);
    rnnamp_model_set_batch(m, in, out, 256);
    double me = -1;
    char err[RNNAMP_ERR_LEN];
    ck_assert_int_eq(rnnamp_engine_selftest(m, 1e-6, &me, err, sizeof err), 0);
    ck_assert(me == 0.0);
    m->output_batch[77] += 0.01f;
    ck_assert_int_eq(rnnamp_engine_selftest(m, 1e-6, &me, err, sizeof err), -1);
    ck_assert(fabs(me - 0.01) < 1e-4);
    ck_assert(strstr(err, "sample 77") != NULL);
    rnnamp_model_free(m);
}
END_TEST

START_TEST(process_does_not_allocate)
{
    if (!ALLOC_COUNT_AVAILABLE)
        return; /* under ASan; the plain build runs it */
    static float x[4096], y[4096];
    test_signal(x, 4096, 1);
    rnnamp_model *m = random_model(RNNAMP_LSTM, 32, 2, 2, 1, 1, 2);
    rnnamp_engine_opts o = {RNNAMP_KERNEL_AUTO, 1.8375};
    rnnamp_engine *e = rnnamp_engine_new(m, &o, NULL, 0);
    float k = 0.4f;
    alloc_count_begin();
    rnnamp_engine_process(e, x, y, 4096, &k);
    rnnamp_engine_prewarm(e, 1000, &k);
    rnnamp_engine_reset(e);
    x[5] = NAN;
    rnnamp_engine_process(e, x, y, 64, &k);
    long n = alloc_count_end();
    ck_assert_int_eq(n, 0);
    /* the interposer does count: a malloc inside the window is seen */
    alloc_count_begin();
    void *volatile p = malloc(16);
    free(p);
    ck_assert_int_eq(alloc_count_end(), 2);
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
}
END_TEST

/* Run e1 on x1 and e2 on x2 (n samples each; e2 may be NULL) in turn,
 * block by block, as a stereo plugin runs its channels; blocks of 1..251
 * samples (the same for both, and for every call). */
static void run_pair(rnnamp_engine *e1, const float *x1, float *y1,
                     rnnamp_engine *e2, const float *x2, float *y2, int n,
                     const float *k)
{
    for (int done = 0, blk = 3; done < n; blk = blk * 5 % 251 + 1) {
        const uint32_t b = (uint32_t)(n - done < blk ? n - done : blk);
        rnnamp_engine_process(e1, x1 + done, y1 + done, b, k);
        if (e2)
            rnnamp_engine_process(e2, x2 + done, y2 + done, b, k);
        done += (int)b;
    }
}

/* Model of shared-engine case c: 0-3 recurrent (LSTM, GRU with a dense
 * layer, RNN, LSTM with a knob at rate ratio 2.5), 4 hybrid (FIR stages),
 * 5-6 NAM WaveNets (A1, and an A2 container) from tests/fuzz/corpus.
 * *weights: bytes of weights the engine packs (0: not checked). */
static rnnamp_model *shared_case(int c, double *weights)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = NULL;
    *weights = 0;
    if (c < 4) {
        static const rnnamp_layer_type t[] = {RNNAMP_LSTM, RNNAMP_GRU,
                                              RNNAMP_RNN, RNNAMP_LSTM};
        m = random_model(t[c], 16 + 8 * c, 1 + (c & 1), 1 + (c == 3), 1,
                         c == 1 ? 1 : -1, 40 + c);
        /* cost_macs counts one multiply-add per weight */
        *weights = 4.0 * rnnamp_engine_cost_macs(m);
    } else if (c == 4) {
        rnnamp_layer_spec sp[2] = {{RNNAMP_GRU, 12, RNNAMP_ACT_LINEAR},
                                   {RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR}};
        m = rnnamp_model_new_fir(1, 2, sp, 1, 33, 900, err, sizeof err);
        ck_assert_msg(m != NULL, "%s", err);
        uint64_t s = 99;
        for (size_t i = 0; i < m->n_params; i++)
            m->params[i] = urand(&s, 0.5f);
        for (int k = 0; k < m->pre_taps; k++)
            m->pre_fir[k] = urand(&s, 1.0f) * expf(-0.1f * (float)k);
        for (int k = 0; k < m->post_taps; k++)
            m->post_fir[k] = urand(&s, 0.3f) * expf(-0.003f * (float)k);
    } else {
        char p[1024];
        snprintf(p, sizeof p, "%s/tests/fuzz/corpus/%s", RNNAMP_SOURCE_DIR,
                 c == 5 ? "nam_wavenet_a1.nam" : "nam_wavenet_a2.nam");
        m = rnnamp_model_load(p, err, sizeof err);
        ck_assert_msg(m != NULL, "%s", err);
        *weights = 4.0 * (double)rnnamp_model_playable(m)->n_params;
    }
    return m;
}

/* A clone made by rnnamp_engine_new_shared starts in its owner's state,
 * then runs on its own: owner and clone, fed different signals block by
 * block in turn, give bit for bit what two separately built engines give;
 * the clone holds no copy of the weights and does not allocate when it
 * runs. Every case of shared_case. */
START_TEST(shared_engine_has_its_own_state)
{
    enum { PRE = 700, N = 3000 };
    static float a[PRE + N], b[N], ya[PRE + N], yb[N], ra[PRE + N], rb[N];
    test_signal(a, PRE + N, 21);
    test_signal(b, N, 22);
    for (int i = 0; i < N; i++)
        b[i] *= -0.7f; /* a different signal on the clone */
    const int c = _i;
    double weights;
    rnnamp_model *m = shared_case(c, &weights);
    char err[RNNAMP_ERR_LEN];
    const float knob = 0.3f;
    const float *k = m->n_inputs > 1 ? &knob : NULL;
    rnnamp_engine_opts o = {RNNAMP_KERNEL_AUTO, c == 3 ? 2.5 : 1.0};
    rnnamp_engine *e = rnnamp_engine_new(m, &o, err, sizeof err);
    rnnamp_engine *r1 = rnnamp_engine_new(m, &o, err, sizeof err);
    rnnamp_engine *r2 = rnnamp_engine_new(m, &o, err, sizeof err);
    ck_assert_msg(e && r1 && r2, "%s", err);
    /* the owner's history before the clone is made (r2 gets the same: a
     * separately built second channel) */
    run_pair(e, a, ya, r1, a, ra, PRE, k);
    run_pair(r2, a, rb, NULL, NULL, NULL, PRE, k);
    rnnamp_engine *sh = rnnamp_engine_new_shared(e, err, sizeof err);
    ck_assert_msg(sh != NULL, "%s", err);
    /* in turn, as a stereo plugin runs them */
    alloc_count_begin();
    run_pair(e, a + PRE, ya + PRE, sh, b, yb, N, k);
    const long allocs = alloc_count_end();
    if (ALLOC_COUNT_AVAILABLE)
        ck_assert_int_eq(allocs, 0);
    run_pair(r1, a + PRE, ra + PRE, r2, b, rb, N, k);
    ck_assert_mem_eq(ya + PRE, ra + PRE, N * sizeof(float));
    ck_assert_mem_eq(yb, rb, N * sizeof(float));
    double peak = 0;
    for (int i = 0; i < N; i++)
        peak = fmax(peak, fabs((double)yb[i] - ya[PRE + i]));
    ck_assert_msg(peak > 1e-3, "case %d: both channels alike", c);
    /* the weights are not copied: the owner holds at least every weight
     * more than the clone */
    const double saved =
        (double)rnnamp_engine_bytes(e) - (double)rnnamp_engine_bytes(sh);
    ck_assert_msg(saved > 0 && saved >= weights,
                  "case %d: owner %zu bytes, clone %zu, weights %g", c,
                  rnnamp_engine_bytes(e), rnnamp_engine_bytes(sh), weights);
    rnnamp_engine_free(sh); /* before its owner */
    rnnamp_engine_free(e);
    rnnamp_engine_free(r1);
    rnnamp_engine_free(r2);
    rnnamp_model_free(m);
}
END_TEST

/* Multiply-adds per sample from the layer sizes, and the engine memory
 * estimate equals what rnnamp_engine_new allocates. */
START_TEST(cost_counts_multiply_adds_and_bytes)
{
    /* 1 input, LSTM-3, head: 4*3*(1+3) + 3 = 51 (the NAM example). */
    rnnamp_model *m = random_model(RNNAMP_LSTM, 3, 1, 1, 0, -1, 1);
    ck_assert_double_eq(rnnamp_engine_cost_macs(m), 51.0);
    ck_assert_double_eq(rnnamp_engine_cost_per_second(m, 48000), 51.0 * 48000);
    rnnamp_model_free(m);
    /* 3 inputs, 2 x GRU-20, dense 8 (tanh), head:
     * 3*20*(3+20) + 3*20*(20+20) + 8*20 + 8 = 1380 + 2400 + 160 + 8. */
    m = random_model(RNNAMP_GRU, 20, 2, 3, 1, RNNAMP_ACT_TANH, 2);
    ck_assert_double_eq(rnnamp_engine_cost_macs(m), 3948.0);
    /* The engine runs at the model's rate when the host is slower. */
    m->meta.sample_rate = 96000;
    ck_assert_double_eq(rnnamp_engine_cost_per_second(m, 44100),
                        3948.0 * 96000);
    ck_assert_double_eq(rnnamp_engine_cost_per_second(m, 192000),
                        3948.0 * 192000);
    /* Above 8 times the model's rate the plugin resamples too. */
    m->meta.sample_rate = 22050;
    ck_assert_double_eq(rnnamp_engine_cost_per_second(m, 192000),
                        3948.0 * 22050);
    /* No rate in the file: played as 48000 Hz. */
    m->meta.sample_rate = 0;
    ck_assert_double_eq(rnnamp_engine_cost_per_second(m, 44100),
                        3948.0 * 48000);
    ck_assert_double_eq(rnnamp_engine_cost_per_second(m, 96000),
                        3948.0 * 96000);
    static const double ratios[] = {1.0, 0.0, 1.8375, 4.0, 8.0};
    for (size_t i = 0; i < sizeof ratios / sizeof *ratios; i++) {
        rnnamp_engine_opts o = {RNNAMP_KERNEL_AUTO, ratios[i]};
        rnnamp_engine *e = rnnamp_engine_new(m, &o, NULL, 0);
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(rnnamp_engine_cost_bytes(m, ratios[i]),
                          rnnamp_engine_bytes(e));
        rnnamp_engine_free(e);
    }
    ck_assert_uint_eq(rnnamp_engine_cost_bytes(m, 9.0), 0);
    ck_assert_uint_eq(rnnamp_engine_cost_bytes(m, 0.5), 0);
    rnnamp_model_free(m);
}
END_TEST

/* 7 stacked LSTM-128 (a legal model) cannot play in real time: the budget
 * refuses it, with the numbers; engine_new itself still builds it (the
 * check is the plugin's, offline tools may run it slowly). */
START_TEST(budget_refuses_seven_lstm128)
{
    rnnamp_model *m = random_model(RNNAMP_LSTM, 128, 7, 1, 0, -1, 4);
    /* 4*128*(1+128) + 6 * 4*128*(128+128) + 128 */
    ck_assert_double_eq(rnnamp_engine_cost_macs(m), 852608.0);
    char err[RNNAMP_ERR_LEN] = "";
    ck_assert_int_eq(rnnamp_engine_check_budget(m, 48000, err, sizeof err), -1);
    printf("  refused: %s\n", err);
    ck_assert_str_eq(err, "too heavy to run in real time: needs 40925 M "
                          "multiply-adds per second at 48000 Hz (852608 per "
                          "sample); the real-time budget is 8000 M per second "
                          "(166667 per sample at that rate): use fewer or "
                          "smaller layers");
    ck_assert_int_eq(rnnamp_engine_check_budget(m, 44100, NULL, 0), -1);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
    ck_assert_msg(e != NULL, "%s", err);
    /* weights 4 * (512 x 136 + 6 * 512 x 256) floats and more */
    ck_assert_uint_ge(rnnamp_engine_bytes(e), (size_t)3400000);
    rnnamp_engine_free(e);
    rnnamp_model_free(m);
    /* Two LSTM-128 (197 248 a sample, 9468 M/s at 48 kHz): refused. */
    m = random_model(RNNAMP_LSTM, 128, 2, 1, 0, -1, 5);
    ck_assert_double_eq(rnnamp_engine_cost_macs(m), 197248.0);
    ck_assert_int_eq(rnnamp_engine_check_budget(m, 48000, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "needs 9468 M multiply-adds per second at "
                              "48000 Hz"),
                  "%s", err);
    rnnamp_model_free(m);
    /* One LSTM-128 (66 176): fits, even at 96 kHz. */
    m = random_model(RNNAMP_LSTM, 128, 1, 1, 0, -1, 6);
    ck_assert_int_eq(rnnamp_engine_check_budget(m, 48000, err, sizeof err), 0);
    ck_assert_int_eq(rnnamp_engine_check_budget(m, 96000, err, sizeof err), 0);
    /* A 96 kHz model on a 44.1 kHz host runs at 96 kHz (resampled). */
    m->meta.sample_rate = 96000;
    ck_assert_int_eq(rnnamp_engine_check_budget(m, 44100, err, sizeof err), 0);
    rnnamp_model_free(m);
}
END_TEST

int main(void)
{
    test_log_kernels("engine");
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, cells_match_reference);
    tcase_add_test(tc, single_layer_knobs_match_reference);
    tcase_add_test(tc, stacks_knobs_dense_match_reference);
    tcase_add_test(tc, dense_only_model);
    tcase_add_test(tc, block_sizes_bit_identical_and_in_place);
    tcase_add_test(tc, hybrid_fir_models_match_reference);
    tcase_add_test(tc, hybrid_fir_resampled_at_higher_rate);
    tcase_add_test(tc, reset_and_prewarm);
    tcase_add_test(tc, non_finite_input_recovers);
    tcase_add_test(tc, rate_correction_integer_ratio);
    tcase_add_test(tc, kernel_dispatch);
    tcase_add_test(tc, bad_models_and_options_refused);
    tcase_add_test(tc, selftest_detects_mismatch);
    tcase_add_test(tc, process_does_not_allocate);
    tcase_add_loop_test(tc, shared_engine_has_its_own_state, 0, 7);
    tcase_add_test(tc, cost_counts_multiply_adds_and_bytes);
    tcase_add_test(tc, budget_refuses_seven_lstm128);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
