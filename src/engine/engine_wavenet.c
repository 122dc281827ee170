/* rnnamp: building, settling and resetting the WaveNet engine. See
 * engine_internal.h for the layout; wavenet_body.h runs it. */
#include <string.h>

#include "denormals.h"
#include "engine_internal.h"

/* A ring of rows x (lb + room) floats, positioned after its history. */
static void ring_take(rnnamp_wn_ring *r, rnnamp_bump *b, int rows, int lb)
{
    const int room = lb > 4 * RNNAMP_WN_BLOCK ? lb : 4 * RNNAMP_WN_BLOCK;
    r->rows = rows;
    r->lb = lb;
    r->len = lb + room;
    r->pos = lb;
    r->buf = rnnamp_bump_take(b, (size_t)rows * (size_t)r->len);
    r->steady = rnnamp_bump_take(b, (size_t)rows);
}

/* Conv weights from NAM order [O][I][K] to [O][K][I]. */
static void pack_conv(float *dst, const float *src, int O, int I, int K)
{
    for (int o = 0; o < O; o++)
        for (int k = 0; k < K; k++)
            for (int i = 0; i < I; i++)
                dst[((size_t)o * (size_t)K + (size_t)k) * (size_t)I +
                    (size_t)i] =
                    src[((size_t)o * (size_t)I + (size_t)i) * (size_t)K +
                        (size_t)k];
}

/* A float array of n taken from the block, filled from src when filling. */
static const float *copy_take(rnnamp_bump *b, const float *src, size_t n,
                              int fill)
{
    float *p = rnnamp_bump_take(b, n);
    if (fill)
        memcpy(p, src, n * sizeof(float));
    return p;
}

static void layer_layout(rnnamp_wn_elayer *E, const rnnamp_wn_array *A,
                         const rnnamp_wn_layer *L, const float *P,
                         rnnamp_bump *b, int fill)
{
    const size_t C = (size_t)A->channels, B = (size_t)A->bottleneck;
    E->K = L->kernel;
    E->d = L->dilation;
    E->Z = rnnamp_wn_zrows(A, L);
    E->gating = L->gating;
    E->act = L->act.type;
    E->act2 = L->act2.type;
    memcpy(E->ap, L->act.p, sizeof E->ap);
    memcpy(E->a2p, L->act2.p, sizeof E->a2p);
    float *W = rnnamp_bump_take(b, (size_t)E->Z * C * (size_t)E->K);
    if (fill)
        pack_conv(W, P + L->conv_w, E->Z, (int)C, E->K);
    E->W = W;
    E->b = copy_take(b, P + L->conv_b, (size_t)E->Z, fill);
    E->mix = copy_take(b, P + L->mix_w, (size_t)E->Z, fill);
    E->l1w = E->l1b = E->h1w = E->h1b = NULL;
    if (A->layer1x1) {
        E->l1w = copy_take(b, P + L->l1_w, C * B, fill);
        E->l1b = copy_take(b, P + L->l1_b, C, fill);
    }
    if (A->head1x1) {
        E->h1w = copy_take(b, P + L->h1_w, (size_t)A->head_in * B, fill);
        E->h1b = copy_take(b, P + L->h1_b, (size_t)A->head_in, fill);
    }
    ring_take(&E->in, b, (int)C, E->d * (E->K - 1));
}

void rnnamp_wn_layout(rnnamp_engine *e, const rnnamp_model *m, rnnamp_bump *b,
                      int fill)
{
    const rnnamp_wavenet *mw = m->wavenet;
    const float *P = m->params;
    rnnamp_wn_engine *w =
        (rnnamp_wn_engine *)rnnamp_bump_take(b, sizeof *w / sizeof(float) + 1);
    rnnamp_wn_engine tmp;
    if (!w)
        w = &tmp; /* measuring: the fields are only written */
    memset(w, 0, sizeof *w);
    w->n_arrays = mw->n_arrays;
    w->n_layers = mw->n_layers;
    w->head_scale = mw->head_scale;
    int zmax = 1, cmax = 1, hmax = 1;
    for (int a = 0; a < mw->n_arrays; a++) {
        const rnnamp_wn_array *A = &mw->arrays[a];
        rnnamp_wn_earray *E = &w->A[a];
        E->C = A->channels;
        E->B = A->bottleneck;
        E->Hi = A->head_in;
        E->Hs = A->head_size;
        E->hk = A->head_kernel;
        E->hd = A->head_dilation;
        E->in_size = A->in_size;
        E->first = A->first_layer;
        E->n = A->n_layers;
        E->rw = copy_take(b, P + A->rechannel_w,
                          (size_t)A->channels * (size_t)A->in_size, fill);
        float *hw =
            rnnamp_bump_take(b, (size_t)A->head_size * (size_t)A->head_in *
                                    (size_t)A->head_kernel);
        if (fill)
            pack_conv(hw, P + A->head_w, A->head_size, A->head_in,
                      A->head_kernel);
        E->hw = hw;
        E->hb = A->head_bias
                    ? copy_take(b, P + A->head_b, (size_t)A->head_size, fill)
                    : NULL;
        ring_take(&E->head, b, A->head_in,
                  A->head_dilation * (A->head_kernel - 1));
        for (int l = 0; l < A->n_layers; l++) {
            const rnnamp_wn_layer *L = &mw->layers[A->first_layer + l];
            layer_layout(&w->L[A->first_layer + l], A, L, P, b, fill);
            zmax = rnnamp_wn_zrows(A, L) > zmax ? rnnamp_wn_zrows(A, L) : zmax;
        }
        cmax = A->channels > cmax ? A->channels : cmax;
        hmax = A->head_size > hmax ? A->head_size : hmax;
    }
    const size_t S = RNNAMP_WN_BLOCK;
    w->x = rnnamp_bump_take(b, S);
    w->z = rnnamp_bump_take(b, S * (size_t)(zmax + 1));
    w->tmp = rnnamp_bump_take(b, 2 * S);
    w->hout = rnnamp_bump_take(b, S * (size_t)hmax);
    w->last = rnnamp_bump_take(b, S * (size_t)cmax);
    e->wn = fill ? w : NULL;
}

