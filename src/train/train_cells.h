/* rnnamp trainer: forward and backward passes of the layers (LSTM, GRU,
 * tanh-RNN, dense) over a chunk of T time steps for b sequences at once.
 *
 * Layout is time-major: a [T][b][n] array holds step t of sequence s at
 * ((t * b) + s) * n. The cells run the fused kernels of train_kernel.h
 * (ws->tk, the fastest the CPU has); with ws->tk NULL the b sequences'
 * recurrent products are one sgemm per time step (the reference path).
 * Recurrent weight gradients are ONE sgemm over the whole chunk. Weights and
 * gradients use the canonical layout of model.h (rnnamp_layer views), so the
 * trained buffer is the model.
 *
 * The workspace stores what the backward pass needs (gate activations,
 * hidden and cell states). State carries over between chunks: copy h[T]
 * (and c[T]) into h[0] (c[0]) with rnnamp_cell_carry() before the next
 * chunk. Initial-state parameters (h0, c0) are not trained.
 *
 * Threads: a workspace belongs to one thread at a time; layers (weights) are
 * only read, gradient layers are written (one per thread). These allocate
 * only in _ws_new. Not for the real-time path.
 */
#ifndef RNNAMP_TRAIN_CELLS_H
#define RNNAMP_TRAIN_CELLS_H

#include <stddef.h>

#include "model.h"

typedef struct rnnamp_tk_ops rnnamp_tk_ops; /* train_kernel.h */

/* All arrays point into one allocation owned by the workspace. */
typedef struct {
    rnnamp_layer_type type;
    int n_in, H, G; /* input size, hidden size, gates */
    int T, b;       /* capacity: steps per chunk, sequences */
    float *act;     /* [T][b][G*H] gate outputs (RNN: h), after the
                       nonlinearity */
    float *hn;      /* GRU: [T][b][H] W_hn h + b_hn; else NULL */
    float *h;       /* [T+1][b][H]; h[0] is the state before the chunk */
    float *c;       /* LSTM: [T+1][b][H]; else NULL */
    float *dA;      /* [T][b][G*H] gradient of the recurrent pre-activation */
    float *dAih;    /* GRU: [T][b][G*H] gradient of the input pre-activation
                       (equals dA for LSTM / RNN, then NULL) */
    float *dh;      /* [T][b][H] dL/dh[t+1], filled by the caller */
    float *scratch; /* [b][G*H] */
    /* Fused kernels (train_kernel.h): _ws_new sets the fastest this CPU
     * runs; set another table (rnnamp_tk_ops_for) or NULL before a forward
     * pass. NULL is the reference path: one sgemm per time step (same
     * results up to rounding). */
    const rnnamp_tk_ops *tk;
    int Hp;        /* H rounded up to a multiple of 16 (every VW) */
    float *pk_wx;  /* [n_in][G][Hp] W_ih^T, zero-padded; packed per pass */
    float *pk_wh;  /* [H][G][Hp] W_hh^T */
    float *pk_b;   /* [4][Hp] LSTM: b_ih+b_hh per gate; GRU: r, z sums,
                      b_in, b_hn */
    float *pk_whh; /* [G*H][Hp] W_hh rows, zero-padded */
    float *tc;     /* LSTM: [T][b][H] tanh(c[t+1]); else NULL */
    float *dc;     /* [b][Hp] running dL/dc */
    float *gacc;   /* [2 + n_in][G][Hp] sums the backward kernels add to:
                      dL/db_hh, dL/db_ih, dL/dW_ih^T (n_in <= 4 only) */
} rnnamp_cell_ws;

/* Allocate a workspace for a recurrent layer. Returns NULL when out of
 * memory. Free with rnnamp_cell_ws_free(). */
rnnamp_cell_ws *rnnamp_cell_ws_new(rnnamp_layer_type type, int n_in, int H,
                                   int T, int b);
void rnnamp_cell_ws_free(rnnamp_cell_ws *w);

/* Set the state before the chunk (h[0], c[0]) from the layer's h0/c0. */
void rnnamp_cell_reset(const rnnamp_layer *L, rnnamp_cell_ws *w);

/* Copy the state after step T (h[T], c[T]) to h[0], c[0]. */
void rnnamp_cell_carry(rnnamp_cell_ws *w, int T);

/* Run T (<= w->T) steps on x [T][b][n_in]; writes act, hn, h[1..T],
 * c[1..T]. */
void rnnamp_cell_forward(const rnnamp_layer *L, rnnamp_cell_ws *w,
                         const float *x, int T);

/* Backward through the T steps of the last forward. On entry w->dh holds
 * dL/dh[t+1] for t = 0..T-1 (it is overwritten). Adds the weight and bias
 * gradients into the views of grad (same shapes as L). If dx is not NULL it
 * receives dL/dx [T][b][n_in] (overwritten). The gradient does not flow
 * into h[0] (truncated BPTT). */
void rnnamp_cell_backward(const rnnamp_layer *L, rnnamp_layer *grad,
                          rnnamp_cell_ws *w, const float *x, int T, float *dx);

/* Dense layer on n rows: y [n][n_out] = act(x [n][n_in] W^T + b). */
void rnnamp_dense_forward(const rnnamp_layer *L, const float *x, float *y,
                          int n);

/* Backward of the dense layer: dy [n][n_out] holds dL/dy on entry (it is
 * overwritten by the pre-activation gradient); y is the forward output.
 * Adds into grad->w_ih and grad->b_ih; dx [n][n_in] (may be NULL) is
 * overwritten with dL/dx. */
void rnnamp_dense_backward(const rnnamp_layer *L, rnnamp_layer *grad,
                           const float *x, const float *y, float *dy, float *dx,
                           int n);

/* A layer whose views point into grad at the same offsets as L's point
 * into params (for gradients laid out like the model). */
rnnamp_layer rnnamp_layer_rebase(const rnnamp_layer *L, const float *params,
                                 float *grad);

#endif
