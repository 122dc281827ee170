/* rnnamp: the real-time inference engine.
 *
 * An engine is a model packed for fast per-sample inference (weights padded
 * and laid out for the chosen SIMD kernel) together with its recurrent state,
 * all in ONE aligned allocation made by rnnamp_engine_new().
 *
 * Threads:
 *  - rnnamp_engine_new / rnnamp_engine_free / rnnamp_engine_selftest:
 *    any non-real-time thread (they allocate).
 *  - rnnamp_engine_process / _reset / _prewarm / _flags / accessors:
 *    real-time safe: no allocation, locks, syscalls or I/O, bounded time.
 *    One engine must be processed by one thread at a time.
 *
 * Memory: the engine copies what it needs from the model; the model may be
 * freed right after rnnamp_engine_new(). rnnamp_engine_free() frees it all.
 */
#ifndef RNNAMP_ENGINE_H
#define RNNAMP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct rnnamp_engine rnnamp_engine;

typedef enum {
    RNNAMP_KERNEL_AUTO = 0, /* best the CPU supports (runtime dispatch) */
    RNNAMP_KERNEL_SCALAR,   /* portable C */
    RNNAMP_KERNEL_SSE2,     /* x86-64 baseline */
    RNNAMP_KERNEL_AVX2      /* AVX2 + FMA */
} rnnamp_kernel;

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

/* Best kernel this CPU supports. */
rnnamp_kernel rnnamp_kernel_best(void);
const char *rnnamp_kernel_name(rnnamp_kernel k);

/* Replay the model's input_batch from the initial state and compare with
 * output_batch. Returns 1 if the model has no batch, 0 if the max absolute
 * error is within tol, -1 otherwise; *max_err gets the error (may be NULL).
 * Allocates a scratch engine: not real-time safe. */
int rnnamp_engine_selftest(const rnnamp_model *m, double tol, double *max_err,
                           char *err, size_t errlen);

#endif
