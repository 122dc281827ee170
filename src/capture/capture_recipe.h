/* rnnamp-capture: the steps of a capture around the plugin runs: taking a
 * target (plugin output with its latency removed), the training pairs, the
 * self-test batch and the capture metadata.
 *
 * Taking a target: the plugin is run over the capture input (the signal and
 * any DI files, see capture_signal.h), its latency measured from the
 * signal's impulses (capture_latency.h) and removed. Each setting becomes one
 * training pair with the capture's own split (training material and DI
 * files train, the last 15 % of the training guitar validates, the held-out
 * guitar clip tests).
 *
 * Threads: any non-real-time thread. Memory: as stated for each function;
 * a capture_take and a capture_meta own their buffers until freed.
 */
#ifndef RNNAMP_CAPTURE_RECIPE_H
#define RNNAMP_CAPTURE_RECIPE_H

#include <stddef.h>

#include "dataset.h"
#include "model.h"
#include "capture_eval.h"
#include "capture_lv2.h"
#include "capture_signal.h"

/* ---- one captured setting ---------------------------------------------- */

typedef struct {
    int latency;  /* samples removed: measured, or force_latency */
    int measured; /* measured (refined) latency, -1 if none was found */
    int onset;    /* impulse onset, -1 if none */
    int xc_peak;  /* input/target correlation peak lag, -1 if not searched */
    int reported; /* the plugin's latency port, 0 if none */
    double peak;  /* peak |target| over the signal's training material */
} capture_take;

/* Run the plugin (current settings) over in, padded with max_latency
 * samples of silence, measure its latency from s's impulses (refined with
 * capture_refine_latency over the noise bursts) and write the output
 * advanced by the latency to aligned[0..in->n). force_latency >= 0 uses
 * that latency instead (the measurement is still reported in t).
 * Errors (-1 + message): the plugin run fails, the target does not answer
 * the impulses (only when not forced). Allocates and frees its own
 * buffers. */
int capture_take_run(capture_lv2 *host, const capture_signal *s,
                     const capture_input *in, int max_latency,
                     int force_latency, float *aligned, capture_take *t,
                     char *err, size_t errlen);

/* -1 with a message naming the plugin URI when the take is silent over the
 * training material (t->peak below -80 dBFS), else 0. */
int capture_take_check_level(const capture_take *t, const capture_lv2 *host,
                             char *err, size_t errlen);

/* Add in / aligned (in->n samples at rate, latency already removed) to ds
 * as one pair called name, with knob value *knob (knob NULL: no knob) and
 * the capture's split described above. Returns 0, or -1 with a message. */
int capture_dataset_add(rnnamp_dataset *ds, const char *name,
                        const capture_signal *s, const capture_input *in,
                        const float *aligned, int latency, int rate,
                        const float *knob, char *err, size_t errlen);

/* Store m's self-test batch: 2048 samples of s's held-out clip with every
 * knob input at 0.5 and the real-time engine's output for them. Returns
 * 0, or -1 with a message. */
int capture_self_test(rnnamp_model *m, const capture_signal *s, char *err,
                      size_t errlen);

/* ---- the "capture" metadata stored in a model ---------------------------
 * {"capture": {"plugin": URI, "plugin_name": NAME, "latency_samples": N,
 *  "train_test_esr": E, "settings": {SYM: VAL, ...}, "heldout": [{"clip":
 *  NAME, "knob": K or -1, "esr": E}, ...], "knob1": {"symbol": SYM, "min":
 *  MIN, "max": MAX, "steps": N} (swept captures only)}}
 * capture_meta_begin() allocates the text; capture_meta_free() frees it. */
typedef struct {
    char *text; /* JSON text, owned */
    size_t len, cap;
    int n_heldout;
} capture_meta;

/* Start the object: plugin, latency, the trainer's test ESR and the n_set
 * settings sym[i] = val[i]. Returns 0, or -1 (out of memory). */
int capture_meta_begin(capture_meta *m, const capture_lv2 *host, int latency,
                       double train_test_esr, const char *const *sym,
                       const float *val, int n_set, char *err, size_t errlen);

/* One held-out result (knob < 0: not a swept capture). */
void capture_meta_heldout(capture_meta *m, const char *clip, double knob,
                          double esr);

/* Close the object, with the swept knob when sweep_sym is not NULL.
 * Returns 0, or -1 when the text did not fit ("capture metadata too
 * long"). */
int capture_meta_end(capture_meta *m, const char *sweep_sym, float min,
                     float max, int steps, char *err, size_t errlen);

void capture_meta_free(capture_meta *m);

#endif
