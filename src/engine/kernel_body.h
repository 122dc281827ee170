/* rnnamp: the per-sample inference loop, written once over the vector
 * abstraction (vf, VW, vf_*) of the including file. Include it after one of
 * vec_scalar.h / vec_sse2.h / vec_avx2.h with RNNAMP_RUN_NAME defined.
 *
 * Called only through rnnamp_engine_process() (audio thread): no
 * allocation, no I/O, bounded time. See engine_internal.h for the layout. */
#include <stdint.h>

#include "engine_internal.h"

#define KB_INLINE static inline __attribute__((always_inline))

/* The gates use the project's one float tanh, vf_tanh (vec_math.h, included
 * by every vec_*.h). */

/* sigmoid(2y) = (1 + tanh(y)) / 2: the packed weights of every row that
 * feeds a sigmoid are pre-scaled by 0.5 (engine.c, gate_scale). */
KB_INLINE vf kb_sigmoid_half(vf y)
{
    const vf h = vf_set1(0.5f);
    return vf_fmadd(vf_tanh(y), h, h);
}

/* y[so .. so+NV*VW) = b + W v for one sub-block of rows of a packed block
 * whose column stride is nb. NV is a compile-time constant at each call. */
KB_INLINE void kb_gemv_sub(const float *Wb, int nb, int so, const float *b,
                           const float *v, int C, float *y, const int NV)
{
    vf acc[8];
    for (int k = 0; k < NV; k++)
        acc[k] = vf_load(b + so + k * VW);
    const float *w = Wb + so;
    int j = 0;
    for (; j + 4 <= C; j += 4) {
        for (int u = 0; u < 4; u++) {
            vf s0 = vf_set1(v[j + u]);
            for (int k = 0; k < NV; k++)
                acc[k] = vf_fmadd(vf_load(w + u * nb + k * VW), s0, acc[k]);
        }
        w += 4 * nb;
    }
    for (; j < C; j++) {
        vf s0 = vf_set1(v[j]);
        for (int k = 0; k < NV; k++)
            acc[k] = vf_fmadd(vf_load(w + k * VW), s0, acc[k]);
        w += nb;
    }
    for (int k = 0; k < NV; k++)
        vf_store(y + so + k * VW, acc[k]);
}

/* y = b + W v, W packed R x C (R a multiple of 8). */
static void kb_gemv(const float *W, const float *b, const float *v, int R,
                    int C, float *y)
{
    for (int r0 = 0; r0 < R; r0 += RNNAMP_BLOCK_ROWS) {
        int nb = R - r0 < RNNAMP_BLOCK_ROWS ? R - r0 : RNNAMP_BLOCK_ROWS;
        const float *Wb = W + (size_t)r0 * (size_t)C;
        int nvec = nb / VW;
        for (int s = 0; s < nvec; s += 8) {
            int nv = nvec - s < 8 ? nvec - s : 8;
            int so = s * VW;
            switch (nv) {
            case 8: kb_gemv_sub(Wb, nb, so, b + r0, v, C, y + r0, 8); break;
            case 7: kb_gemv_sub(Wb, nb, so, b + r0, v, C, y + r0, 7); break;
            case 6: kb_gemv_sub(Wb, nb, so, b + r0, v, C, y + r0, 6); break;
            case 5: kb_gemv_sub(Wb, nb, so, b + r0, v, C, y + r0, 5); break;
            case 4: kb_gemv_sub(Wb, nb, so, b + r0, v, C, y + r0, 4); break;
            case 3: kb_gemv_sub(Wb, nb, so, b + r0, v, C, y + r0, 3); break;
            case 2: kb_gemv_sub(Wb, nb, so, b + r0, v, C, y + r0, 2); break;
            default: kb_gemv_sub(Wb, nb, so, b + r0, v, C, y + r0, 1); break;
            }
        }
    }
}

/* LSTM: g = [i f g o] pre-activations (4 x Hp); updates c and h.
 * Kept out of line: inlined into a sample loop, its tanh constants get
 * hoisted into registers the matrix product needs for accumulators. */
KB_INLINE void kb_lstm_update_inl(const float *g, float *c, float *h, int Hp)
{
    for (int k = 0; k < Hp; k += VW) {
        vf i = kb_sigmoid_half(vf_load(g + k));
        vf f = kb_sigmoid_half(vf_load(g + Hp + k));
        vf gg = vf_tanh(vf_load(g + 2 * Hp + k));
        vf o = kb_sigmoid_half(vf_load(g + 3 * Hp + k));
        vf cn = vf_fmadd(f, vf_load(c + k), vf_mul(i, gg));
        vf_store(c + k, cn);
        vf_store(h + k, vf_mul(o, vf_tanh(cn)));
    }
}

/* GRU: g = [r z n_h n_x] (4 x Hp); h = (1-z) n + z h. Out of line, as
 * kb_lstm_update. */
