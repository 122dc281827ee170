/* rnnamp trainer: layer forward/backward over a batch, time-major.
 * See train_cells.h. Each layer type has its _forward and _backward side by
 * side. */
#include "train_cells.h"
#include "train_kernel.h"

#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The reference path's activations: the portable kernels' (the same
 * approximation as every kernel, see train_kernel.h). */
static const rnnamp_tk_ops *ref_act(void)
{
    return rnnamp_tk_ops_for(RNNAMP_TK_SCALAR);
}

/* ---- workspace: one allocation, carved ---- */

/* Floats of one array rounded up to 64 bytes, so every array is aligned. */
static size_t ws_round(size_t n)
{
    return (n + 15) / 16 * 16;
}

/* Point the arrays of w into base (NULL: only count); returns the floats
 * the arrays take. */
static size_t ws_carve(rnnamp_cell_ws *w, float *base)
{
    size_t H = (size_t)w->H, hp = (size_t)w->Hp, b = (size_t)w->b;
    size_t gh = (size_t)w->G * H, tb = (size_t)w->T * b, ni = (size_t)w->n_in;
    int lstm = w->type == RNNAMP_LSTM, gru = w->type == RNNAMP_GRU;
    struct {
        float **p;
        size_t n;
    } a[] = {
        {&w->act, tb * gh},
        {&w->hn, gru ? tb * H : 0},
        {&w->h, (tb + b) * H},
        {&w->c, lstm ? (tb + b) * H : 0},
        {&w->dA, tb * gh},
        {&w->dAih, gru ? tb * gh : 0},
        {&w->dh, tb * H},
        {&w->scratch, b * gh},
        {&w->pk_wx, ni * (size_t)w->G * hp},
        {&w->pk_wh, H * (size_t)w->G * hp},
        {&w->pk_b, 4 * hp},
        {&w->pk_whh, gh * hp},
        {&w->tc, lstm ? tb * H : 0},
        {&w->dc, b * hp},
        {&w->gacc, (2 + ni) * (size_t)w->G * hp},
    };
    size_t off = 0;
    for (size_t k = 0; k < sizeof a / sizeof a[0]; k++) {
        if (base)
            *a[k].p = a[k].n ? base + off : NULL;
        off += ws_round(a[k].n);
    }
    return off;
}

rnnamp_cell_ws *rnnamp_cell_ws_new(rnnamp_layer_type type, int n_in, int H,
                                   int T, int b)
{
    rnnamp_cell_ws *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->type = type;
    w->n_in = n_in;
    w->H = H;
    w->G = rnnamp_layer_gates(type);
    w->T = T;
    w->b = b;
    w->Hp = (H + 15) / 16 * 16;
    w->tk = rnnamp_tk_ops_best();
    size_t n = ws_carve(w, NULL);
    float *base = aligned_alloc(64, n * sizeof(float));
    if (!base) {
        free(w);
        return NULL;
    }
    memset(base, 0, n * sizeof(float));
    ws_carve(w, base);
    return w;
}

void rnnamp_cell_ws_free(rnnamp_cell_ws *w)
{
    if (!w)
        return;
    free(w->act); /* the start of the one allocation */
    free(w);
}

void rnnamp_cell_reset(const rnnamp_layer *L, rnnamp_cell_ws *w)
{
    size_t H = (size_t)w->H;
    for (int s = 0; s < w->b; s++) {
        memcpy(w->h + (size_t)s * H, L->h0, H * sizeof(float));
        if (w->c)
            memcpy(w->c + (size_t)s * H, L->c0, H * sizeof(float));
    }
}

void rnnamp_cell_carry(rnnamp_cell_ws *w, int T)
{
    size_t n = (size_t)w->b * (size_t)w->H;
    memmove(w->h, w->h + (size_t)T * n, n * sizeof(float));
    if (w->c)
        memmove(w->c, w->c + (size_t)T * n, n * sizeof(float));
}

