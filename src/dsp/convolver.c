/* rnnamp: zero-latency partitioned convolution (see convolver.h).
 *
 * Time t counts the samples taken in since the last reset. The input is
 * kept in a ring written twice (at p and p + rin) so that any window of up
 * to rin samples is contiguous. Each FFT stage of partition size B fires
 * when t reaches a multiple of B: it transforms the last 2B input samples
 * (overlap-save), multiplies the P newest spectra of its frequency-domain
 * delay line with its P partition spectra, transforms back, and adds the B
 * valid samples into the output ring at the times they are due (from t on,
 * since the stage starts at tap off >= B). The direct head is added as
 * each sample goes out, and the output ring is cleared behind the reader.
 *
 * Flat cost: partitions 1..P-1 of the next block use spectra that are
 * already known, so they are multiplied in a few at a time at each tick
 * (every `head` samples) between two firings; a firing itself does one
 * forward FFT, one partition and one inverse FFT. The worst block is then
 * bounded by the FFTs of the stages that fire together, not by the IR
 * length.
 */
#include "convolver.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "conv_kernel.h"
#include "error.h"

#define DEFAULT_HEAD     64u
#define DEFAULT_MAX_PART 4096u
#define MAX_HEAD         8192u
#define PER_STAGE        3u /* partitions of a stage before the size grows */
#define GROWTH           4u /* a stage's partitions are 4x the previous */
#define MAX_STAGES       24
#define SPECTRUM_ALIGN   8u /* complex values: 64 bytes */

typedef struct {
    uint32_t B;         /* partition size; FFT size 2B */
    uint32_t P;         /* partitions */
    uint32_t off;       /* first tap (>= B) */
    uint32_t stride;    /* complex values per spectrum (B + 1, padded) */
    uint32_t newest;    /* X slot of the newest spectrum */
    uint32_t next_p;    /* next partition to add into acc (1..P) */
    uint32_t quota;     /* partitions to add per tick */
    fftwf_complex *H;   /* P partition spectra, scaled by 1/(2B) */
    fftwf_complex *X;   /* P input spectra (ring) */
    fftwf_complex *acc; /* next block's spectrum: partitions so far */
    float *tbuf;        /* 2B: FFT input, then IFFT output */
    fftwf_plan fwd, inv;
} conv_stage;

struct rnnamp_convolver {
    size_t taps;
    uint32_t head; /* direct taps (<= layout head) */
    uint32_t tick; /* the smallest partition size: stage boundaries */
    float *hd;     /* head taps */
    rnnamp_conv_kernels k;
    int n_stages;
    conv_stage st[MAX_STAGES];
    float *xin;   /* input ring, 2 * rin, mirrored */
    uint32_t rin; /* power of two */
    float *oacc;  /* output ring */
    uint32_t ro;  /* power of two */
    uint64_t t;   /* samples in since reset */
    float *y;     /* head output scratch, tick samples */
    size_t bytes;
    int shared; /* hd, the stages' H and plans are another convolver's */
};

/* FFTW's planner is not thread safe by default; make it so once, before
 * the first plan (two plugin instances may load IRs at once). */
static pthread_once_t planner_once = PTHREAD_ONCE_INIT;
static void planner_init(void)
{
    fftwf_make_planner_thread_safe();
}

static uint32_t pow2_at_least(uint64_t n)
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static int is_pow2(uint32_t n)
{
    return n && !(n & (n - 1));
}

/* fftwf_malloc'd zeroed memory, counted in c->bytes; NULL if out. */
static void *conv_alloc(rnnamp_convolver *c, size_t bytes)
{
    void *p = fftwf_malloc(bytes ? bytes : 1);
    if (p) {
        memset(p, 0, bytes);
        c->bytes += bytes;
    }
    return p;
}

/* Cut taps [head, taps) into stages: B = head, 4 head, ... up to
 * max_part, PER_STAGE partitions each, the last size as many as needed. */
static int plan_layout(rnnamp_convolver *c, uint32_t max_part)
{
    uint64_t off = c->head;
    uint32_t B = c->head;
    c->n_stages = 0;
    while (off < c->taps) {
        if (c->n_stages == MAX_STAGES)
            return -1;
        const uint64_t left = c->taps - off;
        uint64_t P = (left + B - 1) / B;
        if (B < max_part && P > PER_STAGE)
            P = PER_STAGE;
        conv_stage *s = &c->st[c->n_stages++];
        s->B = B;
        s->P = (uint32_t)P;
        s->off = (uint32_t)off;
        off += P * B;
        if (B < max_part)
            B = B * GROWTH < max_part ? B * GROWTH : max_part;
    }
    return 0;
}

/* Spectra of the stage's partitions: h[off + p B .. off + (p+1) B),
 * zero-padded to 2B, scaled by 1/(2B) for FFTW's unnormalised inverse. */
