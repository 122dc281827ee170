/* rnnamp: the WaveNet block loop, written once over the vector abstraction
 * (vf, VW, vf_*) of the including file. Include it after one of
 * vec_scalar.h / vec_sse2.h / vec_avx2.h with RNNAMP_WN_RUN_NAME defined.
 *
 * Called only through rnnamp_engine_process() (audio thread): no
 * allocation, no I/O, bounded time. Layout: engine_internal.h. The
 * branches on layer options (activation, gating, 1x1s) are taken once per
 * layer and block, never per sample. */
#include <stdint.h>
#include <string.h>

#include "engine_internal.h"

#define WN_INLINE static inline __attribute__((always_inline))
#define WN_TILE   4 /* vectors of frames per tile */

/* Rows y0, y1 over frames [0, NV*VW) (NV <= WN_TILE vectors, the last with
 * np lanes when np < VW): y = (acc ? y : 0) + b + sum_k sum_i w[k I + i]
 * X[i xs - d (K - 1 - k)]. */
WN_INLINE void wn_tile(const float *w0, const float *w1, float b0, float b1,
                       int I, int K, int d, const float *X, int xs, float *y0,
                       float *y1, int acc, int NV, int np)
{
    vf a0[WN_TILE], a1[WN_TILE];
    for (int v = 0; v < NV; v++) {
        int part = v == NV - 1 && np < VW;
        vf c0 =
            acc ? (part ? vf_load_part(y0 + v * VW, np) : vf_load(y0 + v * VW))
                : vf_set1(0.f);
        vf c1 =
            acc ? (part ? vf_load_part(y1 + v * VW, np) : vf_load(y1 + v * VW))
                : vf_set1(0.f);
        a0[v] = vf_add(c0, vf_set1(b0));
        a1[v] = vf_add(c1, vf_set1(b1));
    }
    for (int k = 0; k < K; k++) {
        const float *xk = X - d * (K - 1 - k);
        for (int i = 0; i < I; i++) {
            const float *xr = xk + (size_t)i * (size_t)xs;
            vf s0 = vf_set1(w0[k * I + i]), s1 = vf_set1(w1[k * I + i]);
            for (int v = 0; v < NV; v++) {
                int part = v == NV - 1 && np < VW;
                vf xv =
                    part ? vf_load_part(xr + v * VW, np) : vf_load(xr + v * VW);
                a0[v] = vf_fmadd(xv, s0, a0[v]);
                a1[v] = vf_fmadd(xv, s1, a1[v]);
            }
        }
    }
    for (int v = 0; v < NV; v++) {
        if (v == NV - 1 && np < VW) {
            vf_store_part(y0 + v * VW, a0[v], np);
            vf_store_part(y1 + v * VW, a1[v], np);
        } else {
            vf_store(y0 + v * VW, a0[v]);
            vf_store(y1 + v * VW, a1[v]);
        }
    }
}

/* Y[o ys + t] (+)= b[o] + sum_k sum_i W[(o K + k) I + i] X[i xs + t - d
 * (K-1-k)] for o < O, t < n (n <= RNNAMP_WN_BLOCK). b may be NULL. X points at
 * the block's first frame; the history before it must be readable. */
static void wn_conv(const float *W, const float *b, int O, int I, int K, int d,
                    const float *X, int xs, float *Y, int ys, int n, int acc)
{
    float spare[RNNAMP_WN_BLOCK] __attribute__((aligned(64)));
    const int IK = I * K;
    for (int o = 0; o < O; o += 2) {
        const int two = o + 1 < O;
        const float *w0 = W + (size_t)o * (size_t)IK;
        const float *w1 = two ? w0 + IK : w0;
        const float b0 = b ? b[o] : 0.f, b1 = b && two ? b[o + 1] : 0.f;
        float *y0 = Y + (size_t)o * (size_t)ys;
        float *y1 = two ? y0 + ys : spare;
        if (!two)
            memset(spare, 0, sizeof spare);
        int t = 0;
        for (; t + WN_TILE * VW <= n; t += WN_TILE * VW)
            wn_tile(w0, w1, b0, b1, I, K, d, X + t, xs, y0 + t, y1 + t, acc,
                    WN_TILE, VW);
        for (; t < n; t += VW) {
            const int np = n - t < VW ? n - t : VW;
            wn_tile(w0, w1, b0, b1, I, K, d, X + t, xs, y0 + t, y1 + t, acc, 1,
                    np);
        }
    }
}

/* NAM's Fasttanh: a rational approximation (activations.h of NAM Core). */
WN_INLINE vf wn_fasttanh(vf x)
{
    vf ax = vf_max(x, vf_sub(vf_set1(0.f), x));
    vf x2 = vf_mul(x, x);
    vf num = vf_mul(x, vf_fmadd(vf_fmadd(ax, vf_set1(0.821226666969744f),
                                         vf_set1(0.893229853513558f)),
                                x2,
                                vf_fmadd(ax, vf_set1(2.45550750702956f),
                                         vf_set1(2.45550750702956f))));
    vf u = vf_fmadd(vf_mul(x, ax), vf_set1(0.814642734961073f), x);
    vf au = vf_max(u, vf_sub(vf_set1(0.f), u));
    vf den = vf_fmadd(vf_add(vf_set1(2.44506634652299f), x2), au,
                      vf_set1(2.44506634652299f));
    return vf_div(num, den);
}

