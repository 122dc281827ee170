/* rnnamp: the WaveNet model kind. See wavenet.h. */
#include "wavenet.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "model.h"

int rnnamp_wn_zrows(const rnnamp_wn_array *A, const rnnamp_wn_layer *L)
{
    return L->gating == RNNAMP_WN_GATE_NONE ? A->bottleneck : 2 * A->bottleneck;
}

/* Weights of one layer of array A. */
static size_t layer_params(const rnnamp_wn_array *A, const rnnamp_wn_layer *L)
{
    size_t C = (size_t)A->channels, B = (size_t)A->bottleneck;
    size_t Z = (size_t)rnnamp_wn_zrows(A, L);
    size_t n = Z * C * (size_t)L->kernel + Z + Z; /* conv, bias, mixin */
    if (A->layer1x1)
        n += C * B + C;
    if (A->head1x1)
        n += (size_t)A->head_in * B + (size_t)A->head_in;
    return n;
}

size_t rnnamp_wn_param_count(const rnnamp_wavenet *w)
{
    size_t n = 0;
    for (int a = 0; a < w->n_arrays; a++) {
        const rnnamp_wn_array *A = &w->arrays[a];
        n += (size_t)A->channels * (size_t)A->in_size;
        for (int l = 0; l < A->n_layers; l++)
            n += layer_params(A, &w->layers[A->first_layer + l]);
        n +=
            (size_t)A->head_size * (size_t)A->head_in * (size_t)A->head_kernel +
            (A->head_bias ? (size_t)A->head_size : 0);
    }
    return n + 1; /* head_scale */
}

size_t rnnamp_wn_bind(rnnamp_wavenet *w)
{
    size_t p = 0;
    for (int a = 0; a < w->n_arrays; a++) {
        rnnamp_wn_array *A = &w->arrays[a];
        size_t C = (size_t)A->channels, B = (size_t)A->bottleneck;
        size_t Hi = (size_t)A->head_in;
        A->rechannel_w = p;
        p += C * (size_t)A->in_size;
        for (int l = 0; l < A->n_layers; l++) {
            rnnamp_wn_layer *L = &w->layers[A->first_layer + l];
            size_t Z = (size_t)rnnamp_wn_zrows(A, L);
            L->conv_w = p;
            p += Z * C * (size_t)L->kernel;
            L->conv_b = p;
            p += Z;
            L->mix_w = p;
            p += Z;
            L->l1_w = L->l1_b = L->h1_w = L->h1_b = 0;
            if (A->layer1x1) {
                L->l1_w = p;
                L->l1_b = p + C * B;
                p += C * B + C;
            }
            if (A->head1x1) {
                L->h1_w = p;
                L->h1_b = p + Hi * B;
                p += Hi * B + Hi;
            }
        }
        A->head_w = p;
        p += (size_t)A->head_size * Hi * (size_t)A->head_kernel;
        A->head_b = p;
        p += A->head_bias ? (size_t)A->head_size : 0;
    }
    return p + 1;
}

long rnnamp_wn_receptive_field(const rnnamp_wavenet *w)
{
    long rf = 0;
    for (int a = 0; a < w->n_arrays; a++) {
        const rnnamp_wn_array *A = &w->arrays[a];
        for (int l = 0; l < A->n_layers; l++) {
            const rnnamp_wn_layer *L = &w->layers[A->first_layer + l];
            rf += (long)L->dilation * (L->kernel - 1);
        }
        rf += (long)A->head_dilation * (A->head_kernel - 1);
    }
    return rf;
}

long rnnamp_wn_prewarm_samples(const rnnamp_wavenet *w)
{
    return 1 + rnnamp_wn_receptive_field(w);
}

static double act_cost(int type)
{
    switch (type) {
    case RNNAMP_WN_TANH:
    case RNNAMP_WN_FASTTANH:
    case RNNAMP_WN_SIGMOID:
    case RNNAMP_WN_SILU:
    case RNNAMP_WN_SOFTSIGN: return 8.0;
    case RNNAMP_WN_IDENTITY: return 0.0;
    default: return 1.0;
    }
}

