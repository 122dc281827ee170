/* rnnamp: zero-latency partitioned convolution (cabinet IRs, FIR stages).
 *
 * y[n] = sum_k h[k] x[n - k] for an impulse response h of any length, with
 * no latency and any block length (1 sample and up), at a cost per sample
 * that stays flat as the IR grows:
 *
 *   taps [0, head)            direct form on the vector kernels
 *                             (fir_kernel.h; portable, SSE2 or AVX2+FMA)
 *   taps [B, 4B) for B = head, 4 head, 16 head, ...
 *                             uniform partitions of B samples, 3 per stage,
 *                             overlap-save on FFTW3 single precision
 *   the rest                  partitions of the largest size (max_part)
 *
 * A stage of partition size B starts at tap B, so the block it computes
 * once B new samples are in is first needed B samples later: nothing
 * waits, and the sum equals the direct convolution sample for sample.
 * The multiply-adds of a stage's older partitions are spread over the
 * ticks between its FFTs, so the worst block costs about the FFTs of the
 * stages that fire together (all stages fire together every max_part
 * samples) whatever the IR length.
 * IRs of at most `head` taps (64 by default) run direct only.
 * docs/architecture.md ("Convolution") draws the layout and its costs.
 *
 * Threads: rnnamp_convolver_new and rnnamp_convolver_free plan FFTs and
 * allocate: call them off the audio thread (the plugin's worker, a tool's
 * main thread); any number of threads may build convolvers at once (FFTW's
 * planner is made thread safe once). rnnamp_convolver_process and
 * rnnamp_convolver_reset are real-time safe: no allocation, no lock, no
 * system call, bounded time. One convolver belongs to one thread at a time.
 * Memory: rnnamp_convolver_new copies the IR; the convolver owns all its
 * buffers and plans; free it with rnnamp_convolver_free. A convolver made
 * by rnnamp_convolver_new_shared owns its state buffers only.
 */
#ifndef RNNAMP_CONVOLVER_H
#define RNNAMP_CONVOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h" /* rnnamp_kernel */

/* Longest IR accepted: 2^22 taps (87 s at 48 kHz). */
#define RNNAMP_CONV_MAX_TAPS (1u << 22)

typedef struct rnnamp_convolver rnnamp_convolver;

/* How the IR is cut. Zeros mean the defaults. */
typedef struct {
    uint32_t head;        /* taps run direct; power of two, 1..8192 (64) */
    uint32_t max_part;    /* largest FFT partition; power of two >= head
                           * (4096) */
    rnnamp_kernel kernel; /* direct-form kernel (RNNAMP_KERNEL_AUTO) */
} rnnamp_conv_layout;

/* Build a convolver for ir[0..taps) (copied; 1 <= taps <=
 * RNNAMP_CONV_MAX_TAPS, all finite). layout may be NULL (defaults).
 * Returns NULL with a message in err (errlen bytes) on a bad IR or layout,
 * an unsupported kernel, or when memory runs out. Not real-time safe. */
rnnamp_convolver *rnnamp_convolver_new(const float *ir, size_t taps,
                                       const rnnamp_conv_layout *layout,
                                       char *err, size_t errlen);

/* A second convolver on owner's IR: it reads owner's head taps,
 * partition spectra and FFT plans (read-only, not copied; FFTW's execute
 * functions are thread safe) and has its own input, output and spectrum
 * history, starting as a copy of owner's current state. For a second
 * channel through the same IR: one copy of the spectra, two states. owner
 * must outlive the clone. rnnamp_convolver_bytes() of the clone counts its
 * own buffers only. Returns NULL with a message in err when memory runs
 * out. Not real-time safe. */
rnnamp_convolver *rnnamp_convolver_new_shared(const rnnamp_convolver *owner,
                                              char *err, size_t errlen);

/* Free c and its plans. NULL is fine. Not real-time safe. */
void rnnamp_convolver_free(rnnamp_convolver *c);

/* Convolve n samples (any n). in and out may be the same buffer. Output
 * is clamped finite (a non-finite input clears the state). Real-time
 * safe. */
void rnnamp_convolver_process(rnnamp_convolver *c, const float *in, float *out,
                              size_t n);

/* Forget all past input (the next output is as from a new convolver).
 * Real-time safe; costs one pass over the buffers. */
void rnnamp_convolver_reset(rnnamp_convolver *c);

/* Number of taps. */
size_t rnnamp_convolver_taps(const rnnamp_convolver *c);

/* Bytes of memory held (buffers and spectra, not FFTW's plans). */
size_t rnnamp_convolver_bytes(const rnnamp_convolver *c);

/* The partition sizes, for reports: writes at most max stage sizes (the
 * direct head first, then each FFT stage's partition size and count as
 * pairs) and returns the number of FFT stages. */
int rnnamp_convolver_stages(const rnnamp_convolver *c, uint32_t *head,
                            uint32_t *part, uint32_t *count, int max);

#endif
