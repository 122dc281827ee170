/* rnnamp trainer: the fused LSTM / GRU / tanh-RNN step kernels, written
 * once over the vector layer (vf, VW, vf_*) of the including file. Include
 * it after one of vec_scalar.h / vec_sse2.h / vec_avx2.h / vec_avx512.h /
 * vec_neon.h with RNNAMP_TK_NAME defined (the name of the rnnamp_tk_ops table
 * it defines). See train_kernel.h for what the kernels compute.
 *
 * Register tiling: a tile is RT (1..TK_RT) sequences x U (1..TK_U) blocks of
 * VW hidden units, both compile-time constants at each tile (tk_sweep
 * dispatches). LSTM / GRU forward: one block, all gates in registers (four
 * accumulators per sequence). Backward, and the one-gate RNN forward: up to
 * TK_U blocks per sequence. A partial last block (H not a multiple of VW)
 * uses partial loads and stores; the packed weights are zero-padded to Hp
 * columns (Hp a multiple of 16, so of every VW). */
#include "train_kernel.h"

#define TK_INLINE static inline __attribute__((always_inline))
/* Loops over RT, U and gates are fully unrolled so that the accumulator
 * arrays live in registers. */
#define TK_UNROLL _Pragma("GCC unroll 4")
/* Sequences per tile, and blocks of VW units per backward / RNN tile: at
 * most 8 accumulators in the backward tile, 4 RT in the forward one. With
 * 32 vector registers (AVX-512) tiles of 4 sequences fit: each weight
 * vector loaded serves 4 multiply-adds, and the forward tile has 16
 * independent chains. */
#if VW == 16
#define TK_RT 4
#else
#define TK_RT 2
#endif
#define TK_U (8 / TK_RT)
/* The backward tiles prefetch the rows they will read this many steps
 * later (earlier in time): the forward pass stored them a whole chunk
 * ago, out of the cache. The forward tiles prefetch the lines they will
 * write as many steps ahead. */
#define TK_PF 4

/* 1 - a*a (tanh') and a*(1-a) (sigmoid'), from the activation a */
TK_INLINE vf tk_dtanh(vf a)
{
    return vf_fnmadd(a, a, vf_set1(1.0f));
}

TK_INLINE vf tk_dsig(vf a)
{
    return vf_fnmadd(a, a, a);
}

/* acc[r][gmap[g]] += x[r][k] * wt[k][g][Hp] over k (column block j0). */
TK_INLINE void gemm_rows(vf acc[TK_RT][4], int RT, int G, const float *x,
                         int ldx, int K, const float *wt, int Hp, int j0,
                         const int *gmap)
{
    for (int k = 0; k < K; k++) {
        const float *wk = wt + (size_t)k * G * Hp + j0;
        vf bx[TK_RT];
        TK_UNROLL
        for (int r = 0; r < RT; r++)
            bx[r] = vf_set1(x[(size_t)r * ldx + k]);
        TK_UNROLL
        for (int g = 0; g < G; g++) {
            vf wv = vf_load(wk + (size_t)g * Hp);
            TK_UNROLL
            for (int r = 0; r < RT; r++)
                acc[r][gmap[g]] = vf_fmadd(bx[r], wv, acc[r][gmap[g]]);
        }
    }
}

/* acc[r][u] += sum_k d[r][k] * wt[k][j0 + VW u] over k < K. */
TK_INLINE void dh_rows(vf acc[TK_RT][TK_U], int RT, int U, const float *d,
                       int ldd, int K, const float *wt, int Hp, int j0)
{
    for (int k = 0; k < K; k++) {
        const float *wk = wt + (size_t)k * Hp + j0;
        vf bd[TK_RT];
        TK_UNROLL
        for (int r = 0; r < RT; r++)
            bd[r] = vf_set1(d[(size_t)r * ldd + k]);
        TK_UNROLL
        for (int u = 0; u < U; u++) {
            vf wv = vf_load(wk + VW * u);
            TK_UNROLL
            for (int r = 0; r < RT; r++)
                acc[r][u] = vf_fmadd(bd[r], wv, acc[r][u]);
        }
    }
}

/* acc[r][g] = the packed bias of gate g at block j0, for every row. */
TK_INLINE void acc_bias(vf acc[TK_RT][4], int RT, int G, const float *pk_b,
                        int Hp, int j0)
{
    TK_UNROLL
    for (int r = 0; r < RT; r++)
        TK_UNROLL
    for (int g = 0; g < G; g++)
        acc[r][g] = vf_load(pk_b + (size_t)g * Hp + j0);
}