KB_INLINE void kb_gru_update_inl(const float *g, float *h, int Hp)
{
    for (int k = 0; k < Hp; k += VW) {
        vf r = kb_sigmoid_half(vf_load(g + k));
        vf z = kb_sigmoid_half(vf_load(g + Hp + k));
        vf nn = vf_tanh(
            vf_fmadd(r, vf_load(g + 2 * Hp + k), vf_load(g + 3 * Hp + k)));
        vf hp = vf_load(h + k);
        vf_store(h + k, vf_fmadd(z, vf_sub(hp, nn), nn));
    }
}

static __attribute__((noinline)) void kb_lstm_update(const float *g, float *c,
                                                     float *h, int Hp)
{
    kb_lstm_update_inl(g, c, h, Hp);
}

static __attribute__((noinline)) void kb_gru_update(const float *g, float *h,
                                                    int Hp)
{
    kb_gru_update_inl(g, h, Hp);
}

static void kb_activate(const float *g, float *y, int n, int act)
{
    for (int k = 0; k < n; k += VW) {
        vf v = vf_load(g + k);
        switch (act) {
        case RNNAMP_ACT_TANH: v = vf_tanh(v); break;
        case RNNAMP_ACT_SIGMOID: v = kb_sigmoid_half(v); break;
        case RNNAMP_ACT_RELU: v = vf_max(v, vf_set1(0.f)); break;
        default: break;
        }
        vf_store(y + k, v);
    }
}

static float kb_dot(const float *w, const float *v, int n)
{
    vf acc = vf_set1(0.f);
    int k = 0;
    for (; k + VW <= n; k += VW)
        acc = vf_fmadd(vf_load(w + k), vf_load(v + k), acc);
    float s = vf_hsum(acc);
    for (; k < n; k++)
        s += w[k] * v[k];
    return s;
}

/* Load the delayed state (sample-rate correction) into h and c. */
static void kb_ring_read(const rnnamp_engine *e, const rnnamp_eng_layer *L,
                         float *h, float *c)
{
    int len = e->ring_len;
    int p0 = (e->ring_pos - e->d_int + 2 * len) % len;
    int p1 = (p0 - 1 + len) % len;
    const float *h0 = L->ring_h + (size_t)p0 * (size_t)L->Hp;
    const float *h1 = L->ring_h + (size_t)p1 * (size_t)L->Hp;
    vf a = vf_set1(1.f - e->d_frac), bb = vf_set1(e->d_frac);
    for (int k = 0; k < L->Hp; k += VW)
        vf_store(h + k,
                 vf_fmadd(vf_load(h0 + k), a, vf_mul(vf_load(h1 + k), bb)));
    if (c) {
        const float *c0 = L->ring_c + (size_t)p0 * (size_t)L->Hp;
        const float *c1 = L->ring_c + (size_t)p1 * (size_t)L->Hp;
        for (int k = 0; k < L->Hp; k += VW)
            vf_store(c + k,
                     vf_fmadd(vf_load(c0 + k), a, vf_mul(vf_load(c1 + k), bb)));
    }
}

static void kb_ring_write(const rnnamp_engine *e, const rnnamp_eng_layer *L,
                          const float *h, const float *c)
{
    size_t off = (size_t)e->ring_pos * (size_t)L->Hp;
    for (int k = 0; k < L->Hp; k++)
        L->ring_h[off + (size_t)k] = h[k];
    if (c)
        for (int k = 0; k < L->Hp; k++)
            L->ring_c[off + (size_t)k] = c[k];
}

#if VW > 1
/* y = b + W v with the row count R known at compile time: the block loop
 * and the accumulator count are fully resolved by the compiler. */
KB_INLINE void kb_gemv_fixed(const float *W, const float *b, const float *v,
                             const int R, int C, float *y)
{
    enum { BR = RNNAMP_BLOCK_ROWS, BV = RNNAMP_BLOCK_ROWS / VW };
    const int full = R / BR, tail = (R % BR) / VW;
    for (int bi = 0; bi < full; bi++) {
        const float *Wb = W + (size_t)bi * BR * (size_t)C;
#pragma GCC unroll 16
        for (int s = 0; s < BV; s += 8)
            kb_gemv_sub(Wb, BR, s * VW, b + bi * BR, v, C, y + bi * BR,
                        BV - s < 8 ? BV - s : 8);
    }
    if (tail) {
        const int r0 = full * BR;
        const float *Wb = W + (size_t)r0 * (size_t)C;
#pragma GCC unroll 16
        for (int s = 0; s < tail; s += 8)
            kb_gemv_sub(Wb, tail * VW, s * VW, b + r0, v, C, y + r0,
                        tail - s < 8 ? tail - s : 8);
    }
}

/* The common case, specialised: one recurrent layer of padded width HP
 * (a compile-time constant) and the head, no sample-rate correction.
 * Everything the loop needs is hoisted into locals. */
