/* rnnamp: the per-sample inference loop, written once over the vector
 * abstraction (vf, VW, vf_*) of the including file. Include it after one of
 * the vec_*.h headers with RNNAMP_RUN_NAME defined. Nothing here assumes a
 * width: widths are padded to RNNAMP_PAD (8) floats, and 16-lane vectors
 * end a layer on a masked half vector where 8 does not divide by VW.
 *
 * Called only through rnnamp_engine_process() (audio thread): no
 * allocation, no I/O, bounded time. See engine_internal.h for the layout. */
#include <stdint.h>

#include "engine_internal.h"

#define KB_INLINE static inline __attribute__((always_inline))

/* The gates use the project's one float tanh, vf_tanh (vec_math.h, included
 * by every vec_*.h). */

/* The sigmoid gates use vf_sigmoid_half (sigmoid(2y) = (1 + tanh(y)) / 2):
 * the packed weights of every row that feeds a sigmoid are pre-scaled by
 * 0.5 (engine.c, gate_scale). */

/* Rows of a packed block for this vector width (engine_internal.h). */
#define KB_BR RNNAMP_BLOCK_ROWS_FOR(VW)
/* 1 when a padded width (a multiple of RNNAMP_PAD) can end in a partial
 * vector: only for 16 lanes. Otherwise the tail code compiles away. */
#define KB_TAIL (RNNAMP_PAD % VW != 0)

/* The weights of one row vector with n lanes (VW: whole, aligned; the
 * lanes past n are 0). */
KB_INLINE vf kb_load_w(const float *w, int n)
{
    return n < VW ? vf_load_part(w, n) : vf_load_a(w);
}

/* Four columns (v[0..4), the rows of w at stride nb) into the sums; with
 * two partial sums (two) the odd columns go to acc2, and first starts acc2
 * from column 1's products (a product rounds as a multiply-add onto 0). */
KB_INLINE void kb_gemv_four(const float *w, int nb, const float *v, vf *acc,
                            vf *acc2, const int NV, const int LAST,
                            const int two, const int first)
{
    for (int u = 0; u < 4; u++) {
        vf s0 = vf_set1(v[u]);
        for (int k = 0; k < NV; k++) {
            vf wv = kb_load_w(w + u * nb + k * VW, k == NV - 1 ? LAST : VW);
            if (two && first && u == 1)
                acc2[k & 3] = vf_mul(wv, s0);
            else if (two && (u & 1))
                acc2[k & 3] = vf_fmadd(wv, s0, acc2[k & 3]);
            else
                acc[k] = vf_fmadd(wv, s0, acc[k]);
        }
    }
}

/* out[0 .. NV) = (b + W v)[so .. so+NV*VW) for one sub-block of rows of a
 * packed block whose column stride is nb; its last vector has LAST lanes
 * (VW: whole; the lanes past LAST are 0).
 * NV, LAST and PEEL are compile-time constants at each call. With four row
 * vectors or fewer, even and odd columns go to two partial sums, which
 * halves the chain of dependent multiply-adds. PEEL (where C is a constant
 * too, so that the column loop unrolls) starts the odd sums from the first
 * odd column's products instead of zeros: the same sums, one
 * instruction fewer per sum vector; with a run-time C the peeled block
 * costs more than it saves. */
KB_INLINE void kb_gemv_acc(const float *Wb, int nb, int so, const float *b,
                           const float *v, int C, vf *out, const int NV,
                           const int LAST, const int PEEL)
{
    const int two = NV <= 4;
    vf acc[8], acc2[4];
    for (int k = 0; k < NV; k++)
        acc[k] = vf_load_n(b + so + k * VW, k == NV - 1 ? LAST : VW);
    const float *w = Wb + so;
    int j = 0;
    if (two && PEEL && C >= 4) {
        kb_gemv_four(w, nb, v, acc, acc2, NV, LAST, two, 1);
        w += 4 * nb;
        j = 4;
    } else {
        for (int k = 0; k < 4; k++)
            acc2[k] = vf_set1(0.f);
    }
    for (; j + 4 <= C; j += 4) {
        kb_gemv_four(w, nb, v + j, acc, acc2, NV, LAST, two, 0);
        w += 4 * nb;
    }
    for (; j < C; j++) {
        vf s0 = vf_set1(v[j]);
        for (int k = 0; k < NV; k++)
            acc[k] = vf_fmadd(kb_load_w(w + k * VW, k == NV - 1 ? LAST : VW),
                              s0, acc[k]);
        w += nb;
    }
    for (int k = 0; k < NV; k++)
        out[k] = two ? vf_add(acc[k], acc2[k & 3]) : acc[k];
}