/* acc[r][u] = dh of row `row + r` at block u (the gradient from above). */
TK_INLINE void acc_dh(vf acc[TK_RT][TK_U], int RT, int U,
                      const rnnamp_cell_ws *w, size_t row, int j0)
{
    TK_UNROLL
    for (int r = 0; r < RT; r++)
        TK_UNROLL
    for (int u = 0; u < U; u++) {
        int j = j0 + VW * u;
        acc[r][u] = vf_load_n(w->dh + (row + r) * w->H + j, w->H - j);
    }
}

/* Chunk sums of the gradients for the RT rows of a tile: bias[j..] +=
 * sum_r d[r][gi], and for the nx inputs wx[k][j..] += sum_r x[r * ni + k]
 * d[r][gi] (planes = G * Hp floats apart). */
TK_INLINE void gsum_rows(float *bias, float *wx, size_t plane, vf d[TK_RT][4],
                         int gi, int RT, const float *x, int ni, int nx)
{
    vf s = d[0][gi];
    TK_UNROLL
    for (int r = 1; r < RT; r++)
        s = vf_add(s, d[r][gi]);
    vf_store(bias, vf_add(vf_load(bias), s));
    for (int k = 0; k < nx; k++) {
        vf v = vf_mul(vf_set1(x[k]), d[0][gi]);
        TK_UNROLL
        for (int r = 1; r < RT; r++)
            v = vf_fmadd(vf_set1(x[(size_t)r * ni + k]), d[r][gi], v);
        float *q = wx + (size_t)k * plane;
        vf_store(q, vf_add(vf_load(q), v));
    }
}

/* Prefetch the lines of row pq at unit j that a tile reads (write 0) or
 * writes (write 1) TK_PF steps away: the G gate activations and three
 * H-wide rows (p[k] + pq * H + j; NULL: none). */
TK_INLINE void tk_prefetch(const rnnamp_cell_ws *w, size_t pq, int j, int G,
                           const float *const p[3], int write)
{
    const int H = w->H;
    const float *a = w->act + pq * (size_t)(G * H) + j;
    for (int gi = 0; gi < G; gi++) {
        if (write)
            __builtin_prefetch(a + gi * H, 1);
        else
            __builtin_prefetch(a + gi * H, 0);
    }
    for (int k = 0; k < 3; k++) {
        if (!p[k])
            continue;
        if (write)
            __builtin_prefetch(p[k] + pq * (size_t)H + j, 1);
        else
            __builtin_prefetch(p[k] + pq * (size_t)H + j, 0);
    }
}

/* Before a backward sweep: the chunk sums (gacc) and, for the LSTM, the
 * running dL/dc start at zero. */
static void bwd_begin(rnnamp_cell_ws *w)
{
    size_t n = (2 + (size_t)w->n_in) * (size_t)w->G * (size_t)w->Hp;
    for (size_t k = 0; k < n; k++)
        w->gacc[k] = 0.0f;
    if (w->type == RNNAMP_LSTM)
        for (size_t k = 0; k < (size_t)w->b * (size_t)w->Hp; k++)
            w->dc[k] = 0.0f;
}

/* After it: the input-side bias gradient equals the recurrent one (LSTM,
 * RNN; the GRU's backward tiles sum both). */
static void bwd_end(rnnamp_cell_ws *w)
{
    if (w->type == RNNAMP_GRU)
        return;
    size_t plane = (size_t)w->G * (size_t)w->Hp;
    for (size_t k = 0; k < plane; k++)
        w->gacc[plane + k] = w->gacc[k];
}

/* Call tile(w, RT, U, x, t, T, s0, j0) with RT and U as constants. */
#define TK_TILE(tile, RT, U, ...)                                              \
    do {                                                                       \
        switch (((RT)-1) * TK_U + (U)-1) { /* TK_RT * TK_U == 8 cases */       \
        case 0: tile(w, 0 / TK_U + 1, 0 % TK_U + 1, __VA_ARGS__); break;       \
        case 1: tile(w, 1 / TK_U + 1, 1 % TK_U + 1, __VA_ARGS__); break;       \
        case 2: tile(w, 2 / TK_U + 1, 2 % TK_U + 1, __VA_ARGS__); break;       \
        case 3: tile(w, 3 / TK_U + 1, 3 % TK_U + 1, __VA_ARGS__); break;       \
        case 4: tile(w, 4 / TK_U + 1, 4 % TK_U + 1, __VA_ARGS__); break;       \
        case 5: tile(w, 5 / TK_U + 1, 5 % TK_U + 1, __VA_ARGS__); break;       \
        case 6: tile(w, 6 / TK_U + 1, 6 % TK_U + 1, __VA_ARGS__); break;       \
        default: tile(w, 7 / TK_U + 1, 7 % TK_U + 1, __VA_ARGS__); break;      \
        }                                                                      \
    } while (0)

