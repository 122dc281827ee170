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
 *                        palm-muted chugs, ringing notes), pickup-like
 *                        tone, in sections of about 7.5 s: peaks -10,
 *                        HOT, -16, -6, HOTTER, -12, -20, -4 dBFS, repeated;
 *                        HOT is raised to RMS 0.075 (-22.5 dBFS) with peaks
 *                        at -3 dBFS, HOTTER to RMS 0.1 with peaks at -1
 *                        dBFS (attacks limited: the crest factor of hot,
 *                        hard-played DI), so a 20 s signal already has one
 *                        hot section
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

/* The RMS of hot DI (a hot pickup played hard: about -22.5 dBFS, peaks
 * near -3 dBFS): the capture signal's hot section and the level held-out
 * DI clips are also evaluated at (capture_eval.h). */
#define CAPTURE_HOT_RMS 0.075

/* The capture signal's version. 1: the guitar of rnnamp 0.x up to the
 * hybrid models, with a flat (too bright) string excitation; 2: plucks with
 * a real string's spectrum (velocity pickup, harmonics falling as 1/k),
 * low-string riffs, and a pickup resonance that varies per section (see
 * docs/capture.md). Captures store the version they were made with so that
 * --verify rebuilds the same held-out clip. */
#define CAPTURE_SIGNAL_VERSION 2

typedef struct {
    float *x; /* n samples, owned */
    size_t n;
    int rate;
    int version; /* CAPTURE_SIGNAL_VERSION or older */
    size_t impulse_pos[CAPTURE_N_IMPULSES]; /* sample index of each impulse */
    size_t impulse_spacing;                 /* samples between impulses */
    size_t train_start, train_end; /* sweeps, noise and training guitar */
    size_t noise_start;            /* where the noise bursts begin (they end at
                                      guitar_start) */
    size_t guitar_start;           /* where the training guitar begins */
    size_t test_start, test_end;   /* the held-out guitar clip */
} capture_signal;

/* Build the signal at rate Hz (8000..384000) with guitar_seconds (5..600)
 * of training guitar, as version (1..CAPTURE_SIGNAL_VERSION) made it.
 * Returns 0, or -1 with a message in err. */
int capture_signal_make(capture_signal *s, int rate, double guitar_seconds,
                        int version, char *err, size_t errlen);

void capture_signal_free(capture_signal *s);

/* The training input of a capture: the signal, then each DI file (read at
 * the capture rate, resampled if needed) after 0.5 s of silence. */
#define CAPTURE_MAX_DI 8
typedef struct {
    float *x; /* n samples, owned */
    size_t n;
    size_t di_start[CAPTURE_MAX_DI], di_len[CAPTURE_MAX_DI];
    int n_di;
} capture_input;

/* Build it from s and files[0..n_files) (n_files <= CAPTURE_MAX_DI).
 * Returns 0, or -1 with a message naming the file that cannot be read.
 * Free with capture_input_free() (also safe after a failure). */
int capture_input_make(capture_input *in, const capture_signal *s,
                       const char *const *files, int n_files, int rate,
                       char *err, size_t errlen);

void capture_input_free(capture_input *in);

/* Chord shapes the synthetic guitar plays, MIDI keys low to high (-1: a
 * string not played): E A D G C Am Em F Bm. Shared with rnnamp-midi-gen. */
#define CAPTURE_N_CHORD_SHAPES 9
extern const int capture_chord_shapes[CAPTURE_N_CHORD_SHAPES][6];

/* Render seconds of synthetic guitar DI at rate into a new malloc'ed
 * buffer (caller frees with free()), peak-normalised to peak_db dBFS.
 * seed picks the playing, version (see CAPTURE_SIGNAL_VERSION) the string
 * and pickup model. Returns NULL on allocation failure. */
float *capture_guitar_render(int rate, double seconds, unsigned seed,
                             double peak_db, int version, size_t *n);

#endif
