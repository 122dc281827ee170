/* rnnamp: the real-time inference engine. See engine.h and
 * engine_internal.h for the packed layout. */
#include "engine.h"
#include "error.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

#include "denormals.h"

#if defined(__x86_64__) || defined(_M_X64)
#define RNNAMP_X86 1
#endif

static int pad8(int n)
{
    return (n + RNNAMP_PAD - 1) / RNNAMP_PAD * RNNAMP_PAD;
}

/* ---- building (non-real-time) ---- */

/* Logical (unpacked) weight of a hidden layer's main product at row r,
 * column c, in the padded index space. */
typedef struct {
    const rnnamp_layer *ml;
    const rnnamp_eng_layer *el;
    int K_real; /* real input count */
} packsrc;

/* Rows feeding a sigmoid are stored times 0.5, so the kernel computes
 * sigmoid(x) = 0.5 + 0.5 tanh(x / 2) without a multiply. */
static float gate_scale(const rnnamp_layer *ml, int q)
{
    switch (ml->type) {
    case RNNAMP_LSTM: return q == 2 ? 1.f : 0.5f;
    case RNNAMP_GRU: return q < 2 ? 0.5f : 1.f;
    case RNNAMP_DENSE: return ml->act == RNNAMP_ACT_SIGMOID ? 0.5f : 1.f;
    default: return 1.f;
    }
}

static float main_weight(const packsrc *s, int r, int c)
{
    const rnnamp_layer *ml = s->ml;
    const rnnamp_eng_layer *el = s->el;
    int H = el->H, Hp = el->Hp;
    int q = r / Hp, u = r % Hp;
    if (ml->type == RNNAMP_DENSE) {
        if (r >= H || c >= s->K_real)
            return 0.f;
        return gate_scale(ml, 0) *
               ml->w_ih[(size_t)r * (size_t)ml->n_in + (size_t)c];
    }
    if (u >= H)
        return 0.f;
    size_t row = (size_t)q * (size_t)H + (size_t)u;
    if (c < el->K) {
        if (c >= s->K_real)
            return 0.f;
        if (ml->type == RNNAMP_GRU && q == 2)
            return 0.f; /* n gate: input part is in Wnx */
        return gate_scale(ml, q) * ml->w_ih[row * (size_t)ml->n_in + (size_t)c];
    }
    int v = c - el->K;
    if (v >= H)
        return 0.f;
    return gate_scale(ml, q) * ml->w_hh[row * (size_t)H + (size_t)v];
}

static float main_bias(const packsrc *s, int r)
{
    const rnnamp_layer *ml = s->ml;
    int H = s->el->H, Hp = s->el->Hp;
    int q = r / Hp, u = r % Hp;
    if (u >= H)
        return 0.f;
    if (ml->type == RNNAMP_DENSE)
        return gate_scale(ml, 0) * ml->b_ih[u];
    size_t row = (size_t)q * (size_t)H + (size_t)u;
    if (ml->type == RNNAMP_GRU && q == 2)
        return ml->b_hh[row];
    return gate_scale(ml, q) * (ml->b_ih[row] + ml->b_hh[row]);
}

/* Pack R x C into the block-column layout of engine_internal.h. */
static void pack(float *dst, int R, int C, int br, const packsrc *s,
                 float (*get)(const packsrc *, int, int))
{
    for (int r0 = 0; r0 < R; r0 += br) {
        int nb = R - r0 < br ? R - r0 : br;
        float *blk = dst + (size_t)r0 * (size_t)C;
        for (int j = 0; j < C; j++)
            for (int r = 0; r < nb; r++)
                blk[(size_t)j * (size_t)nb + (size_t)r] = get(s, r0 + r, j);
    }
}

static float gru_nx_weight(const packsrc *s, int r, int c)
{
    int H = s->el->H;
    if (r >= H || c >= s->K_real)
        return 0.f;
    size_t row = 2 * (size_t)H + (size_t)r;
    return s->ml->w_ih[row * (size_t)s->ml->n_in + (size_t)c];
}

/* Bump allocator over the single aligned block (64-byte granules). */
typedef rnnamp_bump bump;

