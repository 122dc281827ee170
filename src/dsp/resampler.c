/* rnnamp: run a mono processor at another sample rate (see resampler.h). */
#include "resampler.h"
#include "error.h"

#include <math.h>
#include <samplerate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Outer samples handled per converter call. */
#define RS_CHUNK 256u
/* libsamplerate quality: the fastest band-limited sinc. */
#define RS_TYPE SRC_SINC_FASTEST

struct rnnamp_resampler {
    SRC_STATE *up, *down;
    double ratio_up;  /* inner / outer */
    uint32_t latency; /* outer samples of zeros put in the FIFO */
    uint32_t max_inner;
    float *inner; /* max_inner samples at the inner rate */
    float *tmp;   /* RS_CHUNK + slack samples at the outer rate */
    uint32_t tmp_len;
    float *fifo; /* ring of fifo_mask + 1 samples */
    uint32_t fifo_mask;
    uint32_t rd, wr; /* free-running indices */
    uint64_t underruns;
};

static void passthrough(void *ctx, float *buf, uint32_t n)
{
    (void)ctx;
    (void)buf;
    (void)n;
}

static uint32_t fifo_fill(const rnnamp_resampler *r)
{
    return r->wr - r->rd;
}

static void fifo_push(rnnamp_resampler *r, const float *x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (fifo_fill(r) > r->fifo_mask)
            break; /* cannot happen with the sizes chosen; never overwrite */
        r->fifo[r->wr++ & r->fifo_mask] = x[i];
    }
}

/* One converter call pair for n <= RS_CHUNK outer samples. Returns the
 * number of outer samples produced into r->tmp. */
static uint32_t round_trip(rnnamp_resampler *r, const float *in, uint32_t n,
                           rnnamp_resampler_fn fn, void *ctx)
{
    SRC_DATA d;
    memset(&d, 0, sizeof d);
    d.data_in = in;
    d.input_frames = n;
    d.data_out = r->inner;
    d.output_frames = r->max_inner;
    d.src_ratio = r->ratio_up;
    if (src_process(r->up, &d) != 0)
        d.output_frames_gen = 0;
    uint32_t m = (uint32_t)d.output_frames_gen;
    if (m)
        fn(ctx, r->inner, m);

    memset(&d, 0, sizeof d);
    d.data_in = r->inner;
    d.input_frames = m;
    d.data_out = r->tmp;
    d.output_frames = r->tmp_len;
    d.src_ratio = 1.0 / r->ratio_up;
    if (src_process(r->down, &d) != 0)
        d.output_frames_gen = 0;
    return (uint32_t)d.output_frames_gen;
}

/* Largest shortfall of produced vs. consumed samples over a stream of
 * uneven chunk sizes (deterministic). Runs the real converters, which are
 * reset afterwards. */
static uint32_t measure_lag(rnnamp_resampler *r)
{
    float zeros[RS_CHUNK];
    memset(zeros, 0, sizeof zeros);
    int64_t in_total = 0, out_total = 0, worst = 0;
    uint32_t lcg = 12345u;
    for (int it = 0; it < 400; it++) {
        lcg = lcg * 1664525u + 1013904223u;
        uint32_t n = (it % 3 == 0) ? 1u : 1u + (lcg >> 8) % RS_CHUNK;
        out_total += round_trip(r, zeros, n, passthrough, NULL);
        in_total += n;
        if (in_total - out_total > worst)
            worst = in_total - out_total;
    }
    src_reset(r->up);
    src_reset(r->down);
    return (uint32_t)worst;
}

rnnamp_resampler *rnnamp_resampler_new(double outer_rate, double inner_rate,
                                       char *err, size_t errlen)
{
    if (!(outer_rate > 0.0) || !(inner_rate > 0.0) ||
        inner_rate / outer_rate > 8.0 || outer_rate / inner_rate > 8.0) {
        if (err)
            rnnamp_seterr(err, errlen,
                          "resampler: cannot convert between %g Hz and %g Hz "
                          "(ratio must be within 1/8..8)",
                          outer_rate, inner_rate);
        return NULL;
    }
    rnnamp_resampler *r = calloc(1, sizeof *r);
    if (!r)
        goto oom;
    r->ratio_up = inner_rate / outer_rate;
    r->max_inner = (uint32_t)ceil(RS_CHUNK * r->ratio_up) + 256u;
    r->tmp_len = RS_CHUNK + 256u;
    r->inner = calloc(r->max_inner, sizeof *r->inner);
    r->tmp = calloc(r->tmp_len, sizeof *r->tmp);
    int e1 = 0, e2 = 0;
    r->up = src_new(RS_TYPE, 1, &e1);
    r->down = src_new(RS_TYPE, 1, &e2);
    if (!r->inner || !r->tmp)
        goto oom;
    if (!r->up || !r->down) {
        if (err)
            rnnamp_seterr(err, errlen, "resampler: libsamplerate: %s",
                          src_strerror(e1 ? e1 : e2));
        rnnamp_resampler_free(r);
        return NULL;
    }
    r->latency = measure_lag(r) + 2u;
    uint32_t need = r->latency + 2u * r->tmp_len + RS_CHUNK, size = 1024;
    while (size < need)
        size <<= 1;
    r->fifo = calloc(size, sizeof *r->fifo);
    if (!r->fifo)
        goto oom;
    r->fifo_mask = size - 1;
    r->wr = r->latency; /* the zeros are already there (calloc) */
    return r;
oom:
    if (err)
        rnnamp_seterr(err, errlen, "resampler: out of memory");
    rnnamp_resampler_free(r);
    return NULL;
}

void rnnamp_resampler_free(rnnamp_resampler *r)
{
    if (!r)
        return;
    if (r->up)
        src_delete(r->up);
    if (r->down)
        src_delete(r->down);
    free(r->inner);
    free(r->tmp);
    free(r->fifo);
    free(r);
}

uint32_t rnnamp_resampler_latency(const rnnamp_resampler *r)
{
    return r->latency;
}

uint32_t rnnamp_resampler_max_inner(const rnnamp_resampler *r)
{
    return r->max_inner;
}

uint64_t rnnamp_resampler_underruns(const rnnamp_resampler *r)
{
    return r->underruns;
}

void rnnamp_resampler_process(rnnamp_resampler *r, const float *in, float *out,
                              uint32_t n, rnnamp_resampler_fn fn, void *ctx)
{
    float chunk[RS_CHUNK];
    uint32_t done = 0;
    while (done < n) {
        uint32_t k = n - done < RS_CHUNK ? n - done : RS_CHUNK;
        /* copy first: in and out may alias */
        memcpy(chunk, in + done, k * sizeof *chunk);
        uint32_t got = round_trip(r, chunk, k, fn, ctx);
        fifo_push(r, r->tmp, got);
        for (uint32_t i = 0; i < k; i++) {
            if (fifo_fill(r) == 0) {
                r->underruns++;
                out[done + i] = 0.0f;
            } else {
                out[done + i] = r->fifo[r->rd++ & r->fifo_mask];
            }
        }
        done += k;
    }
}
