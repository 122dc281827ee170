/* rnnamp tests: an allocation-counting interposer. Include it in exactly
 * one test program (it defines malloc, calloc, realloc, free and
 * aligned_alloc, forwarding to glibc's __libc_* functions). Counting is off
 * until alloc_count_begin(); alloc_count_end() returns the number of calls
 * made in between. Not usable under ASan (it interposes the same symbols):
 * ALLOC_COUNT_AVAILABLE is 0 there. Single-threaded use only. */
#ifndef RNNAMP_ALLOC_COUNT_H
#define RNNAMP_ALLOC_COUNT_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_COUNT_AVAILABLE 0
static inline void alloc_count_begin(void)
{
}
static inline long alloc_count_end(void)
{
    return 0;
}
#else
#define ALLOC_COUNT_AVAILABLE 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static volatile int alloc_count_on;
static volatile long alloc_count_n;

void *malloc(size_t n)
{
    if (alloc_count_on)
        alloc_count_n++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    if (alloc_count_on)
        alloc_count_n++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    if (alloc_count_on)
        alloc_count_n++;
    return __libc_realloc(p, n);
}
void *aligned_alloc(size_t al, size_t n)
{
    if (alloc_count_on)
        alloc_count_n++;
    return __libc_memalign(al, n);
}
void free(void *p)
{
    if (alloc_count_on && p)
        alloc_count_n++;
    __libc_free(p);
}
static inline void alloc_count_begin(void)
{
    alloc_count_n = 0;
    alloc_count_on = 1;
}
static inline long alloc_count_end(void)
{
    alloc_count_on = 0;
    return alloc_count_n;
}
#endif

#endif
