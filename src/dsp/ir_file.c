/* rnnamp: impulse response files (see ir_file.h). */
#include "ir_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <samplerate.h>
#include <sndfile.h>

#include "error.h"

#define READ_FRAMES 4096 /* frames read from the file at a time */

/* Open path with libsndfile, telling a file we cannot open (missing, no
 * access, a folder) from one that is not audio. NULL after a message. */
static SNDFILE *open_ir(const char *path, SF_INFO *info, rnnamp_ir_status *st,
                        char *err, size_t errlen)
{
    struct stat sb;
    FILE *f = fopen(path, "rb");
    if (!f || stat(path, &sb) != 0) {
        rnnamp_seterr(err, errlen, "%s: cannot open: %s", path,
                      strerror(errno));
        if (f)
            fclose(f);
        *st = RNNAMP_IR_ERR_OPEN;
        return NULL;
    }
    fclose(f);
    if (S_ISDIR(sb.st_mode)) {
        rnnamp_seterr(err, errlen, "%s: cannot open: it is a folder", path);
        *st = RNNAMP_IR_ERR_OPEN;
        return NULL;
    }
    memset(info, 0, sizeof *info);
    SNDFILE *sf = sf_open(path, SFM_READ, info);
    if (!sf) {
        rnnamp_seterr(err, errlen,
                      "%s: not an audio file libsndfile reads "
                      "(WAV, FLAC, AIFF, OGG): %s",
                      path, sf_strerror(NULL));
        *st = RNNAMP_IR_ERR_FORMAT;
        return NULL;
    }
    return sf;
}

/* The first channel of the file into a new array (*frames long), checked:
 * not empty, not too long for host_rate, finite and not all zeros. */
static rnnamp_ir_status read_first_channel(const char *path, double host_rate,
                                           rnnamp_ir *ir, float **out,
                                           char *err, size_t errlen)
{
    rnnamp_ir_status st = RNNAMP_IR_OK;
    SF_INFO info;
    SNDFILE *sf = open_ir(path, &info, &st, err, errlen);
    if (!sf)
        return st;
    float *x = NULL, *buf = NULL;
    const double max_s = RNNAMP_IR_MAX_SECONDS;
    ir->file_rate = info.samplerate;
    ir->file_channels = info.channels;
    if (info.frames <= 0 || info.channels <= 0 || info.samplerate <= 0) {
        rnnamp_seterr(err, errlen, "%s: the IR is empty (no samples)", path);
        st = RNNAMP_IR_ERR_EMPTY;
        goto out;
    }
    const double secs = (double)info.frames / info.samplerate;
    if (secs > max_s || ceil((double)info.frames * host_rate /
                             info.samplerate) > max_s * host_rate) {
        rnnamp_seterr(err, errlen,
                      "%s: the IR is too long: %.2f s (%lld frames at %d Hz), "
                      "at most %g s",
                      path, secs, (long long)info.frames, info.samplerate,
                      max_s);
        st = RNNAMP_IR_ERR_TOO_LONG;
        goto out;
    }
    x = malloc((size_t)info.frames * sizeof *x);
    buf = malloc((size_t)READ_FRAMES * (size_t)info.channels * sizeof *buf);
    if (!x || !buf) {
        rnnamp_seterr(err, errlen, "%s: out of memory", path);
        st = RNNAMP_IR_ERR_MEMORY;
        goto out;
    }
    size_t n = 0;
    for (;;) {
        sf_count_t want = info.frames - (sf_count_t)n;
        if (want > READ_FRAMES)
            want = READ_FRAMES;
        sf_count_t got = want > 0 ? sf_readf_float(sf, buf, want) : 0;
        if (got <= 0)
            break;
        for (sf_count_t i = 0; i < got; i++)
            x[n + (size_t)i] = buf[(size_t)i * (size_t)info.channels];
        n += (size_t)got;
    }
    ir->file_frames = n;
    if (n == 0) {
        rnnamp_seterr(err, errlen, "%s: the IR is empty (no samples)", path);
        st = RNNAMP_IR_ERR_EMPTY;
        goto out;
    }
    int nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            rnnamp_seterr(err, errlen, "%s: sample %zu is not finite", path, i);
            st = RNNAMP_IR_ERR_SILENT;
            goto out;
        }
        nonzero |= x[i] != 0.0f;
    }
    if (!nonzero) {
        rnnamp_seterr(err, errlen, "%s: the IR is silent (all samples zero)",
                      path);
        st = RNNAMP_IR_ERR_SILENT;
    }
