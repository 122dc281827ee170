/* Gradient checks: analytic gradients of train_cells.c / train_loss.c
 * (float, sgemm) against central finite differences of an independent
 * double-precision reference forward pass written here. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref_forward.h"
#include "test_util.h"

#include "model.h"
#include "train_adam.h"
#include "train_cells.h"
#include "train_fir.h"
#include "train_loss.h"

#define T_STEPS 9
#define NSEQ    3
#define NIN     2
#define HID     5

/* Deterministic pseudo-random numbers in [-a, a]. */
static double rnd(unsigned *s, double a)
{
    *s = *s * 1664525u + 1013904223u;
    return a * (((*s >> 8) & 0xffffff) / (double)0x800000 - 1.0);
}

/* Reference recurrent step in double over the perturbed parameters p:
 * the products here, the gates from tests/ref_forward.h. h, c updated in
 * place. */
static void grad_ref_step(const rnnamp_layer *L, const double *p,
                          const float *base, const double *x, double *h,
                          double *c)
{
    int H = L->n_out, ni = L->n_in, G = rnnamp_layer_gates(L->type);
    const double *wi = p + (L->w_ih - base), *wh = p + (L->w_hh - base);
    const double *bi = p + (L->b_ih - base), *bh = p + (L->b_hh - base);
    double ai[4 * 128], ah[4 * 128];
    for (int r = 0; r < G * H; r++) {
        ai[r] = bi[r];
        ah[r] = bh[r];
        for (int k = 0; k < ni; k++)
            ai[r] += wi[r * ni + k] * x[k];
        for (int k = 0; k < H; k++)
            ah[r] += wh[r * H + k] * h[k];
    }
    ref_cell_finish(L->type, H, ai, ah, h, c);
}

/* Reference FIR in double: out[t][s] = sum_j h[j] in[t - j][s] over T
 * steps of NSEQ sequences, zeros before t = 0; in and out are strided
 * (element (t, s) at (t * NSEQ + s) * stride). */
static void grad_ref_fir(const double *h, int P, const double *in,
                         int in_stride, double *out, int T)
{
    for (int t = 0; t < T; t++)
        for (int s = 0; s < NSEQ; s++) {
            double a = 0;
            for (int j = 0; j < P && j <= t; j++)
                a += h[j] * in[((t - j) * NSEQ + s) * in_stride];
            out[t * NSEQ + s] = a;
        }
}

/* Reference loss of the whole model (pre-FIR, recurrent layer 0, then
 * dense layers, skip, post-FIR; model.h) on x [T][b][NIN], target t
 * [T][b]; p = params in double; xin may be perturbed. Same loss
 * definition as train_loss.h. */
