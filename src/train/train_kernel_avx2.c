/* rnnamp trainer: fused LSTM / GRU / tanh-RNN step kernels, AVX2 + FMA.
 * See train_kernel.h. Built with -mavx2 -mfma; reached only after
 * rnnamp_train_kernel_avx2_ok().
 *
 * Register tiling: RT (1 or 2) sequences at a time. LSTM / GRU forward: one
 * block of eight hidden units, all gates (4 accumulators per sequence).
 * Backward, and the one-gate RNN forward: up to four blocks of eight units
 * per sequence. A partial last
 * block (H not a multiple of 8) uses masked loads and stores; the packed
 * weights are zero-padded to Hp columns.
 */
#include "train_kernel.h"

#include <immintrin.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

int rnnamp_train_kernel_avx2_ok(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* ---- vector math: train_cells.c's fast_exp (degree-7 Taylor after range
 * reduction), with a two-part ln 2 for the reduction ---- */

ALWAYS_INLINE __m256 v_exp(__m256 x)
{
    x = _mm256_min_ps(x, _mm256_set1_ps(87.0f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    __m256 r = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    /* y = x - r ln2 in two parts (|y| <= ln2/2) */
    __m256 y = _mm256_fnmadd_ps(r, _mm256_set1_ps(0.693145752f), x);
    y = _mm256_fnmadd_ps(r, _mm256_set1_ps(1.42860677e-6f), y);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, y, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, y, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, y, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, y, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, y, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, y, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, y, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(r), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

ALWAYS_INLINE __m256 v_sigmoid(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = v_exp(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

ALWAYS_INLINE __m256 v_tanh(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = v_exp(_mm256_add_ps(x, x));
    return _mm256_sub_ps(
        one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
}

/* 1 - a*a and a*(1-a) */
ALWAYS_INLINE __m256 v_dtanh(__m256 a)
{
    return _mm256_fnmadd_ps(a, a, _mm256_set1_ps(1.0f));
}

ALWAYS_INLINE __m256 v_dsig(__m256 a)
{
    return _mm256_fnmadd_ps(a, a, a);
}

/* ---- loads and stores of a block of 8 hidden units ---- */

typedef struct {
    int full;     /* 1: all 8 lanes are units */
    __m256i mask; /* lanes < units left */
} blk;

ALWAYS_INLINE blk block_at(int j0, int H)
{
    blk b;
    int left = H - j0;
    b.full = left >= 8;
    b.mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(left),
                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return b;
}

ALWAYS_INLINE __m256 ld(const float *p, blk b)
{
    return b.full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, b.mask);
}

ALWAYS_INLINE void st(float *p, __m256 v, blk b)
{
    if (b.full)
        _mm256_storeu_ps(p, v);
    else
        _mm256_maskstore_ps(p, b.mask, v);
}

/* acc[r][g] += x[r][k] * wt[k][g][Hp] over k (column block j0). */
ALWAYS_INLINE void gemm_rows(__m256 acc[2][4], int RT, int G, const float *x,
                             int ldx, int K, const float *wt, int Hp, int j0,
                             const int *gmap)
{
    for (int k = 0; k < K; k++) {
        const float *wk = wt + (size_t)k * G * Hp + j0;
        __m256 bx[2];
#pragma GCC unroll 2
        for (int r = 0; r < RT; r++)
            bx[r] = _mm256_broadcast_ss(x + (size_t)r * ldx + k);
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            __m256 wv = _mm256_loadu_ps(wk + (size_t)g * Hp);
#pragma GCC unroll 2
            for (int r = 0; r < RT; r++)
                acc[r][gmap[g]] = _mm256_fmadd_ps(bx[r], wv, acc[r][gmap[g]]);
        }
    }
}

/* ---- LSTM ---- */

ALWAYS_INLINE void lstm_fwd_tile(rnnamp_cell_ws *w, int RT, int t, int s0,
                                 int j0, const float *x)
{
    const int b = w->b, H = w->H, Hp = w->Hp, gh = 4 * H, ni = w->n_in;
    static const int gid[4] = {0, 1, 2, 3};
    __m256 acc[2][4];
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++)
#pragma GCC unroll 4
        for (int g = 0; g < 4; g++)
            acc[r][g] = _mm256_loadu_ps(w->pk_b + (size_t)g * Hp + j0);
    size_t row = (size_t)t * b + s0;
    gemm_rows(acc, RT, 4, x + row * ni, ni, ni, w->pk_wx, Hp, j0, gid);
    gemm_rows(acc, RT, 4, w->h + row * H, H, H, w->pk_wh, Hp, j0, gid);
    blk bk = block_at(j0, H);
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++) {
        size_t q = row + (size_t)r;
        __m256 i = v_sigmoid(acc[r][0]), f = v_sigmoid(acc[r][1]);
        __m256 g = v_tanh(acc[r][2]), o = v_sigmoid(acc[r][3]);
        __m256 c0 = ld(w->c + q * H + j0, bk);
        __m256 c = _mm256_fmadd_ps(f, c0, _mm256_mul_ps(i, g));
        __m256 tc = v_tanh(c);
        float *a = w->act + q * gh + j0;
        st(a, i, bk);
        st(a + H, f, bk);
        st(a + 2 * H, g, bk);
        st(a + 3 * H, o, bk);
        size_t nq = q + (size_t)b; /* same sequence, step t + 1 */
        st(w->c + nq * H + j0, c, bk);
        st(w->tc + q * H + j0, tc, bk);
        st(w->h + nq * H + j0, _mm256_mul_ps(o, tc), bk);
    }
}

void rnnamp_tk_lstm_forward_avx2(rnnamp_cell_ws *w, const float *x, int T)
{
    for (int t = 0; t < T; t++)
        for (int s0 = 0; s0 < w->b; s0 += 2)
            for (int j0 = 0; j0 < w->H; j0 += 8) {
                if (s0 + 1 < w->b)
                    lstm_fwd_tile(w, 2, t, s0, j0, x);
                else
                    lstm_fwd_tile(w, 1, t, s0, j0, x);
            }
}

/* Chunk sums of the gradients for the RT rows of a tile: bias[j..] +=
 * sum_r d[r][gi], and for the nx inputs wx[k][j..] += sum_r x[r * ni + k]
 * d[r][gi] (planes = G * Hp floats apart). */
ALWAYS_INLINE void gsum_rows(float *bias, float *wx, size_t plane,
                             __m256 d[2][4], int gi, int RT, const float *x,
                             int ni, int nx)
{
    __m256 s = d[0][gi];
    if (RT == 2)
        s = _mm256_add_ps(s, d[1][gi]);
    _mm256_storeu_ps(bias, _mm256_add_ps(_mm256_loadu_ps(bias), s));
    for (int k = 0; k < nx; k++) {
        __m256 v = _mm256_mul_ps(_mm256_set1_ps(x[k]), d[0][gi]);
        if (RT == 2)
            v = _mm256_fmadd_ps(_mm256_set1_ps(x[ni + k]), d[1][gi], v);
        float *q = wx + (size_t)k * plane;
        _mm256_storeu_ps(q, _mm256_add_ps(_mm256_loadu_ps(q), v));
    }
}

ALWAYS_INLINE void gacc_zero(rnnamp_cell_ws *w)
{
    size_t n = (2 + (size_t)w->n_in) * (size_t)w->G * (size_t)w->Hp;
    for (size_t k = 0; k < n; k++)
        w->gacc[k] = 0.0f;
}

/* acc[r][u] += sum_k dA[r][k] * whh[k][j0 + 8u] over k < K. */
ALWAYS_INLINE void dh_rows(__m256 acc[2][4], int RT, int U, const float *dA,
                           int ldd, int K, const float *whh, int Hp, int j0)
{
    for (int k = 0; k < K; k++) {
        const float *wk = whh + (size_t)k * Hp + j0;
        __m256 bd[2];
#pragma GCC unroll 2
        for (int r = 0; r < RT; r++)
            bd[r] = _mm256_broadcast_ss(dA + (size_t)r * ldd + k);
#pragma GCC unroll 4
        for (int u = 0; u < U; u++) {
            __m256 wv = _mm256_loadu_ps(wk + 8 * u);
#pragma GCC unroll 2
            for (int r = 0; r < RT; r++)
                acc[r][u] = _mm256_fmadd_ps(bd[r], wv, acc[r][u]);
        }
    }
}

ALWAYS_INLINE void lstm_bwd_tile(rnnamp_cell_ws *w, int RT, int U,
                                 const float *x, int t, int T, int s0, int j0)
{
    const int b = w->b, H = w->H, Hp = w->Hp, gh = 4 * H, ni = w->n_in;
    const int nx = ni <= RNNAMP_TK_MAX_IN ? ni : 0;
    const size_t plane = (size_t)4 * Hp;
    size_t row = (size_t)t * b + s0;
    __m256 acc[2][4];
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++)
#pragma GCC unroll 4
        for (int u = 0; u < U; u++)
            acc[r][u] =
                ld(w->dh + (row + r) * H + j0 + 8 * u, block_at(j0 + 8 * u, H));
    if (t + 1 < T)
        dh_rows(acc, RT, U, w->dA + (row + (size_t)b) * gh, gh, gh, w->pk_whh,
                Hp, j0);
    __m256 one = _mm256_set1_ps(1.0f);
#pragma GCC unroll 4
    for (int u = 0; u < U; u++) {
        int j = j0 + 8 * u;
        blk bk = block_at(j, H);
        __m256 da[2][4];
#pragma GCC unroll 2
        for (int r = 0; r < RT; r++) {
            size_t q = row + (size_t)r;
            const float *a = w->act + q * gh + j;
            __m256 i = ld(a, bk), f = ld(a + H, bk);
            __m256 g = ld(a + 2 * H, bk), o = ld(a + 3 * H, bk);
            __m256 tc = ld(w->tc + q * H + j, bk);
            __m256 c0 = ld(w->c + q * H + j, bk);
            float *dcp = w->dc + (size_t)(s0 + r) * Hp + j;
            __m256 dh = acc[r][u];
            __m256 dct = _mm256_fmadd_ps(_mm256_mul_ps(dh, o), v_dtanh(tc),
                                         _mm256_loadu_ps(dcp));
            da[r][0] = _mm256_mul_ps(_mm256_mul_ps(dct, g), v_dsig(i));
            da[r][1] = _mm256_mul_ps(_mm256_mul_ps(dct, c0), v_dsig(f));
            da[r][2] = _mm256_mul_ps(_mm256_mul_ps(dct, i),
                                     _mm256_fnmadd_ps(g, g, one));
            da[r][3] = _mm256_mul_ps(_mm256_mul_ps(dh, tc), v_dsig(o));
            _mm256_storeu_ps(dcp, _mm256_mul_ps(dct, f));
            float *d = w->dA + q * gh + j;
#pragma GCC unroll 4
            for (int gi = 0; gi < 4; gi++)
                st(d + gi * H, da[r][gi], bk);
        }
#pragma GCC unroll 4
        for (int gi = 0; gi < 4; gi++) {
            float *gp = w->gacc + (size_t)gi * Hp + j;
            gsum_rows(gp, gp + 2 * plane, plane, da, gi, RT, x + row * ni, ni,
                      nx);
        }
    }
}

/* Dispatch a backward tile with compile-time RT and U. */
#define BWD_DISPATCH(fn, w, RT, U, ...)                                        \
    do {                                                                       \
        if ((RT) == 2) {                                                       \
            switch (U) {                                                       \
            case 1: fn(w, 2, 1, __VA_ARGS__); break;                           \
            case 2: fn(w, 2, 2, __VA_ARGS__); break;                           \
            case 3: fn(w, 2, 3, __VA_ARGS__); break;                           \
            default: fn(w, 2, 4, __VA_ARGS__); break;                          \
            }                                                                  \
        } else {                                                               \
            switch (U) {                                                       \
            case 1: fn(w, 1, 1, __VA_ARGS__); break;                           \
            case 2: fn(w, 1, 2, __VA_ARGS__); break;                           \
            case 3: fn(w, 1, 3, __VA_ARGS__); break;                           \
            default: fn(w, 1, 4, __VA_ARGS__); break;                          \
            }                                                                  \
        }                                                                      \
    } while (0)

void rnnamp_tk_lstm_backward_avx2(rnnamp_cell_ws *w, const float *x, int T)
{
    int nblk = (w->H + 7) / 8;
    for (size_t k = 0; k < (size_t)w->b * (size_t)w->Hp; k++)
        w->dc[k] = 0.0f;
    gacc_zero(w);
    for (int t = T - 1; t >= 0; t--)
        for (int s0 = 0; s0 < w->b; s0 += 2)
            for (int u0 = 0; u0 < nblk; u0 += 4) {
                int U = nblk - u0 < 4 ? nblk - u0 : 4;
                int RT = s0 + 1 < w->b ? 2 : 1;
                BWD_DISPATCH(lstm_bwd_tile, w, RT, U, x, t, T, s0, 8 * u0);
            }
    /* the input-side bias gradient equals the recurrent one */
    size_t plane = (size_t)4 * w->Hp;
    for (size_t k = 0; k < plane; k++)
        w->gacc[plane + k] = w->gacc[k];
}

/* ---- GRU: gates r, z, n; accumulators r, z, n_input, n_hidden ---- */

ALWAYS_INLINE void gru_fwd_tile(rnnamp_cell_ws *w, int RT, int t, int s0,
                                int j0, const float *x)
{
    const int b = w->b, H = w->H, Hp = w->Hp, gh = 3 * H, ni = w->n_in;
    static const int gx[3] = {0, 1, 2}, gr[3] = {0, 1, 3};
    __m256 acc[2][4];
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++)
#pragma GCC unroll 4
        for (int g = 0; g < 4; g++)
            acc[r][g] = _mm256_loadu_ps(w->pk_b + (size_t)g * Hp + j0);
    size_t row = (size_t)t * b + s0;
    gemm_rows(acc, RT, 3, x + row * ni, ni, ni, w->pk_wx, Hp, j0, gx);
    gemm_rows(acc, RT, 3, w->h + row * H, H, H, w->pk_wh, Hp, j0, gr);
    blk bk = block_at(j0, H);
    __m256 one = _mm256_set1_ps(1.0f);
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++) {
        size_t q = row + (size_t)r;
        __m256 rg = v_sigmoid(acc[r][0]), z = v_sigmoid(acc[r][1]);
        __m256 n = v_tanh(_mm256_fmadd_ps(rg, acc[r][3], acc[r][2]));
        __m256 h0 = ld(w->h + q * H + j0, bk);
        float *a = w->act + q * gh + j0;
        st(a, rg, bk);
        st(a + H, z, bk);
        st(a + 2 * H, n, bk);
        st(w->hn + q * H + j0, acc[r][3], bk);
        __m256 h1 =
            _mm256_fmadd_ps(_mm256_sub_ps(one, z), n, _mm256_mul_ps(z, h0));
        st(w->h + (q + (size_t)b) * H + j0, h1, bk);
    }
}