float *rnnamp_bump_take(rnnamp_bump *b, size_t nfloats)
{
    size_t bytes = (nfloats * sizeof(float) + 63u) & ~(size_t)63u;
    float *p = b->base ? (float *)(b->base + b->off) : NULL;
    b->off += bytes;
    return p;
}

/* Lay out (b.base == NULL: only measure) and fill the engine. */
static void layout(rnnamp_engine *e, const rnnamp_model *m, bump *b, int fill)
{
    int hidden = m->n_layers - 1;
    int off = RNNAMP_X_SLOT;
    int gmax = 8;
    for (int l = 0; l < hidden; l++) {
        const rnnamp_layer *ml = &m->layers[l];
        rnnamp_eng_layer *L = &e->L[l];
        L->type = ml->type;
        L->act = ml->act;
        L->H = ml->n_out;
        L->Hp = pad8(ml->n_out);
        L->col0 = l == 0 ? RNNAMP_X_SLOT - m->n_inputs : e->L[l - 1].out0;
        L->K = l == 0 ? m->n_inputs : e->L[l - 1].Hp;
        L->out0 = off;
        off += L->Hp;
        int G = rnnamp_layer_gates(ml->type);
        if (ml->type == RNNAMP_DENSE) {
            L->R = L->Hp;
            L->C = L->K;
        } else {
            L->R = (ml->type == RNNAMP_GRU ? 3 : G) * L->Hp;
            L->C = L->K + L->Hp;
        }
        int gl = L->R + (ml->type == RNNAMP_GRU ? L->Hp : 0);
        if (gl > gmax)
            gmax = gl;
    }
    e->s_len = off;
    e->S = rnnamp_bump_take(b, (size_t)off);
    e->g = rnnamp_bump_take(b, (size_t)gmax);
    for (int l = 0; l < hidden; l++) {
        const rnnamp_layer *ml = &m->layers[l];
        rnnamp_eng_layer *L = &e->L[l];
        packsrc s = {ml, L, ml->n_in};
        float *W = rnnamp_bump_take(b, (size_t)L->R * (size_t)L->C);
        float *bb = rnnamp_bump_take(b, (size_t)L->R);
        L->W = W;
        L->b = bb;
        if (fill) {
            pack(W, L->R, L->C, e->block_rows, &s, main_weight);
            for (int r = 0; r < L->R; r++)
                bb[r] = main_bias(&s, r);
        }
        L->Wnx = L->bnx = NULL;
        L->c = NULL;
        L->ring_h = L->ring_c = NULL;
        float *h0 = NULL, *c0 = NULL;
        if (ml->type == RNNAMP_DENSE)
            continue;
        h0 = rnnamp_bump_take(b, (size_t)L->Hp);
        if (fill) {
            memset(h0, 0, (size_t)L->Hp * sizeof(float));
            memcpy(h0, ml->h0, (size_t)L->H * sizeof(float));
        }
        L->h0 = h0;
        if (ml->type == RNNAMP_GRU) {
            float *Wnx = rnnamp_bump_take(b, (size_t)L->Hp * (size_t)L->K);
            float *bnx = rnnamp_bump_take(b, (size_t)L->Hp);
            if (fill) {
                pack(Wnx, L->Hp, L->K, e->block_rows, &s, gru_nx_weight);
                for (int r = 0; r < L->Hp; r++)
                    bnx[r] = r < L->H ? ml->b_ih[2 * L->H + r] : 0.f;
            }
            L->Wnx = Wnx;
            L->bnx = bnx;
        }
        if (ml->type == RNNAMP_LSTM) {
            L->c = rnnamp_bump_take(b, (size_t)L->Hp);
            c0 = rnnamp_bump_take(b, (size_t)L->Hp);
            if (fill) {
                memset(c0, 0, (size_t)L->Hp * sizeof(float));
                memcpy(c0, ml->c0, (size_t)L->H * sizeof(float));
            }
        }
        L->c0 = c0;
        if (e->use_ratio) {
            L->ring_h =
                rnnamp_bump_take(b, (size_t)e->ring_len * (size_t)L->Hp);
            if (ml->type == RNNAMP_LSTM)
                L->ring_c =
                    rnnamp_bump_take(b, (size_t)e->ring_len * (size_t)L->Hp);
        }
    }
    const rnnamp_layer *head = &m->layers[m->n_layers - 1];
    e->hin = hidden ? e->L[hidden - 1].out0 : RNNAMP_X_SLOT - m->n_inputs;
    e->hk = hidden ? e->L[hidden - 1].Hp : m->n_inputs;
    float *hw = rnnamp_bump_take(b, (size_t)pad8(e->hk));
    if (fill) {
        memset(hw, 0, (size_t)pad8(e->hk) * sizeof(float));
        memcpy(hw, head->w_ih, (size_t)head->n_in * sizeof(float));
        e->hb = head->b_ih[0];
    }
    e->hw = hw;
    e->n_layers = hidden;
}

