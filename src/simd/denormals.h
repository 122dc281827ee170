/* rnnamp engine: the one denormal guard. Sets the CPU to flush denormal
 * results (and, on x86, denormal inputs) to zero for the span of a
 * process call, then restores the caller's mode.
 *
 * Threads: any, including the audio thread (a register read and write; no
 * system call). Memory: none; the saved mode is a plain value.
 */
#ifndef RNNAMP_ENGINE_DENORMALS_H
#define RNNAMP_ENGINE_DENORMALS_H

#if defined(__x86_64__) || defined(_M_X64) || defined(__SSE__)
#include <xmmintrin.h>
/* MXCSR bits (Intel SDM vol. 1, 10.2.3): flush results that would be
 * denormal to zero, and treat denormal inputs as zero. */
#define RNNAMP_MXCSR_FTZ 0x8000u /* bit 15, flush to zero */
#define RNNAMP_MXCSR_DAZ 0x0040u /* bit 6, denormals are zero */
#endif
#if defined(__aarch64__)
#define RNNAMP_FPCR_FZ (1ul << 24) /* FPCR.FZ: flush denormals to zero */
#endif

typedef struct {
    unsigned long v;
} rnnamp_fpmode;

/* Turn denormal flushing on; returns the previous mode for restore. */
static inline rnnamp_fpmode rnnamp_denormals_off(void)
{
    rnnamp_fpmode m = {0};
#ifdef RNNAMP_MXCSR_FTZ
    m.v = _mm_getcsr();
    _mm_setcsr((unsigned)m.v | RNNAMP_MXCSR_FTZ | RNNAMP_MXCSR_DAZ);
#elif defined(RNNAMP_FPCR_FZ)
    unsigned long r;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(r));
    m.v = r;
    r |= RNNAMP_FPCR_FZ;
    __asm__ __volatile__("msr fpcr, %0" : : "r"(r));
#endif
    return m;
}

/* Put back the mode rnnamp_denormals_off() returned. */
static inline void rnnamp_denormals_restore(rnnamp_fpmode m)
{
#ifdef RNNAMP_MXCSR_FTZ
    _mm_setcsr((unsigned)m.v);
#elif defined(RNNAMP_FPCR_FZ)
    unsigned long r = m.v;
    __asm__ __volatile__("msr fpcr, %0" : : "r"(r));
#else
    (void)m;
#endif
}

#endif
