/* rnnamp: the per-sample inference loop, written once over the vector
 * abstraction (vf, VW, vf_*) of the including file. Include it after one of
 * vec_scalar.h / vec_sse2.h / vec_avx2.h with RNNAMP_RUN_NAME defined.
 *
 * Called only through rnnamp_engine_process() (audio thread): no
 * allocation, no I/O, bounded time. See engine_internal.h for the layout. */
#include <stdint.h>

#include "engine_internal.h"

#define KB_INLINE static inline __attribute__((always_inline))

/* Rational minimax approximation of tanh on [-7.9, 7.9] (odd degree-13
 * over even degree-6 polynomial); max abs error about 1e-7 in float. */
KB_INLINE vf kb_tanh(vf x)
{
    const vf lim = vf_set1(7.90531110763549805f);
    x = vf_min(vf_max(x, vf_sub(vf_set1(0.f), lim)), lim);
    vf x2 = vf_mul(x, x);
    vf p = vf_fmadd(x2, vf_set1(-2.76076847742355e-16f),
                    vf_set1(2.00018790482477e-13f));
    p = vf_fmadd(x2, p, vf_set1(-8.60467152213735e-11f));
    p = vf_fmadd(x2, p, vf_set1(5.12229709037114e-08f));
    p = vf_fmadd(x2, p, vf_set1(1.48572235717979e-05f));
    p = vf_fmadd(x2, p, vf_set1(6.37261928875436e-04f));
    p = vf_fmadd(x2, p, vf_set1(4.89352455891786e-03f));
    p = vf_mul(x, p);
    vf q = vf_fmadd(x2, vf_set1(1.19825839466702e-06f),
                    vf_set1(1.18534705686654e-04f));
    q = vf_fmadd(x2, q, vf_set1(2.26843463243900e-03f));
    q = vf_fmadd(x2, q, vf_set1(4.89352518554385e-03f));
    return vf_div(p, q);
}

/* sigmoid(2y) = (1 + tanh(y)) / 2: the packed weights of every row that
 * feeds a sigmoid are pre-scaled by 0.5 (engine.c, gate_scale). */
KB_INLINE vf kb_sigmoid_half(vf y)
{
    const vf h = vf_set1(0.5f);
    return vf_fmadd(kb_tanh(y), h, h);
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

/* LSTM: g = [i f g o] pre-activations (4 x Hp); updates c and h. */
static void kb_lstm_update(const float *g, float *c, float *h, int Hp)
{
    for (int k = 0; k < Hp; k += VW) {
        vf i = kb_sigmoid_half(vf_load(g + k));
        vf f = kb_sigmoid_half(vf_load(g + Hp + k));
        vf gg = kb_tanh(vf_load(g + 2 * Hp + k));
        vf o = kb_sigmoid_half(vf_load(g + 3 * Hp + k));
        vf cn = vf_fmadd(f, vf_load(c + k), vf_mul(i, gg));
        vf_store(c + k, cn);
        vf_store(h + k, vf_mul(o, kb_tanh(cn)));
    }
}

/* GRU: g = [r z n_h n_x] (4 x Hp); h = (1-z) n + z h. */
static void kb_gru_update(const float *g, float *h, int Hp)
{
    for (int k = 0; k < Hp; k += VW) {
        vf r = kb_sigmoid_half(vf_load(g + k));
        vf z = kb_sigmoid_half(vf_load(g + Hp + k));
        vf nn = kb_tanh(
            vf_fmadd(r, vf_load(g + 2 * Hp + k), vf_load(g + 3 * Hp + k)));
        vf hp = vf_load(h + k);
        vf_store(h + k, vf_fmadd(z, vf_sub(hp, nn), nn));
    }
}

static void kb_activate(const float *g, float *y, int n, int act)
{
    for (int k = 0; k < n; k += VW) {
        vf v = vf_load(g + k);
        switch (act) {
        case RNNAMP_ACT_TANH: v = kb_tanh(v); break;
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

void RNNAMP_RUN_NAME(rnnamp_engine *e, const float *in, float *out, uint32_t n)
{
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