void rnnamp_tk_gru_forward_avx2(rnnamp_cell_ws *w, const float *x, int T)
{
    for (int t = 0; t < T; t++)
        for (int s0 = 0; s0 < w->b; s0 += 2)
            for (int j0 = 0; j0 < w->H; j0 += 8) {
                if (s0 + 1 < w->b)
                    gru_fwd_tile(w, 2, t, s0, j0, x);
                else
                    gru_fwd_tile(w, 1, t, s0, j0, x);
            }
}

ALWAYS_INLINE void gru_bwd_tile(rnnamp_cell_ws *w, int RT, int U,
                                const float *x, int t, int T, int s0, int j0)
{
    const int b = w->b, H = w->H, Hp = w->Hp, gh = 3 * H, ni = w->n_in;
    const int nx = ni <= RNNAMP_TK_MAX_IN ? ni : 0;
    const size_t plane = (size_t)3 * Hp;
    size_t row = (size_t)t * b + s0;
    __m256 acc[2][4];
    __m256 one = _mm256_set1_ps(1.0f);
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++)
#pragma GCC unroll 4
        for (int u = 0; u < U; u++) {
            int j = j0 + 8 * u;
            blk bk = block_at(j, H);
            size_t q = row + (size_t)r;
            acc[r][u] = ld(w->dh + q * H + j, bk);
            if (t + 1 < T) { /* direct path h[t+1] -> h[t+2] through z */
                size_t nq = q + (size_t)b;
                acc[r][u] =
                    _mm256_fmadd_ps(ld(w->act + nq * gh + H + j, bk),
                                    ld(w->dh + nq * H + j, bk), acc[r][u]);
            }
        }
    if (t + 1 < T)
        dh_rows(acc, RT, U, w->dA + (row + (size_t)b) * gh, gh, gh, w->pk_whh,
                Hp, j0);
