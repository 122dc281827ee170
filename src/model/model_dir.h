/* rnnamp: a folder of model files, numbered as programs.
 *
 * A folder's programs are its loadable model files in name order:
 *  - the file name does not start with '.', and ends in .nam, .json or
 *    .aidax (any letter case): the extensions the loaders accept;
 *  - it is a regular file (or a link to one);
 *  - it loads and validates (rnnamp_model_load + rnnamp_model_validate).
 * Name order is byte order of the file names (strcmp, the "C" locale:
 * "01 clean.nam" < "02 crunch.nam" < "Lead.json" < "clean.json").
 * Program k is the k-th loadable file (from 0). Every other file of the
 * folder is listed as skipped, with the reason. Only the first
 * RNNAMP_MODEL_DIR_PROGRAMS loadable files are programs; the files after
 * them are listed but not read.
 *
 * Threads: any non-real-time thread (this reads the folder and parses
 * every model file in it).
 * Memory: rnnamp_model_dir_scan returns a listing owned by the caller,
 * freed with rnnamp_model_dir_free.
 */
#ifndef RNNAMP_MODEL_DIR_H
#define RNNAMP_MODEL_DIR_H

#include <stddef.h>
#include <time.h>

#define RNNAMP_MODEL_DIR_PROGRAMS 128 /* programs 0..127, as MIDI */
#define RNNAMP_MODEL_DIR_WHY      160 /* reason a file is skipped */

typedef struct {
    char *name;  /* file name (no folder) */
    int program; /* 0.. for a program, -1 for a skipped file */
    char why[RNNAMP_MODEL_DIR_WHY]; /* skipped: why ("not a model file",
                                     * the loader's error, ...) */
} rnnamp_model_dir_entry;

typedef struct {
    char *path;                      /* the folder, as given */
    struct timespec mtime;           /* the folder's mtime when scanned */
    rnnamp_model_dir_entry *entries; /* every entry, in name order */
    size_t n_entries;
    int n_programs; /* loadable model files (at most ..._PROGRAMS) */
    int n_skipped;
} rnnamp_model_dir;

/* List and classify the folder at path. NULL with a message naming the
 * folder when it cannot be read (missing, not a folder, no permission) or
 * memory runs out. A folder with no model file is a valid, empty list. */
rnnamp_model_dir *rnnamp_model_dir_scan(const char *path, char *err,
                                        size_t errlen);

/* Free a listing. NULL is fine. */
void rnnamp_model_dir_free(rnnamp_model_dir *d);

/* 1 if d still describes the folder at path: same path and the folder's
 * mtime unchanged (files added, removed or renamed change it). */
int rnnamp_model_dir_current(const rnnamp_model_dir *d, const char *path);

/* The full path of program k into buf[len]. Returns 0, or -1 with a
 * message in err when the folder has no program k or the path is too
 * long. */
int rnnamp_model_dir_program_path(const rnnamp_model_dir *d, int k, char *buf,
                                  size_t len, char *err, size_t errlen);

/* What the folder holds, for a status line, into buf[len] (truncated
 * with "..." when it does not fit):
 * "3 models: 0 a.json, 1 b.nam, 2 c.json; skipped 1: notes.txt (not a
 * model file)". */
void rnnamp_model_dir_describe(const rnnamp_model_dir *d, char *buf,
                               size_t len);

#endif