/* Every tile of step t, in tiles of up to umax blocks. */
#define TK_STEP(tile, umax, t)                                                 \
    for (int s0 = 0; s0 < w->b; s0 += TK_RT)                                   \
        for (int u0 = 0; u0 < nblk; u0 += (umax)) {                            \
            int U = nblk - u0 < (umax) ? nblk - u0 : (umax);                   \
            int RT = w->b - s0 < TK_RT ? w->b - s0 : TK_RT;                    \
            TK_TILE(tile, RT, U, x, t, T, s0, VW *u0);                         \
        }

/* Define fn(w, x, T): the chunk's steps 0 .. T-1 forward. */
#define TK_SWEEP(fn, tile, umax)                                               \
    static void fn(rnnamp_cell_ws *w, const float *x, int T)                   \
    {                                                                          \
        int nblk = (w->H + VW - 1) / VW;                                       \
        for (int t = 0; t < T; t++)                                            \
            TK_STEP(tile, umax, t)                                             \
    }

/* Define fn(w, x, T, lo, hi): steps hi-1 down to lo of the backward sweep
 * of a T-step chunk, bwd_begin at its start (hi == T), bwd_end at its end
 * (lo == 0). */
#define TK_SWEEP_BWD(fn, tile, umax)                                           \
    static void fn(rnnamp_cell_ws *w, const float *x, int T, int lo, int hi)   \
    {                                                                          \
        int nblk = (w->H + VW - 1) / VW;                                       \
        if (hi == T)                                                           \
            bwd_begin(w);                                                      \
        for (int t = hi - 1; t >= lo; t--)                                     \
            TK_STEP(tile, umax, t)                                             \
        if (lo == 0)                                                           \
            bwd_end(w);                                                        \
    }

/* ---- LSTM: gates i, f, g, o ---- */

TK_INLINE void lstm_fwd_tile(rnnamp_cell_ws *w, int RT, int U, const float *x,
                             int t, int T, int s0, int j0)
{
    (void)U, (void)T;
    const int b = w->b, H = w->H, Hp = w->Hp, gh = 4 * H, ni = w->n_in;
    static const int gid[4] = {0, 1, 2, 3};
    vf acc[TK_RT][4];
    acc_bias(acc, RT, 4, w->pk_b, Hp, j0);
    size_t row = (size_t)t * b + s0;
    gemm_rows(acc, RT, 4, x + row * ni, ni, ni, w->pk_wx, Hp, j0, gid);
    gemm_rows(acc, RT, 4, w->h + row * H, H, H, w->pk_wh, Hp, j0, gid);
    int left = H - j0;
    TK_UNROLL
    for (int r = 0; r < RT; r++) {
        size_t q = row + (size_t)r, nq = q + (size_t)b; /* nq: step t + 1 */
        vf i = vf_sigmoid(acc[r][0]), f = vf_sigmoid(acc[r][1]);
        vf g = vf_tanh(acc[r][2]), o = vf_sigmoid(acc[r][3]);
        vf c = vf_fmadd(f, vf_load_n(w->c + q * H + j0, left), vf_mul(i, g));
        vf tc = vf_tanh(c);
        float *a = w->act + q * gh + j0;
        if (t + TK_PF < T) { /* the lines step t + TK_PF will write */
            const float *const p[3] = {w->tc, w->c + (size_t)b * H,
                                       w->h + (size_t)b * H};
            tk_prefetch(w, q + (size_t)TK_PF * b, j0, 4, p, 1);
        }
        vf_store_n(a, i, left);
        vf_store_n(a + H, f, left);
        vf_store_n(a + 2 * H, g, left);
        vf_store_n(a + 3 * H, o, left);
        vf_store_n(w->c + nq * H + j0, c, left);
        vf_store_n(w->tc + q * H + j0, tc, left);
        vf_store_n(w->h + nq * H + j0, vf_mul(o, tc), left);
    }
}