static double ref_loss(const rnnamp_model *m, const double *p,
                       const double *xin, const float *tgt,
                       const rnnamp_loss *l, int T)
{
    const rnnamp_layer *R = &m->layers[0];
    int H = R->n_out;
    double *y = malloc(sizeof(double) * T * NSEQ);
    double *r = malloc(sizeof(double) * T * NSEQ);
    double *xu = malloc(sizeof(double) * T * NSEQ * NIN);
    memcpy(xu, xin, sizeof(double) * T * NSEQ * NIN);
    if (m->pre_taps) {
        grad_ref_fir(p + (m->pre_fir - m->params), m->pre_taps, xin, NIN, r, T);
        for (int i = 0; i < T * NSEQ; i++)
            xu[i * NIN] = r[i];
    }
    for (int s = 0; s < NSEQ; s++) {
        double h[128], c[128];
        for (int j = 0; j < H; j++) {
            h[j] = p[R->h0 - m->params + j];
            c[j] = R->c0 ? p[R->c0 - m->params + j] : 0;
        }
        for (int t = 0; t < T; t++) {
            grad_ref_step(R, p, m->params, xu + (t * NSEQ + s) * NIN, h, c);
            double v[128], u[128];
            int nv = H;
            memcpy(v, h, sizeof(double) * H);
            for (int li = 1; li < m->n_layers; li++) {
                const rnnamp_layer *D = &m->layers[li];
                const double *W = p + (D->w_ih - m->params);
                const double *bb = p + (D->b_ih - m->params);
                for (int o = 0; o < D->n_out; o++) {
                    double a = bb[o];
                    for (int k = 0; k < nv; k++)
                        a += W[o * nv + k] * v[k];
                    u[o] = ref_act(D->act, a);
                }
                nv = D->n_out;
                memcpy(v, u, sizeof(double) * nv);
            }
            r[t * NSEQ + s] = v[0] + (m->skip ? xu[(t * NSEQ + s) * NIN] : 0.0);
        }
    }
    if (m->post_taps)
        grad_ref_fir(p + (m->post_fir - m->params), m->post_taps, r, 1, y, T);
    else
        memcpy(y, r, sizeof(double) * T * NSEQ);
    /* loss */
    double ef = 1e-10, er = 1e-10, loss = 0;
    int k0 = l->n_taps - 1;
    for (int s = 0; s < NSEQ; s++)
        for (int t = 0; t < T; t++) {
            er += (double)tgt[t * NSEQ + s] * tgt[t * NSEQ + s];
            if (t >= k0) {
                double f = 0;
                for (int k = 0; k < l->n_taps; k++)
                    f += l->h[k] * (double)tgt[(t - k) * NSEQ + s];
                ef += f * f;
            }
        }
    for (int s = 0; s < NSEQ; s++) {
        double mean = 0;
        for (int t = 0; t < T; t++)
            mean += y[t * NSEQ + s] - tgt[t * NSEQ + s];
        mean /= T;
        loss += l->dc_weight * T * mean * mean / er;
        for (int t = k0; t < T; t++) {
            double e = 0;
            for (int k = 0; k < l->n_taps; k++)
                e +=
                    l->h[k] * (y[(t - k) * NSEQ + s] - tgt[(t - k) * NSEQ + s]);
            loss += e * e / ef;
        }
    }
    free(y);
    free(r);
    free(xu);
    return loss;
}

/* A [(P - 1 + T)][NSEQ] array with zero history; returns the pointer to
 * step 0 (train_fir.h layout); free with free(ext - (P - 1) * NSEQ). */
static float *fir_ext(int P, int T)
{
    float *b = calloc((size_t)(P - 1 + T) * NSEQ, sizeof(float));
    ck_assert_ptr_nonnull(b);
    return b + (size_t)(P - 1) * NSEQ;
}

static void fir_ext_free(float *e, int P)
{
    free(e - (size_t)(P - 1) * NSEQ);
}

/* Analytic gradient with the trainer's code (train_cells, train_fir,
 * train_loss). grad has n_params entries, dx has T*b*NIN. Returns the
 * loss. */
