/* rnnamp trainer: forward and backward passes of a learned FIR stage (the
 * pre- and post-FIR of a hybrid model, model.h) over a chunk of T steps for
 * b sequences at once.
 *
 * Layout is time-major like train_cells.h: [T][b], step t of sequence k at
 * t * b + k. A stage of P taps reads P - 1 rows of history before the
 * chunk, so its input is an "extended" array of (P - 1 + T) rows and the
 * functions take xe pointing at row P - 1 (step 0 of the chunk): xe[-b] is
 * step -1 of sequence 0. Because the layout is time-major, one tap is one
 * contiguous axpy (forward, input gradient) or dot product (tap gradient)
 * over all T * b values: OpenBLAS saxpy / sdot, no per-sequence loops.
 *
 * Threads: any non-real-time thread; the arrays belong to the caller (one
 * thread per array). Nothing allocates.
 */
#ifndef RNNAMP_TRAIN_FIR_H
#define RNNAMP_TRAIN_FIR_H

#include <stddef.h>

/* y[t][k] = sum_{j < P} h[j] xe[t - j][k] for t in 0..T-1 (y overwritten;
 * y must not overlap xe). */
void rnnamp_fir_forward(const float *h, int P, const float *xe, float *y, int T,
                        int b);

/* Backward of rnnamp_fir_forward for dy = dL/dy [T][b]:
 *   dh[j] += sum_{t, k} dy[t][k] xe[t - j][k]  (history rows included), and
 *   dx[t][k] = sum_{j: t + j < T} h[j] dy[t + j][k]  (overwritten; NULL =
 *   not wanted). The gradient does not flow into the history (truncated
 *   BPTT, as the recurrent state). */
void rnnamp_fir_backward(const float *h, int P, const float *xe,
                         const float *dy, int T, int b, float *dh, float *dx);

/* After a chunk of T steps: the last P - 1 rows of [history; chunk] become
 * the history of the next chunk. base is the start of the extended array
 * (row 0 = oldest history row). */
void rnnamp_fir_carry(float *base, int P, int T, int b);

#endif
