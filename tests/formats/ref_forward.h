/* rnnamp tests: a plain float64 forward pass over the canonical layout of
 * model.h, independent of the engine. It isolates parser correctness
 * (parsed weights reproduce a float64 reference to ~1e-9) from the
 * float32 engine's rounding (~1e-5). Header-only, test use only. */
#ifndef RNNAMP_TEST_REF_FORWARD_H
#define RNNAMP_TEST_REF_FORWARD_H

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

/* Run n frames (in: n * n_inputs values) from the model's initial state;
 * out gets n values. Skip connection applied; gains are not. */
static inline void ref_forward(const rnnamp_model *m, const double *in,
                               double *out, size_t n)
{
    enum { MH = RNNAMP_MAX_HIDDEN };
    double h[RNNAMP_MAX_LAYERS][MH], c[RNNAMP_MAX_LAYERS][MH];
    for (int l = 0; l < m->n_layers; l++) {
        const rnnamp_layer *L = &m->layers[l];
        for (int j = 0; j < L->n_out; j++) {
            h[l][j] = L->h0 ? L->h0[j] : 0;
            c[l][j] = L->c0 ? L->c0[j] : 0;
        }
    }
    double x[MH], y[MH], g[4 * MH];
    for (size_t t = 0; t < n; t++) {
        int nx = m->n_inputs;
        for (int k = 0; k < nx; k++)
            x[k] = in[t * (size_t)nx + (size_t)k];
        double x0 = x[0];
        for (int l = 0; l < m->n_layers; l++) {
            const rnnamp_layer *L = &m->layers[l];
            int H = L->n_out, I = L->n_in;
            if (L->type == RNNAMP_DENSE) {
                for (int j = 0; j < H; j++) {
                    double s = L->b_ih[j];
                    for (int k = 0; k < I; k++)
                        s += (double)L->w_ih[j * I + k] * x[k];
                    y[j] = ref_act(L->act, s);
                }
            } else {
                int G = rnnamp_layer_gates(L->type);
                double gh[3 * MH];
                for (int r = 0; r < G * H; r++) {
                    double si = L->b_ih[r], sh = L->b_hh[r];
                    for (int k = 0; k < I; k++)
                        si += (double)L->w_ih[r * I + k] * x[k];
                    for (int k = 0; k < H; k++)
                        sh += (double)L->w_hh[r * H + k] * h[l][k];
                    g[r] = si;
                    if (L->type == RNNAMP_GRU)
                        gh[r] = sh;
                    else
                        g[r] += sh;
                }
                for (int j = 0; j < H; j++) {
                    if (L->type == RNNAMP_LSTM) {
                        double ig = ref_sigmoid(g[j]);
                        double fg = ref_sigmoid(g[H + j]);
                        double cg = tanh(g[2 * H + j]);
                        double og = ref_sigmoid(g[3 * H + j]);
                        c[l][j] = fg * c[l][j] + ig * cg;
                        y[j] = og * tanh(c[l][j]);
                    } else if (L->type == RNNAMP_GRU) {
                        double r = ref_sigmoid(g[j] + gh[j]);
                        double z = ref_sigmoid(g[H + j] + gh[H + j]);
                        double nn = tanh(g[2 * H + j] + r * gh[2 * H + j]);
                        y[j] = (1 - z) * nn + z * h[l][j];
                    } else {
                        y[j] = tanh(g[j]);
                    }
                }
                memcpy(h[l], y, (size_t)H * sizeof(double));
            }
            memcpy(x, y, (size_t)H * sizeof(double));
        }
        out[t] = x[0] + (m->skip ? x0 : 0);
    }
}

#endif