/* Set the sample-rate correction of e from ratio (0 = 1). Returns 0, or -1
 * with a message if the ratio is outside 1..8. */
static int setup_ratio(rnnamp_engine *e, double ratio, char *err, size_t errlen)
{
    if (ratio == 0.0)
        ratio = 1.0;
    if (!(ratio >= 1.0 - 1e-9 && ratio <= 8.0)) {
        rnnamp_seterr(err, errlen,
                      "rate ratio %g is outside 1..8 (resample instead)",
                      ratio);
        return -1;
    }
    if (ratio > 1.0 + 1e-9) {
        e->use_ratio = 1;
        e->d_int = (int)floor(ratio);
        e->d_frac = (float)(ratio - e->d_int);
        e->ring_len = e->d_int + 2;
    }
    e->ratio = ratio;
    return 0;
}

/* Bytes of the single allocation for m with e's rate setup (fills e's
 * layout fields without weights). */
static size_t measure(rnnamp_engine *e, const rnnamp_model *m)
{
    bump b = {NULL, 0};
    rnnamp_bump_take(&b, sizeof(rnnamp_engine) / sizeof(float) + 1);
    if (m->kind == RNNAMP_KIND_WAVENET)
        rnnamp_wn_layout(e, m, &b, 0);
    else
        layout(e, m, &b, 0);
    return b.off;
}

/* A FIR's taps at the model's rate placed at the host rate (ratio > 1):
 * tap k goes to time k * ratio, split between the two nearest host samples
 * (linear interpolation of the delay). For whole-number ratios this is zero
 * stuffing, whose response equals the model-rate response exactly up to the
 * model's Nyquist frequency (and mirrors it above). It stays causal and
 * adds no latency, which band-limited resampling of the taps cannot do (it
 * would cut the left half of each tap's sinc: -2.5 dB at low frequencies
 * for a lone tap at twice the rate). Returns malloc'ed taps, *n updated. */
static float *stretch_fir(const float *h, size_t *n, double ratio)
{
    const size_t m = (size_t)ceil((double)(*n - 1) * ratio) + 2;
    float *o = calloc(m, sizeof *o);
    if (!o)
        return NULL;
    for (size_t k = 0; k < *n; k++) {
        const double at = (double)k * ratio;
        const size_t i = (size_t)floor(at);
        const float f = (float)(at - (double)i);
        o[i] += h[k] * (1.0f - f);
        o[i + 1] += h[k] * f;
    }
    *n = m;
    return o;
}

/* One FIR stage of a hybrid model; at a host rate above the model's
 * (rate correction) its taps are stretched (stretch_fir). */
static rnnamp_convolver *build_fir(const rnnamp_engine *e, const float *h,
                                   int taps, const char *which, char *err,
                                   size_t errlen)
{
    char cerr[RNNAMP_ERR_LEN];
    size_t n = (size_t)taps;
    float *st = e->use_ratio ? stretch_fir(h, &n, e->ratio) : NULL;
    if (e->use_ratio && !st) {
        rnnamp_seterr(err, errlen, "%s: out of memory", which);
        return NULL;
    }
    const rnnamp_conv_layout lay = {0, 0, e->kernel};
    rnnamp_convolver *c =
        rnnamp_convolver_new(st ? st : h, n, &lay, cerr, sizeof cerr);
    if (!c)
        rnnamp_seterr(err, errlen, "%s: %s", which, cerr);
    free(st);
    return c;
}