/* kb_gemv_acc, stored to y. */
KB_INLINE void kb_gemv_sub(const float *Wb, int nb, int so, const float *b,
                           const float *v, int C, float *y, const int NV,
                           const int LAST)
{
    vf acc[8];
    kb_gemv_acc(Wb, nb, so, b, v, C, acc, NV, LAST, 0);
    for (int k = 0; k < NV; k++)
        vf_store_n(y + so + k * VW, acc[k], k == NV - 1 ? LAST : VW);
}

/* kb_gemv_sub with nv (1..8) resolved to a constant; last lanes LAST. */
#define KB_GEMV_NV(nv, LAST, ...)                                              \
    switch (nv) {                                                              \
    case 8: kb_gemv_sub(__VA_ARGS__, 8, LAST); break;                          \
    case 7: kb_gemv_sub(__VA_ARGS__, 7, LAST); break;                          \
    case 6: kb_gemv_sub(__VA_ARGS__, 6, LAST); break;                          \
    case 5: kb_gemv_sub(__VA_ARGS__, 5, LAST); break;                          \
    case 4: kb_gemv_sub(__VA_ARGS__, 4, LAST); break;                          \
    case 3: kb_gemv_sub(__VA_ARGS__, 3, LAST); break;                          \
    case 2: kb_gemv_sub(__VA_ARGS__, 2, LAST); break;                          \
    default: kb_gemv_sub(__VA_ARGS__, 1, LAST); break;                         \
    }

/* y = b + W v, W packed R x C (R a multiple of RNNAMP_PAD). */
static void kb_gemv(const float *W, const float *b, const float *v, int R,
                    int C, float *y)
{
    for (int r0 = 0; r0 < R; r0 += KB_BR) {
        int nb = R - r0 < KB_BR ? R - r0 : KB_BR;
        const float *Wb = W + (size_t)r0 * (size_t)C;
        int nvec = (nb + VW - 1) / VW, last = nb - (nvec - 1) * VW;
        for (int s = 0; s < nvec; s += 8) {
            int nv = nvec - s < 8 ? nvec - s : 8;
            int so = s * VW;
            if (!KB_TAIL || s + nv < nvec || last == VW) {
                KB_GEMV_NV(nv, VW, Wb, nb, so, b + r0, v, C, y + r0);
            } else {
                KB_GEMV_NV(nv, last, Wb, nb, so, b + r0, v, C, y + r0);
            }
        }
    }
}

/* LSTM: g = [i f g o] pre-activations (4 x Hp); updates c and h for the
 * n units from k. */
KB_INLINE void kb_lstm_cell(const float *g, float *c, float *h, int Hp, int k,
                            int n)
{
    /* i and o carry the tanh's constant (vec_math.h, vf_tanh_div_c) */
    vf i = vf_sigmoid_half_times(vf_load_n(g + k, n), VF_TANH_C);
    vf f = vf_sigmoid_half(vf_load_n(g + Hp + k, n));
    vf gg = vf_tanh_div_c(vf_load_n(g + 2 * Hp + k, n));
    vf o = vf_sigmoid_half_times(vf_load_n(g + 3 * Hp + k, n), VF_TANH_C);
    vf cn = vf_fmadd(f, vf_load_n(c + k, n), vf_mul(i, gg));
    vf_store_n(c + k, cn, n);
    vf_store_n(h + k, vf_mul(o, vf_tanh_div_c(cn)), n);
}

KB_INLINE void kb_lstm_update_inl(const float *g, float *c, float *h, int Hp)
{
    int k = 0;
    for (; k + VW <= Hp; k += VW)
        kb_lstm_cell(g, c, h, Hp, k, VW);
    if (KB_TAIL && k < Hp)
        kb_lstm_cell(g, c, h, Hp, k, Hp - k);
}

