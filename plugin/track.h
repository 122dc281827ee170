/* rnnamp plugin: one crossfaded "track" of loadable things (the model, the
 * cabinet IR).
 *
 * An item is what the worker loads from one file: a model slot
 * (model_slot.h) or an IR slot (ir_slot.h), each starting with the common
 * header rnnamp_item. A track holds the item that plays, the one fading
 * out, the one waiting for the running fade to end, the 0..1 crossfade
 * ramp, the newest request number, and the playing item's path for save()
 * (a seqlock over atomic bytes). The same code switches models and IRs:
 *
 *   worker:     rnnamp_track_publish (after loading an item)
 *   run():      rnnamp_track_take -> (status) -> rnnamp_track_install,
 *               rnnamp_track_fade_curve / _fade_end per chunk while fading,
 *               rnnamp_track_start_queued at the start of a block
 *   save():     rnnamp_track_read_path
 *
 * An item with plays == 0 is "none" (no model: dry; no IR: straight
 * through); a track fades to it and then drops it (cur becomes NULL).
 *
 * Threads: publish, new_seq and read_path from any thread (lock-free);
 * everything else on the audio thread only (bounded, no allocation).
 * Memory: a track owns the items it holds; items it lets go are pushed on
 * the caller's garbage list (linked through next) for the worker to free.
 */
#ifndef RNNAMP_PLUGIN_TRACK_H
#define RNNAMP_PLUGIN_TRACK_H

#include <stdatomic.h>
#include <stdint.h>

#include "model.h" /* RNNAMP_ERR_LEN */
#include "smoother.h"

#define RNNAMP_SLOT_PATH_MAX 4096
/* Audio channels an item can play at most (the stereo plugin's two); an
 * item's channels share what it loaded (model weights, IR spectra). */
#define RNNAMP_MAX_CHANNELS    2
#define RNNAMP_SLOT_STATUS_MAX (RNNAMP_ERR_LEN + RNNAMP_SLOT_PATH_MAX + 128)

/* What follows the header. */
enum { RNNAMP_ITEM_MODEL = 1, RNNAMP_ITEM_IR = 2 };

typedef struct rnnamp_item {
    struct rnnamp_item *next; /* link for the lists the plugin keeps */
    uint32_t seq;             /* request number (newer requests win) */
    int kind;                 /* RNNAMP_ITEM_* */
    int ok;                   /* 1: loaded (or cleared), 0: load failed */
    int plays;                /* 1: makes sound; 0: "none" (or failed) */
    char path[RNNAMP_SLOT_PATH_MAX];
    char status[RNNAMP_SLOT_STATUS_MAX];
} rnnamp_item;

/* A path one thread writes (bounded, lock-free) and others read: a
 * seqlock over atomic bytes (no data race, no lock on the writer). */
typedef struct {
    atomic_uint gen; /* odd while the writer writes */
    atomic_char path[RNNAMP_SLOT_PATH_MAX];
} rnnamp_shared_path;

/* Empty path. Before any other call. */
void rnnamp_shared_path_init(rnnamp_shared_path *p);

/* Set the path (truncated to RNNAMP_SLOT_PATH_MAX - 1 bytes). One writer
 * thread only (real-time safe: bounded, no lock). */
void rnnamp_shared_path_write(rnnamp_shared_path *p, const char *path);

/* Copy the path into buf[len]. Any thread; retries while the writer is
 * writing (a few hundred cycles at most), so not on the writer's thread's
 * real-time path while another writer could run (there is none). */
void rnnamp_shared_path_read(rnnamp_shared_path *p, char *buf, size_t len);

typedef struct {
    /* shared between threads (atomics only) */
    _Atomic(rnnamp_item *) pending; /* results not yet seen by run() */
    atomic_uint next_seq;           /* last request number given out */
    rnnamp_shared_path path;        /* the playing item's, for save() */
    /* owned by run() */
    rnnamp_item *cur;    /* playing (NULL = none) */
    rnnamp_item *old;    /* fading out while fading */
    rnnamp_item *queued; /* waits for the running fade to end */
    int fading;
    uint32_t installed_seq;
    rnnamp_ramp xfade;
} rnnamp_track;

/* Empty track; crossfades take fade samples. Before any other call. */
void rnnamp_track_init(rnnamp_track *t, uint32_t fade);

/* A new request number; newer requests win. Any thread. */
uint32_t rnnamp_track_new_seq(rnnamp_track *t);

/* 1 if a request newer than seq has been given out. Any thread. */
int rnnamp_track_superseded(rnnamp_track *t, uint32_t seq);

/* Push a loaded item for run() to pick up. Lock-free; any thread. */
void rnnamp_track_publish(rnnamp_track *t, rnnamp_item *it);

/* Copy the playing item's path into buf[len] ("" for none). Any thread
 * (run() is the only writer). */
void rnnamp_track_read_path(rnnamp_track *t, char *buf, size_t len);

/* Push it (NULL is fine) on *garbage. Audio thread. */
void rnnamp_item_to_garbage(rnnamp_item **garbage, rnnamp_item *it);

/* The newest published item newer than the installed one (NULL if none);
 * the older ones go to garbage. Audio thread. */
rnnamp_item *rnnamp_track_take(rnnamp_track *t, rnnamp_item **garbage);

/* Play an item from rnnamp_track_take: a failed one goes to garbage (the
 * playing item stays); otherwise its path becomes the track's and it fades
 * in (or waits for the running fade). Audio thread. */
void rnnamp_track_install(rnnamp_track *t, rnnamp_item *it,
                          rnnamp_item **garbage);

/* Start the queued item's fade if no fade runs. Audio thread. */
void rnnamp_track_start_queued(rnnamp_track *t);

/* Crossfading, in two steps so that several channels crossfade alike:
 * while fading, rnnamp_track_fade_curve writes the next n crossfade
 * positions (0..1) into x, advancing the ramp once for all channels; the
 * caller mixes each channel as out[i] = rnnamp_mix(old_out[i], cur_out[i],
 * x[i]); then rnnamp_track_fade_end ends the fade when the ramp is done
 * (nothing when not fading). Audio thread. */
void rnnamp_track_fade_curve(rnnamp_track *t, float *x, uint32_t n);
void rnnamp_track_fade_end(rnnamp_track *t, rnnamp_item **garbage);

/* End any fade at once (and take the queued item): for a track that is
 * not being heard. Audio thread. */
void rnnamp_track_settle(rnnamp_track *t, rnnamp_item **garbage);

/* from + (to - from) * x, exact at both ends so that where a ramp ends
 * inside a chunk does not matter. */
static inline float rnnamp_mix(float from, float to, float x)
{
    if (x == 1.0f)
        return to;
    if (x == 0.0f)
        return from;
    return from + (to - from) * x;
}

#endif