static int build_firs(rnnamp_engine *e, const rnnamp_model *m, char *err,
                      size_t errlen)
{
    if (m->pre_taps && !(e->pre = build_fir(e, m->pre_fir, m->pre_taps,
                                            "pre-FIR", err, errlen)))
        return -1;
    if (m->post_taps && !(e->post = build_fir(e, m->post_fir, m->post_taps,
                                              "post-FIR", err, errlen)))
        return -1;
    return 0;
}

/* The kernel's run function for e's network. */
static rnnamp_run_fn pick_run(rnnamp_kernel k, int wavenet)
{
    switch (k) {
#ifdef RNNAMP_X86
    case RNNAMP_KERNEL_AVX2:
        return wavenet ? rnnamp_wn_run_avx2 : rnnamp_run_avx2;
    case RNNAMP_KERNEL_SSE2:
        return wavenet ? rnnamp_wn_run_sse2 : rnnamp_run_sse2;
    case RNNAMP_KERNEL_AVX512:
        return wavenet ? rnnamp_wn_run_avx512 : rnnamp_run_avx512;
#endif
#if defined(__aarch64__)
    case RNNAMP_KERNEL_NEON:
        return wavenet ? rnnamp_wn_run_neon : rnnamp_run_neon;
#endif
    default: return wavenet ? rnnamp_wn_run_scalar : rnnamp_run_scalar;
    }
}

/* A WaveNet runs at its own rate (the caller resamples). */
static int check_wavenet_ratio(const rnnamp_model *m,
                               const rnnamp_engine_opts *opts, char *err,
                               size_t errlen)
{
    double r = opts ? opts->rate_ratio : 1.0;
    if (m->kind != RNNAMP_KIND_WAVENET || r == 0.0 || fabs(r - 1.0) < 1e-9)
        return 0;
    rnnamp_seterr(err, errlen,
                  "a WaveNet runs at its own sample rate only (rate ratio "
                  "%g): resample around it",
                  r);
    return -1;
}

/* The kernel RNNAMP_KERNEL_AUTO means for m: the best this CPU runs, but
 * AVX2 + FMA instead of AVX-512 while every recurrent layer is narrower
 * than RNNAMP_AVX512_MIN_WIDTH. A layer of up to 8 units fills half a
 * 16-lane vector, and on our AVX-512 machines (AMD EPYC, Zen 4) AVX2 was
 * faster there: LSTM-8 36.5 against 38.8 ns a sample, GRU-8 33 against 36.
 * From 9 units (one full 16-lane vector) AVX-512 wins. Medians of five
 * rounds of `rnnamp-bench --kernel all` (128-sample blocks, idle machine):
 * LSTM-12 69.4 against 60.4, LSTM-16 69.6 against 60.9, GRU-12 51.5
 * against 48.0, GRU-16 51.9 against 47.9 (AVX2's times are bimodal, 55 or
 * 70 for LSTM-16; AVX-512's are steady); LSTM-32 197 against 142, GRU-32
 * 110 against 89. A WaveNet runs blocks of 64 samples, where 16 lanes pay
 * at every size (NAM A1 nano 15 against 18.5 ns, the 4x7 + 2x13 "lite"
 * shape 59-71 against 87-91): always AVX-512. */
#define RNNAMP_AVX512_MIN_WIDTH 9
static rnnamp_kernel auto_kernel(const rnnamp_model *m)
{
    rnnamp_kernel best = rnnamp_kernel_best();
    if (best != RNNAMP_KERNEL_AVX512 || m->kind == RNNAMP_KIND_WAVENET)
        return best;
    for (int l = 0; l < m->n_layers - 1; l++)
        if (m->layers[l].type != RNNAMP_DENSE &&
            m->layers[l].n_out >= RNNAMP_AVX512_MIN_WIDTH)
            return best;
    return RNNAMP_KERNEL_AVX2;
}

