/* rnnamp: the real-time inference engine.
 *
 * An engine is a model packed for fast per-sample inference (weights padded
 * and laid out for the chosen SIMD kernel) together with its recurrent state,
 * all in ONE aligned allocation made by rnnamp_engine_new().
 *
 * Threads:
 *  - rnnamp_engine_new / _new_shared / _free / rnnamp_engine_selftest:
 *    any non-real-time thread (they allocate).
 *  - rnnamp_engine_cost_* / rnnamp_engine_check_budget: any non-real-time
 *    thread (no allocation, but they format messages).
 *  - rnnamp_engine_process / _reset / _prewarm / _flags / accessors:
 *    real-time safe: no allocation, locks, syscalls or I/O, bounded time.
 *    One engine must be processed by one thread at a time.
 *
 * Memory: the engine copies what it needs from the model; the model may be
 * freed right after rnnamp_engine_new(). rnnamp_engine_free() frees it all.
 * rnnamp_engine_new_shared() makes a second engine that reads the first's
 * weights (one copy of the weights, two states: stereo).
 *
 * WaveNet models (model.h RNNAMP_KIND_WAVENET) run block-wise: each
 * convolution over a block of up to 64 samples is one small matrix product,
 * on the same per-ISA kernels; the dilated history lives in ring buffers in
 * the single block. rnnamp_engine_new() runs NAM Core's prewarm (1 +
 * receptive field samples of silence) and keeps the settled state, which
 * rnnamp_engine_reset() restores, so output agrees with NAM Core from the
 * first sample. They run at their own rate only (rate_ratio 1). For a
 * container (RNNAMP_KIND_CONTAINER) the engine and the cost functions use
 * rnnamp_model_playable(m), the full-size submodel; pass
 * rnnamp_model_at_size(m, size) to play another size.
 */
#ifndef RNNAMP_ENGINE_H
#define RNNAMP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h" /* rnnamp_kernel, rnnamp_kernel_best, rnnamp_kernel_name */
#include "model.h"

typedef struct rnnamp_engine rnnamp_engine;

typedef struct {
    rnnamp_kernel kernel; /* RNNAMP_KERNEL_AUTO unless testing */
    /* Host rate / model rate, for the delay-line sample-rate correction of
     * the recurrent state (Chowdhury & Clarke). 1.0 (or 0) = off. Values
     * from 1 to 8 are supported; below 1 the caller must resample. */
    double rate_ratio;
} rnnamp_engine_opts;

/* Flags returned by rnnamp_engine_process and rnnamp_engine_flags(). */
#define RNNAMP_FLAG_RESET                                                      \
    1u /* state went non-finite: reset, block silenced                         \
        */

/* Build an engine from a validated model. opts may be NULL (defaults).
 * Returns NULL with a message in err if the model is invalid, the requested
 * kernel is unavailable on this CPU, or memory runs out. */
rnnamp_engine *rnnamp_engine_new(const rnnamp_model *m,
                                 const rnnamp_engine_opts *opts, char *err,
                                 size_t errlen);

/* A second engine on owner's weights: it reads owner's packed weights and
 * initial state (read-only, not copied) and has its own recurrent state,
 * rate-correction history and FIR-stage state (rnnamp_convolver_new_shared),
 * starting as a copy of owner's current state (so a clone of a prewarmed
 * engine is prewarmed). Use it for a second channel of the same model: the
 * two produce bit for bit what two separately built engines would, one of
 * which processes without disturbing the other. owner must outlive the
 * clone and must not be reset while the clone is being made; both may then
 * run on different threads (weights are never written). Its
 * rnnamp_engine_bytes() counts its own memory only. Returns NULL with a
 * message in err when memory runs out. Not real-time safe (allocates). */
rnnamp_engine *rnnamp_engine_new_shared(const rnnamp_engine *owner, char *err,
                                        size_t errlen);

/* Free an engine. NULL is fine. Not real-time safe. */
void rnnamp_engine_free(rnnamp_engine *e);

/* Run n samples. in and out may be the same buffer. knobs points to
 * (n_inputs - 1) values in 0..1 held for the whole block (NULL = all 0.5).
 * Flushes denormals while it runs. Output is always finite: if the state
 * turns non-finite the state is reset, the block is zeroed and
 * RNNAMP_FLAG_RESET is returned (and latched, see rnnamp_engine_flags).
 * Real-time safe. */
unsigned rnnamp_engine_process(rnnamp_engine *e, const float *in, float *out,
                               uint32_t n, const float *knobs);

/* Set the state to the model's initial state. Real-time safe. */
void rnnamp_engine_reset(rnnamp_engine *e);