/* GRU: g = [r z n_h n_x] (4 x Hp); h = (1-z) n + z h for n units from k. */
KB_INLINE void kb_gru_cell(const float *g, float *h, int Hp, int k, int n)
{
    vf r = vf_sigmoid_half(vf_load_n(g + k, n));
    vf z = vf_sigmoid_half(vf_load_n(g + Hp + k, n));
    vf nn = vf_tanh(vf_fmadd(r, vf_load_n(g + 2 * Hp + k, n),
                             vf_load_n(g + 3 * Hp + k, n)));
    vf hp = vf_load_n(h + k, n);
    vf_store_n(h + k, vf_fmadd(z, vf_sub(hp, nn), nn), n);
}

KB_INLINE void kb_gru_update_inl(const float *g, float *h, int Hp)
{
    int k = 0;
    for (; k + VW <= Hp; k += VW)
        kb_gru_cell(g, h, Hp, k, VW);
    if (KB_TAIL && k < Hp)
        kb_gru_cell(g, h, Hp, k, Hp - k);
}

/* Out of line: inlined into a sample loop of a large layer, the tanh
 * constants get hoisted into registers the matrix product needs for
 * accumulators. */
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

KB_INLINE vf kb_act(vf v, int act)
{
    switch (act) {
    case RNNAMP_ACT_TANH: return vf_tanh(v);
    case RNNAMP_ACT_SIGMOID: return vf_sigmoid_half(v);
    case RNNAMP_ACT_RELU: return vf_max(v, vf_set1(0.f));
    default: return v;
    }
}

