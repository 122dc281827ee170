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
#include <stdio.h>

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

/* ---- linear probe and the recipe it chooses ------------------------------
 * How much of a target a linear filter explains, and how many taps it
 * needs: least-squares FIRs (fir_fit.h) of 1, 2, 4, ... 2048 taps fitted
 * to the target over the signal's training part (sweeps, noise and the
 * training guitar before the validation tail), each with its ESR.
 *   explained   = 1 - ESR of the longest fit
 *   taps_needed = the shortest length whose ESR is within 10 % (relative)
 *                 of the longest fit's, or within 1e-4 of it (absolute:
 *                 below what any capture target can resolve)
 * The recipe (capture_recipe_choose) turns that into the hybrid model's FIR
 * lengths, hidden size, skip and budget use; docs/capture.md states the
 * rule with measured probes of real plugins. */

#define CAPTURE_PROBE_N        12 /* 1, 2, 4, ... 2048 taps */
#define CAPTURE_PROBE_MAX_TAPS 2048

typedef struct {
    int n;                       /* lengths probed (<= CAPTURE_PROBE_N) */
    int taps[CAPTURE_PROBE_N];   /* 1, 2, 4, ... */
    double esr[CAPTURE_PROBE_N]; /* each fit's ESR over the pairs */
    double explained;            /* 1 - esr[n - 1] */
    int taps_needed;
} capture_probe;

/* Probe the target y (response to x, latency removed) over n samples with
 * filters of 1 .. max_taps taps (a power of two, 1..CAPTURE_PROBE_MAX_TAPS).
 * Returns 0, or -1 with a message (out of memory, a silent input).
 * Allocates and frees its own buffers. */
int capture_probe_run(const float *x, const float *y, size_t n, int max_taps,
                      capture_probe *p, char *err, size_t errlen);

/* Probe a take over s's training part (s->train_start up to the validation
 * tail that capture_dataset_add keeps out of training) of in / aligned. */
int capture_probe_take(const capture_signal *s, const capture_input *in,
                       const float *aligned, capture_probe *p, char *err,
                       size_t errlen);

/* Combine the probes of several settings into *acc (the hardest: most taps
 * needed, least explained). acc->n == 0 takes p as is. */
void capture_probe_merge(capture_probe *acc, const capture_probe *p);

/* Print the probe table (taps, ESR, explained) to f, lines prefixed by
 * prefix. */
void capture_probe_print(FILE *f, const char *prefix, const capture_probe *p);

/* What the recipe chose from a probe (see docs/capture.md):
 *   post_fir  taps_needed rounded up to a power of two; 0 when
 *             taps_needed <= 8 (no linear memory worth a filter)
 *   pre_fir   32 when there is a post-FIR and the target is not nearly
 *             linear (explained < 0.99): nonlinear amps filter before the
 *             clipping stage too; else 0 (linear filters commute, one
 *             post-FIR holds them all)
 *   hidden    8 nearly linear (explained >= 0.99: the network only learns
 *             the small nonlinear rest), 16 when explained >= 0.5, else 40
 *   skip      1 when explained >= 0.9 (the linear path carries the signal)
 *   use_budget 1 unless nearly linear: train until the budget (no early
 *             stop on a short plateau)
 *   guitar_only 0: train on the whole signal (sweeps, noise and guitar).
 *             --guitar-only sets it (training guitar and DI files only):
 *             that helped the Chump at full gain and hurt the metal head at
 *             full drive (docs/capture.md), so no probe figure chooses it. */
typedef struct {
    int pre_fir, post_fir, hidden, skip, use_budget, guitar_only;
    const char *kind; /* "nearly linear", "mildly nonlinear", ... */
} capture_choice;

void capture_recipe_choose(const capture_probe *p, capture_choice *c);

/* Train every pair of ds (added by capture_dataset_add with s) on the
 * guitar only: its first training span starts at s->guitar_start instead of
 * s->train_start. The validation and test spans and the DI files' spans are
 * unchanged. */
void capture_dataset_guitar_only(rnnamp_dataset *ds, const capture_signal *s);

/* ---- the "capture" metadata stored in a model ---------------------------
 * {"capture": {"plugin": URI, "plugin_name": NAME, "latency_samples": N,
 *  "signal_version": V, "guitar_seconds": S, "train_test_esr": E,
 *  "settings": {SYM: VAL, ...}, "heldout": [{"clip": NAME, "knob": K or -1,
 *  "esr": E}, ...], "knob1": {"symbol": SYM, "min": MIN, "max": MAX,
 *  "steps": N} (swept captures only), "probe": {"taps":
 *  [..], "esr": [..], "explained": E, "taps_needed": N}, "recipe":
 *  {"pre_fir": N, "post_fir": N, "hidden": N, "skip": 0|1,
 *  "guitar_only": 0|1, "kind": S}
 *  (when a probe was made)}}
 * capture_meta_begin() allocates the text; capture_meta_free() frees it. */
typedef struct {
    char *text; /* JSON text, owned */
    size_t len, cap;
    int n_heldout;
    int closed; /* the heldout array is closed */
} capture_meta;

/* Start the object: plugin, latency, the capture signal's version and
 * training guitar length, the trainer's test ESR and the n_set settings
 * sym[i] = val[i]. Returns 0, or -1 (out of memory). */
int capture_meta_begin(capture_meta *m, const capture_lv2 *host, int latency,
                       int signal_version, double guitar_seconds,
                       double train_test_esr, const char *const *sym,
                       const float *val, int n_set, char *err, size_t errlen);

/* One held-out result (knob < 0: not a swept capture). */
void capture_meta_heldout(capture_meta *m, const char *clip, double knob,
                          double esr);

/* The probe and the recipe's choice (call after the held-out results,
 * before capture_meta_end; optional). */
void capture_meta_recipe(capture_meta *m, const capture_probe *p,
                         const capture_choice *c);

/* Close the object, with the swept knob when sweep_sym is not NULL.
 * Returns 0, or -1 when the text did not fit ("capture metadata too
 * long"). */
int capture_meta_end(capture_meta *m, const char *sweep_sym, float min,
                     float max, int steps, char *err, size_t errlen);

void capture_meta_free(capture_meta *m);

#endif
