/* rnnamp tests: float64 reference forward pass of an rnnamp_model, written
 * straight from the textbook/PyTorch equations (no padding, no packing,
 * libm tanh/exp). Header-only; for tests and tools, never the audio path.
 * Memory: ref_state_new() mallocs, ref_state_free() frees. */
#ifndef RNNAMP_REF_FORWARD_H
#define RNNAMP_REF_FORWARD_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

typedef struct {
    double h[RNNAMP_MAX_LAYERS][RNNAMP_MAX_HIDDEN];
    double c[RNNAMP_MAX_LAYERS][RNNAMP_MAX_HIDDEN];
} ref_state;

static inline double ref_sig(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

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

/* One sample; x has m->n_inputs values. */
static inline double ref_step(const rnnamp_model *m, ref_state *s,
                              const double *x)
{
    double in[RNNAMP_MAX_HIDDEN], out[RNNAMP_MAX_HIDDEN];
    double g[4 * RNNAMP_MAX_HIDDEN];
    int n_in = m->n_inputs;
    for (int i = 0; i < n_in; i++)
        in[i] = x[i];
    for (int l = 0; l < m->n_layers; l++) {
        const rnnamp_layer *L = &m->layers[l];
        int H = L->n_out;
        if (L->type == RNNAMP_DENSE) {
            for (int u = 0; u < H; u++) {
                double a = L->b_ih[u];
                for (int i = 0; i < n_in; i++)
                    a += (double)L->w_ih[u * n_in + i] * in[i];
                switch (L->act) {
                case RNNAMP_ACT_TANH: a = tanh(a); break;
                case RNNAMP_ACT_SIGMOID: a = ref_sig(a); break;
                case RNNAMP_ACT_RELU: a = a > 0 ? a : 0; break;
                default: break;
                }
                out[u] = a;
            }
        } else {
            int G = rnnamp_layer_gates(L->type);
            double gi[4 * RNNAMP_MAX_HIDDEN];
            for (int r = 0; r < G * H; r++) {
                double a = L->b_ih[r], b = L->b_hh[r];
                for (int i = 0; i < n_in; i++)
                    a += (double)L->w_ih[r * n_in + i] * in[i];
                for (int j = 0; j < H; j++)
                    b += (double)L->w_hh[r * H + j] * s->h[l][j];
                gi[r] = a;
                g[r] = b;
            }
            for (int u = 0; u < H; u++) {
                double hn;
                if (L->type == RNNAMP_LSTM) {
                    double i_ = ref_sig(gi[u] + g[u]);
                    double f_ = ref_sig(gi[H + u] + g[H + u]);
                    double g_ = tanh(gi[2 * H + u] + g[2 * H + u]);
                    double o_ = ref_sig(gi[3 * H + u] + g[3 * H + u]);
                    s->c[l][u] = f_ * s->c[l][u] + i_ * g_;
                    hn = o_ * tanh(s->c[l][u]);
                } else if (L->type == RNNAMP_GRU) {
                    double r_ = ref_sig(gi[u] + g[u]);
                    double z_ = ref_sig(gi[H + u] + g[H + u]);
                    double n_ = tanh(gi[2 * H + u] + r_ * g[2 * H + u]);
                    hn = (1 - z_) * n_ + z_ * s->h[l][u];
                } else {
                    hn = tanh(gi[u] + g[u]);
                }
                out[u] = hn;
            }
            for (int u = 0; u < H; u++)
                s->h[l][u] = out[u];
        }
        for (int u = 0; u < H; u++)
            in[u] = out[u];
        n_in = H;
    }
    return in[0] + (m->skip ? x[0] : 0.0);
}

#endif