rnnamp_engine *rnnamp_engine_new(const rnnamp_model *model,
                                 const rnnamp_engine_opts *opts, char *err,
                                 size_t errlen)
{
    if (rnnamp_model_validate(model, err, errlen) != 0)
        return NULL;
    const rnnamp_model *m = rnnamp_model_playable(model);
    if (check_wavenet_ratio(m, opts, err, errlen) != 0)
        return NULL;
    rnnamp_engine tmp;
    memset(&tmp, 0, sizeof tmp);
    rnnamp_kernel k = opts ? opts->kernel : RNNAMP_KERNEL_AUTO;
    if (k == RNNAMP_KERNEL_AUTO)
        k = auto_kernel(m);
    if (!rnnamp_kernel_supported(k)) {
        rnnamp_seterr(err, errlen, "kernel %s is not supported by this CPU",
                      rnnamp_kernel_name(k));
        return NULL;
    }
    tmp.kernel = k;
    tmp.block_rows = RNNAMP_BLOCK_ROWS_FOR(rnnamp_kernel_lanes(k));
    if (setup_ratio(&tmp, opts ? opts->rate_ratio : 1.0, err, errlen) != 0)
        return NULL;
    size_t bytes = measure(&tmp, m);
    char *mem = aligned_alloc(64, bytes);
    if (!mem) {
        rnnamp_seterr(err, errlen, "out of memory (%zu bytes)", bytes);
        return NULL;
    }
    memset(mem, 0, bytes);
    rnnamp_engine *e = (rnnamp_engine *)mem;
    *e = tmp;
    bump b = {mem, 0};
    rnnamp_bump_take(&b, sizeof(rnnamp_engine) / sizeof(float) + 1);
    const int wavenet = m->kind == RNNAMP_KIND_WAVENET;
    if (wavenet)
        rnnamp_wn_layout(e, m, &b, 1);
    else
        layout(e, m, &b, 1);
    e->n_inputs = m->n_inputs;
    e->skip = m->skip;
    e->meta = model->meta;
    e->bytes = bytes;
    e->kernel = k;
    e->run = pick_run(k, wavenet);
    if (wavenet) {
        rnnamp_wn_settle(e);
        return e;
    }
    for (int i = 1; i < e->n_inputs; i++)
        e->S[RNNAMP_X_SLOT - e->n_inputs + i] = 0.5f;
    if (build_firs(e, m, err, errlen)) {
        rnnamp_engine_free(e);
        return NULL;
    }
    rnnamp_engine_reset(e);
    return e;
}

void rnnamp_engine_free(rnnamp_engine *e)
{
    if (!e)
        return;
    rnnamp_convolver_free(e->pre);
    rnnamp_convolver_free(e->post);
    free(e);
}

/* ---- a second state on the same weights ---- */

/* Lay out the state of a clone of e's recurrent network (b->base NULL:
 * measure): S, the gate scratch, LSTM cells, rate-correction rings; the
 * weight and initial-state pointers stay the owner's. Mirrors layout(). */
static void shared_layout(rnnamp_engine *e, bump *b)
{
    int gmax = 8;
    for (int l = 0; l < e->n_layers; l++) {
        const rnnamp_eng_layer *L = &e->L[l];
        const int gl = L->R + (L->type == RNNAMP_GRU ? L->Hp : 0);
        gmax = gl > gmax ? gl : gmax;
    }
    e->S = rnnamp_bump_take(b, (size_t)e->s_len);
    e->g = rnnamp_bump_take(b, (size_t)gmax);
    for (int l = 0; l < e->n_layers; l++) {
        rnnamp_eng_layer *L = &e->L[l];
        if (L->type == RNNAMP_DENSE)
            continue;
        const size_t ring = (size_t)e->ring_len * (size_t)L->Hp;
        const int lstm = L->type == RNNAMP_LSTM;
        L->c = lstm ? rnnamp_bump_take(b, (size_t)L->Hp) : NULL;
        L->ring_h = e->use_ratio ? rnnamp_bump_take(b, ring) : NULL;
        L->ring_c = e->use_ratio && lstm ? rnnamp_bump_take(b, ring) : NULL;
    }
}

/* Copy o's recurrent state (hidden state, knobs, cells, rings) into e
 * (same layout). */
