/* rnnamp base: the one error-message helper.
 *
 * Every function that can fail takes (char *err, size_t errlen) and, on
 * failure, writes a message that names the problem (and the file, where
 * there is one) with rnnamp_seterr().
 *
 * Threads: any thread except the audio thread (it formats with vsnprintf).
 * Memory: writes into the caller's buffer only; err may be NULL.
 */
#ifndef RNNAMP_BASE_ERROR_H
#define RNNAMP_BASE_ERROR_H

#include <stddef.h>

/* printf-style message into err[errlen] (truncated, always terminated);
 * does nothing when err is NULL or errlen is 0. */
void rnnamp_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