/* dst = act(src) over nv vectors; the switch is outside the loops. */
static void wn_act(const float *src, float *dst, int nv, int type,
                   const float *p)
{
    const vf zero = vf_set1(0.f), one = vf_set1(1.f);
    const vf p0 = vf_set1(p[0]), p1 = vf_set1(p[1]), p2 = vf_set1(p[2]),
             p3 = vf_set1(p[3]);
#define WN_MAP(EXPR)                                                           \
    for (int v = 0; v < nv; v++) {                                             \
        vf x = vf_load(src + v * VW);                                          \
        vf_store(dst + v * VW, (EXPR));                                        \
    }                                                                          \
    break
    switch (type) {
    case RNNAMP_WN_TANH: WN_MAP(vf_tanh(x));
    case RNNAMP_WN_HARDTANH: WN_MAP(vf_min(vf_max(x, vf_sub(zero, one)), one));
    case RNNAMP_WN_FASTTANH: WN_MAP(wn_fasttanh(x));
    case RNNAMP_WN_RELU: WN_MAP(vf_max(x, zero));
    case RNNAMP_WN_LEAKYRELU:
        WN_MAP(vf_fmadd(vf_min(x, zero), p0, vf_max(x, zero)));
    case RNNAMP_WN_SIGMOID: WN_MAP(vf_sigmoid(x));
    case RNNAMP_WN_SILU: WN_MAP(vf_mul(x, vf_sigmoid(x)));
    case RNNAMP_WN_HARDSWISH:
        WN_MAP(vf_mul(vf_mul(x, vf_min(vf_max(vf_add(x, vf_set1(3.f)), zero),
                                       vf_set1(6.f))),
                      vf_set1(1.f / 6.f)));
    case RNNAMP_WN_LEAKYHARDTANH:
        WN_MAP(vf_fmadd(vf_max(vf_sub(x, p1), zero), p3,
                        vf_fmadd(vf_min(vf_sub(x, p0), zero), p2,
                                 vf_min(vf_max(x, p0), p1))));
    case RNNAMP_WN_SOFTSIGN:
        WN_MAP(vf_div(x, vf_add(one, vf_max(x, vf_sub(zero, x)))));
    default:
        if (dst != src)
            memcpy(dst, src, (size_t)nv * VW * sizeof(float));
        break;
    }
#undef WN_MAP
}

/* z[0..B) = the layer's activations over nv vectors (gating combines the
 * top B rows with the bottom B). */
static void wn_activate(const rnnamp_wn_engine *w, const rnnamp_wn_elayer *L,
                        int B, int nv)
{
    float *z = w->z;
    const int S = RNNAMP_WN_BLOCK;
    if (L->gating == RNNAMP_WN_GATE_NONE) {
        for (int r = 0; r < B; r++)
            wn_act(z + r * S, z + r * S, nv, L->act, L->ap);
        return;
    }
    for (int r = 0; r < B; r++) {
        float *top = z + r * S, *bot = z + (r + B) * S;
        wn_act(bot, bot, nv, L->act2, L->a2p);
        wn_act(top, w->tmp, nv, L->act, L->ap);
        for (int v = 0; v < nv; v++) {
            vf s = vf_load(bot + v * VW), a = vf_load(w->tmp + v * VW);
            if (L->gating == RNNAMP_WN_GATE_GATED)
                vf_store(top + v * VW, vf_mul(a, s));
            else {
                vf zt = vf_load(top + v * VW);
                vf_store(top + v * VW, vf_fmadd(s, vf_sub(a, zt), zt));
            }
        }
    }
}

/* Room for n more columns in a ring (moves the history to the start). */
static void wn_ring_room(rnnamp_wn_ring *r, int n)
{
    if (r->pos + n <= r->len)
        return;
    for (int i = 0; i < r->rows; i++) {
        float *row = r->buf + (size_t)i * (size_t)r->len;
        memmove(row, row + r->pos - r->lb, (size_t)r->lb * sizeof(float));
    }
    r->pos = r->lb;
}

WN_INLINE float *wn_at(const rnnamp_wn_ring *r)
{
    return r->buf + r->pos;
}

/* y[0..n) += x[0..n) (y may be unaligned; nothing past n is touched). */
static void wn_add_row(float *y, const float *x, int n)
{
    int t = 0;
    for (; t + VW <= n; t += VW)
        vf_store(y + t, vf_add(vf_load(y + t), vf_load(x + t)));
    if (t < n)
        vf_store_part(
            y + t,
            vf_add(vf_load_part(y + t, n - t), vf_load_part(x + t, n - t)),
            n - t);
}