TK_INLINE void lstm_bwd_tile(rnnamp_cell_ws *w, int RT, int U, const float *x,
                             int t, int T, int s0, int j0)
{
    const int b = w->b, H = w->H, Hp = w->Hp, gh = 4 * H, ni = w->n_in;
    const int nx = ni <= RNNAMP_TK_MAX_IN ? ni : 0;
    const size_t plane = (size_t)4 * Hp;
    size_t row = (size_t)t * b + s0;
    vf acc[TK_RT][TK_U];
    acc_dh(acc, RT, U, w, row, j0);
    if (t + 1 < T)
        dh_rows(acc, RT, U, w->dA + (row + (size_t)b) * gh, gh, gh, w->pk_whh,
                Hp, j0);
    TK_UNROLL
    for (int u = 0; u < U; u++) {
        int j = j0 + VW * u, left = H - j;
        vf da[TK_RT][4];
        TK_UNROLL
        for (int r = 0; r < RT; r++) {
            size_t q = row + (size_t)r;
            const float *a = w->act + q * gh + j;
            if (t >= TK_PF) { /* the rows of step t - TK_PF */
                const float *const p[3] = {w->tc, w->c, w->dh};
                tk_prefetch(w, q - (size_t)TK_PF * b, j, 4, p, 0);
            }
            vf i = vf_load_n(a, left), f = vf_load_n(a + H, left);
            vf g = vf_load_n(a + 2 * H, left), o = vf_load_n(a + 3 * H, left);
            vf tc = vf_load_n(w->tc + q * H + j, left);
            vf c0 = vf_load_n(w->c + q * H + j, left);
            float *dcp = w->dc + (size_t)(s0 + r) * Hp + j;
            vf dh = acc[r][u];
            vf dct = vf_fmadd(vf_mul(dh, o), tk_dtanh(tc), vf_load(dcp));
            da[r][0] = vf_mul(vf_mul(dct, g), tk_dsig(i));
            da[r][1] = vf_mul(vf_mul(dct, c0), tk_dsig(f));
            da[r][2] = vf_mul(vf_mul(dct, i), tk_dtanh(g));
            da[r][3] = vf_mul(vf_mul(dh, tc), tk_dsig(o));
            vf_store(dcp, vf_mul(dct, f));
            float *d = w->dA + q * gh + j;
            TK_UNROLL
            for (int gi = 0; gi < 4; gi++)
                vf_store_n(d + gi * H, da[r][gi], left);
        }
        TK_UNROLL
        for (int gi = 0; gi < 4; gi++) {
            float *gp = w->gacc + (size_t)gi * Hp + j;
            gsum_rows(gp, gp + 2 * plane, plane, da, gi, RT, x + row * ni, ni,
                      nx);
        }
    }
}

TK_SWEEP(lstm_forward, lstm_fwd_tile, 1)
TK_SWEEP_BWD(lstm_backward, lstm_bwd_tile, TK_U)

/* ---- GRU: gates r, z, n; accumulators r, z, n_input, n_hidden ---- */

TK_INLINE void gru_fwd_tile(rnnamp_cell_ws *w, int RT, int U, const float *x,
                            int t, int T, int s0, int j0)
{
    (void)U, (void)T;
    const int b = w->b, H = w->H, Hp = w->Hp, gh = 3 * H, ni = w->n_in;
    static const int gx[3] = {0, 1, 2}, gr[3] = {0, 1, 3};
    vf acc[TK_RT][4];
    acc_bias(acc, RT, 4, w->pk_b, Hp, j0);
    size_t row = (size_t)t * b + s0;
    gemm_rows(acc, RT, 3, x + row * ni, ni, ni, w->pk_wx, Hp, j0, gx);
    gemm_rows(acc, RT, 3, w->h + row * H, H, H, w->pk_wh, Hp, j0, gr);
    int left = H - j0;
    vf one = vf_set1(1.0f);
    TK_UNROLL
    for (int r = 0; r < RT; r++) {
        size_t q = row + (size_t)r;
        vf rg = vf_sigmoid(acc[r][0]), z = vf_sigmoid(acc[r][1]);
        vf n = vf_tanh(vf_fmadd(rg, acc[r][3], acc[r][2]));
        vf h0 = vf_load_n(w->h + q * H + j0, left);
        float *a = w->act + q * gh + j0;
        if (t + TK_PF < T) {
            const float *const p[3] = {w->hn, w->h + (size_t)b * H, NULL};
            tk_prefetch(w, q + (size_t)TK_PF * b, j0, 3, p, 1);
        }
        vf_store_n(a, rg, left);
        vf_store_n(a + H, z, left);
        vf_store_n(a + 2 * H, n, left);
        vf_store_n(w->hn + q * H + j0, acc[r][3], left);
        vf h1 = vf_fmadd(vf_sub(one, z), n, vf_mul(z, h0));
        vf_store_n(w->h + (q + (size_t)b) * H + j0, h1, left);
    }
}

