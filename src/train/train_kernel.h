/* rnnamp trainer: fused per-step LSTM / GRU / tanh-RNN kernels (AVX2 +
 * FMA).
 *
 * One call runs a whole TBPTT chunk of T steps for the w->b sequences of a
 * workspace. Per step and per pair of sequences, the recurrent product
 * [x_t, h_{t-1}] . [W_ih; W_hh]^T (bias as the start value) is accumulated
 * in registers eight hidden units at a time, the gate nonlinearities and
 * the state update are applied in the same registers, and only the results
 * the backward pass needs are stored. The backward kernels do the same for
 * dh_{t} = dh_in + dA_{t+1} . W_hh and the gate gradients. Weight gradients
 * are not computed here (train_cells.c does them with one sgemm per chunk).
 *
 * The weights are read from the packed copies in the workspace
 * (rnnamp_cell_ws pk_* fields, filled by train_cells.c before each call);
 * arrays and layouts are those documented in train_cells.h.
 *
 * Built with -mavx2 -mfma (train_kernel_avx2.c); call only when
 * rnnamp_train_kernel_avx2_ok() returned 1. No allocation; a workspace
 * belongs to one thread at a time.
 */
#ifndef RNNAMP_TRAIN_KERNEL_H
#define RNNAMP_TRAIN_KERNEL_H

#include "train_cells.h"

/* Layers with at most this many inputs get dL/dW_ih summed in gacc by the
 * backward kernels; wider ones leave it to an sgemm. */
#define RNNAMP_TK_MAX_IN 4

/* 1 if this build has the AVX2 kernels and the CPU runs AVX2 and FMA. */
int rnnamp_train_kernel_avx2_ok(void);

/* LSTM forward over T steps: writes act, c[1..T], tc, h[1..T]. Needs
 * pk_wx, pk_wh, pk_b. */
void rnnamp_tk_lstm_forward_avx2(rnnamp_cell_ws *w, const float *x, int T);

/* LSTM backward over T steps: from dh (dL/dh[t+1] from above) writes dA
 * (gate pre-activation gradients) and sets gacc to the bias and input-weight
 * gradient sums of the chunk. Needs pk_whh; uses dc. */
void rnnamp_tk_lstm_backward_avx2(rnnamp_cell_ws *w, const float *x, int T);

/* GRU forward over T steps: writes act (r, z, n), hn, h[1..T]. */
void rnnamp_tk_gru_forward_avx2(rnnamp_cell_ws *w, const float *x, int T);

/* GRU backward over T steps: writes dA (recurrent side), dAih (input
 * side), the total dL/dh[t+1] into dh, and gacc like the LSTM. Needs
 * pk_whh. */
void rnnamp_tk_gru_backward_avx2(rnnamp_cell_ws *w, const float *x, int T);

/* tanh-RNN forward over T steps: writes act (= h[t+1]) and h[1..T]. */
void rnnamp_tk_rnn_forward_avx2(rnnamp_cell_ws *w, const float *x, int T);

/* tanh-RNN backward over T steps: writes dA and gacc like the LSTM. Needs
 * pk_whh. */
void rnnamp_tk_rnn_backward_avx2(rnnamp_cell_ws *w, const float *x, int T);

#endif
