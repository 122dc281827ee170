/* rnnamp: engine internals shared by engine.c and the per-ISA kernels
 * (kernel_scalar.c, kernel_sse2.c, kernel_avx2.c, kernel_avx512.c,
 * kernel_neon.c). Not a public header.
 *
 * State layout: one float vector S = [pad | x | slot_0 | slot_1 | ...].
 * x (n_inputs values: audio, knobs) ends at S[8]; slot_l holds layer l's
 * output (hidden state h for recurrent layers, activations for dense ones),
 * padded to a multiple of RNNAMP_PAD (8) with zeros, whatever the kernel's
 * vector width (a 16-lane kernel ends on a masked half vector). Layer l reads
 * its columns as one contiguous slice of S: [previous slot (or x) | own slot
 * (recurrent only)], so a whole recurrent step is ONE matrix-vector product
 * over [input, h].
 *
 * Packed weights: rows are grouped in blocks of up to
 * RNNAMP_BLOCK_ROWS_FOR(lanes of the engine's kernel) (e->block_rows);
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
#include "wavenet.h"

#define RNNAMP_FIR_CHUNK 256 /* samples a hybrid model runs at a time */

/* Rows of a packed block for a kernel of vw float lanes: eight 16-lane
 * accumulators (of 32 registers) for AVX-512; 64 rows for the others (the
 * kernels run a block as sub-blocks of up to 8 vectors). */
#define RNNAMP_BLOCK_ROWS_FOR(vw) ((vw) >= 16 ? 8 * (vw) : 64)
#define RNNAMP_PAD                8 /* widths are padded to this */
#define RNNAMP_X_SLOT             8 /* S[0..8): x right-aligned */

typedef struct {
    int type; /* rnnamp_layer_type */
    int act;  /* rnnamp_act (dense) */
    int K;    /* input columns */
    int H;    /* real width */
    int Hp;   /* padded width (multiple of RNNAMP_PAD) */
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

/* ---- WaveNet engine (engine_wavenet.c builds it, wavenet_body.h runs it)
 *
 * Signals are rows of floats over time. A ring holds one convolution's
 * input history: row r is buf[r * len .. (r + 1) * len), column pos is the
 * current block's first sample and columns pos - lb .. pos - 1 are the
 * lb = dilation * (kernel - 1) samples before it. When a block would run
 * past len, each row's last lb columns move to its start (pos = lb); len
 * = lb + max(lb, 4 RNNAMP_WN_BLOCK) keeps that move rarer than writing.
 * Blocks of up to RNNAMP_WN_BLOCK samples run layer by layer: every
 * convolution is one small matrix product over the block. */
#define RNNAMP_WN_BLOCK 64

typedef struct {
    float *buf;
    int rows, len, lb, pos;
    float *steady; /* rows values after prewarm (NAM Core's reset state) */
} rnnamp_wn_ring;

typedef struct {
    const float *W;         /* [Z][kernel][C]: W[(o * K + k) * C + i] */
    const float *b, *mix;   /* [Z] each */
    const float *l1w, *l1b; /* [C][B], [C]; NULL without layer1x1 */
    const float *h1w, *h1b; /* [Hi][B], [Hi]; NULL without head1x1 */
    int K, d, Z, gating;
    int act, act2; /* rnnamp_wn_act_type */
    float ap[4], a2p[4];
    rnnamp_wn_ring in; /* C rows */
} rnnamp_wn_elayer;

typedef struct {
    int C, B, Hi, Hs, hk, hd, in_size, first, n;
    const float *rw;      /* rechannel [C][in_size] */
    const float *hw, *hb; /* head conv [Hs][hk][Hi], bias or NULL */
    rnnamp_wn_ring head;  /* head accumulator, Hi rows */
} rnnamp_wn_earray;

typedef struct rnnamp_wn_engine {
    int n_arrays, n_layers;
    float head_scale;
    rnnamp_wn_earray A[RNNAMP_WN_MAX_ARRAYS];
    rnnamp_wn_elayer L[RNNAMP_WN_MAX_LAYERS];
    /* block scratch, RNNAMP_WN_BLOCK columns a row */
    float *x;    /* the input block, 1 row */
    float *z;    /* a layer's pre-activations, max Z rows (+1 spare) */
    float *tmp;  /* 2 rows */
    float *hout; /* head output of the current array, max Hs rows */
    float *last; /* last layer's output of the current array, max C rows */
    int bad;     /* a non-finite value entered the state (reset clears) */
} rnnamp_wn_engine;

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
    int block_rows; /* RNNAMP_BLOCK_ROWS_FOR(the kernel's lanes) */
    rnnamp_run_fn run;
    unsigned flags;
    rnnamp_meta meta;
    size_t bytes;
    /* hybrid models: the FIR stages around the network (NULL: none),
     * allocated apart from the single block, and the pre-FIR's output */
    rnnamp_convolver *pre, *post;
    float fbuf[RNNAMP_FIR_CHUNK];
    /* WaveNet models: the network (in the single block), else NULL */
    rnnamp_wn_engine *wn;
};

void rnnamp_run_scalar(rnnamp_engine *e, const float *in, float *out,
                       uint32_t n);
void rnnamp_wn_run_scalar(rnnamp_engine *e, const float *in, float *out,
                          uint32_t n);
#if defined(__x86_64__) || defined(_M_X64)
void rnnamp_run_sse2(rnnamp_engine *e, const float *in, float *out, uint32_t n);
void rnnamp_run_avx2(rnnamp_engine *e, const float *in, float *out, uint32_t n);
void rnnamp_wn_run_sse2(rnnamp_engine *e, const float *in, float *out,
                        uint32_t n);
void rnnamp_wn_run_avx2(rnnamp_engine *e, const float *in, float *out,
                        uint32_t n);
void rnnamp_run_avx512(rnnamp_engine *e, const float *in, float *out,
                       uint32_t n);
void rnnamp_wn_run_avx512(rnnamp_engine *e, const float *in, float *out,
                          uint32_t n);
#endif
#if defined(__aarch64__)
void rnnamp_run_neon(rnnamp_engine *e, const float *in, float *out, uint32_t n);
void rnnamp_wn_run_neon(rnnamp_engine *e, const float *in, float *out,
                        uint32_t n);
#endif

/* engine_wavenet.c: build the WaveNet part of e for m (kind WAVENET) in
 * the single block (b as engine.c's bump allocator: base NULL = measure
 * only), prewarm it and record the reset state. */
typedef struct {
    char *base;
    size_t off;
} rnnamp_bump;
float *rnnamp_bump_take(rnnamp_bump *b, size_t nfloats);
void rnnamp_wn_layout(rnnamp_engine *e, const rnnamp_model *m, rnnamp_bump *b,
                      int fill);
/* Run the prewarm (NAM Core's 1 + receptive field samples of silence) and
 * keep the settled state as the reset state. Not real-time. */
void rnnamp_wn_settle(rnnamp_engine *e);
/* A clone's WaveNet (rnnamp_engine_new_shared) in its own block (b as
 * above): the engine struct, the rings and the block scratch are its own
 * (fill: the rings copied from o's), the weights and the settled state
 * are read from o's. */
void rnnamp_wn_layout_shared(rnnamp_engine *e, const rnnamp_wn_engine *o,
                             rnnamp_bump *b, int fill);
/* Real-time: restore the settled state; 1 if the recent state is finite. */
void rnnamp_wn_reset(rnnamp_engine *e);
int rnnamp_wn_state_finite(const rnnamp_engine *e);

#endif