rnnamp_layer rnnamp_layer_rebase(const rnnamp_layer *L, const float *params,
                                 float *grad)
{
    rnnamp_layer g = *L;
#define REBASE(p) g.p = L->p ? grad + (L->p - params) : NULL
    REBASE(w_ih);
    REBASE(w_hh);
    REBASE(b_ih);
    REBASE(b_hh);
    REBASE(h0);
    REBASE(c0);
#undef REBASE
    return g;
}

/* A[rows][n] = x[rows][n_in] W^T + bias (bias2 may be NULL). */
static void input_projection(const float *x, const float *W, const float *bias,
                             const float *bias2, float *A, int rows, int n_in,
                             int n)
{
    for (int r = 0; r < rows; r++) {
        float *a = A + (size_t)r * (size_t)n;
        for (int j = 0; j < n; j++)
            a[j] = bias[j] + (bias2 ? bias2[j] : 0.0f);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, n_in, 1.0f, x,
                n_in, W, n_in, 1.0f, A, n);
}

/* Add the column sums of A [rows][n] to out [n]. */
static void add_colsum(const float *A, int rows, int n, float *out)
{
    for (int r = 0; r < rows; r++) {
        const float *a = A + (size_t)r * (size_t)n;
        for (int j = 0; j < n; j++)
            out[j] += a[j];
    }
}

/* Weight and bias gradients shared by all recurrent cells:
 *  dW_hh += dA^T h[0..T-1], dW_ih += dAih^T x, db_hh += sum dA,
 *  db_ih += sum dAih, dx = dAih W_ih. */
static void cell_weight_grads(const rnnamp_layer *L, rnnamp_layer *g,
                              const rnnamp_cell_ws *w, const float *dAih,
                              const float *x, int T, float *dx)
{
    int rows = T * w->b, gh = w->G * w->H;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, gh, w->H, rows, 1.0f,
                w->dA, gh, w->h, w->H, 1.0f, g->w_hh, w->H);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, gh, w->n_in, rows,
                1.0f, dAih, gh, x, w->n_in, 1.0f, g->w_ih, w->n_in);
    add_colsum(w->dA, rows, gh, g->b_hh);
    add_colsum(dAih, rows, gh, g->b_ih);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, w->n_in,
                    gh, 1.0f, dAih, gh, L->w_ih, w->n_in, 0.0f, dx, w->n_in);
}

/* ---- packed weights for the fused kernels (train_kernel.h) ---- */

/* pk_wx, pk_wh: transposed, zero-padded to Hp; pk_b: summed biases. */
static void pack_forward(const rnnamp_layer *L, rnnamp_cell_ws *w)
{
    int G = w->G, H = w->H, Hp = w->Hp, ni = w->n_in;
    for (int g = 0; g < G; g++)
        for (int j = 0; j < H; j++) {
            const float *wi = L->w_ih + (size_t)(g * H + j) * ni;
            const float *wh = L->w_hh + (size_t)(g * H + j) * H;
            for (int k = 0; k < ni; k++)
                w->pk_wx[((size_t)k * G + g) * Hp + j] = wi[k];
            for (int k = 0; k < H; k++)
                w->pk_wh[((size_t)k * G + g) * Hp + j] = wh[k];
        }
    for (int j = 0; j < H; j++) {
        if (w->type == RNNAMP_LSTM) {
            for (int g = 0; g < 4; g++)
                w->pk_b[g * Hp + j] = L->b_ih[g * H + j] + L->b_hh[g * H + j];
        } else if (w->type == RNNAMP_RNN) {
            w->pk_b[j] = L->b_ih[j] + L->b_hh[j];
        } else { /* GRU */
            w->pk_b[j] = L->b_ih[j] + L->b_hh[j];
            w->pk_b[Hp + j] = L->b_ih[H + j] + L->b_hh[H + j];
            w->pk_b[2 * Hp + j] = L->b_ih[2 * H + j];
            w->pk_b[3 * Hp + j] = L->b_hh[2 * H + j];
        }
    }
}