#pragma GCC unroll 4
    for (int u = 0; u < U; u++) {
        int j = j0 + 8 * u;
        blk bk = block_at(j, H);
        __m256 dh3[2][4], di3[2][4]; /* [3] unused */
#pragma GCC unroll 2
        for (int r = 0; r < RT; r++) {
            size_t q = row + (size_t)r;
            __m256 dh = acc[r][u];
            st(w->dh + q * H + j, dh, bk);
            const float *a = w->act + q * gh + j;
            __m256 rg = ld(a, bk), z = ld(a + H, bk), n = ld(a + 2 * H, bk);
            __m256 h0 = ld(w->h + q * H + j, bk);
            __m256 hn = ld(w->hn + q * H + j, bk);
            __m256 dn = _mm256_mul_ps(dh, _mm256_sub_ps(one, z));
            __m256 dz = _mm256_mul_ps(dh, _mm256_sub_ps(h0, n));
            __m256 dan = _mm256_mul_ps(dn, v_dtanh(n));
            __m256 dar = _mm256_mul_ps(_mm256_mul_ps(dan, hn), v_dsig(rg));
            __m256 daz = _mm256_mul_ps(dz, v_dsig(z));
            dh3[r][0] = di3[r][0] = dar;
            dh3[r][1] = di3[r][1] = daz;
            dh3[r][2] = _mm256_mul_ps(dan, rg);
            di3[r][2] = dan;
            float *d = w->dA + q * gh + j, *di = w->dAih + q * gh + j;
#pragma GCC unroll 3
            for (int gi = 0; gi < 3; gi++) {
                st(d + gi * H, dh3[r][gi], bk);
                st(di + gi * H, di3[r][gi], bk);
            }
        }
#pragma GCC unroll 3
        for (int gi = 0; gi < 3; gi++) {
            float *gp = w->gacc + (size_t)gi * Hp + j;
            gsum_rows(gp, gp, plane, dh3, gi, RT, x + row * ni, ni, 0);
            gsum_rows(gp + plane, gp + 2 * plane, plane, di3, gi, RT,
                      x + row * ni, ni, nx);
        }
    }
}