/* dh of the tile's rows: from above, plus the direct path h[t+1] -> h[t+2]
 * through z and the recurrent product (when step t + 1 is in the chunk). */
TK_INLINE void gru_bwd_dh(vf acc[TK_RT][TK_U], rnnamp_cell_ws *w, int RT, int U,
                          int t, int T, size_t row, int j0)
{
    const int b = w->b, H = w->H, gh = 3 * H;
    acc_dh(acc, RT, U, w, row, j0);
    if (t + 1 >= T)
        return;
    TK_UNROLL
    for (int r = 0; r < RT; r++)
        TK_UNROLL
    for (int u = 0; u < U; u++) {
        int j = j0 + VW * u, left = H - j;
        size_t nq = row + (size_t)r + (size_t)b;
        acc[r][u] = vf_fmadd(vf_load_n(w->act + nq * gh + H + j, left),
                             vf_load_n(w->dh + nq * H + j, left), acc[r][u]);
    }
    dh_rows(acc, RT, U, w->dA + (row + (size_t)b) * gh, gh, gh, w->pk_whh,
            w->Hp, j0);
}

TK_INLINE void gru_bwd_tile(rnnamp_cell_ws *w, int RT, int U, const float *x,
                            int t, int T, int s0, int j0)
{
    const int b = w->b, H = w->H, Hp = w->Hp, gh = 3 * H, ni = w->n_in;
    const int nx = ni <= RNNAMP_TK_MAX_IN ? ni : 0;
    const size_t plane = (size_t)3 * Hp;
    size_t row = (size_t)t * b + s0;
    vf acc[TK_RT][TK_U];
    gru_bwd_dh(acc, w, RT, U, t, T, row, j0);
    vf one = vf_set1(1.0f);
    TK_UNROLL
    for (int u = 0; u < U; u++) {
        int j = j0 + VW * u, left = H - j;
        vf dh3[TK_RT][4], di3[TK_RT][4]; /* [3] unused */
        TK_UNROLL
        for (int r = 0; r < RT; r++) {
            size_t q = row + (size_t)r;
            vf dh = acc[r][u];
            vf_store_n(w->dh + q * H + j, dh, left);
            const float *a = w->act + q * gh + j;
            if (t >= TK_PF) {
                const float *const p[3] = {w->h, w->hn, w->dh};
                tk_prefetch(w, q - (size_t)TK_PF * b, j, 3, p, 0);
            }
            vf rg = vf_load_n(a, left), z = vf_load_n(a + H, left),
               n = vf_load_n(a + 2 * H, left);
            vf h0 = vf_load_n(w->h + q * H + j, left);
            vf hn = vf_load_n(w->hn + q * H + j, left);
            vf dn = vf_mul(dh, vf_sub(one, z));
            vf dz = vf_mul(dh, vf_sub(h0, n));
            vf dan = vf_mul(dn, tk_dtanh(n));
            dh3[r][0] = di3[r][0] = vf_mul(vf_mul(dan, hn), tk_dsig(rg));
            dh3[r][1] = di3[r][1] = vf_mul(dz, tk_dsig(z));
            dh3[r][2] = vf_mul(dan, rg);
            di3[r][2] = dan;
            float *d = w->dA + q * gh + j, *di = w->dAih + q * gh + j;
            TK_UNROLL
            for (int gi = 0; gi < 3; gi++) {
                vf_store_n(d + gi * H, dh3[r][gi], left);
                vf_store_n(di + gi * H, di3[r][gi], left);
            }
        }
        TK_UNROLL
        for (int gi = 0; gi < 3; gi++) {
            float *gp = w->gacc + (size_t)gi * Hp + j;
            gsum_rows(gp, gp, plane, dh3, gi, RT, x + row * ni, ni, 0);
            gsum_rows(gp + plane, gp + 2 * plane, plane, di3, gi, RT,
                      x + row * ni, ni, nx);
        }
    }
}