/* pk_whh: W_hh rows zero-padded to Hp. */
static void pack_backward(const rnnamp_layer *L, rnnamp_cell_ws *w)
{
    int H = w->H, Hp = w->Hp;
    for (int k = 0; k < w->G * H; k++)
        memcpy(w->pk_whh + (size_t)k * Hp, L->w_hh + (size_t)k * H,
               (size_t)H * sizeof(float));
}

/* Floats of dA one piece of a fused backward sweep leaves for the sgemm
 * (64 KB): it takes them while they are still in the cache. One sgemm over
 * a whole long chunk read them back from memory, and its packing of that
 * operand took as long as its multiply-adds. */
#define BWD_PIECE_FLOATS 16384

/* A fused backward sweep (train_kernel.h) in pieces of steps, each
 * followed by dW_hh += dA^T h of the piece's rows. */
static void fused_backward(rnnamp_tk_bwd_fn fn, rnnamp_layer *g,
                           rnnamp_cell_ws *w, const float *x, int T)
{
    int b = w->b, H = w->H, gh = w->G * H;
    int piece = BWD_PIECE_FLOATS / (b * gh);
    if (piece < 1)
        piece = 1;
    for (int hi = T, lo; hi > 0; hi = lo) {
        lo = hi > piece ? hi - piece : 0;
        fn(w, x, T, lo, hi);
        size_t r0 = (size_t)lo * b;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, gh, H,
                    (hi - lo) * b, 1.0f, w->dA + r0 * gh, gh, w->h + r0 * H, H,
                    1.0f, g->w_hh, H);
    }
}

/* Weight gradients after a fused backward sweep (dW_hh is done): the bias
 * and (n_in <= 4) input-weight sums the kernel accumulated in gacc, else
 * dW_ih += dAih^T x (sgemm); dx. */
static void cell_weight_grads_fused(const rnnamp_layer *L, rnnamp_layer *g,
                                    const rnnamp_cell_ws *w, const float *dAih,
                                    const float *x, int T, float *dx)
{
    int rows = T * w->b, H = w->H, Hp = w->Hp, G = w->G, ni = w->n_in;
    int gh = G * H;
    if (ni > RNNAMP_TK_MAX_IN)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, gh, ni, rows, 1.0f,
                    dAih, gh, x, ni, 1.0f, g->w_ih, ni);
    const float *dbh = w->gacc, *dbi = w->gacc + (size_t)G * Hp;
    const float *dwx = w->gacc + 2 * (size_t)G * Hp;
    for (int gi = 0; gi < G; gi++)
        for (int j = 0; j < H; j++) {
            size_t o = (size_t)gi * Hp + j, q = (size_t)gi * H + j;
            g->b_hh[q] += dbh[o];
            g->b_ih[q] += dbi[o];
            if (ni <= RNNAMP_TK_MAX_IN)
                for (int k = 0; k < ni; k++)
                    g->w_ih[q * ni + k] += dwx[(size_t)k * G * Hp + o];
        }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, ni, gh,
                    1.0f, dAih, gh, L->w_ih, ni, 0.0f, dx, ni);
}

/* ---- LSTM: gates i, f, g, o ---- */

static void lstm_forward(const rnnamp_layer *L, rnnamp_cell_ws *w,
                         const float *x, int T)
{
    int b = w->b, H = w->H, gh = 4 * H;
    if (w->tk) {
        pack_forward(L, w);
        w->tk->lstm_forward(w, x, T);
        return;
    }
    const rnnamp_tk_ops *act = ref_act();
    input_projection(x, L->w_ih, L->b_ih, L->b_hh, w->act, T * b, w->n_in, gh);
    for (int t = 0; t < T; t++) {
        float *A = w->act + (size_t)t * b * gh;
        const float *hp = w->h + (size_t)t * b * H;
        float *hn = w->h + (size_t)(t + 1) * b * H;
        const float *cp = w->c + (size_t)t * b * H;
        float *cn = w->c + (size_t)(t + 1) * b * H;
        float *tc = w->tc + (size_t)t * b * H;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, gh, H, 1.0f, hp,
                    H, L->w_hh, H, 1.0f, A, gh);
        for (int s = 0; s < b; s++) {
            float *a = A + (size_t)s * gh;
            act->sigmoid(a, a, 2 * (size_t)H);
            act->tanh(a + 2 * H, a + 2 * H, (size_t)H);
            act->sigmoid(a + 3 * H, a + 3 * H, (size_t)H);
            const float *restrict c0 = cp + (size_t)s * H;
            float *restrict c1 = cn + (size_t)s * H;
            float *restrict h1 = hn + (size_t)s * H;
            float *restrict tcs = tc + (size_t)s * H;
            const float *restrict ai = a, *restrict af = a + H;
            const float *restrict ag = a + 2 * H, *restrict ao = a + 3 * H;
            for (int j = 0; j < H; j++)
                c1[j] = af[j] * c0[j] + ai[j] * ag[j];
            act->tanh(c1, tcs, (size_t)H);
            for (int j = 0; j < H; j++)
                h1[j] = ao[j] * tcs[j];
        }
    }
}

