/* rnnamp tests: an allocation-counting interposer. Include it in exactly
 * one test program (it defines malloc, calloc, realloc, free and
 * aligned_alloc, forwarding to glibc's __libc_* functions). Counting is off
 * until alloc_count_begin(); alloc_count_end() returns the number of calls
 * made in between. Under ASan (which owns those symbols) it counts through
 * ASan's malloc/free hooks instead, so the zero-allocation tests hold in
 * the sanitizer builds too. Only the thread between alloc_count_begin() and
 * alloc_count_end() counts (both flags are thread-local): a plugin host's
 * worker thread may allocate while run() runs, and under ASan the hooks
 * see every thread's calls. */
#ifndef RNNAMP_ALLOC_COUNT_H
#define RNNAMP_ALLOC_COUNT_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
/* Under ASan, which owns malloc, count through its allocation hooks (the
 * sanitizer runtime's public interface; declared here because GCC ships no
 * header for it). */
#define ALLOC_COUNT_AVAILABLE 1
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

static __thread volatile int alloc_count_on;
static __thread volatile long alloc_count_n;
static int alloc_count_hooked;

static void alloc_count_malloc_hook(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    if (alloc_count_on)
        alloc_count_n++;
}
static void alloc_count_free_hook(const volatile void *p)
{
    if (alloc_count_on && p)
        alloc_count_n++;
}
static inline void alloc_count_begin(void)
{
    if (!alloc_count_hooked)
        alloc_count_hooked = __sanitizer_install_malloc_and_free_hooks(
            alloc_count_malloc_hook, alloc_count_free_hook);
    alloc_count_n = 0;
    alloc_count_on = 1;
}
static inline long alloc_count_end(void)
{
    alloc_count_on = 0;
    return alloc_count_n;
}
#else
#define ALLOC_COUNT_AVAILABLE 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static __thread volatile int alloc_count_on;
static __thread volatile long alloc_count_n;

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