static void stage_spectra(conv_stage *s, const float *ir, size_t taps)
{
    const float scale = 1.0f / (float)(2u * s->B);
    for (uint32_t p = 0; p < s->P; p++) {
        memset(s->tbuf, 0, 2u * s->B * sizeof *s->tbuf);
        const size_t a = (size_t)s->off + (size_t)p * s->B;
        const size_t n = taps - a < s->B ? taps - a : s->B;
        for (size_t i = 0; i < n; i++)
            s->tbuf[i] = ir[a + i] * scale;
        fftwf_execute_dft_r2c(s->fwd, s->tbuf, s->H + (size_t)p * s->stride);
    }
    memset(s->tbuf, 0, 2u * s->B * sizeof *s->tbuf);
}

static int stage_build(rnnamp_convolver *c, conv_stage *s, const float *ir)
{
    s->stride =
        (s->B + 1 + SPECTRUM_ALIGN - 1) / SPECTRUM_ALIGN * SPECTRUM_ALIGN;
    const size_t spec = (size_t)s->P * s->stride * sizeof(fftwf_complex);
    s->H = conv_alloc(c, spec);
    s->X = conv_alloc(c, spec);
    s->acc = conv_alloc(c, s->stride * sizeof(fftwf_complex));
    s->tbuf = conv_alloc(c, 2u * s->B * sizeof(float));
    if (!s->H || !s->X || !s->acc || !s->tbuf)
        return -1;
    const int n = (int)(2u * s->B);
    s->fwd = fftwf_plan_dft_r2c_1d(n, s->tbuf, s->X, FFTW_ESTIMATE);
    s->inv = fftwf_plan_dft_c2r_1d(n, s->acc, s->tbuf, FFTW_ESTIMATE);
    if (!s->fwd || !s->inv)
        return -1;
    stage_spectra(s, ir, c->taps);
    const uint32_t ticks = s->B / c->tick; /* between two firings */
    s->quota = (s->P - 1 + ticks - 1) / ticks;
    s->next_p = 1;
    return 0;
}

static void stage_free(conv_stage *s, int shared)
{
    if (s->fwd && !shared)
        fftwf_destroy_plan(s->fwd);
    if (s->inv && !shared)
        fftwf_destroy_plan(s->inv);
    if (!shared)
        fftwf_free(s->H);
    fftwf_free(s->X);
    fftwf_free(s->acc);
    fftwf_free(s->tbuf);
}

/* Check the layout and fill head and max_part; -1 with err set if bad. */
static int check_layout(const rnnamp_conv_layout *l, uint32_t *head,
                        uint32_t *max_part, char *err, size_t errlen)
{
    *head = l && l->head ? l->head : DEFAULT_HEAD;
    *max_part = l && l->max_part ? l->max_part : DEFAULT_MAX_PART;
    if (!is_pow2(*head) || *head > MAX_HEAD) {
        rnnamp_seterr(err, errlen,
                      "convolver head of %u taps: needs a power of two "
                      "up to %u",
                      *head, MAX_HEAD);
        return -1;
    }
    if (!is_pow2(*max_part) || *max_part < *head ||
        *max_part > RNNAMP_CONV_MAX_TAPS) {
        rnnamp_seterr(err, errlen,
                      "convolver partition size %u: needs a power of two "
                      "from %u to %u",
                      *max_part, *head, RNNAMP_CONV_MAX_TAPS);
        return -1;
    }
    return 0;
}

static int check_ir(const float *ir, size_t taps, char *err, size_t errlen)
{
    if (!ir || taps < 1 || taps > RNNAMP_CONV_MAX_TAPS) {
        rnnamp_seterr(err, errlen, "IR of %zu taps: needs 1 to %u", taps,
                      RNNAMP_CONV_MAX_TAPS);
        return -1;
    }
    for (size_t i = 0; i < taps; i++)
        if (!isfinite(ir[i])) {
            rnnamp_seterr(err, errlen, "IR tap %zu is not a finite number", i);
            return -1;
        }
    return 0;
}