static double analytic(const rnnamp_model *m, const float *x, const float *tgt,
                       const rnnamp_loss *l, float *grad, float *dx, int T)
{
    const rnnamp_layer *R = &m->layers[0];
    int H = R->n_out, rows = T * NSEQ;
    int P0 = m->pre_taps ? m->pre_taps : 1,
        P1 = m->post_taps ? m->post_taps : 1;
    rnnamp_cell_ws *w = rnnamp_cell_ws_new(R->type, R->n_in, H, T, NSEQ);
    ck_assert_ptr_nonnull(w);
    memset(grad, 0, m->n_params * sizeof(float));
    /* pre-FIR on the audio column */
    float *xa = fir_ext(P0, T), *xu = malloc(sizeof(float) * rows * NIN);
    float *u = malloc(sizeof(float) * rows);
    memcpy(xu, x, sizeof(float) * rows * NIN);
    for (int i = 0; i < rows; i++)
        xa[i] = x[i * NIN];
    if (m->pre_taps) {
        rnnamp_fir_forward(m->pre_fir, P0, xa, u, T, NSEQ);
        for (int i = 0; i < rows; i++)
            xu[i * NIN] = u[i];
    }
    rnnamp_cell_reset(R, w);
    rnnamp_cell_forward(R, w, xu, T);
    /* dense stack on h[1..T] */
    float *acts[RNNAMP_MAX_LAYERS];
    acts[0] = w->h + (size_t)NSEQ * H;
    for (int li = 1; li < m->n_layers; li++) {
        acts[li] = malloc(sizeof(float) * rows * m->layers[li].n_out);
        rnnamp_dense_forward(&m->layers[li], acts[li - 1], acts[li], rows);
    }
    float *re = fir_ext(P1, T), *y = malloc(sizeof(float) * rows);
    for (int i = 0; i < rows; i++)
        re[i] = acts[m->n_layers - 1][i] + (m->skip ? xu[i * NIN] : 0.0f);
    if (m->post_taps)
        rnnamp_fir_forward(m->post_fir, P1, re, y, T, NSEQ);
    else
        memcpy(y, re, sizeof(float) * rows);
    rnnamp_loss_norm nrm = {0};
    rnnamp_loss_norm_add(l, tgt, T, NSEQ, &nrm);
    float *dy = malloc(sizeof(float) * rows),
          *dr = malloc(sizeof(float) * rows);
    double loss = rnnamp_loss_eval(l, &nrm, y, tgt, T, NSEQ, dy);
    if (m->post_taps)
        rnnamp_fir_backward(m->post_fir, P1, re, dy, T, NSEQ,
                            grad + (m->post_fir - m->params), dr);
    else
        memcpy(dr, dy, sizeof(float) * rows);
    float *dskip = malloc(sizeof(float) * rows);
    memcpy(dskip, dr, sizeof(float) * rows);
    float *d = dr;
    for (int li = m->n_layers - 1; li >= 1; li--) {
        rnnamp_layer g = rnnamp_layer_rebase(&m->layers[li], m->params, grad);
        float *dprev =
            li == 1 ? w->dh : malloc(sizeof(float) * rows * m->layers[li].n_in);
        rnnamp_dense_backward(&m->layers[li], &g, acts[li - 1], acts[li], d,
                              dprev, rows);
        if (d != dr)
            free(d);
        d = dprev;
    }
    rnnamp_layer g = rnnamp_layer_rebase(R, m->params, grad);
    rnnamp_cell_backward(R, &g, w, xu, T, dx);
    if (m->skip)
        for (int i = 0; i < rows; i++)
            dx[i * NIN] += dskip[i];
    if (m->pre_taps) {
        for (int i = 0; i < rows; i++)
            u[i] = dx[i * NIN];
        rnnamp_fir_backward(m->pre_fir, P0, xa, u, T, NSEQ,
                            grad + (m->pre_fir - m->params), dskip);
        for (int i = 0; i < rows; i++)
            dx[i * NIN] = dskip[i];
    }
    for (int li = 1; li < m->n_layers; li++)
        free(acts[li]);
    fir_ext_free(xa, P0);
    fir_ext_free(re, P1);
    free(xu);
    free(u);
    free(y);
    free(dy);
    free(dr);
    free(dskip);
    rnnamp_cell_ws_free(w);
    return loss;
}

/* Check every weight (not h0/c0, which are not trained), every FIR tap of
 * a hybrid model (pre, post taps; 0 = no stage) and every input. */