double rnnamp_wn_cost_macs(const rnnamp_wavenet *w)
{
    double macs = 0;
    for (int a = 0; a < w->n_arrays; a++) {
        const rnnamp_wn_array *A = &w->arrays[a];
        double C = A->channels, B = A->bottleneck;
        macs += C * A->in_size;
        for (int l = 0; l < A->n_layers; l++) {
            const rnnamp_wn_layer *L = &w->layers[A->first_layer + l];
            double Z = rnnamp_wn_zrows(A, L);
            macs += Z * C * L->kernel + Z;
            macs += B * act_cost(L->act.type);
            if (L->gating != RNNAMP_WN_GATE_NONE)
                macs += B * (act_cost(L->act2.type) + 1);
            if (A->layer1x1)
                macs += C * B;
            if (A->head1x1)
                macs += A->head_in * B;
            macs += A->head_in; /* head accumulation */
        }
        macs += (double)A->head_size * A->head_in * A->head_kernel;
    }
    return macs;
}

/* One array's sizes within the limits and matching the previous array. */
static int check_array(const rnnamp_wavenet *w, int a, char *err, size_t errlen)
{
    const rnnamp_wn_array *A = &w->arrays[a];
    const int M = RNNAMP_WN_MAX_CHANNELS;
    if (A->channels < 1 || A->channels > M || A->bottleneck < 1 ||
        A->bottleneck > M || A->head_in < 1 || A->head_in > M ||
        A->head_size < 1 || A->head_size > M || A->in_size < 1 ||
        A->in_size > M || A->n_layers < 1 || A->head_kernel < 1 ||
        A->head_kernel > RNNAMP_WN_MAX_KERNEL || A->head_dilation < 1 ||
        (long)A->head_dilation * (A->head_kernel - 1) >
            RNNAMP_WN_MAX_LOOKBACK) {
        rnnamp_seterr(err, errlen,
                      "layer array %d: sizes out of range (channels, "
                      "bottleneck and head sizes 1..%d, kernels 1..%d)",
                      a, M, RNNAMP_WN_MAX_KERNEL);
        return -1;
    }
    if (!A->layer1x1 && A->bottleneck != A->channels) {
        rnnamp_seterr(err, errlen,
                      "layer array %d: without layer1x1 the bottleneck (%d) "
                      "must equal channels (%d)",
                      a, A->bottleneck, A->channels);
        return -1;
    }
    if (!A->head1x1 && A->head_in != A->bottleneck) {
        rnnamp_seterr(err, errlen, "layer array %d: bad head input size", a);
        return -1;
    }
    const rnnamp_wn_array *P = a ? &w->arrays[a - 1] : NULL;
    if ((P && (A->in_size != P->channels || A->head_in != P->head_size)) ||
        (!P && A->in_size != 1)) {
        rnnamp_seterr(err, errlen,
                      "layer array %d: input_size %d or head input %d does not "
                      "match the previous array's channels %d and head_size %d",
                      a, A->in_size, A->head_in, P ? P->channels : 1,
                      P ? P->head_size : 0);
        return -1;
    }
    for (int l = 0; l < A->n_layers; l++) {
        const rnnamp_wn_layer *L = &w->layers[A->first_layer + l];
        if (L->kernel < 1 || L->kernel > RNNAMP_WN_MAX_KERNEL ||
            L->dilation < 1 ||
            (long)L->dilation * (L->kernel - 1) > RNNAMP_WN_MAX_LOOKBACK ||
            L->gating < 0 || L->gating > RNNAMP_WN_GATE_BLENDED ||
            L->act.type < 0 || L->act.type > RNNAMP_WN_SOFTSIGN ||
            L->act2.type < 0 || L->act2.type > RNNAMP_WN_SOFTSIGN) {
            rnnamp_seterr(err, errlen,
                          "layer array %d, layer %d: kernel 1..%d, dilation "
                          ">= 1 with dilation*(kernel-1) <= %d",
                          a, l, RNNAMP_WN_MAX_KERNEL, RNNAMP_WN_MAX_LOOKBACK);
            return -1;
        }
    }
    return 0;
}