/* Buffers and stages of a convolver whose taps and head are set. */
static int conv_build(rnnamp_convolver *c, const float *ir, uint32_t head,
                      uint32_t max_part)
{
    c->head = c->taps < head ? (uint32_t)c->taps : head;
    c->tick = head;
    if (plan_layout(c, max_part))
        return -1;
    uint32_t bmax = c->tick, dmax = 0;
    for (int i = 0; i < c->n_stages; i++) {
        bmax = c->st[i].B > bmax ? c->st[i].B : bmax;
        dmax = c->st[i].off > dmax ? c->st[i].off : dmax;
    }
    c->rin = pow2_at_least(2u * (uint64_t)bmax > (uint64_t)head + c->tick
                               ? 2u * (uint64_t)bmax
                               : (uint64_t)head + c->tick);
    c->ro = pow2_at_least((uint64_t)dmax + c->tick);
    c->hd = conv_alloc(c, c->head * sizeof(float));
    c->xin = conv_alloc(c, 2u * (size_t)c->rin * sizeof(float));
    c->oacc = conv_alloc(c, (size_t)c->ro * sizeof(float));
    c->y = conv_alloc(c, c->tick * sizeof(float));
    if (!c->hd || !c->xin || !c->oacc || !c->y)
        return -1;
    memcpy(c->hd, ir, c->head * sizeof(float));
    pthread_once(&planner_once, planner_init);
    for (int i = 0; i < c->n_stages; i++)
        if (stage_build(c, &c->st[i], ir))
            return -1;
    return 0;
}

rnnamp_convolver *rnnamp_convolver_new(const float *ir, size_t taps,
                                       const rnnamp_conv_layout *layout,
                                       char *err, size_t errlen)
{
    uint32_t head, max_part;
    if (check_ir(ir, taps, err, errlen) ||
        check_layout(layout, &head, &max_part, err, errlen))
        return NULL;
    rnnamp_convolver *c = calloc(1, sizeof *c);
    if (!c) {
        rnnamp_seterr(err, errlen, "out of memory");
        return NULL;
    }
    c->taps = taps;
    if (rnnamp_conv_kernels_get(layout ? layout->kernel : RNNAMP_KERNEL_AUTO,
                                &c->k)) {
        rnnamp_seterr(err, errlen, "kernel %s is not supported by this CPU",
                      rnnamp_kernel_name(layout->kernel));
        free(c);
        return NULL;
    }
    if (conv_build(c, ir, head, max_part)) {
        rnnamp_seterr(err, errlen,
                      "out of memory building a convolver of %zu taps", taps);
        rnnamp_convolver_free(c);
        return NULL;
    }
    return c;
}

/* The state buffers of a clone of o (its own X, acc, tbuf, xin, oacc, y),
 * copied from o's; -1 if memory runs out. */
static int clone_state(rnnamp_convolver *c, const rnnamp_convolver *o)
{
    c->xin = conv_alloc(c, 2u * (size_t)o->rin * sizeof(float));
    c->oacc = conv_alloc(c, (size_t)o->ro * sizeof(float));
    c->y = conv_alloc(c, o->tick * sizeof(float));
    if (!c->xin || !c->oacc || !c->y)
        return -1;
    memcpy(c->xin, o->xin, 2u * (size_t)o->rin * sizeof(float));
    memcpy(c->oacc, o->oacc, (size_t)o->ro * sizeof(float));
    for (int i = 0; i < o->n_stages; i++) {
        const conv_stage *so = &o->st[i];
        conv_stage *s = &c->st[i];
        const size_t spec = (size_t)so->P * so->stride * sizeof(fftwf_complex);
        s->X = conv_alloc(c, spec);
        s->acc = conv_alloc(c, so->stride * sizeof(fftwf_complex));
        s->tbuf = conv_alloc(c, 2u * so->B * sizeof(float));
        if (!s->X || !s->acc || !s->tbuf)
            return -1;
        memcpy(s->X, so->X, spec);
        memcpy(s->acc, so->acc, so->stride * sizeof(fftwf_complex));
    }
    return 0;
}

rnnamp_convolver *rnnamp_convolver_new_shared(const rnnamp_convolver *owner,
                                              char *err, size_t errlen)
{
    rnnamp_convolver *c = malloc(sizeof *c);
    if (!c) {
        rnnamp_seterr(err, errlen, "out of memory");
        return NULL;
    }
    *c = *owner; /* layout, kernels, time, hd, H and plans */
    c->shared = 1;
    c->bytes = 0;
    c->xin = c->oacc = c->y = NULL;
    for (int i = 0; i < c->n_stages; i++) {
        c->st[i].X = c->st[i].acc = NULL;
        c->st[i].tbuf = NULL;
    }
    if (clone_state(c, owner)) {
        rnnamp_seterr(err, errlen,
                      "out of memory cloning a convolver of %zu taps",
                      owner->taps);
        rnnamp_convolver_free(c);
        return NULL;
    }
    return c;
}

void rnnamp_convolver_free(rnnamp_convolver *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_stages; i++)
        stage_free(&c->st[i], c->shared);
    if (!c->shared)
        fftwf_free(c->hd);
    fftwf_free(c->xin);
    fftwf_free(c->oacc);
    fftwf_free(c->y);
    free(c);
}