static void kb_activate(const float *g, float *y, int n, int act)
{
    int k = 0;
    for (; k + VW <= n; k += VW)
        vf_store(y + k, kb_act(vf_load(g + k), act));
    if (KB_TAIL && k < n)
        vf_store_part(y + k, kb_act(vf_load_part(g + k, n - k), act), n - k);
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

/* y[0..n) = a x0 + bb x1 (the delay line's linear interpolation). */
static void kb_lerp(float *y, const float *x0, const float *x1, vf a, vf bb,
                    int n)
{
    int k = 0;
    for (; k + VW <= n; k += VW)
        vf_store(y + k,
                 vf_fmadd(vf_load(x0 + k), a, vf_mul(vf_load(x1 + k), bb)));
    if (KB_TAIL && k < n)
        vf_store_part(y + k,
                      vf_fmadd(vf_load_part(x0 + k, n - k), a,
                               vf_mul(vf_load_part(x1 + k, n - k), bb)),
                      n - k);
}

/* Load the delayed state (sample-rate correction) into h and c. */
static void kb_ring_read(const rnnamp_engine *e, const rnnamp_eng_layer *L,
                         float *h, float *c)
{
    int len = e->ring_len;
    int p0 = (e->ring_pos - e->d_int + 2 * len) % len;
    int p1 = (p0 - 1 + len) % len;
    size_t o0 = (size_t)p0 * (size_t)L->Hp, o1 = (size_t)p1 * (size_t)L->Hp;
    vf a = vf_set1(1.f - e->d_frac), bb = vf_set1(e->d_frac);
    kb_lerp(h, L->ring_h + o0, L->ring_h + o1, a, bb, L->Hp);
    if (c)
        kb_lerp(c, L->ring_c + o0, L->ring_c + o1, a, bb, L->Hp);
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
/* Widest layer whose gate update is inlined into the sample loop. */
#ifndef KB_INLINE_MAX
#define KB_INLINE_MAX 16
#endif

/* y = b + W v with the row count R known at compile time: the block loop,
 * the accumulator count and a partial last vector are all resolved by the
 * compiler. */
KB_INLINE void kb_gemv_fixed(const float *W, const float *b, const float *v,
                             const int R, int C, float *y)
{
    enum { BV = KB_BR / VW };
    const int full = R / KB_BR, rem = R % KB_BR;
    const int tv = (rem + VW - 1) / VW, tl = rem - (tv - 1) * VW;
    for (int bi = 0; bi < full; bi++) {
        const float *Wb = W + (size_t)bi * KB_BR * (size_t)C;
#pragma GCC unroll 16
        for (int s = 0; s < BV; s += 8)
            kb_gemv_sub(Wb, KB_BR, s * VW, b + bi * KB_BR, v, C, y + bi * KB_BR,
                        BV - s < 8 ? BV - s : 8, VW);
    }
    if (rem) {
        const int r0 = full * KB_BR;
        const float *Wb = W + (size_t)r0 * (size_t)C;
#pragma GCC unroll 16
        for (int s = 0; s < tv; s += 8)
            kb_gemv_sub(Wb, rem, s * VW, b + r0, v, C, y + r0,
                        tv - s < 8 ? tv - s : 8, s + 8 >= tv ? tl : VW);
    }
}

/* A layer whose gate rows (R of them) fit one sub-block of accumulators
 * keeps its gates in registers from the product to the update: no store
 * and reload of the gate scratch. The gates of a unit must then sit in
 * the same lanes of their vectors: HP a multiple of VW, or half of it
 * (16 lanes, 8 units: two gates a vector, kb_gates_halves). */
#define KB_FUSE(R, HP)                                                         \
    ((R) <= 8 * VW && (R) <= KB_BR &&                                          \
     ((HP) % VW == 0 || (VW == 16 && 2 * (HP) == VW)))

#if VW == 16
/* 8 units in 16 lanes: a[0] = [i | f], a[1] = [g | o] (LSTM); two tanh
 * for four gates, and the low half of each result is the unit's. */
KB_INLINE void kb_lstm_halves(const vf *a, float *c, float *h)
{
    const vf half = vf_set1(0.5f);
    vf s0 = vf_sigmoid_half(a[0]); /* [i | f] */
    vf t1 = vf_tanh(a[1]);         /* [g | tanh(o pre-activation)] */
    vf cn = vf_fmadd(vf_swap_halves(s0), vf_load_part(c, 8), vf_mul(s0, t1));
    vf o = vf_fmadd(vf_swap_halves(t1), half, half);
    vf_store_part(c, cn, 8);
    vf_store_part(h, vf_mul(o, vf_tanh(cn)), 8);
}

/* a[0] = [r | z], a[1] = [n_h | 0], x = [n_x | 0]. */
KB_INLINE void kb_gru_halves(const vf *a, vf x, float *h)
{
    vf s0 = vf_sigmoid_half(a[0]);
    vf nn = vf_tanh(vf_fmadd(s0, a[1], x));
    vf hp = vf_load_part(h, 8);
    vf_store_part(h, vf_fmadd(vf_swap_halves(s0), vf_sub(hp, nn), nn), 8);
}
#endif

/* LSTM update from gate vectors a (4 HP / VW of them, KB_FUSE). */
KB_INLINE void kb_lstm_regs(const vf *a, float *c, float *h, const int HP)
{
#if VW == 16
    if (2 * HP == VW) {
        kb_lstm_halves(a, c, h);
        return;
    }
#endif
    const int n = HP / VW;
    for (int k = 0; k < n; k++) {
        /* as kb_lstm_cell: i and o carry the tanh's constant */
        vf i = vf_sigmoid_half_times(a[k], VF_TANH_C);
        vf f = vf_sigmoid_half(a[n + k]);
        vf gg = vf_tanh_div_c(a[2 * n + k]);
        vf o = vf_sigmoid_half_times(a[3 * n + k], VF_TANH_C);
        vf cn = vf_fmadd(f, vf_load(c + k * VW), vf_mul(i, gg));
        vf_store(c + k * VW, cn);
        vf_store(h + k * VW, vf_mul(o, vf_tanh_div_c(cn)));
    }
}

/* GRU update from gate vectors a ([r z n_h], KB_FUSE) and x (n_x). */
KB_INLINE void kb_gru_regs(const vf *a, const vf *x, float *h, const int HP)
{
#if VW == 16
    if (2 * HP == VW) {
        kb_gru_halves(a, x[0], h);
        return;
    }
#endif
    const int n = HP / VW;
    for (int k = 0; k < n; k++) {
        vf r = vf_sigmoid_half(a[k]);
        vf z = vf_sigmoid_half(a[n + k]);
        vf nn = vf_tanh(vf_fmadd(r, a[2 * n + k], x[k]));
        vf hp = vf_load(h + k * VW);
        vf_store(h + k * VW, vf_fmadd(z, vf_sub(hp, nn), nn));
    }
}

/* The common case, specialised: one recurrent layer of padded width HP
 * (a compile-time constant) and the head, no sample-rate correction.
 * Everything the loop needs is hoisted into locals. */
KB_INLINE void kb_run_single(rnnamp_engine *e, const float *in, float *out,
                             uint32_t n, const int TYPE, const int HP,
                             const int K1)
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
    /* K1: one input column (no knobs), known here, so that the products'
     * column loops unroll completely */
    const int K = K1 ? 1 : L->K, C = K + HP, skip = e->skip;
    for (uint32_t t = 0; t < n; t++) {
        const float x = in[t];
        v[0] = x;
        if (TYPE == RNNAMP_LSTM && KB_FUSE(4 * HP, HP)) {
            vf a[8];
            kb_gemv_acc(W, 4 * HP, 0, b, v, C, a, (4 * HP + VW - 1) / VW, VW,
                        K1);
            kb_lstm_regs(a, c, h, HP);
        } else if (TYPE == RNNAMP_GRU && KB_FUSE(3 * HP, HP)) {
            const int NV = (3 * HP + VW - 1) / VW, NX = (HP + VW - 1) / VW;
            vf a[8], xa[8];
            kb_gemv_acc(W, 3 * HP, 0, b, v, C, a, NV, 3 * HP - (NV - 1) * VW,
                        K1);
            kb_gemv_acc(Wnx, HP, 0, bnx, v, K, xa, NX, HP - (NX - 1) * VW, K1);
            kb_gru_regs(a, xa, h, HP);
        } else if (TYPE == RNNAMP_LSTM) {
            kb_gemv_fixed(W, b, v, 4 * HP, C, g);
            if (HP <= KB_INLINE_MAX)
                kb_lstm_update_inl(g, c, h, HP);
            else
                kb_lstm_update(g, c, h, HP);
        } else {
            kb_gemv_fixed(W, b, v, 3 * HP, C, g);
            kb_gemv_fixed(Wnx, bnx, v, HP, K, g + 3 * HP);
            if (HP <= KB_INLINE_MAX)
                kb_gru_update_inl(g, h, HP);
            else
                kb_gru_update(g, h, HP);
        }
        vf acc = vf_set1(0.f);
        int k = 0;
        for (; k + VW <= HP; k += VW)
            acc = vf_fmadd(vf_load(hw + k), vf_load(h + k), acc);
        if (KB_TAIL && k < HP)
            acc = vf_fmadd(vf_load_part(hw + k, HP - k),
                           vf_load_part(h + k, HP - k), acc);
        const float y = hb + vf_hsum(acc);
        out[t] = skip ? y + x : y;
    }
}

#define KB_SINGLE(T, HP)                                                       \
    static void kb_single_##T##_##HP(rnnamp_engine *e, const float *in,        \
                                     float *out, uint32_t n)                   \
    {                                                                          \
        kb_run_single(e, in, out, n, RNNAMP_##T, HP, 0);                       \
    }                                                                          \
    static void kb_single1_##T##_##HP(rnnamp_engine *e, const float *in,       \
                                      float *out, uint32_t n)                  \
    {                                                                          \
        kb_run_single(e, in, out, n, RNNAMP_##T, HP, 1);                       \
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
#define KB_TABLE(P, T)                                                         \
    {                                                                          \
        P##T##_8, P##T##_16, P##T##_24, P##T##_32, P##T##_40, P##T##_48,       \
            P##T##_56, P##T##_64                                               \
    }
/* [type: LSTM, GRU][one input column][Hp / 8 - 1] */
static const kb_single_fn kb_single_tab[2][2][8] = {
    {KB_TABLE(kb_single_, LSTM), KB_TABLE(kb_single1_, LSTM)},
    {KB_TABLE(kb_single_, GRU), KB_TABLE(kb_single1_, GRU)}};

/* The specialised loop for this engine, or NULL. */
static kb_single_fn kb_single_for(const rnnamp_engine *e)
{
    const rnnamp_eng_layer *L = &e->L[0];
    if (e->n_layers != 1 || e->use_ratio || L->Hp > 64 ||
        (L->type != RNNAMP_LSTM && L->type != RNNAMP_GRU))
        return NULL;
    return kb_single_tab[L->type == RNNAMP_GRU][L->K == 1][L->Hp / 8 - 1];
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