void rnnamp_tk_gru_backward_avx2(rnnamp_cell_ws *w, const float *x, int T)
{
    int nblk = (w->H + 7) / 8;
    gacc_zero(w);
    for (int t = T - 1; t >= 0; t--)
        for (int s0 = 0; s0 < w->b; s0 += 2)
            for (int u0 = 0; u0 < nblk; u0 += 4) {
                int U = nblk - u0 < 4 ? nblk - u0 : 4;
                int RT = s0 + 1 < w->b ? 2 : 1;
                BWD_DISPATCH(gru_bwd_tile, w, RT, U, x, t, T, s0, 8 * u0);
            }
}

/* ---- tanh-RNN: one gate; tiles of RT sequences x U blocks of 8 units ---- */

ALWAYS_INLINE void rnn_fwd_tile(rnnamp_cell_ws *w, int RT, int U,
                                const float *x, int t, int s0, int j0)
{
    const int b = w->b, H = w->H, Hp = w->Hp, ni = w->n_in;
    size_t row = (size_t)t * b + s0;
    __m256 acc[2][4];
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++)
#pragma GCC unroll 4
        for (int u = 0; u < U; u++)
            acc[r][u] = _mm256_loadu_ps(w->pk_b + j0 + 8 * u);
    /* pk_wx [n_in][Hp] and pk_wh [H][Hp] have the layout dh_rows reads */
    dh_rows(acc, RT, U, x + row * ni, ni, ni, w->pk_wx, Hp, j0);
    dh_rows(acc, RT, U, w->h + row * H, H, H, w->pk_wh, Hp, j0);
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++)
#pragma GCC unroll 4
        for (int u = 0; u < U; u++) {
            int j = j0 + 8 * u;
            blk bk = block_at(j, H);
            size_t q = row + (size_t)r;
            __m256 h = v_tanh(acc[r][u]);
            st(w->act + q * H + j, h, bk);
            st(w->h + (q + (size_t)b) * H + j, h, bk);
        }
}