/* Run n samples of silence (knobs as given) and discard the output so the
 * state settles. Real-time safe but O(n): call it off the audio thread. */
void rnnamp_engine_prewarm(rnnamp_engine *e, uint32_t n, const float *knobs);

/* Read and clear the latched flags. Real-time safe. */
unsigned rnnamp_engine_take_flags(rnnamp_engine *e);

/* Number of inputs (1 + knobs) and model facts. Real-time safe. */
int rnnamp_engine_n_inputs(const rnnamp_engine *e);
const rnnamp_meta *rnnamp_engine_meta(const rnnamp_engine *e);
/* The kernel actually used: "avx2+fma", "sse2" or "scalar". */
const char *rnnamp_engine_kernel_name(const rnnamp_engine *e);
/* Bytes in the engine's single allocation. */
size_t rnnamp_engine_bytes(const rnnamp_engine *e);

/* ---- compute and memory budget ----
 *
 * A model may be legal (model.h limits) and still too heavy to play: 7
 * stacked LSTM-128 layers need ~853 000 multiply-adds a sample, 41 G a
 * second at 48 kHz, about 2.3 cores at the best measured speed below.
 * rnnamp_engine_new() does NOT refuse such a model (offline tools may run
 * it slower than real time); the plugin calls rnnamp_engine_check_budget()
 * before it builds an engine for playing.
 *
 * The budget, RNNAMP_BUDGET_MACS_PER_SECOND, from the README's measured
 * time per sample (rnnamp-bench, one core):
 *  - AVX2+FMA kernel, LSTM-64 (4*64*(1+64) + 64 = 16 704 multiply-adds):
 *    948 ns/sample, i.e. 17.6 G multiply-adds per second, the engine's
 *    speed once the matrix product dominates (larger layers);
 *  - an instance may take at most HALF a core, so that during a model
 *    switch, when the plugin runs the old and the new engine side by side
 *    for the crossfade, both still fit in one core with the host's own work
 *    beside them: 17.6 G / 2 = 8.8 G, rounded down to 8 G.
 * At 48 kHz that is 166 666 multiply-adds a sample: one LSTM-128 (66 176)
 * fits, even at 96 kHz; two stacked LSTM-128 (197 248) do not. Slower
 * paths (SSE2-only x86-64: ~2.8x slower on LSTM-32; the portable C kernel
 * of other CPUs: ~8x) may not reach real time near the budget: the budget
 * refuses what no typical CPU can play, it does not promise every CPU. */
#define RNNAMP_BUDGET_MACS_PER_SECOND 8e9

/* Multiply-adds per sample of the model's arithmetic: for each recurrent
 * layer G*H*(n_in + H) (G gates, both products), for each dense layer
 * n_out*n_in, head included; unpadded sizes, nonlinearities not counted.
 * A WaveNet: rnnamp_wn_cost_macs() (wavenet.h: convolutions, 1x1s and its
 * nonlinearities). m must be a valid model. */
double rnnamp_engine_cost_macs(const rnnamp_model *m);

/* Bytes of the single allocation rnnamp_engine_new() would make for m with
 * this rate_ratio (as in rnnamp_engine_opts; 0 = 1): packed weights,
 * state, sample-rate correction history. 0 if the ratio is not supported.
 * m must be a valid model. */
size_t rnnamp_engine_cost_bytes(const rnnamp_model *m, double rate_ratio);

/* Multiply-adds per second to play m at host_rate Hz: cost_macs times the
 * rate the engine runs at: the host rate when it is 1 to 8 times the
 * model's rate (delay-line correction), else the model's rate (the plugin
 * resamples; 48000 Hz when the file states no rate). A WaveNet always
 * runs at the model's rate (resampled). */
double rnnamp_engine_cost_per_second(const rnnamp_model *m, double host_rate);

/* 0 if m fits RNNAMP_BUDGET_MACS_PER_SECOND at host_rate, else -1 with a
 * message in err such as "too heavy to run in real time: needs 40925 M
 * multiply-adds per second at 48000 Hz (852608 per sample); the real-time
 * budget is 8000 M per second (166667 per sample at that rate): ...".
 * m must be a valid model. */
int rnnamp_engine_check_budget(const rnnamp_model *m, double host_rate,
                               char *err, size_t errlen);

/* Replay the model's input_batch from the initial state and compare with
 * output_batch. Returns 1 if the model has no batch, 0 if the max absolute
 * error is within tol, -1 otherwise; *max_err gets the error (may be NULL).
 * Allocates a scratch engine: not real-time safe. */
int rnnamp_engine_selftest(const rnnamp_model *m, double tol, double *max_err,
                           char *err, size_t errlen);

#endif
