/* rnnamp: run a mono processor at another sample rate, in real time.
 *
 * Used when the host runs slower than the model was trained (e.g. a 48 kHz
 * model in a 44.1 kHz session): each block is resampled up to the model
 * rate with libsamplerate, processed there by a caller-supplied function,
 * and resampled back. Both converters use a fixed ratio. libsamplerate
 * holds back a varying handful of samples, so the output goes through a
 * FIFO pre-filled with a FIXED number of zeros (the latency, measured once
 * when the resampler is made); the latency never changes while running.
 *
 * Threads: rnnamp_resampler_new/free on a non-real-time thread (they
 * allocate); everything else is real-time safe (src_process only, which
 * does not allocate). One resampler belongs to one thread at a time.
 * Memory: rnnamp_resampler_new returns an object the caller frees with
 * rnnamp_resampler_free.
 */
#ifndef RNNAMP_RESAMPLER_H
#define RNNAMP_RESAMPLER_H

#include <stddef.h>
#include <stdint.h>

typedef struct rnnamp_resampler rnnamp_resampler;

/* Processes buf[0..n) in place at the inner rate. n is at most
 * rnnamp_resampler_max_inner(). Must itself be real-time safe. */
typedef void (*rnnamp_resampler_fn)(void *ctx, float *buf, uint32_t n);

/* outer_rate: the host rate; inner_rate: the rate fn runs at. The ratio
 * inner/outer must be within 1/8..8. Returns NULL with a message in err on
 * bad rates or when libsamplerate fails. */
rnnamp_resampler *rnnamp_resampler_new(double outer_rate, double inner_rate,
                                       char *err, size_t errlen);

/* Free a resampler. NULL is fine. */
void rnnamp_resampler_free(rnnamp_resampler *r);

/* Fixed delay of the round trip, in outer-rate samples. */
uint32_t rnnamp_resampler_latency(const rnnamp_resampler *r);

/* Largest n the processing function is called with. */
uint32_t rnnamp_resampler_max_inner(const rnnamp_resampler *r);

/* Resample in[0..n) up, run fn on it, resample back into out[0..n).
 * in and out may be the same buffer; any n. Real-time safe. */
void rnnamp_resampler_process(rnnamp_resampler *r, const float *in, float *out,
                              uint32_t n, rnnamp_resampler_fn fn, void *ctx);

/* Number of output samples that had to be made up because the FIFO ran
 * dry (should stay 0; a test checks it). */
uint64_t rnnamp_resampler_underruns(const rnnamp_resampler *r);

#endif