/* A clone's ring: its own buffer (o's history copied when filling), o's
 * settled state (read-only). */
static void ring_clone(rnnamp_wn_ring *r, const rnnamp_wn_ring *o,
                       rnnamp_bump *b, int fill)
{
    *r = *o;
    const size_t n = (size_t)o->rows * (size_t)o->len;
    r->buf = rnnamp_bump_take(b, n);
    if (fill)
        memcpy(r->buf, o->buf, n * sizeof(float));
}

void rnnamp_wn_layout_shared(rnnamp_engine *e, const rnnamp_wn_engine *o,
                             rnnamp_bump *b, int fill)
{
    rnnamp_wn_engine *w =
        (rnnamp_wn_engine *)rnnamp_bump_take(b, sizeof *w / sizeof(float) + 1);
    rnnamp_wn_engine tmp;
    if (!w)
        w = &tmp; /* measuring */
    *w = *o;
    int zmax = 1, cmax = 1, hmax = 1;
    for (int a = 0; a < o->n_arrays; a++) {
        ring_clone(&w->A[a].head, &o->A[a].head, b, fill);
        cmax = o->A[a].C > cmax ? o->A[a].C : cmax;
        hmax = o->A[a].Hs > hmax ? o->A[a].Hs : hmax;
    }
    for (int l = 0; l < o->n_layers; l++) {
        ring_clone(&w->L[l].in, &o->L[l].in, b, fill);
        zmax = o->L[l].Z > zmax ? o->L[l].Z : zmax;
    }
    /* the block scratch, sized as rnnamp_wn_layout sizes it */
    const size_t S = RNNAMP_WN_BLOCK;
    w->x = rnnamp_bump_take(b, S);
    w->z = rnnamp_bump_take(b, S * (size_t)(zmax + 1));
    w->tmp = rnnamp_bump_take(b, 2 * S);
    w->hout = rnnamp_bump_take(b, S * (size_t)hmax);
    w->last = rnnamp_bump_take(b, S * (size_t)cmax);
    e->wn = fill ? w : NULL;
}

/* Every ring of the engine, in a fixed order, through f. */
static void each_ring(rnnamp_wn_engine *w, void (*f)(rnnamp_wn_ring *))
{
    for (int a = 0; a < w->n_arrays; a++)
        f(&w->A[a].head);
    for (int l = 0; l < w->n_layers; l++)
        f(&w->L[l].in);
}

static void ring_zero(rnnamp_wn_ring *r)
{
    memset(r->buf, 0, (size_t)r->rows * (size_t)r->len * sizeof(float));
    r->pos = r->lb;
}

/* The settled state is constant over time (silence in, after the
 * receptive field): one value a row, that of the newest column. */
static void ring_keep(rnnamp_wn_ring *r)
{
    for (int i = 0; i < r->rows; i++)
        r->steady[i] = r->buf[(size_t)i * (size_t)r->len + (size_t)r->pos - 1];
}

static void ring_restore(rnnamp_wn_ring *r)
{
    for (int i = 0; i < r->rows; i++) {
        float *row = r->buf + (size_t)i * (size_t)r->len;
        for (int t = 0; t < r->lb; t++)
            row[t] = r->steady[i];
    }
    r->pos = r->lb;
}

void rnnamp_wn_settle(rnnamp_engine *e)
{
    rnnamp_wn_engine *w = e->wn;
    each_ring(w, ring_zero);
    long left = 1 + RNNAMP_WN_BLOCK;
    for (int a = 0; a < w->n_arrays; a++)
        left += (long)w->A[a].hd * (w->A[a].hk - 1);
    for (int l = 0; l < w->n_layers; l++)
        left += (long)w->L[l].d * (w->L[l].K - 1);
    float zero[RNNAMP_WN_BLOCK] = {0}, out[RNNAMP_WN_BLOCK];
    rnnamp_fpmode fm = rnnamp_denormals_off();
    while (left > 0) {
        const uint32_t k =
            left < RNNAMP_WN_BLOCK ? (uint32_t)left : RNNAMP_WN_BLOCK;
        e->run(e, zero, out, k);
        left -= (long)k;
    }
    rnnamp_denormals_restore(fm);
    each_ring(w, ring_keep);
    each_ring(w, ring_restore);
    w->bad = 0;
}

void rnnamp_wn_reset(rnnamp_engine *e)
{
    each_ring(e->wn, ring_restore);
    e->wn->bad = 0;
}

/* What the kernel saw (wavenet_body.h: the residual streams and head
 * outputs it wrote). */
int rnnamp_wn_state_finite(const rnnamp_engine *e)
{
    return !e->wn->bad;
}
