/* rnnamp-capture: held-out evaluation of a capture.
 *
 * Held-out material is the capture signal's test clip plus any number of
 * DI files (resampled to the capture rate) and, when asked, each file
 * again raised to hot level (RMS CAPTURE_HOT_RMS, 0.075, with the gain
 * capped so that peaks stay at or below -1 dBFS; named FILE @hot), each
 * preceded by 0.5 s of silence so that plugin and model start settled.
 * Stated ESRs then hold for loud players too (docs/capture.md). The target
 * plugin is run over it (after CAPTURE_PREROLL_SECONDS of silence), its latency
 * removed, the model run with the real-time engine, and the plain ESR (no
 * pre-emphasis) of every clip reported. rnnamp-capture uses this when it
 * captures and when it verifies a saved capture (--verify).
 *
 * Threads: any non-real-time thread. Memory: capture_heldout_make() fills a
 * struct that owns its buffer; free it with capture_heldout_free(). The
 * other functions return malloc'ed buffers where stated.
 */
#ifndef RNNAMP_CAPTURE_EVAL_H
#define RNNAMP_CAPTURE_EVAL_H

#include <stddef.h>

#include "model.h"
#include "capture_lv2.h"
#include "capture_signal.h"

#define CAPTURE_MAX_HELDOUT_FILES 8
/* the test clip + 8 files + their hot copies */
#define CAPTURE_MAX_CLIPS       (1 + 2 * CAPTURE_MAX_HELDOUT_FILES)
#define CAPTURE_PREROLL_SECONDS 1.0
#define CAPTURE_HOT_SUFFIX      " @hot"
#define CAPTURE_HOT_PEAK_DB     -1.0 /* hot copies' peak ceiling */

typedef struct {
    float *x; /* all clips with their gaps, owned */
    size_t n;
    size_t start[CAPTURE_MAX_CLIPS], len[CAPTURE_MAX_CLIPS];
    /* the test clip's and the files' names are the caller's (not owned);
     * a hot copy's name (FILE @hot) is owned */
    const char *name[CAPTURE_MAX_CLIPS];
    char *owned_name[CAPTURE_MAX_CLIPS]; /* NULL or name[i], owned */
    double rms[CAPTURE_MAX_CLIPS];       /* each clip's RMS as evaluated */
    double gain_db[CAPTURE_MAX_CLIPS];   /* gain applied (0 but hot) */
    int n_clips;
} capture_heldout;

/* Read the first channel of an audio file at rate Hz (resampled with
 * libsamplerate's best sinc when the file has another rate; a note goes to
 * stderr). Returns a malloc'ed buffer of *n samples, or NULL with a message
 * naming the file. */
float *capture_read_mono_at(const char *path, int rate, size_t *n, char *err,
                            size_t errlen);

/* The signal's test clip, then files[0..n_files) (n_files <=
 * CAPTURE_MAX_HELDOUT_FILES), then with hot != 0 each file's hot copy.
 * Returns 0, or -1 with a message. */
int capture_heldout_make(capture_heldout *h, const capture_signal *s,
                         const char *const *files, int n_files, int rate,
                         int hot, char *err, size_t errlen);

/* The gain (linear) that raises a clip of RMS rms and peak |x| peak to
 * CAPTURE_HOT_RMS, capped so that its peak stays at CAPTURE_HOT_PEAK_DB.
 * Never below 1 (a clip already that hot is kept as is). */
double capture_hot_gain(double rms, double peak);

/* The length of name without CAPTURE_HOT_SUFFIX when it ends with it
 * (a hot copy's name), else 0. */
size_t capture_hot_base_len(const char *name);

void capture_heldout_free(capture_heldout *h);

/* Plain ESR sum((y-t)^2) / sum(t^2) over n samples. */
double capture_esr(const float *y, const float *t, size_t n);

/* Run model m over x into y (n samples) with every knob input at knob,
 * after prewarm samples of silence. Returns 0, or -1 with a message. */
int capture_run_model(const rnnamp_model *m, const float *x, float *y, size_t n,
                      float knob, size_t prewarm, char *err, size_t errlen);

/* Run the plugin (its current settings) over the held-out material, shift
 * its output by latency samples, run the model at knob and store each
 * clip's ESR in esr_out[0..h->n_clips). Returns 0, or -1 with a message. */
int capture_heldout_eval(const capture_heldout *h, capture_lv2 *host,
                         int latency, const rnnamp_model *m, float knob,
                         int rate, double *esr_out, char *err, size_t errlen);

#endif
