/* rnnamp-capture: held-out evaluation. See capture_eval.h. */
#include "capture_eval.h"

#include <math.h>
#include <samplerate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_io.h"
#include "engine.h"
#include "error.h"

float *capture_read_mono_at(const char *path, int rate, size_t *n, char *err,
                            size_t errlen)
{
    rnnamp_audio a;
    if (rnnamp_audio_read(path, &a, err, errlen))
        return NULL;
    if (a.channels != 1)
        fprintf(stderr,
                "rnnamp-capture: note: %s has %d channels; using the "
                "first\n",
                path, a.channels);
    float *x = rnnamp_audio_channel(&a, 0);
    size_t frames = a.frames;
    int file_rate = a.rate;
    rnnamp_audio_free(&a);
    if (!x) {
        rnnamp_seterr(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (file_rate == rate) {
        *n = frames;
        return x;
    }
    double ratio = (double)rate / file_rate;
    size_t out_n = (size_t)ceil(frames * ratio) + 16;
    float *y = calloc(out_n, sizeof *y);
    if (!y) {
        free(x);
        rnnamp_seterr(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    SRC_DATA d = {0};
    d.data_in = x;
    d.input_frames = (long)frames;
    d.data_out = y;
    d.output_frames = (long)out_n;
    d.src_ratio = ratio;
    int e = src_simple(&d, SRC_SINC_BEST_QUALITY, 1);
    free(x);
    if (e) {
        free(y);
        rnnamp_seterr(err, errlen, "%s: resampling %d -> %d Hz failed: %s",
                      path, file_rate, rate, src_strerror(e));
        return NULL;
    }
    fprintf(stderr, "rnnamp-capture: %s resampled from %d to %d Hz\n", path,
            file_rate, rate);
    *n = (size_t)d.output_frames_gen;
    return y;
}

double capture_esr(const float *y, const float *t, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)y[i] - t[i];
        num += d * d;
        den += (double)t[i] * t[i];
    }
    return num / (den + 1e-20);
}

int capture_run_model(const rnnamp_model *m, const float *x, float *y, size_t n,
                      float knob, size_t prewarm, char *err, size_t errlen)
{
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, errlen);
    if (!e)
        return -1;
    float knobs[RNNAMP_MAX_INPUTS];
    for (int i = 0; i < RNNAMP_MAX_INPUTS; i++)
        knobs[i] = knob;
    const float *kp = m->n_inputs > 1 ? knobs : NULL;
    rnnamp_engine_prewarm(e, (uint32_t)prewarm, kp);
    for (size_t i = 0; i < n; i += 256) {
        uint32_t b = (uint32_t)(n - i < 256 ? n - i : 256);
        rnnamp_engine_process(e, x + i, y + i, b, kp);
    }
    rnnamp_engine_free(e);
    return 0;
}

double capture_hot_gain(double rms, double peak)
{
    if (rms <= 0.0 || peak <= 0.0)
        return 1.0;
    double g = fmin(CAPTURE_HOT_RMS / rms,
                    pow(10.0, CAPTURE_HOT_PEAK_DB / 20.0) / peak);
    return fmax(g, 1.0);
}

size_t capture_hot_base_len(const char *name)
{
    size_t n = strlen(name), k = strlen(CAPTURE_HOT_SUFFIX);
    return n > k && !strcmp(name + n - k, CAPTURE_HOT_SUFFIX) ? n - k : 0;
}

/* Clip c + n_files: the hot copy of clip c (a file), gain applied. */
static int add_hot(capture_heldout *h, float **clips, size_t *lens, int c,
                   int n_files)
{
    int d = c + n_files;
    double e = 0.0, pk = 0.0;
    for (size_t i = 0; i < lens[c]; i++) {
        e += (double)clips[c][i] * clips[c][i];
        pk = fmax(pk, fabs(clips[c][i]));
    }
    double g = capture_hot_gain(sqrt(e / (double)(lens[c] ? lens[c] : 1)), pk);
    size_t nl = strlen(h->name[c]) + sizeof CAPTURE_HOT_SUFFIX;
    clips[d] = malloc((lens[c] ? lens[c] : 1) * sizeof(float));
    h->owned_name[d] = malloc(nl);
    if (!clips[d] || !h->owned_name[d])
        return -1;
    for (size_t i = 0; i < lens[c]; i++)
        clips[d][i] = (float)(g * clips[c][i]);
    lens[d] = lens[c];
    snprintf(h->owned_name[d], nl, "%s%s", h->name[c], CAPTURE_HOT_SUFFIX);
    h->name[d] = h->owned_name[d];
    h->gain_db[d] = 20.0 * log10(g);
    return 0;
}

/* clips[1..nc) from the files (and their hot copies); 0, or -1 with the
 * clips read so far freed. */
static int read_clips(capture_heldout *h, float **clips, size_t *lens,
                      const char *const *files, int n_files, int rate, int hot,
                      char *err, size_t errlen)
{
    int nc = 1;
    for (int i = 0; i < n_files; i++) {
        clips[nc] =
            capture_read_mono_at(files[i], rate, &lens[nc], err, errlen);
        if (!clips[nc])
            goto fail;
        h->name[nc++] = files[i];
    }
    for (int i = 0; hot && i < n_files; i++) {
        int failed = add_hot(h, clips, lens, 1 + i, n_files);
        nc++; /* clips[nc] is NULL or allocated: freed below if failed */
        if (failed) {
            rnnamp_seterr(err, errlen, "out of memory");
            goto fail;
        }
    }
    return nc;
fail:
    for (int k = 1; k < nc; k++)
        free(clips[k]);
    return -1;
}

int capture_heldout_make(capture_heldout *h, const capture_signal *s,
                         const char *const *files, int n_files, int rate,
                         int hot, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    if (n_files < 0 || n_files > CAPTURE_MAX_HELDOUT_FILES) {
        rnnamp_seterr(err, errlen, "at most %d held-out files",
                      CAPTURE_MAX_HELDOUT_FILES);
        return -1;
    }
    float *clips[CAPTURE_MAX_CLIPS] = {0};
    size_t lens[CAPTURE_MAX_CLIPS];
    clips[0] = s->x + s->test_start;
    lens[0] = s->test_end - s->test_start;
    h->name[0] = "capture signal test clip";
    int nc = read_clips(h, clips, lens, files, n_files, rate, hot, err, errlen);
    if (nc < 0) {
        capture_heldout_free(h);
        return -1;
    }
    size_t gap = (size_t)rate / 2, total = 0;
    for (int i = 0; i < nc; i++)
        total += gap + lens[i];
    h->x = calloc(total ? total : 1, sizeof *h->x);
    if (!h->x) {
        for (int k = 1; k < nc; k++)
            free(clips[k]);
        capture_heldout_free(h);
        rnnamp_seterr(err, errlen, "out of memory");
        return -1;
    }
    size_t p = 0;
    for (int i = 0; i < nc; i++) {
        p += gap;
        memcpy(h->x + p, clips[i], lens[i] * sizeof(float));
        h->start[i] = p;
        h->len[i] = lens[i];
        double e = 0.0;
        for (size_t k = 0; k < lens[i]; k++)
            e += (double)clips[i][k] * clips[i][k];
        h->rms[i] = sqrt(e / (double)(lens[i] ? lens[i] : 1));
        p += lens[i];
        if (i > 0)
            free(clips[i]);
    }
    h->n = total;
    h->n_clips = nc;
    return 0;
}

void capture_heldout_free(capture_heldout *h)
{
    for (int i = 0; i < CAPTURE_MAX_CLIPS; i++)
        free(h->owned_name[i]);
    free(h->x);
    memset(h, 0, sizeof *h);
}

int capture_heldout_eval(const capture_heldout *h, capture_lv2 *host,
                         int latency, const rnnamp_model *m, float knob,
                         int rate, double *esr_out, char *err, size_t errlen)
{
    size_t pad = (size_t)latency;
    size_t preroll = (size_t)(CAPTURE_PREROLL_SECONDS * rate);
    float *xin = calloc(h->n + pad, sizeof *xin);
    float *t = calloc(h->n + pad, sizeof *t);
    float *y = calloc(h->n, sizeof *y);
    int rc = -1;
    if (!xin || !t || !y) {
        rnnamp_seterr(err, errlen, "out of memory");
        goto out;
    }
    memcpy(xin, h->x, h->n * sizeof *xin);
    if (capture_lv2_run(host, xin, t, h->n + pad, preroll, NULL, err, errlen))
        goto out;
    if (capture_run_model(m, h->x, y, h->n, knob, preroll, err, errlen))
        goto out;
    for (int i = 0; i < h->n_clips; i++)
        esr_out[i] =
            capture_esr(y + h->start[i], t + pad + h->start[i], h->len[i]);
    rc = 0;
out:
    free(xin);
    free(t);
    free(y);
    return rc;
}
