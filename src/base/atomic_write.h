/* rnnamp: write files so that a crash, a full disk or a bad write never
 * leaves a half-written file in place of a good one.
 *
 * Pattern: rnnamp_atomic_begin() gives a temporary path in the same folder;
 * the caller writes it (with stdio, libsndfile, ...); rnnamp_atomic_commit()
 * fsyncs and renames it over the destination, or rnnamp_atomic_abort()
 * removes it.
 *
 * Threads: any non-real-time thread. No global state.
 */
#ifndef RNNAMP_ATOMIC_WRITE_H
#define RNNAMP_ATOMIC_WRITE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char dest[4096];
    char tmp[4096 + 32];
} rnnamp_atomic;

/* Prepare a temporary path next to dest. Returns 0, or -1 with err. */
int rnnamp_atomic_begin(rnnamp_atomic *a, const char *dest, char *err,
                        size_t errlen);
/* fsync the temporary file and rename it to dest. Returns 0, or -1 with err
 * (the temporary file is then removed and dest is untouched). */
int rnnamp_atomic_commit(rnnamp_atomic *a, char *err, size_t errlen);
/* Remove the temporary file. */
void rnnamp_atomic_abort(rnnamp_atomic *a);

/* The stdio form of the pattern: begin, and open the temporary file for
 * writing ("wb"). Returns the stream, or NULL with err naming dest (nothing
 * is left behind). Finish with rnnamp_atomic_fclose(). */
FILE *rnnamp_atomic_fopen(rnnamp_atomic *a, const char *dest, char *err,
                          size_t errlen);
/* Flush and close f; if that worked and ok is non-zero (the caller's
 * writes all succeeded), commit. Otherwise remove the temporary file, keep
 * the old dest and return -1 with err naming dest and the cause. */
int rnnamp_atomic_fclose(rnnamp_atomic *a, FILE *f, int ok, char *err,
                         size_t errlen);

/* Write a whole buffer to path atomically. */
int rnnamp_write_file_atomic(const char *path, const void *data, size_t len,
                             char *err, size_t errlen);

#endif