static void copy_state(rnnamp_engine *e, const rnnamp_engine *o)
{
    if (o->s_len)
        memcpy(e->S, o->S, (size_t)o->s_len * sizeof(float));
    for (int l = 0; l < o->n_layers; l++) {
        const rnnamp_eng_layer *L = &o->L[l];
        const size_t ring = (size_t)o->ring_len * (size_t)L->Hp;
        if (L->c)
            memcpy(e->L[l].c, L->c, (size_t)L->Hp * sizeof(float));
        if (L->ring_h)
            memcpy(e->L[l].ring_h, L->ring_h, ring * sizeof(float));
        if (L->ring_c)
            memcpy(e->L[l].ring_c, L->ring_c, ring * sizeof(float));
    }
}

/* The clone's state in its block (b->base NULL: measure; fill: copy the
 * owner's state). */
static void clone_layout(rnnamp_engine *e, const rnnamp_engine *owner, bump *b,
                         int fill)
{
    rnnamp_bump_take(b, sizeof(rnnamp_engine) / sizeof(float) + 1);
    if (owner->wn) {
        rnnamp_wn_layout_shared(e, owner->wn, b, fill);
        return;
    }
    shared_layout(e, b);
    if (fill)
        copy_state(e, owner);
}

rnnamp_engine *rnnamp_engine_new_shared(const rnnamp_engine *owner, char *err,
                                        size_t errlen)
{
    rnnamp_engine tmp = *owner;
    tmp.pre = tmp.post = NULL;
    bump b = {NULL, 0};
    clone_layout(&tmp, owner, &b, 0);
    const size_t bytes = b.off;
    char *mem = aligned_alloc(64, bytes);
    if (!mem) {
        rnnamp_seterr(err, errlen, "out of memory (%zu bytes)", bytes);
        return NULL;
    }
    memset(mem, 0, bytes);
    rnnamp_engine *e = (rnnamp_engine *)mem;
    *e = tmp;
    b.base = mem;
    b.off = 0;
    clone_layout(e, owner, &b, 1);
    e->bytes = bytes;
    e->flags = 0;
    char cerr[RNNAMP_ERR_LEN];
    if ((owner->pre && !(e->pre = rnnamp_convolver_new_shared(owner->pre, cerr,
                                                              sizeof cerr))) ||
        (owner->post && !(e->post = rnnamp_convolver_new_shared(
                              owner->post, cerr, sizeof cerr)))) {
        rnnamp_seterr(err, errlen, "FIR stage: %s", cerr);
        rnnamp_engine_free(e);
        return NULL;
    }
    return e;
}

/* ---- real-time functions ---- */

void rnnamp_engine_reset(rnnamp_engine *e)
{
    if (e->wn) {
        rnnamp_wn_reset(e);
        return;
    }
    int x0 = RNNAMP_X_SLOT - e->n_inputs;
    for (int i = 0; i < e->s_len; i++)
        if (i < x0 || i >= RNNAMP_X_SLOT)
            e->S[i] = 0.f;
    e->S[x0] = 0.f;
    for (int l = 0; l < e->n_layers; l++) {
        rnnamp_eng_layer *L = &e->L[l];
        if (L->type == RNNAMP_DENSE)
            continue;
        float *h = e->S + L->out0;
        for (int k = 0; k < L->Hp; k++)
            h[k] = L->h0[k];
        if (L->c)
            for (int k = 0; k < L->Hp; k++)
                L->c[k] = L->c0[k];
        for (int p = 0; e->use_ratio && p < e->ring_len; p++) {
            for (int k = 0; k < L->Hp; k++) {
                L->ring_h[p * L->Hp + k] = L->h0[k];
                if (L->ring_c)
                    L->ring_c[p * L->Hp + k] = L->c0[k];
            }
        }
    }
    e->ring_pos = 0;
    if (e->pre)
        rnnamp_convolver_reset(e->pre);
    if (e->post)
        rnnamp_convolver_reset(e->post);
}

static void set_knobs(rnnamp_engine *e, const float *knobs)
{
    if (!knobs)
        return;
    float *x = e->S + RNNAMP_X_SLOT - e->n_inputs;
    for (int i = 1; i < e->n_inputs; i++) {
        float v = knobs[i - 1];
        if (!(v >= 0.f)) /* also NaN */
            v = 0.f;
        if (v > 1.f)
            v = 1.f;
        x[i] = v;
    }
}