static void lstm_backward(const rnnamp_layer *L, rnnamp_layer *g,
                          rnnamp_cell_ws *w, const float *x, int T, float *dx)
{
    int b = w->b, H = w->H, gh = 4 * H;
    if (w->tk) {
        pack_backward(L, w);
        fused_backward(w->tk->lstm_backward, g, w, x, T);
        cell_weight_grads_fused(L, g, w, w->dA, x, T, dx);
        return;
    }
    float *dc = w->scratch; /* [b][H] running dL/dc */
    memset(dc, 0, (size_t)b * H * sizeof(float));
    for (int t = T - 1; t >= 0; t--) {
        const float *A = w->act + (size_t)t * b * gh;
        float *dA = w->dA + (size_t)t * b * gh;
        const float *cp = w->c + (size_t)t * b * H;
        const float *tcv = w->tc + (size_t)t * b * H;
        const float *dh = w->dh + (size_t)t * b * H;
        for (int s = 0; s < b; s++) {
            const float *a = A + (size_t)s * gh;
            float *d = dA + (size_t)s * gh;
            float *dcs = dc + (size_t)s * H;
            const float *c0 = cp + (size_t)s * H, *tcs = tcv + (size_t)s * H;
            const float *dhs = dh + (size_t)s * H;
            for (int j = 0; j < H; j++) {
                float i = a[j], f = a[H + j], gg = a[2 * H + j],
                      o = a[3 * H + j];
                float tc = tcs[j];
                float dct = dcs[j] + dhs[j] * o * (1.0f - tc * tc);
                d[j] = dct * gg * i * (1.0f - i);
                d[H + j] = dct * c0[j] * f * (1.0f - f);
                d[2 * H + j] = dct * i * (1.0f - gg * gg);
                d[3 * H + j] = dhs[j] * tc * o * (1.0f - o);
                dcs[j] = dct * f;
            }
        }
        if (t > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, H, gh,
                        1.0f, dA, gh, L->w_hh, H, 1.0f,
                        w->dh + (size_t)(t - 1) * b * H, H);
    }
    cell_weight_grads(L, g, w, w->dA, x, T, dx);
}

/* ---- GRU: gates r, z, n (PyTorch, reset applied after W_hn h) ---- */