int rnnamp_wn_validate(const rnnamp_wavenet *w, size_t n_params, char *err,
                       size_t errlen)
{
    if (w->n_arrays < 1 || w->n_arrays > RNNAMP_WN_MAX_ARRAYS ||
        w->n_layers < 1 || w->n_layers > RNNAMP_WN_MAX_LAYERS) {
        rnnamp_seterr(err, errlen,
                      "a WaveNet needs 1 to %d layer arrays and "
                      "1 to %d layers",
                      RNNAMP_WN_MAX_ARRAYS, RNNAMP_WN_MAX_LAYERS);
        return -1;
    }
    int next = 0;
    for (int a = 0; a < w->n_arrays; a++) {
        if (w->arrays[a].first_layer != next) {
            rnnamp_seterr(err, errlen, "layer array %d: bad layer range", a);
            return -1;
        }
        next += w->arrays[a].n_layers;
        if (next > w->n_layers || check_array(w, a, err, errlen) != 0) {
            if (next > w->n_layers)
                rnnamp_seterr(err, errlen, "layer array %d: too many layers",
                              a);
            return -1;
        }
    }
    if (w->arrays[w->n_arrays - 1].head_size != 1) {
        rnnamp_seterr(err, errlen,
                      "the last layer array's head_size is %d; rnnamp plays "
                      "WaveNets with one output channel",
                      w->arrays[w->n_arrays - 1].head_size);
        return -1;
    }
    long rf = rnnamp_wn_receptive_field(w), state = 0;
    for (int a = 0; a < w->n_arrays; a++) {
        const rnnamp_wn_array *A = &w->arrays[a];
        state += (long)A->head_in *
                 (2L * A->head_dilation * (A->head_kernel - 1) + 256);
        for (int l = 0; l < A->n_layers; l++) {
            const rnnamp_wn_layer *L = &w->layers[A->first_layer + l];
            state +=
                (long)A->channels * (2L * L->dilation * (L->kernel - 1) + 256);
        }
    }
    if (rf > RNNAMP_WN_MAX_RF || state > RNNAMP_WN_MAX_STATE) {
        rnnamp_seterr(err, errlen,
                      "receptive field %ld samples (at most %d) or history "
                      "of %ld values (at most %ld): too large",
                      rf, RNNAMP_WN_MAX_RF, state, RNNAMP_WN_MAX_STATE);
        return -1;
    }
    size_t want = rnnamp_wn_param_count(w);
    if (next != w->n_layers || want != n_params) {
        rnnamp_seterr(err, errlen,
                      "weight count %zu does not match the WaveNet (%zu)",
                      n_params, want);
        return -1;
    }
    return 0;
}

const char *rnnamp_wn_act_name(int type)
{
    static const char *const names[] = {"Identity",      "Tanh",    "Hardtanh",
                                        "Fasttanh",      "ReLU",    "LeakyReLU",
                                        "Sigmoid",       "SiLU",    "Hardswish",
                                        "LeakyHardtanh", "Softsign"};
    if (type < 0 || type > RNNAMP_WN_SOFTSIGN)
        return "?";
    return names[type];
}

void rnnamp_wn_describe(const rnnamp_wavenet *w, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int a = 0; a <= w->n_arrays && off < len; a++) {
        int n;
        if (a == w->n_arrays) {
            n = snprintf(buf + off, len - off, ", receptive field %ld",
                         rnnamp_wn_receptive_field(w));
        } else {
            const rnnamp_wn_array *A = &w->arrays[a];
            const rnnamp_wn_layer *L = &w->layers[A->first_layer];
            n = snprintf(buf + off, len - off, "%s%dx%d k%d %s%s%s",
                         a ? " + " : "WaveNet ", A->channels, A->n_layers,
                         L->kernel, rnnamp_wn_act_name(L->act.type),
                         L->gating == RNNAMP_WN_GATE_GATED     ? " gated"
                         : L->gating == RNNAMP_WN_GATE_BLENDED ? " blended"
                                                               : "",
                         A->head_kernel > 1 ? " head-conv" : "");
        }
        if (n < 0)
            return;
        off += (size_t)n;
    }
}

/* rows x cols (x K taps) of a [R][C][K] matrix at src into dst, packed;
 * returns the end of dst. */
