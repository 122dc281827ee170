/* rnnamp: model description and weights.
 *
 * A model is a stack of layers ending in a dense head with one output.
 * Weights live in ONE contiguous float buffer (model->params) in the
 * canonical PyTorch layout; layers point into it. Loaders (format_*.c) and
 * the trainer build models; rnnamp_engine_new() (engine.h) packs a model for
 * real-time use.
 *
 * Threads: every function here allocates or walks the whole model, so none
 * may be called from the audio thread. A model is not shared-mutable: once
 * built it is read-only and may be read from several threads at once.
 *
 * Memory: rnnamp_model_new() returns a model that owns params, the optional
 * input/output batches and nothing else; rnnamp_model_free() frees them all.
 */
#ifndef RNNAMP_MODEL_H
#define RNNAMP_MODEL_H

#include <stddef.h>

#define RNNAMP_MAX_LAYERS 8     /* recurrent + dense layers, head included */
#define RNNAMP_MAX_INPUTS 4     /* audio + up to 3 knobs */
#define RNNAMP_MAX_HIDDEN 128   /* recurrent hidden size and dense width */
#define RNNAMP_ERR_LEN    512   /* size of the error buffers used everywhere */
#define RNNAMP_MAX_FIR    16384 /* taps of a pre- or post-FIR stage */

typedef enum {
    RNNAMP_LSTM = 0, /* gates i, f, g, o (PyTorch order) */
    RNNAMP_GRU,      /* gates r, z, n, "reset after" (PyTorch) */
    RNNAMP_RNN,      /* h = tanh(W_ih x + b_ih + W_hh h + b_hh) */
    RNNAMP_DENSE     /* y = act(W x + b) */
} rnnamp_layer_type;

typedef enum {
    RNNAMP_ACT_LINEAR = 0,
    RNNAMP_ACT_TANH,
    RNNAMP_ACT_SIGMOID,
    RNNAMP_ACT_RELU
} rnnamp_act;

/* What a caller asks for when building a model. n_in is derived. */
typedef struct {
    rnnamp_layer_type type;
    int n_out;      /* hidden size (recurrent) or width (dense) */
    rnnamp_act act; /* dense only; ignored for recurrent layers */
} rnnamp_layer_spec;

/* One layer. Pointers are views into model->params (row-major):
 *  recurrent, G = 4 (LSTM), 3 (GRU), 1 (RNN), H = n_out:
 *    w_ih [G*H][n_in], w_hh [G*H][H], b_ih [G*H], b_hh [G*H],
 *    h0 [H] (initial hidden state), c0 [H] (initial cell, LSTM only, else NULL)
 *  dense:
 *    w_ih [n_out][n_in] (the weight), b_ih [n_out] (the bias); others NULL. */
typedef struct {
    rnnamp_layer_type type;
    int n_in;
    int n_out;
    rnnamp_act act;
    float *w_ih, *w_hh, *b_ih, *b_hh, *h0, *c0;
} rnnamp_layer;

/* Facts about a model that are not weights. has_* flags say whether a
 * field was present in the file. */
typedef struct {
    char name[128];
    char source_format[32]; /* "aidax", "guitarml", "nam", ... */
    double sample_rate;     /* Hz the model was trained at; 0 = unknown */
    float in_gain_db;       /* AIDA-X in_gain: applied before the net */
    float out_gain_db;      /* AIDA-X out_gain: applied after the net */
    int has_loudness;
    double loudness_db; /* NAM metadata.loudness */
    int has_input_level, has_output_level;
    double input_level_dbu, output_level_dbu; /* NAM calibration */
    int has_esr;
    double esr;
    int prewarm_samples;     /* format's customary settle time, 0 = none */
    int sample_rate_assumed; /* 1: the file had no rate, sample_rate is a
                                default (NAM: 48000) */
    int has_selftest;        /* 1: the file's input/output batch was replayed
                                at load time (model_io.c) */
    double selftest_max_err; /* max |error| of that replay */
} rnnamp_meta;

/* A hybrid (Wiener-Hammerstein) model wraps the network in two linear
 * filters on the audio:
 *   u[n] = sum_k pre_fir[k] x0[n - k]        (x0 itself if pre_taps = 0)
 *   r[n] = net(u[n], knobs[n]) + (skip ? u[n] : 0)
 *   y[n] = sum_k post_fir[k] r[n - k]        (r itself if post_taps = 0)
 * The taps are views into params, after the layers' weights (pre first). */
/* What kind of network a model holds. */
typedef enum {
    RNNAMP_KIND_RNN = 0,  /* the layer stack below (recurrent + dense) */
    RNNAMP_KIND_WAVENET,  /* wavenet (wavenet.h); n_layers 0, n_inputs 1 */
    RNNAMP_KIND_CONTAINER /* NAM SlimmableContainer: n_sub submodels */
} rnnamp_model_kind;

#define RNNAMP_MAX_SUBMODELS 8

struct rnnamp_wavenet;