static void gru_forward(const rnnamp_layer *L, rnnamp_cell_ws *w,
                        const float *x, int T)
{
    int b = w->b, H = w->H, gh = 3 * H;
    if (w->tk) {
        pack_forward(L, w);
        w->tk->gru_forward(w, x, T);
        return;
    }
    const rnnamp_tk_ops *act = ref_act();
    input_projection(x, L->w_ih, L->b_ih, NULL, w->act, T * b, w->n_in, gh);
    float *hh = w->scratch;
    for (int t = 0; t < T; t++) {
        float *A = w->act + (size_t)t * b * gh;
        const float *hp = w->h + (size_t)t * b * H;
        float *hnext = w->h + (size_t)(t + 1) * b * H;
        float *hn = w->hn + (size_t)t * b * H;
        for (int s = 0; s < b; s++)
            memcpy(hh + (size_t)s * gh, L->b_hh, (size_t)gh * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, gh, H, 1.0f, hp,
                    H, L->w_hh, H, 1.0f, hh, gh);
        for (int s = 0; s < b; s++) {
            float *a = A + (size_t)s * gh;
            const float *q = hh + (size_t)s * gh;
            const float *h0 = hp + (size_t)s * H;
            float *h1 = hnext + (size_t)s * H, *hns = hn + (size_t)s * H;
            for (int j = 0; j < 2 * H; j++)
                a[j] += q[j];
            act->sigmoid(a, a, 2 * (size_t)H); /* r, z */
            for (int j = 0; j < H; j++)
                a[2 * H + j] += a[j] * q[2 * H + j];
            act->tanh(a + 2 * H, a + 2 * H, (size_t)H); /* n */
            for (int j = 0; j < H; j++) {
                float z = a[H + j];
                hns[j] = q[2 * H + j];
                h1[j] = (1.0f - z) * a[2 * H + j] + z * h0[j];
            }
        }
    }
}

static void gru_backward(const rnnamp_layer *L, rnnamp_layer *g,
                         rnnamp_cell_ws *w, const float *x, int T, float *dx)
{
    int b = w->b, H = w->H, gh = 3 * H;
    if (w->tk) {
        pack_backward(L, w);
        fused_backward(w->tk->gru_backward, g, w, x, T);
        cell_weight_grads_fused(L, g, w, w->dAih, x, T, dx);
        return;
    }
    for (int t = T - 1; t >= 0; t--) {
        const float *A = w->act + (size_t)t * b * gh;
        float *dA = w->dA + (size_t)t * b * gh;
        float *dAi = w->dAih + (size_t)t * b * gh;
        const float *hp = w->h + (size_t)t * b * H;
        const float *hn = w->hn + (size_t)t * b * H;
        const float *dh = w->dh + (size_t)t * b * H;
        float *dhp = t > 0 ? w->dh + (size_t)(t - 1) * b * H : NULL;
        for (int s = 0; s < b; s++) {
            const float *a = A + (size_t)s * gh;
            float *d = dA + (size_t)s * gh, *di = dAi + (size_t)s * gh;
            const float *h0 = hp + (size_t)s * H, *q = hn + (size_t)s * H;
            const float *dhs = dh + (size_t)s * H;
            for (int j = 0; j < H; j++) {
                float r = a[j], z = a[H + j], n = a[2 * H + j];
                float dn = dhs[j] * (1.0f - z);
                float dz = dhs[j] * (h0[j] - n);
                float dan = dn * (1.0f - n * n);
                float dar = dan * q[j] * r * (1.0f - r);
                float daz = dz * z * (1.0f - z);
                di[j] = d[j] = dar;
                di[H + j] = d[H + j] = daz;
                di[2 * H + j] = dan;
                d[2 * H + j] = dan * r;
            }
            if (dhp) {
                float *dps = dhp + (size_t)s * H;
                for (int j = 0; j < H; j++)
                    dps[j] += dhs[j] * a[H + j];
            }
        }
        if (dhp)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, H, gh,
                        1.0f, dA, gh, L->w_hh, H, 1.0f, dhp, H);
    }
    cell_weight_grads(L, g, w, w->dAih, x, T, dx);
}

/* ---- RNN: h = tanh(W_ih x + b_ih + W_hh h + b_hh) ---- */

static void rnn_forward(const rnnamp_layer *L, rnnamp_cell_ws *w,
                        const float *x, int T)
{
    int b = w->b, H = w->H;
    if (w->tk) {
        pack_forward(L, w);
        w->tk->rnn_forward(w, x, T);
        return;
    }
    input_projection(x, L->w_ih, L->b_ih, L->b_hh, w->act, T * b, w->n_in, H);
    for (int t = 0; t < T; t++) {
        float *A = w->act + (size_t)t * b * H;
        const float *hp = w->h + (size_t)t * b * H;
        float *hn = w->h + (size_t)(t + 1) * b * H;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, H, H, 1.0f, hp,
                    H, L->w_hh, H, 1.0f, A, H);
        ref_act()->tanh(A, A, (size_t)b * H);
        memcpy(hn, A, (size_t)b * H * sizeof(float));
    }
}