KB_INLINE void kb_run_single(rnnamp_engine *e, const float *in, float *out,
                             uint32_t n, const int TYPE, const int HP)
{
    const rnnamp_eng_layer *L = &e->L[0];
    float *S = e->S;
    float *h = S + L->out0;
    float *c = L->c;
    float *g = e->g;
    const float *W = L->W, *b = L->b, *Wnx = L->Wnx, *bnx = L->bnx;
    float *v = S + L->col0;
    const float *hw = e->hw;
    const float hb = e->hb;
    const int K = L->K, C = L->K + HP, skip = e->skip;
    for (uint32_t t = 0; t < n; t++) {
        const float x = in[t];
        v[0] = x;
        if (TYPE == RNNAMP_LSTM) {
            kb_gemv_fixed(W, b, v, 4 * HP, C, g);
            if (HP <= 16)
                kb_lstm_update_inl(g, c, h, HP);
            else
                kb_lstm_update(g, c, h, HP);
        } else {
            kb_gemv_fixed(W, b, v, 3 * HP, C, g);
            kb_gemv_fixed(Wnx, bnx, v, HP, K, g + 3 * HP);
            if (HP <= 16)
                kb_gru_update_inl(g, h, HP);
            else
                kb_gru_update(g, h, HP);
        }
        vf acc = vf_mul(vf_load(hw), vf_load(h));
        for (int k = VW; k < HP; k += VW)
            acc = vf_fmadd(vf_load(hw + k), vf_load(h + k), acc);
        const float y = hb + vf_hsum(acc);
        out[t] = skip ? y + x : y;
    }
}

#define KB_SINGLE(T, HP)                                                       \
    static void kb_single_##T##_##HP(rnnamp_engine *e, const float *in,        \
                                     float *out, uint32_t n)                   \
    {                                                                          \
        kb_run_single(e, in, out, n, RNNAMP_##T, HP);                          \
    }
#define KB_SINGLE_SIZES(T)                                                     \
    KB_SINGLE(T, 8)                                                            \
    KB_SINGLE(T, 16)                                                           \
    KB_SINGLE(T, 24)                                                           \
    KB_SINGLE(T, 32)                                                           \
    KB_SINGLE(T, 40)                                                           \
    KB_SINGLE(T, 48)                                                           \
    KB_SINGLE(T, 56)                                                           \
    KB_SINGLE(T, 64)
KB_SINGLE_SIZES(LSTM)
KB_SINGLE_SIZES(GRU)

typedef void (*kb_single_fn)(rnnamp_engine *, const float *, float *, uint32_t);
static const kb_single_fn kb_single_lstm[8] = {
    kb_single_LSTM_8,  kb_single_LSTM_16, kb_single_LSTM_24, kb_single_LSTM_32,
    kb_single_LSTM_40, kb_single_LSTM_48, kb_single_LSTM_56, kb_single_LSTM_64};
static const kb_single_fn kb_single_gru[8] = {
    kb_single_GRU_8,  kb_single_GRU_16, kb_single_GRU_24, kb_single_GRU_32,
    kb_single_GRU_40, kb_single_GRU_48, kb_single_GRU_56, kb_single_GRU_64};

/* The specialised loop for this engine, or NULL. */
static kb_single_fn kb_single_for(const rnnamp_engine *e)
{
    if (e->n_layers != 1 || e->use_ratio || e->L[0].Hp > 64)
        return NULL;
    int i = e->L[0].Hp / 8 - 1;
    if (e->L[0].type == RNNAMP_LSTM)
        return kb_single_lstm[i];
    if (e->L[0].type == RNNAMP_GRU)
        return kb_single_gru[i];
    return NULL;
}
#endif

void RNNAMP_RUN_NAME(rnnamp_engine *e, const float *in, float *out, uint32_t n)
{
#if VW > 1
    kb_single_fn fast = kb_single_for(e);
    if (fast) {
        fast(e, in, out, n);
        return;
    }
#endif

    float *S = e->S;
    float *g = e->g;
    const int xpos = RNNAMP_X_SLOT - e->n_inputs;
    for (uint32_t t = 0; t < n; t++) {
        const float x = in[t];
        S[xpos] = x;
        for (int l = 0; l < e->n_layers; l++) {
            const rnnamp_eng_layer *L = &e->L[l];
            float *h = S + L->out0;
            if (e->use_ratio && L->type != RNNAMP_DENSE)
                kb_ring_read(e, L, h, L->c);
            kb_gemv(L->W, L->b, S + L->col0, L->R, L->C, g);
            switch (L->type) {
            case RNNAMP_LSTM: kb_lstm_update(g, L->c, h, L->Hp); break;
            case RNNAMP_GRU:
                kb_gemv(L->Wnx, L->bnx, S + L->col0, L->Hp, L->K,
                        g + 3 * L->Hp);
                kb_gru_update(g, h, L->Hp);
                break;
            case RNNAMP_RNN: kb_activate(g, h, L->Hp, RNNAMP_ACT_TANH); break;
            default: kb_activate(g, h, L->Hp, L->act); break;
            }
            if (e->use_ratio && L->type != RNNAMP_DENSE)
                kb_ring_write(e, L, h, L->c);
        }
        if (e->use_ratio)
            e->ring_pos = (e->ring_pos + 1) % e->ring_len;
        float y = e->hb + kb_dot(e->hw, S + e->hin, e->hk);
        out[t] = e->skip ? y + x : y;
    }
}
