/* rnnamp trainer: fused per-step LSTM / GRU / tanh-RNN kernels, one table
 * of functions per instruction set (portable C, SSE2, AVX2 + FMA, AVX-512,
 * NEON).
 *
 * One call runs a whole TBPTT chunk of T steps for the w->b sequences of a
 * workspace. Per step and per pair of sequences, the recurrent product
 * [x_t, h_{t-1}] . [W_ih; W_hh]^T (bias as the start value) is accumulated
 * in registers one vector of hidden units at a time, the gate
 * nonlinearities and the state update are applied in the same registers,
 * and only the results the backward pass needs are stored. The backward
 * kernels do the same for dh_{t} = dh_in + dA_{t+1} . W_hh and the gate
 * gradients. Weight gradients are not computed here (train_cells.c does
 * them with one sgemm per chunk). tanh and sigmoid are the vector layer's
 * (vec_math.h, the engine's approximation); gradients use 1 - a^2 and
 * a (1 - a) of the stored activations a.
 *
 * The body is written once (train_kernel_body.h over vec_*.h) and compiled
 * per instruction set (train_kernel_scalar.c, _sse2.c, _avx2.c, _avx512.c,
 * _neon.c); the choice
 * is made at run time in one place, rnnamp_tk_ops_for(). The weights are
 * read from the packed copies in the workspace (rnnamp_cell_ws pk_* fields,
 * filled by train_cells.c before each call); arrays and layouts are those
 * documented in train_cells.h. No allocation; a workspace belongs to one
 * thread at a time; the tables are constant (any thread).
 */
#ifndef RNNAMP_TRAIN_KERNEL_H
#define RNNAMP_TRAIN_KERNEL_H

#include <stddef.h>

#include "train_cells.h"

/* Layers with at most this many inputs get dL/dW_ih summed in gacc by the
 * backward kernels; wider ones leave it to an sgemm. */
#define RNNAMP_TK_MAX_IN 4

typedef void (*rnnamp_tk_fn)(rnnamp_cell_ws *w, const float *x, int T);
/* A backward sweep over a T-step chunk runs in pieces, steps hi-1 down to
 * lo, called for hi = T first and down to lo = 0; between the pieces the
 * caller may use the dA rows of steps lo .. hi-1 (they are final). */
typedef void (*rnnamp_tk_bwd_fn)(rnnamp_cell_ws *w, const float *x, int T,
                                 int lo, int hi);

struct rnnamp_tk_ops {
    /* LSTM forward over T steps: writes act, c[1..T], tc, h[1..T]. Needs
     * pk_wx, pk_wh, pk_b. */
    rnnamp_tk_fn lstm_forward;
    /* LSTM backward over steps hi-1 .. lo (rnnamp_tk_bwd_fn): from dh
     * (dL/dh[t+1] from above) writes dA (gate pre-activation gradients)
     * and, once lo is 0, leaves in gacc the bias and input-weight gradient
     * sums of the chunk. Needs pk_whh; uses dc. */
    rnnamp_tk_bwd_fn lstm_backward;
    /* GRU forward over T steps: writes act (r, z, n), hn, h[1..T]. */
    rnnamp_tk_fn gru_forward;
    /* GRU backward over steps hi-1 .. lo: writes dA (recurrent side), dAih
     * (input side), the total dL/dh[t+1] into dh, and gacc like the LSTM. Needs
     * pk_whh. */
    rnnamp_tk_bwd_fn gru_backward;
    /* tanh-RNN forward over T steps: writes act (= h[t+1]) and h[1..T]. */
    rnnamp_tk_fn rnn_forward;
    /* tanh-RNN backward over steps hi-1 .. lo: writes dA and gacc like the
     * LSTM. Needs pk_whh. */
    rnnamp_tk_bwd_fn rnn_backward;
    /* out[k] = tanh(in[k]) / sigmoid(in[k]) for k < n; out may be in. */
    void (*tanh)(const float *in, float *out, size_t n);
    void (*sigmoid)(const float *in, float *out, size_t n);
};

typedef enum {
    RNNAMP_TK_SCALAR = 0, /* portable C, any CPU */
    RNNAMP_TK_SSE2,       /* x86-64 */
    RNNAMP_TK_AVX2,       /* x86-64 with AVX2 and FMA */
    RNNAMP_TK_NEON,       /* aarch64 (baseline there) */
    RNNAMP_TK_AVX512,     /* x86-64 with AVX-512 F/VL/DQ/BW (not valgrind) */
    RNNAMP_TK_N_ISA
} rnnamp_tk_isa;

/* The kernels for isa, or NULL when this build or CPU lacks it. */
const rnnamp_tk_ops *rnnamp_tk_ops_for(rnnamp_tk_isa isa);

/* The fastest kernels this build and CPU run (never NULL), and which
 * instruction set they are. */
const rnnamp_tk_ops *rnnamp_tk_ops_best(void);
rnnamp_tk_isa rnnamp_tk_isa_best(void);

/* "scalar", "sse2", "avx2+fma", "neon", "avx512". */
const char *rnnamp_tk_isa_name(rnnamp_tk_isa isa);

#endif