static void rnn_backward(const rnnamp_layer *L, rnnamp_layer *g,
                         rnnamp_cell_ws *w, const float *x, int T, float *dx)
{
    int b = w->b, H = w->H;
    if (w->tk) {
        pack_backward(L, w);
        fused_backward(w->tk->rnn_backward, g, w, x, T);
        cell_weight_grads_fused(L, g, w, w->dA, x, T, dx);
        return;
    }
    for (int t = T - 1; t >= 0; t--) {
        const float *A = w->act + (size_t)t * b * H;
        float *dA = w->dA + (size_t)t * b * H;
        const float *dh = w->dh + (size_t)t * b * H;
        for (int k = 0; k < b * H; k++)
            dA[k] = dh[k] * (1.0f - A[k] * A[k]);
        if (t > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, H, H,
                        1.0f, dA, H, L->w_hh, H, 1.0f,
                        w->dh + (size_t)(t - 1) * b * H, H);
    }
    cell_weight_grads(L, g, w, w->dA, x, T, dx);
}

void rnnamp_cell_forward(const rnnamp_layer *L, rnnamp_cell_ws *w,
                         const float *x, int T)
{
    switch (w->type) {
    case RNNAMP_LSTM: lstm_forward(L, w, x, T); break;
    case RNNAMP_GRU: gru_forward(L, w, x, T); break;
    case RNNAMP_RNN: rnn_forward(L, w, x, T); break;
    default: break;
    }
}

void rnnamp_cell_backward(const rnnamp_layer *L, rnnamp_layer *grad,
                          rnnamp_cell_ws *w, const float *x, int T, float *dx)
{
    switch (w->type) {
    case RNNAMP_LSTM: lstm_backward(L, grad, w, x, T, dx); break;
    case RNNAMP_GRU: gru_backward(L, grad, w, x, T, dx); break;
    case RNNAMP_RNN: rnn_backward(L, grad, w, x, T, dx); break;
    default: break;
    }
}

/* ---- dense ---- */

void rnnamp_dense_forward(const rnnamp_layer *L, const float *x, float *y,
                          int n)
{
    int no = L->n_out;
    input_projection(x, L->w_ih, L->b_ih, NULL, y, n, L->n_in, no);
    size_t cnt = (size_t)n * (size_t)no;
    switch (L->act) {
    case RNNAMP_ACT_TANH: rnnamp_tk_ops_best()->tanh(y, y, cnt); break;
    case RNNAMP_ACT_SIGMOID: rnnamp_tk_ops_best()->sigmoid(y, y, cnt); break;
    case RNNAMP_ACT_RELU:
        for (size_t k = 0; k < cnt; k++)
            y[k] = y[k] > 0.0f ? y[k] : 0.0f;
        break;
    default: break;
    }
}

void rnnamp_dense_backward(const rnnamp_layer *L, rnnamp_layer *grad,
                           const float *x, const float *y, float *dy, float *dx,
                           int n)
{
    int no = L->n_out, ni = L->n_in;
    size_t cnt = (size_t)n * (size_t)no;
    for (size_t k = 0; k < cnt; k++) {
        switch (L->act) {
        case RNNAMP_ACT_TANH: dy[k] *= 1.0f - y[k] * y[k]; break;
        case RNNAMP_ACT_SIGMOID: dy[k] *= y[k] * (1.0f - y[k]); break;
        case RNNAMP_ACT_RELU: dy[k] = y[k] > 0.0f ? dy[k] : 0.0f; break;
        default: break;
        }
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, no, ni, n, 1.0f, dy,
                no, x, ni, 1.0f, grad->w_ih, ni);
    add_colsum(dy, n, no, grad->b_ih);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, ni, no, 1.0f,
                    dy, no, L->w_ih, ni, 0.0f, dx, ni);
}
