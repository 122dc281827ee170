/* rnnamp: the WaveNet model kind (NAM "WaveNet", A1 and A2 files).
 *
 * A WaveNet is a chain of layer arrays. Array a turns its input (the audio
 * sample for the first array, the previous array's last layer output after
 * that) into `channels` rows with a 1x1 "rechannel" (no bias), then runs
 * its layers; layer l of an array, with input u (C = channels rows):
 *   z = conv_b + sum_k conv_w[k] u[t - dilation (kernel - 1 - k)]
 *       + mix_w x[t]                     (x: the audio sample, condition)
 *   a = act(z)                           (gating none, Z = B rows)
 *     = act(z_top) * act2(z_bottom)      (gated, Z = 2B rows)
 *     = s a_top + (1 - s) z_top, s = act2(z_bottom), a_top = act(z_top)
 *                                        (blended, Z = 2B rows)
 *   head accumulator += a (or head1x1_w a + head1x1_b when head1x1 is on)
 *   next u = u + l1_w a + l1_b           (layer1x1 on; else next u = u,
 *                                         which needs B == C)
 * The head accumulator of the first array starts at 0, of later arrays at
 * the previous array's head output. After its layers, an array's head
 * accumulator goes through a causal convolution of head_kernel taps (with
 * head_dilation, and a bias if head_bias) to head_size rows. The output
 * is head_scale times the last array's single head row.
 *
 * Weights are offsets into the owning model's params (model.h), so a
 * model copy needs no re-binding. Matrices keep NAM's flat order:
 * conv_w [Z][C][kernel] (tap 0 is the oldest sample), 1x1 weights
 * [out][in] row-major, each followed in the file by its bias.
 *
 * Threads: build and inspect on any non-real-time thread; a built WaveNet
 * is read-only. Memory: owned by its model (rnnamp_model_free).
 */
#ifndef RNNAMP_WAVENET_H
#define RNNAMP_WAVENET_H

#include <stddef.h>

#define RNNAMP_WN_MAX_ARRAYS   8
#define RNNAMP_WN_MAX_LAYERS   128 /* over all arrays */
#define RNNAMP_WN_MAX_CHANNELS 128 /* channels, bottleneck, head sizes */
#define RNNAMP_WN_MAX_KERNEL   64
#define RNNAMP_WN_MAX_LOOKBACK 65536 /* dilation * (kernel - 1) per conv */
/* Receptive field of the whole network (1.4 s at 48 kHz; A1 is 4092, A2
 * 6346): bounds the prewarm an engine runs when it is built. */
#define RNNAMP_WN_MAX_RF 65536
/* Floats of convolution history an engine may hold (32 MB). */
#define RNNAMP_WN_MAX_STATE (8L * 1024 * 1024)

typedef enum {
    RNNAMP_WN_IDENTITY = 0,
    RNNAMP_WN_TANH,
    RNNAMP_WN_HARDTANH,
    RNNAMP_WN_FASTTANH, /* NAM's rational tanh approximation */
    RNNAMP_WN_RELU,
    RNNAMP_WN_LEAKYRELU, /* p[0] = negative slope (also single-slope PReLU) */
    RNNAMP_WN_SIGMOID,
    RNNAMP_WN_SILU,
    RNNAMP_WN_HARDSWISH,
    RNNAMP_WN_LEAKYHARDTANH, /* p = min_val, max_val, min_slope, max_slope */
    RNNAMP_WN_SOFTSIGN
} rnnamp_wn_act_type;

typedef struct {
    int type; /* rnnamp_wn_act_type */
    float p[4];
} rnnamp_wn_act;

typedef enum {
    RNNAMP_WN_GATE_NONE = 0,
    RNNAMP_WN_GATE_GATED,
    RNNAMP_WN_GATE_BLENDED
} rnnamp_wn_gating;

typedef struct {
    int kernel, dilation;
    int gating; /* rnnamp_wn_gating */
    rnnamp_wn_act act, act2;
    /* offsets into params: conv [Z][C][kernel] + bias [Z]; mixin [Z][1];
     * layer1x1 [C][B] + bias [C]; head1x1 [head_in][B] + bias. */
    size_t conv_w, conv_b, mix_w, l1_w, l1_b, h1_w, h1_b;
} rnnamp_wn_layer;

typedef struct {
    int in_size;  /* rows coming in: 1 (audio) or the previous channels */
    int channels; /* C */
    int bottleneck;
    int layer1x1, head1x1; /* 1: that 1x1 convolution is present */
    int head_in;           /* rows of the head accumulator: bottleneck or
                              head1x1 out_channels */
    int head_size, head_kernel, head_dilation, head_bias;
    int first_layer, n_layers; /* into rnnamp_wavenet.layers */
    size_t rechannel_w;        /* [C][in_size] */
    size_t head_w, head_b;     /* [head_size][head_in][head_kernel], bias */
} rnnamp_wn_array;

typedef struct rnnamp_wavenet {
    int n_arrays;
    int n_layers; /* total */
    rnnamp_wn_array arrays[RNNAMP_WN_MAX_ARRAYS];
    rnnamp_wn_layer layers[RNNAMP_WN_MAX_LAYERS];
    float head_scale; /* the last weight of the file (NAM uses it, not the
                         config's head_scale) */
} rnnamp_wavenet;

/* Rows of z for a layer of array A: 2 B when gated or blended, else B. */
int rnnamp_wn_zrows(const rnnamp_wn_array *A, const rnnamp_wn_layer *L);

/* Set every weight offset of w from its structure, in NAM's flat order;
 * returns the weight count (head_scale included). */
size_t rnnamp_wn_bind(rnnamp_wavenet *w);

/* Weights a WaveNet of this structure reads, head_scale included. */
size_t rnnamp_wn_param_count(const rnnamp_wavenet *w);

/* Samples of history the output depends on beyond the current one:
 * sum of dilation * (kernel - 1) over every convolution. */
long rnnamp_wn_receptive_field(const rnnamp_wavenet *w);

/* Samples of silence NAM Core runs at reset (1 + receptive field): after
 * them the state no longer changes. */
long rnnamp_wn_prewarm_samples(const rnnamp_wavenet *w);

/* Multiply-adds per sample (convolutions and 1x1s, unpadded), plus
 * nonlinearities counted as 8 (tanh, sigmoid family) or 1 (piecewise
 * linear) multiply-adds each. */
double rnnamp_wn_cost_macs(const rnnamp_wavenet *w);

/* Check sizes, limits and consistency against n_params. Returns 0, or -1
 * with a message. */
int rnnamp_wn_validate(const rnnamp_wavenet *w, size_t n_params, char *err,
                       size_t errlen);

struct rnnamp_model;

/* A new WaveNet model cut from full (kind WAVENET) to channels[a] channels
 * in array a, as NAM Core slices a "slice_channels_uniform" WaveNet: the
 * first rows and columns of every matrix, bottleneck scaled with the
 * channels (when layer1x1 is on), each array's input and the head sizes
 * following their neighbours. NULL with a message when the result is not a
 * valid WaveNet. Caller frees with rnnamp_model_free(). */
struct rnnamp_model *rnnamp_wn_slice(const struct rnnamp_model *full,
                                     const int *channels, char *err,
                                     size_t errlen);

/* "WaveNet 16x10+8x10 k3 tanh, RF 4092" style summary into buf. */
void rnnamp_wn_describe(const rnnamp_wavenet *w, char *buf, size_t len);

/* NAM's name of an activation type ("Tanh", "LeakyReLU", ...). */
const char *rnnamp_wn_act_name(int type);

#endif