static void check_hybrid(rnnamp_layer_type type, int dense_hidden,
                         rnnamp_act act, int skip, int a_weighting, int pre,
                         int post)
{
    const char *name = rnnamp_layer_type_name(type);
    rnnamp_layer_spec sp[3];
    int nl = 0;
    sp[nl++] = (rnnamp_layer_spec){type, HID, RNNAMP_ACT_LINEAR};
    if (dense_hidden)
        sp[nl++] = (rnnamp_layer_spec){RNNAMP_DENSE, dense_hidden, act};
    sp[nl++] = (rnnamp_layer_spec){RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR};
    char err[256];
    rnnamp_model *m =
        rnnamp_model_new_fir(NIN, nl, sp, skip, pre, post, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    unsigned seed = 12345u + (unsigned)type * 7u + (unsigned)dense_hidden;
    for (size_t i = 0; i < m->n_params; i++)
        m->params[i] = (float)rnd(&seed, 0.6);
    int rows = T_STEPS * NSEQ;
    float x[T_STEPS * NSEQ * NIN], tgt[T_STEPS * NSEQ];
    double xd[T_STEPS * NSEQ * NIN];
    for (int i = 0; i < rows * NIN; i++)
        xd[i] = x[i] = (float)rnd(&seed, 1.0);
    for (int i = 0; i < rows; i++)
        tgt[i] = (float)rnd(&seed, 0.5);
    rnnamp_loss l;
    rnnamp_loss_init(&l, 0.85, 0, 48000, 1.0);
    if (a_weighting) {
        /* a short random FIR stands in for the long A-weighting filter */
        l.n_taps = 4;
        for (int k = 0; k < 4; k++)
            l.h[k] = (float)rnd(&seed, 1.0);
    }
    float *grad = malloc(sizeof(float) * m->n_params);
    float dx[T_STEPS * NSEQ * NIN];
    double la = analytic(m, x, tgt, &l, grad, dx, T_STEPS);
    double *p = malloc(sizeof(double) * m->n_params);
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = m->params[i];
    double l0 = ref_loss(m, p, xd, tgt, &l, T_STEPS);
    ck_assert_msg(fabs(la - l0) <= 1e-5 * fabs(l0) + 1e-7,
                  "%s: loss %.9g vs reference %.9g", name, la, l0);
    const double eps = 1e-5;
    double worst = 0;
    size_t first_state = (size_t)(m->layers[0].h0 - m->params);
    size_t state_len = (size_t)HID * (m->layers[0].c0 ? 2 : 1);
    for (size_t i = 0; i < m->n_params; i++) {
        if (i >= first_state && i < first_state + state_len)
            continue;
        double keep = p[i];
        p[i] = keep + eps;
        double lp = ref_loss(m, p, xd, tgt, &l, T_STEPS);
        p[i] = keep - eps;
        double lm = ref_loss(m, p, xd, tgt, &l, T_STEPS);
        p[i] = keep;
        double fd = (lp - lm) / (2 * eps);
        double e = fabs(fd - grad[i]) / fmax(1e-2, fabs(fd));
        worst = fmax(worst, e);
        ck_assert_msg(e < 2e-3, "%s param %zu: analytic %.7g vs fd %.7g", name,
                      i, grad[i], fd);
    }
    for (int i = 0; i < rows * NIN; i++) {
        double keep = xd[i];
        xd[i] = keep + eps;
        double lp = ref_loss(m, p, xd, tgt, &l, T_STEPS);
        xd[i] = keep - eps;
        double lm = ref_loss(m, p, xd, tgt, &l, T_STEPS);
        xd[i] = keep;
        double fd = (lp - lm) / (2 * eps);
        double e = fabs(fd - dx[i]) / fmax(1e-2, fabs(fd));
        ck_assert_msg(e < 2e-3, "%s input %d: analytic %.7g vs fd %.7g", name,
                      i, dx[i], fd);
    }
    /* gradients must not be all zero: the check would then be vacuous */
    double gn = 0;
    for (size_t i = 0; i < m->n_params; i++)
        gn += fabs(grad[i]);
    ck_assert(gn > 1e-3);
    /* nor for the taps: each tap that sees the chunk has a gradient */
    for (int j = 0; j < pre && j < T_STEPS; j++)
        ck_assert_msg(fabs(grad[m->pre_fir - m->params + j]) > 1e-6,
                      "pre tap %d: zero gradient", j);
    for (int j = 0; j < post && j < T_STEPS; j++)
        ck_assert_msg(fabs(grad[m->post_fir - m->params + j]) > 1e-6,
                      "post tap %d: zero gradient", j);
    free(p);
    free(grad);
    rnnamp_model_free(m);
}

static void check_model(rnnamp_layer_type type, int dense_hidden,
                        rnnamp_act act, int skip, int a_weighting)
{
    check_hybrid(type, dense_hidden, act, skip, a_weighting, 0, 0);
}

START_TEST(grad_lstm)
{
    check_model(RNNAMP_LSTM, 0, RNNAMP_ACT_LINEAR, 0, 0);
}
END_TEST

START_TEST(grad_gru)
{
    check_model(RNNAMP_GRU, 0, RNNAMP_ACT_LINEAR, 0, 0);
}
END_TEST

START_TEST(grad_rnn)
{
    check_model(RNNAMP_RNN, 0, RNNAMP_ACT_LINEAR, 1, 0);
}
END_TEST

START_TEST(grad_dense_tanh)
{
    check_model(RNNAMP_LSTM, 4, RNNAMP_ACT_TANH, 1, 0);
}
END_TEST

START_TEST(grad_dense_sigmoid)
{
    check_model(RNNAMP_GRU, 3, RNNAMP_ACT_SIGMOID, 0, 0);
}
END_TEST

START_TEST(grad_loss_fir)
{
    check_model(RNNAMP_RNN, 0, RNNAMP_ACT_LINEAR, 0, 1);
}
END_TEST

/* Hybrid models: pre- and post-FIR taps (a post-FIR longer than the chunk:
 * its late taps see only the zero history), with and without skip. */
START_TEST(grad_hybrid_lstm)
{
    check_hybrid(RNNAMP_LSTM, 0, RNNAMP_ACT_LINEAR, 1, 0, 4, 12);
}
END_TEST

START_TEST(grad_hybrid_gru_dense)
{
    check_hybrid(RNNAMP_GRU, 3, RNNAMP_ACT_TANH, 0, 1, 3, 5);
}
END_TEST

START_TEST(grad_hybrid_post_only)
{
    check_hybrid(RNNAMP_RNN, 0, RNNAMP_ACT_LINEAR, 1, 0, 0, 7);
}
END_TEST

/* The A-weighting filter: about -19.1 dB at 100 Hz and ~0 dB at 1 kHz
 * (IEC 61672 table), checked on the FIR's frequency response. */
START_TEST(a_weighting_response)
{
    rnnamp_loss l;
    rnnamp_loss_init(&l, 0.0, 1, 48000, 0.0);
    ck_assert_int_gt(l.n_taps, 50);
    double f[3] = {1000, 100, 4000}, want[3] = {0.0, -19.1, 1.0};
    for (int i = 0; i < 3; i++) {
        double re = 0, im = 0;
        for (int k = 0; k < l.n_taps; k++) {
            re += l.h[k] * cos(2 * M_PI * f[i] * k / 48000);
            im -= l.h[k] * sin(2 * M_PI * f[i] * k / 48000);
        }
        double db = 10 * log10(re * re + im * im);
        ck_assert_msg(fabs(db - want[i]) < 1.5, "A-weighting at %g Hz: %.2f dB",
                      f[i], db);
    }
}
END_TEST

/* One training step against PyTorch 1.13 (tools/torch_train_golden.py):
 * loss, every gradient, and the weights after one Adam step (lr 1e-3). */
static double *golden_get(const char *path, const char *name, size_t *n)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 1024, cnt = 0;
    double *v = malloc(cap * sizeof *v);
    char line[256], nm[32];
    long idx;
    double val;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char *c1 = strchr(line, ',');
        if (!c1 || (size_t)(c1 - line) >= sizeof nm)
            continue;
        memcpy(nm, line, (size_t)(c1 - line));
        nm[c1 - line] = 0;
        if (strcmp(nm, name) || sscanf(c1 + 1, "%ld,%lf", &idx, &val) != 2)
            continue;
        if (cnt == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[cnt++] = val;
    }
    fclose(f);
    *n = cnt;
    return v;
}