void rnnamp_convolver_reset(rnnamp_convolver *c)
{
    memset(c->xin, 0, 2u * (size_t)c->rin * sizeof *c->xin);
    memset(c->oacc, 0, (size_t)c->ro * sizeof *c->oacc);
    for (int i = 0; i < c->n_stages; i++) {
        conv_stage *s = &c->st[i];
        memset(s->X, 0, (size_t)s->P * s->stride * sizeof *s->X);
        memset(s->acc, 0, s->stride * sizeof *s->acc);
        s->newest = 0;
        s->next_p = 1;
    }
    c->t = 0;
}

/* Add up to q more partitions (p >= 1) of the next block into acc. Partition
 * p of the next block meets the spectrum p blocks older than the one the
 * next firing makes, all of which are known. */
static void stage_work(rnnamp_convolver *c, conv_stage *s, uint32_t q)
{
    for (; q && s->next_p < s->P; q--, s->next_p++) {
        const uint32_t slot = (s->newest + 1 + s->P - s->next_p) % s->P;
        c->k.cmac((float *)s->acc,
                  (const float *)(s->H + (size_t)s->next_p * s->stride),
                  (const float *)(s->X + (size_t)slot * s->stride),
                  (int)s->B + 1);
    }
}

/* One stage at a multiple of its partition size: the block of the last B
 * input samples, through partition 0 (the rest is in acc), into the output
 * ring. */
static void stage_fire(rnnamp_convolver *c, conv_stage *s)
{
    stage_work(c, s, s->P); /* whatever the ticks left (none normally) */
    const uint32_t B = s->B, mask = c->rin - 1;
    const uint32_t start = (uint32_t)((c->t - 2u * B) & mask);
    memcpy(s->tbuf, c->xin + start, 2u * B * sizeof *s->tbuf);
    s->newest = s->newest + 1 == s->P ? 0 : s->newest + 1;
    fftwf_complex *x = s->X + (size_t)s->newest * s->stride;
    fftwf_execute_dft_r2c(s->fwd, s->tbuf, x);
    c->k.cmac((float *)s->acc, (const float *)s->H, (const float *)x,
              (int)B + 1);
    fftwf_execute_dft_c2r(s->inv, s->acc, s->tbuf); /* destroys acc */
    memset(s->acc, 0, (B + 1) * sizeof *s->acc);
    s->next_p = 1;
    /* tbuf[B + i] is the stage's output for input time t - B + i, due at
     * t - B + i + off */
    const uint32_t omask = c->ro - 1;
    const uint64_t due = c->t - B + s->off;
    for (uint32_t i = 0; i < B; i++)
        c->oacc[(due + i) & omask] += s->tbuf[B + i];
}

/* Up to the next tick boundary: take in n samples, write n outputs. */
static void conv_span(rnnamp_convolver *c, const float *in, float *out,
                      uint32_t n)
{
    const uint32_t mask = c->rin - 1, omask = c->ro - 1;
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t p = (uint32_t)((c->t + i) & mask);
        const float x = isfinite(in[i]) ? in[i] : 0.0f;
        c->xin[p] = x;
        c->xin[p + c->rin] = x;
    }
    /* window [t - (head - 1), t + n) is contiguous from its start */
    const uint32_t start = (uint32_t)((c->t + c->rin - (c->head - 1)) & mask);
    c->k.fir(c->hd, (int)c->head, c->xin + start + c->head - 1, c->y, (int)n);
    for (uint32_t i = 0; i < n; i++) {
        float *o = &c->oacc[(c->t + i) & omask];
        const float v = c->y[i] + *o;
        *o = 0.0f;
        out[i] = isfinite(v) ? v : 0.0f;
    }
    c->t += n;
    if (c->t % c->tick)
        return;
    for (int i = 0; i < c->n_stages; i++) {
        if (c->t % c->st[i].B == 0)
            stage_fire(c, &c->st[i]);
        stage_work(c, &c->st[i], c->st[i].quota);
    }
}

void rnnamp_convolver_process(rnnamp_convolver *c, const float *in, float *out,
                              size_t n)
{
    while (n) {
        const uint32_t room = c->tick - (uint32_t)(c->t % c->tick);
        const uint32_t k = n < room ? (uint32_t)n : room;
        conv_span(c, in, out, k);
        in += k;
        out += k;
        n -= k;
    }
}

size_t rnnamp_convolver_taps(const rnnamp_convolver *c)
{
    return c->taps;
}

size_t rnnamp_convolver_bytes(const rnnamp_convolver *c)
{
    return c->bytes + sizeof *c;
}

int rnnamp_convolver_stages(const rnnamp_convolver *c, uint32_t *head,
                            uint32_t *part, uint32_t *count, int max)
{
    if (head)
        *head = c->head;
    for (int i = 0; i < c->n_stages && i < max; i++) {
        if (part)
            part[i] = c->st[i].B;
        if (count)
            count[i] = c->st[i].P;
    }
    return c->n_stages;
}
