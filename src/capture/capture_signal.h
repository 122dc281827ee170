/* rnnamp-capture: the standard capture (reamp) signal.
 *
 * One mono signal that a target device or plugin is run over, laid out as
 * (times at any rate; see docs/capture.md):
 *   0.5 s silence        settle time; also shows the target's noise floor
 *   8 impulses           -6 dBFS, 0.25 s apart: latency measurement
 *   0.5 s silence
 *   3 sine sweeps        20 Hz .. 0.45 rate, 3 s each, peaks -40/-26/-14 dBFS
 *   noise bursts         pink 1.5 s and band-limited white 1 s at three levels
 *   guitar (training)    plucked-string guitar (chords, single notes,
 *                        palm-muted chugs, ringing notes), sections at peak
 *                        levels -18 .. -4 dBFS, pickup-like tone
 *   0.5 s silence
 *   guitar (test)        10 s of different playing at -10 dBFS peak, kept
 *                        out of training to measure the model's test ESR
 * The guitar is synthesised (extended Karplus-Strong) so the signal needs no
 * data files. Everything is deterministic: the same rate and options give
 * the same samples.
 *
 * Threads: any non-real-time thread. Memory: capture_signal_make() fills a
 * struct that owns x; free it with capture_signal_free().
 */
#ifndef RNNAMP_CAPTURE_SIGNAL_H
#define RNNAMP_CAPTURE_SIGNAL_H

#include <stddef.h>

#define CAPTURE_N_IMPULSES 8

typedef struct {
    float *x; /* n samples, owned */
    size_t n;
    int rate;
    size_t impulse_pos[CAPTURE_N_IMPULSES]; /* sample index of each impulse */
    size_t impulse_spacing;                 /* samples between impulses */
    size_t train_start, train_end; /* sweeps, noise and training guitar */
    size_t noise_start;            /* where the noise bursts begin (they end at
                                      guitar_start) */
    size_t guitar_start;           /* where the training guitar begins */
    size_t test_start, test_end;   /* the held-out guitar clip */
} capture_signal;

/* Build the signal at rate Hz (8000..384000) with guitar_seconds (5..600)
 * of training guitar. Returns 0, or -1 with a message in err. */
int capture_signal_make(capture_signal *s, int rate, double guitar_seconds,
                        char *err, size_t errlen);

void capture_signal_free(capture_signal *s);

/* Render seconds of synthetic guitar DI at rate into a new malloc'ed
 * buffer (caller frees with free()), peak-normalised to peak_db dBFS.
 * seed picks the playing. Returns NULL on allocation failure. */
float *capture_guitar_render(int rate, double seconds, unsigned seed,
                             double peak_db, size_t *n);

#endif
