/* rnnamp tests: THE float64 reference forward pass of an rnnamp_model,
 * written straight from the textbook/PyTorch equations over the canonical
 * layout of model.h (no padding, no packing, libm tanh/exp), independent of
 * the engine. It isolates parser correctness (parsed weights reproduce a
 * float64 reference to ~1e-9) from the float32 engine's rounding (~1e-5).
 *
 * Three levels, use the one that fits:
 *  - ref_cell_finish(): the gate nonlinearities of one recurrent step from
 *    its pre-activations (for references that hold weights their own way,
 *    e.g. in double for finite differences);
 *  - ref_reset() / ref_step(): one sample at a time over a ref_state;
 *  - ref_forward(): n frames from the model's initial state.
 * Skip connection applied; gains are not.
 *
 * Header-only; for tests and tools, never the audio path. Memory: a
 * ref_state is 8 KB, the caller's; ref_forward() mallocs its own and frees
 * it before it returns. */
#ifndef RNNAMP_REF_FORWARD_H
#define RNNAMP_REF_FORWARD_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static inline double ref_sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static inline double ref_act(rnnamp_act a, double x)
{
    switch (a) {
    case RNNAMP_ACT_TANH: return tanh(x);
    case RNNAMP_ACT_SIGMOID: return ref_sigmoid(x);
    case RNNAMP_ACT_RELU: return x > 0 ? x : 0;
    default: return x;
    }
}

/* The end of one recurrent step of H units: ai = W_ih x + b_ih and
 * ah = W_hh h + b_hh (G*H values each, PyTorch gate order) -> new h (and
 * c for LSTM), in place. GRU applies the reset gate to ah's n part. */
static inline void ref_cell_finish(rnnamp_layer_type type, int H,
                                   const double *ai, const double *ah,
                                   double *h, double *c)
{
    for (int j = 0; j < H; j++) {
        if (type == RNNAMP_LSTM) {
            double ig = ref_sigmoid(ai[j] + ah[j]);
            double fg = ref_sigmoid(ai[H + j] + ah[H + j]);
            double cg = tanh(ai[2 * H + j] + ah[2 * H + j]);
            double og = ref_sigmoid(ai[3 * H + j] + ah[3 * H + j]);
            c[j] = fg * c[j] + ig * cg;
            h[j] = og * tanh(c[j]);
        } else if (type == RNNAMP_GRU) {
            double r = ref_sigmoid(ai[j] + ah[j]);
            double z = ref_sigmoid(ai[H + j] + ah[H + j]);
            double nn = tanh(ai[2 * H + j] + r * ah[2 * H + j]);
            h[j] = (1 - z) * nn + z * h[j];
        } else {
            h[j] = tanh(ai[j] + ah[j]);
        }
    }
}

typedef struct {
    double h[RNNAMP_MAX_LAYERS][RNNAMP_MAX_HIDDEN];
    double c[RNNAMP_MAX_LAYERS][RNNAMP_MAX_HIDDEN];
} ref_state;

/* Set s to the model's initial state (h0, c0; zero where absent). */
static inline void ref_reset(const rnnamp_model *m, ref_state *s)
{
    memset(s, 0, sizeof *s);
    for (int l = 0; l < m->n_layers; l++) {
        const rnnamp_layer *L = &m->layers[l];
        for (int k = 0; L->h0 && k < L->n_out; k++)
            s->h[l][k] = L->h0[k];
        for (int k = 0; L->c0 && k < L->n_out; k++)
            s->c[l][k] = L->c0[k];
    }
}

/* One sample; x has m->n_inputs values. Returns the model's output. */
static inline double ref_step(const rnnamp_model *m, ref_state *s,
                              const double *x)
{
    enum { MH = RNNAMP_MAX_HIDDEN };
    double in[MH];
    int n_in = m->n_inputs;
    for (int i = 0; i < n_in; i++)
        in[i] = x[i];
    for (int l = 0; l < m->n_layers; l++) {
        const rnnamp_layer *L = &m->layers[l];
        int H = L->n_out;
        if (L->type == RNNAMP_DENSE) {
            double out[MH];
            for (int u = 0; u < H; u++) {
                double a = L->b_ih[u];
                for (int i = 0; i < n_in; i++)
                    a += (double)L->w_ih[u * n_in + i] * in[i];
                out[u] = ref_act(L->act, a);
            }
            memcpy(in, out, (size_t)H * sizeof(double));
        } else {
            int G = rnnamp_layer_gates(L->type);
            double ai[4 * MH], ah[4 * MH];
            for (int r = 0; r < G * H; r++) {
                double a = L->b_ih[r], b = L->b_hh[r];
                for (int i = 0; i < n_in; i++)
                    a += (double)L->w_ih[r * n_in + i] * in[i];
                for (int j = 0; j < H; j++)
                    b += (double)L->w_hh[r * H + j] * s->h[l][j];
                ai[r] = a;
                ah[r] = b;
            }
            ref_cell_finish(L->type, H, ai, ah, s->h[l], s->c[l]);
            memcpy(in, s->h[l], (size_t)H * sizeof(double));
        }
        n_in = H;
    }
    return in[0] + (m->skip ? x[0] : 0.0);
}

/* y = h (taps) convolved with x, n samples (y may not be x). */
static inline void ref_fir(const float *h, int taps, const double *x, double *y,
                           size_t n)
{
    for (size_t t = 0; t < n; t++) {
        double a = 0.0;
        for (int k = 0; k < taps && (size_t)k <= t; k++)
            a += (double)h[k] * x[t - (size_t)k];
        y[t] = a;
    }
}

/* Run n frames (in: n * n_inputs values) from the model's initial state;
 * out gets n values. A hybrid model's pre-FIR filters the audio input
 * before the network and its post-FIR the network's output (model.h). */
static inline void ref_forward(const rnnamp_model *m, const double *in,
                               double *out, size_t n)
{
    const size_t ni = (size_t)m->n_inputs;
    ref_state *s = malloc(sizeof *s);
    double *fr = malloc((n ? n : 1) * ni * sizeof *fr);
    double *a = malloc((n ? n : 1) * sizeof *a);
    double *b = malloc((n ? n : 1) * sizeof *b);
    if (!s || !fr || !a || !b)
        abort();
    memcpy(fr, in, n * ni * sizeof *fr);
    if (m->pre_taps) {
        for (size_t t = 0; t < n; t++)
            a[t] = in[t * ni];
        ref_fir(m->pre_fir, m->pre_taps, a, b, n);
        for (size_t t = 0; t < n; t++)
            fr[t * ni] = b[t];
    }
    ref_reset(m, s);
    for (size_t t = 0; t < n; t++)
        out[t] = ref_step(m, s, fr + t * ni);
    if (m->post_taps) {
        memcpy(a, out, n * sizeof *a);
        ref_fir(m->post_fir, m->post_taps, a, out, n);
    }
    free(b);
    free(a);
    free(fr);
    free(s);
}

#endif
