/* rnnamp: engine internals shared by engine.c and the per-ISA kernels
 * (kernel_scalar.c, kernel_sse2.c, kernel_avx2.c). Not a public header.
 *
 * State layout: one float vector S = [pad | x | slot_0 | slot_1 | ...].
 * x (n_inputs values: audio, knobs) ends at S[8]; slot_l holds layer l's
 * output (hidden state h for recurrent layers, activations for dense ones),
 * padded to a multiple of 8 with zeros. Layer l reads its columns as one
 * contiguous slice of S: [previous slot (or x) | own slot (recurrent only)],
 * so a whole recurrent step is ONE matrix-vector product over [input, h].
 *
 * Packed weights: rows are grouped in blocks of up to RNNAMP_BLOCK_ROWS;
 * inside a block, column j's rows are contiguous (W[j*nb + r]), so the
 * kernel keeps one block of gate accumulators in registers and streams the
 * weights once per sample. Padded rows and columns are zero.
 */
#ifndef RNNAMP_ENGINE_INTERNAL_H
#define RNNAMP_ENGINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "convolver.h"
#include "engine.h"
#include "model.h"

#define RNNAMP_FIR_CHUNK 256 /* samples a hybrid model runs at a time */

#define RNNAMP_BLOCK_ROWS 64
#define RNNAMP_PAD        8
#define RNNAMP_X_SLOT     8 /* S[0..8): x right-aligned */

typedef struct {
    int type; /* rnnamp_layer_type */
    int act;  /* rnnamp_act (dense) */
    int K;    /* input columns */
    int H;    /* real width */
    int Hp;   /* padded width (multiple of 8) */
    int R;    /* rows of the main product */
    int C;    /* columns of the main product: K + Hp, or K for dense */
    int col0; /* offset in S of the first input column */
    int out0; /* offset in S of this layer's slot */
    const float *W, *b;     /* R x C packed, R */
    const float *Wnx, *bnx; /* GRU: input part of the n gate, Hp x K, Hp */
    float *c;               /* LSTM cell state, Hp */
    const float *h0, *c0;   /* padded initial state */
    float *ring_h, *ring_c; /* sample-rate correction history, len x Hp */
} rnnamp_eng_layer;

typedef void (*rnnamp_run_fn)(rnnamp_engine *e, const float *in, float *out,
                              uint32_t n);

struct rnnamp_engine {
    int n_inputs;
    int n_layers; /* hidden layers (the head is separate) */
    int skip;
    rnnamp_eng_layer L[RNNAMP_MAX_LAYERS];
    /* head: y = hb + hw . S[hin .. hin+hk) */
    const float *hw;
    float hb;
    int hin, hk;
    float *S;
    int s_len;
    float *g; /* gate scratch */
    /* sample-rate correction */
    int use_ratio;
    int ring_len, ring_pos, d_int;
    float d_frac;
    double ratio;
    rnnamp_kernel kernel;
    rnnamp_run_fn run;
    unsigned flags;
    rnnamp_meta meta;
    size_t bytes;
    /* hybrid models: the FIR stages around the network (NULL: none),
     * allocated apart from the single block, and the pre-FIR's output */
    rnnamp_convolver *pre, *post;
    float fbuf[RNNAMP_FIR_CHUNK];
};

void rnnamp_run_scalar(rnnamp_engine *e, const float *in, float *out,
                       uint32_t n);
#if defined(__x86_64__) || defined(_M_X64)
void rnnamp_run_sse2(rnnamp_engine *e, const float *in, float *out, uint32_t n);
void rnnamp_run_avx2(rnnamp_engine *e, const float *in, float *out, uint32_t n);
#endif

#endif
