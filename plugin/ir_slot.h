/* rnnamp plugin: a cabinet IR made ready to play ("IR slot").
 *
 * The worker builds an IR slot: the file read, resampled to the host rate
 * and normalised to unit energy (src/dsp/ir_file.h), then a convolver
 * built on it (src/dsp/convolver.h), one per audio channel on one copy
 * of the IR's spectra. The audio thread only runs the convolvers. A slot whose
 * load failed carries no convolver and the error in item.status ("IR error:
 * <file>: <why>"); a slot with an empty path means "no IR" (the signal goes
 * straight through) and an empty status.
 *
 * Threads: rnnamp_ir_slot_load/rnnamp_ir_slot_free on a non-real-time
 * thread (worker, restore); the convolver on the audio thread.
 * Memory: rnnamp_ir_slot_load returns a slot owned by the caller, freed
 * with rnnamp_ir_slot_free (which frees the convolver too).
 */
#ifndef RNNAMP_IR_SLOT_H
#define RNNAMP_IR_SLOT_H

#include <stdint.h>

#include "convolver.h"
#include "track.h"

typedef struct rnnamp_ir_slot {
    rnnamp_item item; /* first; item.plays = (conv[0] != NULL) */
    int n_channels;   /* 1, more after rnnamp_ir_slot_add_channels */
    /* one convolver per channel (NULL: no IR); conv[0] holds the IR's
     * spectra, the others are rnnamp_convolver_new_shared clones of it */
    rnnamp_convolver *conv[RNNAMP_MAX_CHANNELS];
} rnnamp_ir_slot;

/* Load path ("" : a "no IR" slot) for a host at host_rate. Always returns
 * a slot unless memory runs out (NULL); on failure item.ok is 0 and
 * item.status holds the message naming the file. */
rnnamp_ir_slot *rnnamp_ir_slot_load(const char *path, double host_rate,
                                    uint32_t seq);

/* Make a loaded slot play `channels` channels (at most
 * RNNAMP_MAX_CHANNELS): each further channel gets a convolver sharing
 * conv[0]'s spectra (rnnamp_convolver_new_shared). Call it right after
 * loading. Returns 0, or -1 when memory runs out: the slot is then failed
 * (item.ok = 0, item.plays = 0, the reason in item.status). Non-real-time
 * threads. */
int rnnamp_ir_slot_add_channels(rnnamp_ir_slot *s, int channels);

/* Free a slot and its convolvers. NULL is fine. */
void rnnamp_ir_slot_free(rnnamp_ir_slot *s);

#endif