/* The step of golden file step_<name>.csv for a model of one recurrent
 * layer of type, a linear head, skip and FIR stages of pre / post taps;
 * the chunk length T comes from the file. */
static void golden_file(const char *name, rnnamp_layer_type type, int skip,
                        int pre, int post)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/train/golden/step_%s.csv",
             RNNAMP_SOURCE_DIR, name);
    rnnamp_layer_spec sp[2] = {{type, HID, RNNAMP_ACT_LINEAR},
                               {RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR}};
    rnnamp_model *m =
        rnnamp_model_new_fir(NIN, 2, sp, skip, pre, post, NULL, 0);
    ck_assert_ptr_nonnull(m);
    size_t nx, nt, np0, ng, np1, nl;
    double *gx = golden_get(path, "x", &nx), *gt = golden_get(path, "t", &nt);
    double *p0 = golden_get(path, "p0", &np0);
    double *gg = golden_get(path, "grad", &ng);
    double *p1 = golden_get(path, "p1", &np1);
    double *gl = golden_get(path, "loss", &nl);
    int T = (int)(nt / NSEQ);
    ck_assert_int_ge(T, 2);
    ck_assert_uint_eq(nx, (size_t)T * NSEQ * NIN);
    ck_assert_uint_eq(nt, (size_t)T * NSEQ);
    ck_assert_uint_eq(np0, m->n_params);
    ck_assert_uint_eq(ng, m->n_params);
    ck_assert_uint_eq(np1, m->n_params);
    ck_assert_uint_eq(nl, 1);
    float *x = malloc(nx * sizeof(float)), *t = malloc(nt * sizeof(float));
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)gx[i];
    for (size_t i = 0; i < nt; i++)
        t[i] = (float)gt[i];
    for (size_t i = 0; i < np0; i++)
        m->params[i] = (float)p0[i];
    rnnamp_loss l;
    rnnamp_loss_init(&l, 0.85, 0, 48000, 1.0);
    float *grad = malloc(m->n_params * sizeof(float));
    float *dx = malloc(nx * sizeof(float));
    double loss = analytic(m, x, t, &l, grad, dx, T);
    ck_assert_msg(fabs(loss - gl[0]) < 1e-5 * fabs(gl[0]),
                  "%s loss %.9g vs torch %.9g", name, loss, gl[0]);
    for (size_t i = 0; i < ng; i++)
        ck_assert_msg(fabs(grad[i] - gg[i]) < 1e-4 * fabs(gg[i]) + 2e-6,
                      "%s grad[%zu] %.9g vs torch %.9g", name, i, grad[i],
                      gg[i]);
    rnnamp_adam a;
    ck_assert_int_eq(rnnamp_adam_init(&a, m->n_params, 1e-3), 0);
    rnnamp_adam_step(&a, m->params, grad);
    for (size_t i = 0; i < np1; i++) {
        if (fabs(gg[i]) < 1e-5) /* sign of a ~0 gradient is noise */
            continue;
        ck_assert_msg(fabs(m->params[i] - p1[i]) < 2e-6,
                      "%s after Adam [%zu] %.9g vs torch %.9g", name, i,
                      m->params[i], p1[i]);
    }
    rnnamp_adam_free(&a);
    free(grad);
    free(x);
    free(t);
    free(dx);
    free(gx);
    free(gt);
    free(p0);
    free(gg);
    free(p1);
    free(gl);
    rnnamp_model_free(m);
}