static float *copy_block(float *dst, const float *src, int R, int C, int K,
                         int rows, int cols)
{
    (void)R;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            for (int k = 0; k < K; k++)
                *dst++ = src[((size_t)r * (size_t)C + (size_t)c) * (size_t)K +
                             (size_t)k];
    return dst;
}

/* The sliced structure of full at channels[] (NAM Core's
 * slice_channels_uniform). */
static void slice_structure(const rnnamp_wavenet *full, const int *channels,
                            rnnamp_wavenet *w)
{
    *w = *full;
    for (int a = 0; a < w->n_arrays; a++) {
        const rnnamp_wn_array *F = &full->arrays[a];
        rnnamp_wn_array *A = &w->arrays[a];
        A->channels = channels[a];
        A->bottleneck = F->layer1x1 ? F->bottleneck * channels[a] / F->channels
                                    : channels[a];
        if (A->bottleneck < 1)
            A->bottleneck = 1;
        A->in_size = a ? channels[a - 1] : F->in_size;
        A->head_size = a < w->n_arrays - 1 ? channels[a + 1] : F->head_size;
        A->head_in = F->head1x1 ? F->head_in : A->bottleneck;
    }
}

rnnamp_model *rnnamp_wn_slice(const rnnamp_model *full, const int *channels,
                              char *err, size_t errlen)
{
    const rnnamp_wavenet *fw = full->wavenet;
    rnnamp_wavenet w;
    slice_structure(fw, channels, &w);
    for (int a = 0; a < w.n_arrays; a++) {
        if (channels[a] != fw->arrays[a].channels &&
            fw->arrays[a].head_kernel != 1) {
            rnnamp_seterr(err, errlen,
                          "layer array %d: slicing channels with a head "
                          "kernel_size above 1 is not defined",
                          a);
            return NULL;
        }
    }
    size_t n = rnnamp_wn_bind(&w);
    if (rnnamp_wn_validate(&w, n, err, errlen) != 0)
        return NULL;
    rnnamp_model *m = rnnamp_model_new_wavenet(&w, n);
    if (!m) {
        rnnamp_seterr(err, errlen, "out of memory");
        return NULL;
    }
    const float *P = full->params;
    float *d = m->params;
    for (int a = 0; a < w.n_arrays; a++) {
        const rnnamp_wn_array *F = &fw->arrays[a], *A = &w.arrays[a];
        d = copy_block(d, P + F->rechannel_w, F->channels, F->in_size, 1,
                       A->channels, A->in_size);
        for (int l = 0; l < A->n_layers; l++) {
            const rnnamp_wn_layer *L = &fw->layers[F->first_layer + l];
            const int FZ = rnnamp_wn_zrows(F, L), Z = rnnamp_wn_zrows(A, L);
            d = copy_block(d, P + L->conv_w, FZ, F->channels, L->kernel, Z,
                           A->channels);
            d = copy_block(d, P + L->conv_b, FZ, 1, 1, Z, 1);
            d = copy_block(d, P + L->mix_w, FZ, 1, 1, Z, 1);
            if (A->layer1x1) {
                d = copy_block(d, P + L->l1_w, F->channels, F->bottleneck, 1,
                               A->channels, A->bottleneck);
                d = copy_block(d, P + L->l1_b, F->channels, 1, 1, A->channels,
                               1);
            }
            if (A->head1x1) {
                d = copy_block(d, P + L->h1_w, F->head_in, F->bottleneck, 1,
                               A->head_in, A->bottleneck);
                d = copy_block(d, P + L->h1_b, F->head_in, 1, 1, A->head_in, 1);
            }
        }
        d = copy_block(d, P + F->head_w, F->head_size, F->head_in,
                       F->head_kernel, A->head_size, A->head_in);
        if (A->head_bias)
            d = copy_block(d, P + F->head_b, F->head_size, 1, 1, A->head_size,
                           1);
    }
    *d = P[full->n_params - 1];
    m->wavenet->head_scale = *d;
    m->meta = full->meta;
    m->meta.prewarm_samples = (int)rnnamp_wn_prewarm_samples(m->wavenet);
    return m;
}