TK_SWEEP(gru_forward, gru_fwd_tile, 1)
TK_SWEEP_BWD(gru_backward, gru_bwd_tile, TK_U)

/* ---- tanh-RNN: one gate ---- */

TK_INLINE void rnn_fwd_tile(rnnamp_cell_ws *w, int RT, int U, const float *x,
                            int t, int T, int s0, int j0)
{
    (void)T;
    const int b = w->b, H = w->H, Hp = w->Hp, ni = w->n_in;
    size_t row = (size_t)t * b + s0;
    vf acc[TK_RT][TK_U];
    TK_UNROLL
    for (int r = 0; r < RT; r++)
        TK_UNROLL
    for (int u = 0; u < U; u++)
        acc[r][u] = vf_load(w->pk_b + j0 + VW * u);
    /* pk_wx [n_in][Hp] and pk_wh [H][Hp] have the layout dh_rows reads */
    dh_rows(acc, RT, U, x + row * ni, ni, ni, w->pk_wx, Hp, j0);
    dh_rows(acc, RT, U, w->h + row * H, H, H, w->pk_wh, Hp, j0);
    TK_UNROLL
    for (int r = 0; r < RT; r++)
        TK_UNROLL
    for (int u = 0; u < U; u++) {
        int j = j0 + VW * u, left = H - j;
        size_t q = row + (size_t)r;
        vf h = vf_tanh(acc[r][u]);
        vf_store_n(w->act + q * H + j, h, left);
        vf_store_n(w->h + (q + (size_t)b) * H + j, h, left);
    }
}

TK_INLINE void rnn_bwd_tile(rnnamp_cell_ws *w, int RT, int U, const float *x,
                            int t, int T, int s0, int j0)
{
    const int b = w->b, H = w->H, Hp = w->Hp, ni = w->n_in;
    const int nx = ni <= RNNAMP_TK_MAX_IN ? ni : 0;
    size_t row = (size_t)t * b + s0;
    vf acc[TK_RT][TK_U];
    acc_dh(acc, RT, U, w, row, j0);
    if (t + 1 < T)
        dh_rows(acc, RT, U, w->dA + (row + (size_t)b) * H, H, H, w->pk_whh, Hp,
                j0);
    TK_UNROLL
    for (int u = 0; u < U; u++) {
        int j = j0 + VW * u, left = H - j;
        vf da[TK_RT][4]; /* [r][0] used */
        TK_UNROLL
        for (int r = 0; r < RT; r++) {
            size_t q = row + (size_t)r;
            da[r][0] = vf_mul(acc[r][u],
                              tk_dtanh(vf_load_n(w->act + q * H + j, left)));
            vf_store_n(w->dA + q * H + j, da[r][0], left);
        }
        float *gp = w->gacc + j;
        gsum_rows(gp, gp + 2 * (size_t)Hp, Hp, da, 0, RT, x + row * ni, ni, nx);
    }
}

TK_SWEEP(rnn_forward, rnn_fwd_tile, TK_U)
TK_SWEEP_BWD(rnn_backward, rnn_bwd_tile, TK_U)

/* ---- element-wise activations (dense layers, the reference path) ---- */

static void act_tanh(const float *in, float *out, size_t n)
{
    size_t k = 0;
    for (; k + VW <= n; k += VW)
        vf_store(out + k, vf_tanh(vf_load(in + k)));
    if (k < n)
        vf_store_part(out + k, vf_tanh(vf_load_part(in + k, (int)(n - k))),
                      (int)(n - k));
}

static void act_sigmoid(const float *in, float *out, size_t n)
{
    size_t k = 0;
    for (; k + VW <= n; k += VW)
        vf_store(out + k, vf_sigmoid(vf_load(in + k)));
    if (k < n)
        vf_store_part(out + k, vf_sigmoid(vf_load_part(in + k, (int)(n - k))),
                      (int)(n - k));
}

extern const rnnamp_tk_ops RNNAMP_TK_NAME;
const rnnamp_tk_ops RNNAMP_TK_NAME = {
    .lstm_forward = lstm_forward,
    .lstm_backward = lstm_backward,
    .gru_forward = gru_forward,
    .gru_backward = gru_backward,
    .rnn_forward = rnn_forward,
    .rnn_backward = rnn_backward,
    .tanh = act_tanh,
    .sigmoid = act_sigmoid,
};