/* Rows (stride s) x n of m: 1 if any value is NaN or infinite. */
static int wn_nonfinite(const float *m, int rows, int s, int n)
{
    vf acc = vf_set1(0.f);
    const vf zero = vf_set1(0.f);
    for (int r = 0; r < rows; r++) {
        const float *row = m + (size_t)r * (size_t)s;
        int t = 0;
        for (; t + VW <= n; t += VW)
            acc = vf_add(acc, vf_mul(vf_load(row + t), zero));
        if (t < n)
            acc = vf_add(acc, vf_mul(vf_load_part(row + t, n - t), zero));
    }
    return !(vf_hsum(acc) == 0.f);
}

/* One layer: conv + mixin, activation, head, residual into dst. */
static void wn_layer(rnnamp_wn_engine *w, rnnamp_wn_earray *A,
                     rnnamp_wn_elayer *L, float *dst, int ds, int n)
{
    const int S = RNNAMP_WN_BLOCK, nv = (n + VW - 1) / VW;
    const float *u = wn_at(&L->in);
    wn_conv(L->W, L->b, L->Z, A->C, L->K, L->d, u, L->in.len, w->z, S, n, 0);
    wn_conv(L->mix, NULL, L->Z, 1, 1, 1, w->x, 0, w->z, S, n, 1);
    wn_activate(w, L, A->B, nv);
    float *h = wn_at(&A->head);
    if (L->h1w)
        wn_conv(L->h1w, L->h1b, A->Hi, A->B, 1, 1, w->z, S, h, A->head.len, n,
                1);
    else
        for (int r = 0; r < A->B; r++)
            wn_add_row(h + (size_t)r * (size_t)A->head.len, w->z + r * S, n);
    for (int r = 0; r < A->C; r++)
        memcpy(dst + (size_t)r * (size_t)ds, u + (size_t)r * (size_t)L->in.len,
               (size_t)n * sizeof(float));
    if (L->l1w)
        wn_conv(L->l1w, L->l1b, A->C, A->B, 1, 1, w->z, S, dst, ds, n, 1);
}

/* One layer array over n frames; src (in_size rows, stride ss) is the
 * audio or the previous array's last layer output. */
static void wn_array(rnnamp_wn_engine *w, int a, const float *src, int ss,
                     int n)
{
    rnnamp_wn_earray *A = &w->A[a];
    rnnamp_wn_ring *hr = &A->head;
    wn_ring_room(hr, n);
    for (int l = 0; l < A->n; l++)
        wn_ring_room(&w->L[A->first + l].in, n);
    for (int r = 0; r < A->Hi; r++) {
        float *row = wn_at(hr) + (size_t)r * (size_t)hr->len;
        if (a == 0)
            memset(row, 0, (size_t)n * sizeof(float));
        else
            memcpy(row, w->hout + r * RNNAMP_WN_BLOCK,
                   (size_t)n * sizeof(float));
    }
    rnnamp_wn_elayer *L0 = &w->L[A->first];
    wn_conv(A->rw, NULL, A->C, A->in_size, 1, 1, src, ss, wn_at(&L0->in),
            L0->in.len, n, 0);
    for (int l = 0; l < A->n; l++) {
        rnnamp_wn_elayer *L = &w->L[A->first + l];
        int last = l == A->n - 1;
        rnnamp_wn_ring *nx = last ? NULL : &w->L[A->first + l + 1].in;
        wn_layer(w, A, L, last ? w->last : wn_at(nx),
                 last ? RNNAMP_WN_BLOCK : nx->len, n);
    }
    wn_conv(A->hw, A->hb, A->Hs, A->Hi, A->hk, A->hd, wn_at(hr), hr->len,
            w->hout, RNNAMP_WN_BLOCK, n, 0);
    /* A non-finite value in the residual stream reaches the last layer's
     * output the same sample (u + finite stays non-finite); one in the
     * head accumulator reaches hout. Checking those two covers every
     * ring's newest columns. */
    w->bad |= wn_nonfinite(w->last, A->C, RNNAMP_WN_BLOCK, n) |
              wn_nonfinite(w->hout, A->Hs, RNNAMP_WN_BLOCK, n);
    hr->pos += n;
    for (int l = 0; l < A->n; l++)
        w->L[A->first + l].in.pos += n;
}

void RNNAMP_WN_RUN_NAME(rnnamp_engine *e, const float *in, float *out,
                        uint32_t n)
{
    rnnamp_wn_engine *w = e->wn;
    while (n) {
        const int k = n < RNNAMP_WN_BLOCK ? (int)n : RNNAMP_WN_BLOCK;
        memcpy(w->x, in, (size_t)k * sizeof(float));
        for (int a = 0; a < w->n_arrays; a++) {
            if (a == 0)
                wn_array(w, a, w->x, RNNAMP_WN_BLOCK, k);
            else
                wn_array(w, a, w->last, RNNAMP_WN_BLOCK, k);
        }
        for (int t = 0; t < k; t++)
            out[t] = w->head_scale * w->hout[t];
        in += k;
        out += k;
        n -= (uint32_t)k;
    }
}