out:
    free(buf);
    sf_close(sf);
    if (st != RNNAMP_IR_OK) {
        free(x);
        x = NULL;
    }
    *out = x;
    return st;
}

/* x[0..n) at file_rate -> *y at host_rate, ceil(n * ratio) samples, the
 * converter flushed (end of input) so that the tail is kept. */
static rnnamp_ir_status resample(const char *path, const float *x, size_t n,
                                 double file_rate, double host_rate, float **y,
                                 size_t *taps, char *err, size_t errlen)
{
    const double ratio = host_rate / file_rate;
    if (!src_is_valid_ratio(ratio)) {
        rnnamp_seterr(err, errlen,
                      "%s: cannot resample from %g Hz to %g Hz (ratio out of "
                      "range)",
                      path, file_rate, host_rate);
        return RNNAMP_IR_ERR_RESAMPLE;
    }
    /* n * host_rate is exact for any real file: no rounding up of a
     * length that is a whole number */
    const size_t len = (size_t)ceil((double)n * host_rate / file_rate);
    const size_t cap = len + 256; /* the converter may give a few more */
    float *out = calloc(cap, sizeof *out);
    int e = 0;
    SRC_STATE *src = out ? src_new(SRC_SINC_BEST_QUALITY, 1, &e) : NULL;
    if (!src) {
        rnnamp_seterr(err, errlen, "%s: resampling: %s", path,
                      out ? src_strerror(e) : "out of memory");
        free(out);
        return out ? RNNAMP_IR_ERR_RESAMPLE : RNNAMP_IR_ERR_MEMORY;
    }
    SRC_DATA d = {0};
    d.data_in = x;
    d.input_frames = (long)n;
    d.data_out = out;
    d.output_frames = (long)cap;
    d.src_ratio = ratio;
    d.end_of_input = 1;
    for (;;) {
        e = src_process(src, &d);
        if (e)
            break;
        d.data_in += d.input_frames_used;
        d.input_frames -= d.input_frames_used;
        d.data_out += d.output_frames_gen;
        d.output_frames -= d.output_frames_gen;
        if (d.output_frames_gen == 0 || d.output_frames == 0)
            break;
    }
    src_delete(src);
    if (e) {
        rnnamp_seterr(err, errlen, "%s: resampling: %s", path, src_strerror(e));
        free(out);
        return RNNAMP_IR_ERR_RESAMPLE;
    }
    /* fewer than len: the rest stays zero; more: dropped */
    *y = out;
    *taps = len;
    return RNNAMP_IR_OK;
}

rnnamp_ir_status rnnamp_ir_load(const char *path, double host_rate,
                                rnnamp_ir *ir, char *err, size_t errlen)
{
    memset(ir, 0, sizeof *ir);
    if (!path || !path[0]) {
        rnnamp_seterr(err, errlen, "no IR file given");
        return RNNAMP_IR_ERR_OPEN;
    }
    if (!(host_rate > 0.0) || !isfinite(host_rate)) {
        rnnamp_seterr(err, errlen, "%s: bad host sample rate %g", path,
                      host_rate);
        return RNNAMP_IR_ERR_RESAMPLE;
    }
    float *x = NULL;
    rnnamp_ir_status st =
        read_first_channel(path, host_rate, ir, &x, err, errlen);
    if (st != RNNAMP_IR_OK)
        return st;
    float *h = x;
    size_t taps = ir->file_frames;
    if (fabs(host_rate - ir->file_rate) > 1e-9 * host_rate) {
        st = resample(path, x, ir->file_frames, ir->file_rate, host_rate, &h,
                      &taps, err, errlen);
        free(x);
        if (st != RNNAMP_IR_OK)
            return st;
    }
    double e = 0.0;
    for (size_t i = 0; i < taps; i++)
        e += (double)h[i] * h[i];
    if (!(e > 0.0) || !isfinite(e)) {
        rnnamp_seterr(err, errlen, "%s: the IR has no energy at %g Hz", path,
                      host_rate);
        free(h);
        return RNNAMP_IR_ERR_SILENT;
    }
    const double g = 1.0 / sqrt(e);
    for (size_t i = 0; i < taps; i++)
        h[i] = (float)(h[i] * g);
    ir->h = h;
    ir->taps = taps;
    ir->rate = host_rate;
    ir->file_gain = g;
    return RNNAMP_IR_OK;
}

void rnnamp_ir_free(rnnamp_ir *ir)
{
    if (!ir)
        return;
    free(ir->h);
    memset(ir, 0, sizeof *ir);
}
