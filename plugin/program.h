/* rnnamp plugin: which program of the model folder plays (audio thread).
 *
 * The folder's programs are its loadable model files in name order
 * (src/model/model_dir.h). Three things choose the program, and the last
 * change wins:
 *  - the `program` control port (0..127), when its value changes;
 *  - MIDI Program Change n (any channel): program n;
 *  - MIDI CC 20 / CC 21 (any channel) with a value of 64 or more: the next
 *    / the previous program, wrapping around at the ends of the folder
 *    (values below 64, a footswitch's release, do nothing).
 * A host cannot be told that the port's value is stale after a MIDI
 * change, so the port counts only when it moves. After a state restore
 * the port's value at that moment counts as seen (the saved program
 * plays, whatever the port says).
 *
 * This module keeps run()'s view: the folder (`dir`, confirmed by the
 * worker; `req_dir`, the one of the newest request), the program, and the
 * number of programs the worker found; and, for save() on another thread,
 * the folder, program and whether the playing model came from the folder
 * (atomics). run() asks the worker to load program `program` of `req_dir`
 * whenever rnnamp_program_port/_midi return 1 or a folder is set.
 *
 * Threads: rnnamp_program_read and rnnamp_program_resync from any thread;
 * everything else on the audio thread (bounded, no allocation, no
 * formatting).
 * Memory: plain value type inside the plugin.
 */
#ifndef RNNAMP_PLUGIN_PROGRAM_H
#define RNNAMP_PLUGIN_PROGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#include "model_slot.h"
#include "track.h"

#define RNNAMP_PROGRAMS 128 /* programs 0..127 */
#define RNNAMP_CC_NEXT  20  /* MIDI CC: next program */
#define RNNAMP_CC_PREV  21  /* MIDI CC: previous program */
#define RNNAMP_CC_ON    64  /* CC values from here on step */

typedef struct {
    /* shared with save() and restore() (atomics only) */
    rnnamp_shared_path saved_dir; /* the folder ("" none) */
    atomic_int saved_program;
    atomic_int saved_from_dir; /* the playing model is a folder program */
    atomic_int resync;         /* restore(): take the port's value as seen */
    /* run()'s */
    char dir[RNNAMP_SLOT_PATH_MAX];     /* the folder ("" none) */
    char req_dir[RNNAMP_SLOT_PATH_MAX]; /* folder of the newest request */
    int program;
    int n_models;    /* programs in dir; -1 unknown */
    float port_seen; /* the port's value last seen */
} rnnamp_program;

/* No folder, program 0. Instantiation thread, before any other call. */
void rnnamp_program_init(rnnamp_program *p);

/* The port's value (NULL: unconnected) at activation: seen, no change. */
void rnnamp_program_activate(rnnamp_program *p, const float *port);

/* Read the port once per run(): returns 1 when its value moved (program
 * becomes the rounded value, clamped to 0..127), else 0. */
int rnnamp_program_port(rnnamp_program *p, const float *port);

/* One MIDI message (the bytes of a midi:MidiEvent). Returns 1 when it
 * changed the program (Program Change, CC 20/21), else 0. */
int rnnamp_program_midi(rnnamp_program *p, const uint8_t *msg, uint32_t size);

/* A patch:Set of the folder (len bytes, need not be NUL-terminated; an
 * empty path leaves folder mode). Returns 1 when a load must be asked
 * for, 0 when the folder was cleared, -1 when the path is too long
 * (nothing changes). */
int rnnamp_program_set_dir(rnnamp_program *p, const char *path, uint32_t len);

/* The folder a program change loads from, or NULL when no folder is set. */
const char *rnnamp_program_req_dir(const rnnamp_program *p);

/* A model slot run() took from the worker: learn the folder and program
 * it reports. newest: no newer model request is on its way. ok: the slot
 * plays (installed). */
void rnnamp_program_answer(rnnamp_program *p, const rnnamp_slot *s, int newest,
                           int ok);

/* save(): the folder into dir[len] ("" none), the program, and whether the
 * playing model is a program of that folder. Any thread. */
void rnnamp_program_read(rnnamp_program *p, char *dir, size_t len, int *program,
                         int *from_dir);

/* restore(): the next run() takes the port's value as seen. Any thread. */
void rnnamp_program_resync(rnnamp_program *p);

#endif