typedef struct rnnamp_model {
    int kind;     /* rnnamp_model_kind */
    int n_inputs; /* 1..RNNAMP_MAX_INPUTS: x[0] audio, x[1..] knobs 0..1 */
    int n_layers; /* including the head (last layer: dense, n_out 1) */
    int skip;     /* 1: y = x[0] + net(x) */
    rnnamp_layer layers[RNNAMP_MAX_LAYERS];
    int pre_taps, post_taps;   /* 0..RNNAMP_MAX_FIR; 0 = no stage */
    float *pre_fir, *post_fir; /* views into params; NULL without a stage */
    rnnamp_meta meta;
    float *params; /* all weights, contiguous, owned */
    size_t n_params;
    /* Optional reference I/O for the load-time self-test (owned, may be
     * NULL). input_batch holds n_batch frames of n_inputs values each,
     * output_batch n_batch values. */
    float *input_batch;
    float *output_batch;
    size_t n_batch;
    /* RNNAMP_KIND_WAVENET: the network (owned); weights are in params. */
    struct rnnamp_wavenet *wavenet;
    /* RNNAMP_KIND_CONTAINER: submodels (owned, each RNN or WaveNet) in
     * ascending sub_max; size s picks the first with s < sub_max, else the
     * last (NAM's SetSlimmableSize). params holds one unused float. */
    int n_sub;
    struct rnnamp_model *sub[RNNAMP_MAX_SUBMODELS];
    double sub_max[RNNAMP_MAX_SUBMODELS];
} rnnamp_model;

/* The model to play at size (0..1): a container's submodel as NAM picks
 * it (first whose max_value exceeds size, else the last); any other model
 * is itself. Size 1 is the full model. Never NULL for a valid m. */
const rnnamp_model *rnnamp_model_at_size(const rnnamp_model *m, double size);

/* The model an engine plays by default: rnnamp_model_at_size(m, 1). */
const rnnamp_model *rnnamp_model_playable(const rnnamp_model *m);

/* An empty WaveNet model (kind RNNAMP_KIND_WAVENET) owning a copy of w and
 * n_params zeroed weights; or an empty container (w NULL, n_params 0).
 * NULL on allocation failure. Free with rnnamp_model_free(). */
rnnamp_model *rnnamp_model_new_wavenet(const struct rnnamp_wavenet *w,
                                       size_t n_params);
rnnamp_model *rnnamp_model_new_container(void);

/* Number of gates of a recurrent layer type (4, 3, 1), 0 for dense. */
int rnnamp_layer_gates(rnnamp_layer_type t);

/* Parameter count of one layer given its type and sizes. */
size_t rnnamp_layer_param_count(rnnamp_layer_type t, int n_in, int n_out);

/* Build a model with all weights zero. Checks sizes (1..RNNAMP_MAX_HIDDEN,
 * 1..RNNAMP_MAX_LAYERS, last layer dense with one output, at least one
 * recurrent layer is NOT required). On failure returns NULL and writes a
 * message to err (errlen bytes, may be NULL). Caller frees with
 * rnnamp_model_free(). */
rnnamp_model *rnnamp_model_new(int n_inputs, int n_layers,
                               const rnnamp_layer_spec *specs, int skip,
                               char *err, size_t errlen);

/* The same with a pre-FIR of pre_taps and a post-FIR of post_taps taps
 * (0..RNNAMP_MAX_FIR each; 0 = no stage). All weights and taps zero. */
rnnamp_model *rnnamp_model_new_fir(int n_inputs, int n_layers,
                                   const rnnamp_layer_spec *specs, int skip,
                                   int pre_taps, int post_taps, char *err,
                                   size_t errlen);

/* The usual shape: n_rec recurrent layers of one type and hidden size
 * (0..RNNAMP_MAX_LAYERS-1), then a linear dense head with one output;
 * all weights zero. Same checks, errors and ownership as
 * rnnamp_model_new(). */
rnnamp_model *rnnamp_model_new_stack(int n_inputs, rnnamp_layer_type type,
                                     int n_rec, int hidden, int skip, char *err,
                                     size_t errlen);

/* Free a model and everything it owns. NULL is fine. */
void rnnamp_model_free(rnnamp_model *m);

/* Deep copy. Returns NULL on allocation failure. */
rnnamp_model *rnnamp_model_clone(const rnnamp_model *m);

/* Check structure and that every weight is finite. Returns 0 if good,
 * -1 with a message in err otherwise. */
int rnnamp_model_validate(const rnnamp_model *m, char *err, size_t errlen);

/* Attach reference I/O (copies the arrays). in has n*n_inputs floats. */
int rnnamp_model_set_batch(rnnamp_model *m, const float *in, const float *out,
                           size_t n);

/* Short human description, e.g. "LSTM-16 x1, skip" into buf. */
void rnnamp_model_describe(const rnnamp_model *m, char *buf, size_t len);

/* Name of a layer type ("lstm", "gru", "rnn", "dense"). */
const char *rnnamp_layer_type_name(rnnamp_layer_type t);

#endif
