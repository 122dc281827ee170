/* rnnamp plugin: loading program k of a model folder (worker side).
 *
 * A model folder's programs are its loadable model files in name order
 * (src/model/model_dir.h says exactly which files count). The worker keeps
 * the last folder it listed in a cache and lists it again only when
 * another folder is asked for or the folder changed (its mtime: files
 * added, removed or renamed), so stepping through programs parses one
 * file per step.
 *
 * The slot returned carries its origin (model_slot.h) so that run() learns
 * the folder and its number of programs. Its status is the model's
 * "loaded ..." (or the error) followed by "; program K of folder D: <what
 * the folder holds>". A folder that cannot be read, a program the folder
 * does not have and a file that fails to load all give a failed slot
 * (item.ok = 0): the playing model stays and the status says why.
 *
 * Threads: non-real-time threads only (worker, state restore); the cache
 * has a mutex so both may use it.
 * Memory: the cache owns its listing (rnnamp_dir_cache_free); slots are the
 * caller's (rnnamp_slot_free).
 */
#ifndef RNNAMP_PLUGIN_DIR_SLOT_H
#define RNNAMP_PLUGIN_DIR_SLOT_H

#include <pthread.h>
#include <stdint.h>

#include "model_dir.h"
#include "model_slot.h"

typedef struct {
    pthread_mutex_t lock;
    rnnamp_model_dir *dir; /* the last folder listed; NULL: none */
} rnnamp_dir_cache;

/* Empty cache. Instantiation thread. */
void rnnamp_dir_cache_init(rnnamp_dir_cache *c);

/* Free the listing and the mutex. Instantiation thread (cleanup). */
void rnnamp_dir_cache_free(rnnamp_dir_cache *c);

/* Load program `program` of folder dir for a host at host_rate (knobs,
 * size and seq as rnnamp_slot_load). NULL only when memory runs out. */
rnnamp_slot *rnnamp_dir_slot_load(rnnamp_dir_cache *c, const char *dir,
                                  int program, double host_rate,
                                  const float *knobs, float size, uint32_t seq);

#endif