void rnnamp_tk_rnn_forward_avx2(rnnamp_cell_ws *w, const float *x, int T)
{
    int nblk = (w->H + 7) / 8;
    for (int t = 0; t < T; t++)
        for (int s0 = 0; s0 < w->b; s0 += 2)
            for (int u0 = 0; u0 < nblk; u0 += 4) {
                int U = nblk - u0 < 4 ? nblk - u0 : 4;
                int RT = s0 + 1 < w->b ? 2 : 1;
                BWD_DISPATCH(rnn_fwd_tile, w, RT, U, x, t, s0, 8 * u0);
            }
}

ALWAYS_INLINE void rnn_bwd_tile(rnnamp_cell_ws *w, int RT, int U,
                                const float *x, int t, int T, int s0, int j0)
{
    const int b = w->b, H = w->H, Hp = w->Hp, ni = w->n_in;
    const int nx = ni <= RNNAMP_TK_MAX_IN ? ni : 0;
    const size_t plane = (size_t)Hp;
    size_t row = (size_t)t * b + s0;
    __m256 acc[2][4];
#pragma GCC unroll 2
    for (int r = 0; r < RT; r++)
#pragma GCC unroll 4
        for (int u = 0; u < U; u++)
            acc[r][u] =
                ld(w->dh + (row + r) * H + j0 + 8 * u, block_at(j0 + 8 * u, H));
    if (t + 1 < T)
        dh_rows(acc, RT, U, w->dA + (row + (size_t)b) * H, H, H, w->pk_whh, Hp,
                j0);
#pragma GCC unroll 4
    for (int u = 0; u < U; u++) {
        int j = j0 + 8 * u;
        blk bk = block_at(j, H);
        __m256 da[2][4]; /* [r][0] used */
#pragma GCC unroll 2
        for (int r = 0; r < RT; r++) {
            size_t q = row + (size_t)r;
            __m256 a = ld(w->act + q * H + j, bk);
            da[r][0] = _mm256_mul_ps(acc[r][u], v_dtanh(a));
            st(w->dA + q * H + j, da[r][0], bk);
        }
        float *gp = w->gacc + j;
        gsum_rows(gp, gp + 2 * plane, plane, da, 0, RT, x + row * ni, ni, nx);
    }
}

void rnnamp_tk_rnn_backward_avx2(rnnamp_cell_ws *w, const float *x, int T)
{
    int nblk = (w->H + 7) / 8;
    gacc_zero(w);
    for (int t = T - 1; t >= 0; t--)
        for (int s0 = 0; s0 < w->b; s0 += 2)
            for (int u0 = 0; u0 < nblk; u0 += 4) {
                int U = nblk - u0 < 4 ? nblk - u0 : 4;
                int RT = s0 + 1 < w->b ? 2 : 1;
                BWD_DISPATCH(rnn_bwd_tile, w, RT, U, x, t, T, s0, 8 * u0);
            }
    size_t plane = (size_t)w->Hp;
    for (size_t k = 0; k < plane; k++)
        w->gacc[plane + k] = w->gacc[k];
}
