/* rnnamp base: the one bounded string copy, real-time safe.
 *
 * Threads: any, including the audio thread (no allocation, no locale, no
 * formatting; bounded by the destination size).
 * Memory: writes dst[0..cap-1] only.
 */
#ifndef RNNAMP_BASE_STRCOPY_H
#define RNNAMP_BASE_STRCOPY_H

#include <stddef.h>

/* Copies src (NULL counts as "") into dst[cap], truncating and always
 * terminating when cap > 0. Returns the number of characters copied. */
static inline size_t rnnamp_strcopy(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    if (!dst || !cap)
        return 0;
    if (src)
        while (n + 1 < cap && src[n]) {
            dst[n] = src[n];
            n++;
        }
    dst[n] = '\0';
    return n;
}

#endif
