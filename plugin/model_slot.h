/* rnnamp plugin: a model made ready to play ("slot").
 *
 * A slot is everything the audio thread needs to play one model file: the
 * engine (with its sample-rate correction), an optional resampler when the
 * host runs slower than the model, the model's fixed gains, and texts for
 * the host (name, status). A stereo slot has one engine per channel on
 * one copy of the weights (rnnamp_slot_add_channels). The worker builds a slot
 * (load, validate, build engine, prewarm) and later frees it; the audio thread
 * only processes it. A slot whose load failed carries no engine and the error
 * in status; a slot with an empty path means "no model" (dry).
 *
 * Threads: rnnamp_slot_load/rnnamp_slot_free on a non-real-time thread
 * (worker, restore); rnnamp_slot_process on the audio thread.
 * Memory: rnnamp_slot_load returns a slot owned by the caller, freed with
 * rnnamp_slot_free (which frees the engine and resampler too).
 */
#ifndef RNNAMP_MODEL_SLOT_H
#define RNNAMP_MODEL_SLOT_H

#include <stdint.h>

#include "engine.h"
#include "model.h"
#include "resampler.h"
#include "smoother.h"
#include "track.h"

#define RNNAMP_SLOT_NAME_MAX 128
#define RNNAMP_SLOT_KNOBS    3 /* knob values handed to the engine */
/* Knob value where nothing else is given (the knob ports' default). */
#define RNNAMP_SLOT_KNOB_DEFAULT 0.5f
/* Loudness that "normalize" brings a NAM model to (dB, as NAM's plugin). */
#define RNNAMP_NORMALIZE_TARGET_DB (-18.0)

/* Where a slot's model came from, when a model folder is involved
 * (dir_slot.h): dir[0] == '\0' for a plain model file. */
typedef struct {
    char dir[RNNAMP_SLOT_PATH_MAX]; /* the model folder */
    int program;                    /* the program asked for (0..127) */
    int from_dir; /* 1: program `program` of dir was asked for; 0: a model
                   * file, with dir as the folder to take programs from */
    int n_models; /* the folder's programs; -1 unknown or unreadable */
} rnnamp_slot_origin;

/* One audio channel of a slot: channel 0's engine holds the weights, the
 * others are rnnamp_engine_new_shared clones of it (their own recurrent
 * state, resampler and calibration ramp; the weights once). */
typedef struct {
    rnnamp_engine *engine; /* NULL: no model */
    rnnamp_resampler *rs;  /* NULL unless the host rate needs resampling */
    rnnamp_ramp cal;       /* input calibration factor (run() sets it with
                            * rnnamp_slot_calibration); starts at 1 */
    const float *knobs;    /* set by rnnamp_slot_process for the callback */
} rnnamp_slot_channel;

typedef struct rnnamp_slot {
    rnnamp_item item; /* first: path, status, request number, links;
                       * item.plays = (ch[0].engine != NULL) */
    int n_channels;   /* channels ready to play: 1, more after
                       * rnnamp_slot_add_channels */
    rnnamp_slot_channel ch[RNNAMP_MAX_CHANNELS];
    double host_rate, model_rate; /* for a channel's resampler */
    int n_knobs;                  /* conditioning inputs the model uses */
    float pre_lin;                /* model in_gain (linear) */
    float post_lin;               /* model out_gain (linear) */
    float norm_lin;         /* loudness normalisation factor (1 if none) */
    uint32_t latency;       /* host samples added by the resampler */
    int has_input_level;    /* the model states input_level_dbu (NAM) */
    double input_level_dbu; /* dBu at 0 dBFS the model was captured at */
    float size_lo, size_hi; /* the size port values this slot plays: a NAM
                             * SlimmableContainer's submodel covers
                             * [size_lo, size_hi); any other model all */
    char name[RNNAMP_SLOT_NAME_MAX];
    rnnamp_slot_origin origin; /* set by the folder loader (dir_slot.h) */
} rnnamp_slot;

/* Load path (empty string: a "no model" slot) for a host at host_rate,
 * prewarmed with the given knob values (RNNAMP_SLOT_KNOBS values, NULL =
 * RNNAMP_SLOT_KNOB_DEFAULT), at size (0..1: the submodel a NAM
 * SlimmableContainer plays, rnnamp_model_at_size; other models ignore
 * it). Always returns a slot unless memory runs out
 * (NULL); on failure slot->item.ok is 0 and slot->item.status holds the message
 * naming the file. */
rnnamp_slot *rnnamp_slot_load(const char *path, double host_rate,
                              const float *knobs, float size, uint32_t seq);

/* Make a loaded slot play `channels` channels (2 for stereo; at most
 * RNNAMP_MAX_CHANNELS): channel k > 0 gets an engine sharing channel 0's
 * weights (rnnamp_engine_new_shared: it starts in channel 0's prewarmed
 * state, so every channel plays as a slot of its own would), its own
 * resampler when channel 0 has one, and a calibration ramp like channel
 * 0's. Call it right after loading, before the slot plays. A slot without
 * a model (or a failed one) just records the count. Returns 0, or -1 when
 * memory runs out: the slot is then failed (item.ok = 0, item.plays = 0,
 * the reason in item.status). Non-real-time threads. */
int rnnamp_slot_add_channels(rnnamp_slot *s, int channels);

/* Free a slot and what it owns. NULL is fine. */
void rnnamp_slot_free(rnnamp_slot *s);

/* Input calibration as NAM's plugin does it: the factor
 * 10^((interface_dbu - L)/20) when on is non-zero and the model states its
 * input level L (input_level_dbu), else 1. Rounded to float once from a
 * double computation, so that a caller can reproduce it exactly. Any
 * thread; real-time safe. */
float rnnamp_slot_calibration(const rnnamp_slot *s, int on,
                              float interface_dbu);

/* Channel c (< n_channels) of the slot: out[i] = post * net(pre * cal[i] *
 * in[i]) at the host rate (cal: the channel's calibration ramp, advanced n
 * samples), n any size, in and out may alias. knobs: RNNAMP_SLOT_KNOBS
 * values. Must not be called on a slot without engine. Real-time safe. */
void rnnamp_slot_process(rnnamp_slot *s, int c, const float *in, float *out,
                         uint32_t n, const float *knobs);

#endif