/* pre-FIR -> network -> post-FIR, a chunk at a time (in may be out: a
 * chunk of in is read before the same chunk of out is written). */
static void run_hybrid(rnnamp_engine *e, const float *in, float *out,
                       uint32_t n)
{
    for (uint32_t done = 0; done < n;) {
        const uint32_t k =
            n - done < RNNAMP_FIR_CHUNK ? n - done : RNNAMP_FIR_CHUNK;
        const float *x = in + done;
        if (e->pre) {
            rnnamp_convolver_process(e->pre, x, e->fbuf, k);
            x = e->fbuf;
        }
        e->run(e, x, out + done, k);
        if (e->post)
            rnnamp_convolver_process(e->post, out + done, out + done, k);
        done += k;
    }
}

static int state_finite(const rnnamp_engine *e)
{
    if (e->wn)
        return rnnamp_wn_state_finite(e);
    float s = 0.f;
    for (int i = 0; i < e->s_len; i++)
        s += e->S[i] * 0.f;
    for (int l = 0; l < e->n_layers; l++)
        if (e->L[l].c)
            for (int k = 0; k < e->L[l].Hp; k++)
                s += e->L[l].c[k] * 0.f;
    return s == 0.f;
}

unsigned rnnamp_engine_process(rnnamp_engine *e, const float *in, float *out,
                               uint32_t n, const float *knobs)
{
    if (!n)
        return 0;
    set_knobs(e, knobs);
    rnnamp_fpmode fm = rnnamp_denormals_off();
    if (e->pre || e->post)
        run_hybrid(e, in, out, n);
    else
        e->run(e, in, out, n);
    float acc = 0.f;
    for (uint32_t i = 0; i < n; i++)
        acc += out[i] * 0.f; /* NaN iff some output is NaN or Inf */
    unsigned fl = 0;
    if (acc != 0.f || !state_finite(e)) {
        rnnamp_engine_reset(e);
        memset(out, 0, (size_t)n * sizeof(float));
        fl = RNNAMP_FLAG_RESET;
        e->flags |= fl;
    }
    rnnamp_denormals_restore(fm);
    return fl;
}

void rnnamp_engine_prewarm(rnnamp_engine *e, uint32_t n, const float *knobs)
{
    float buf[256];
    memset(buf, 0, sizeof buf);
    while (n) {
        uint32_t k = n < 256 ? n : 256;
        for (uint32_t i = 0; i < k; i++)
            buf[i] = 0.f;
        rnnamp_engine_process(e, buf, buf, k, knobs);
        n -= k;
    }
}

unsigned rnnamp_engine_take_flags(rnnamp_engine *e)
{
    unsigned f = e->flags;
    e->flags = 0;
    return f;
}

int rnnamp_engine_n_inputs(const rnnamp_engine *e)
{
    return e->n_inputs;
}

const rnnamp_meta *rnnamp_engine_meta(const rnnamp_engine *e)
{
    return &e->meta;
}

const char *rnnamp_engine_kernel_name(const rnnamp_engine *e)
{
    return rnnamp_kernel_name(e->kernel);
}

size_t rnnamp_engine_bytes(const rnnamp_engine *e)
{
    if (e->pre || e->post)
        return e->bytes + (e->pre ? rnnamp_convolver_bytes(e->pre) : 0) +
               (e->post ? rnnamp_convolver_bytes(e->post) : 0);
    return e->bytes;
}

/* ---- cost and budget (non-real-time) ---- */

/* Multiply-add equivalent of a FIR stage a sample: direct taps up to the
 * convolver's head, and for longer ones its measured cost (README,
 * rnnamp-bench-conv: 21 to 36 ns a sample for 2048 to 96000 taps) at the
 * engine's measured speed (17.6 G multiply-adds a second, see engine.h),
 * rounded up: 64 + 40 log2(taps). */
static double fir_cost(int taps)
{
    if (taps <= 64)
        return taps;
    return 64.0 + 40.0 * log2((double)taps);
}