static void golden_step(rnnamp_layer_type type)
{
    golden_file(rnnamp_layer_type_name(type), type, 0, 0, 0);
}

START_TEST(torch_lstm)
{
    golden_step(RNNAMP_LSTM);
}
END_TEST

START_TEST(torch_gru)
{
    golden_step(RNNAMP_GRU);
}
END_TEST

START_TEST(torch_rnn)
{
    golden_step(RNNAMP_RNN);
}
END_TEST

/* A hybrid: pre-FIR 4 taps, LSTM + head + skip, post-FIR 32 taps, T 48. */
START_TEST(torch_hybrid)
{
    golden_file("hybrid", RNNAMP_LSTM, 1, 4, 32);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train_grad");
    TCase *tc = tcase_create("grad");
    tcase_add_test(tc, grad_lstm);
    tcase_add_test(tc, grad_gru);
    tcase_add_test(tc, grad_rnn);
    tcase_add_test(tc, grad_dense_tanh);
    tcase_add_test(tc, grad_dense_sigmoid);
    tcase_add_test(tc, grad_loss_fir);
    tcase_add_test(tc, grad_hybrid_lstm);
    tcase_add_test(tc, grad_hybrid_gru_dense);
    tcase_add_test(tc, grad_hybrid_post_only);
    tcase_add_test(tc, a_weighting_response);
    tcase_add_test(tc, torch_lstm);
    tcase_add_test(tc, torch_gru);
    tcase_add_test(tc, torch_rnn);
    tcase_add_test(tc, torch_hybrid);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