double rnnamp_engine_cost_macs(const rnnamp_model *model)
{
    const rnnamp_model *m = rnnamp_model_playable(model);
    if (m->kind == RNNAMP_KIND_WAVENET)
        return rnnamp_wn_cost_macs(m->wavenet);
    double macs = 0;
    for (int l = 0; l < m->n_layers; l++) {
        const rnnamp_layer *L = &m->layers[l];
        double in = L->n_in, h = L->n_out;
        if (L->type == RNNAMP_DENSE)
            macs += h * in;
        else
            macs += rnnamp_layer_gates(L->type) * h * (in + h);
    }
    return macs + fir_cost(m->pre_taps) + fir_cost(m->post_taps);
}

size_t rnnamp_engine_cost_bytes(const rnnamp_model *model, double rate_ratio)
{
    const rnnamp_model *m = rnnamp_model_playable(model);
    rnnamp_engine tmp;
    memset(&tmp, 0, sizeof tmp);
    if (m->kind == RNNAMP_KIND_WAVENET)
        rate_ratio = 1.0; /* resampled, never delay-line corrected */
    if (setup_ratio(&tmp, rate_ratio, NULL, 0) != 0)
        return 0;
    return measure(&tmp, m);
}

double rnnamp_engine_cost_per_second(const rnnamp_model *m, double host_rate)
{
    /* From host rate / model rate 1 to 8 the engine runs at the host rate
     * (delay-line correction); outside that the plugin resamples and the
     * engine runs at the model's rate (48000 Hz when the file does not
     * say, as the plugin plays it). */
    double mr = m->meta.sample_rate > 0 ? m->meta.sample_rate : 48000.0;
    double rate = host_rate;
    if (!(host_rate >= mr && host_rate <= 8.0 * mr) ||
        rnnamp_model_playable(m)->kind == RNNAMP_KIND_WAVENET)
        rate = mr; /* resampled: the network runs at its own rate */
    return rnnamp_engine_cost_macs(m) * rate;
}

int rnnamp_engine_check_budget(const rnnamp_model *m, double host_rate,
                               char *err, size_t errlen)
{
    double need = rnnamp_engine_cost_per_second(m, host_rate);
    if (need <= RNNAMP_BUDGET_MACS_PER_SECOND)
        return 0;
    double rate = need / rnnamp_engine_cost_macs(m);
    rnnamp_seterr(err, errlen,
                  "too heavy to run in real time: needs %.0f M multiply-adds "
                  "per second at %.0f Hz (%.0f per sample); the real-time "
                  "budget is %.0f M per second (%.0f per sample at that "
                  "rate): use fewer or smaller layers",
                  need / 1e6, rate, rnnamp_engine_cost_macs(m),
                  RNNAMP_BUDGET_MACS_PER_SECOND / 1e6,
                  RNNAMP_BUDGET_MACS_PER_SECOND / rate);
    return -1;
}

/* ---- self-test (non-real-time) ---- */

int rnnamp_engine_selftest(const rnnamp_model *m, double tol, double *max_err,
                           char *err, size_t errlen)
{
    if (max_err)
        *max_err = 0.0;
    if (!m->n_batch || !m->input_batch || !m->output_batch)
        return 1;
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, errlen);
    if (!e)
        return -1;
    double worst = 0.0;
    size_t worst_i = 0;
    int ni = m->n_inputs;
    for (size_t i = 0; i < m->n_batch; i++) {
        const float *fr = m->input_batch + i * (size_t)ni;
        float y;
        rnnamp_engine_process(e, fr, &y, 1, ni > 1 ? fr + 1 : NULL);
        double d = fabs((double)y - (double)m->output_batch[i]);
        if (!(d <= worst)) {
            worst = isfinite(d) ? d : INFINITY;
            worst_i = i;
        }
    }
    rnnamp_engine_free(e);
    if (max_err)
        *max_err = worst;
    if (!(worst <= tol)) {
        rnnamp_seterr(err, errlen,
                      "self-test failed: output differs from the stored "
                      "output_batch by %.3g at sample %zu (tolerance %.3g)",
                      worst, worst_i, tol);
        return -1;
    }
    return 0;
}
