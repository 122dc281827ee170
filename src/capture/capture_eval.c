/* rnnamp-capture: held-out evaluation. See capture_eval.h. */
#include "capture_eval.h"

#include <math.h>
#include <stdarg.h>
#include <samplerate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_io.h"
#include "capture_latency.h"
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

int capture_heldout_make(capture_heldout *h, const capture_signal *s,
                         const char *const *files, int n_files, int rate,
                         char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    if (n_files < 0 || n_files >= CAPTURE_MAX_CLIPS) {
        rnnamp_seterr(err, errlen, "at most %d held-out files",
                      CAPTURE_MAX_CLIPS - 1);
        return -1;
    }
    float *clips[CAPTURE_MAX_CLIPS];
    size_t lens[CAPTURE_MAX_CLIPS];
    clips[0] = s->x + s->test_start;
    lens[0] = s->test_end - s->test_start;
    h->name[0] = "capture signal test clip";
    int nc = 1;
    for (int i = 0; i < n_files; i++) {
        clips[nc] =
            capture_read_mono_at(files[i], rate, &lens[nc], err, errlen);
        if (!clips[nc]) {
            for (int k = 1; k < nc; k++)
                free(clips[k]);
            return -1;
        }
        h->name[nc++] = files[i];
    }
    size_t gap = (size_t)rate / 2, total = 0;
    for (int i = 0; i < nc; i++)
        total += gap + lens[i];
    h->x = calloc(total ? total : 1, sizeof *h->x);
    if (!h->x) {
        for (int k = 1; k < nc; k++)
            free(clips[k]);
        rnnamp_seterr(err, errlen, "out of memory");
        return -1;
    }
    size_t p = 0;
    for (int i = 0; i < nc; i++) {
        p += gap;
        memcpy(h->x + p, clips[i], lens[i] * sizeof(float));
        h->start[i] = p;
        h->len[i] = lens[i];
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

/* ---- one captured setting ---------------------------------------------- */

/* The measured latency of target (its response to in), or -1 with a
 * message; fills t's onset, xc_peak and measured. */
static int measure(const capture_signal *s, const capture_input *in,
                   const float *target, int max_latency, capture_take *t,
                   char *err, size_t errlen)
{
    t->onset =
        capture_measure_latency(target, in->n, s->impulse_pos,
                                CAPTURE_N_IMPULSES, max_latency, err, errlen);
    t->xc_peak = -1;
    t->measured = t->onset;
    if (t->onset >= 0)
        t->measured = capture_refine_latency(in->x, target, s->noise_start,
                                             s->guitar_start, t->onset,
                                             max_latency, &t->xc_peak);
    return t->measured;
}

int capture_take_run(capture_lv2 *host, const capture_signal *s,
                     const capture_input *in, int max_latency,
                     int force_latency, float *aligned, capture_take *t,
                     char *err, size_t errlen)
{
    size_t n = in->n + (size_t)max_latency;
    float *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);
    int rc = -1;
    memset(t, 0, sizeof *t);
    if (!x || !y) {
        rnnamp_seterr(err, errlen, "out of memory");
        goto out;
    }
    memcpy(x, in->x, in->n * sizeof *x);
    if (capture_lv2_run(host, x, y, n,
                        (size_t)(CAPTURE_PREROLL_SECONDS * s->rate),
                        &t->reported, err, errlen))
        goto out;
    if (measure(s, in, y, max_latency, t, err, errlen) < 0 && force_latency < 0)
        goto out;
    t->latency = force_latency >= 0 ? force_latency : t->measured;
    memcpy(aligned, y + t->latency, in->n * sizeof *aligned);
    t->peak = 0.0;
    for (size_t i = s->train_start; i < s->train_end; i++)
        t->peak = fmax(t->peak, fabs(aligned[i]));
    rc = 0;
out:
    free(x);
    free(y);
    return rc;
}

int capture_take_check_level(const capture_take *t, const capture_lv2 *host,
                             char *err, size_t errlen)
{
    if (t->peak >= 1e-4)
        return 0;
    rnnamp_seterr(err, errlen,
                  "plugin <%s> output is silent with these settings "
                  "(peak %.1f dBFS): check --set values",
                  capture_lv2_uri(host), 20.0 * log10(t->peak + 1e-30));
    return -1;
}

int capture_dataset_add(rnnamp_dataset *ds, const char *name,
                        const capture_signal *s, const capture_input *in,
                        const float *aligned, int latency, int rate,
                        const float *knob, char *err, size_t errlen)
{
    rnnamp_dataset_opts dopts;
    rnnamp_dataset_opts_default(&dopts);
    dopts.align = 0;
    if (rnnamp_dataset_add_buffers(ds, name, in->x, aligned, in->n, in->n, rate,
                                   knob, knob ? 1 : 0, &dopts, err, errlen))
        return -1;
    rnnamp_pair *pr = &ds->pairs[ds->n_pairs - 1];
    size_t gl = s->train_end - s->train_start;
    size_t val_start = s->train_end - gl * 15 / 100;
    memset(pr->n_spans, 0, sizeof pr->n_spans);
    rnnamp_span *train = pr->spans[RNNAMP_SPLIT_TRAIN];
    int *n_train = &pr->n_spans[RNNAMP_SPLIT_TRAIN];
    train[(*n_train)++] = (rnnamp_span){s->train_start, val_start};
    for (int i = 0; i < in->n_di; i++)
        train[(*n_train)++] =
            (rnnamp_span){in->di_start[i], in->di_start[i] + in->di_len[i]};
    pr->spans[RNNAMP_SPLIT_VAL][0] = (rnnamp_span){val_start, s->train_end};
    pr->n_spans[RNNAMP_SPLIT_VAL] = 1;
    pr->spans[RNNAMP_SPLIT_TEST][0] = (rnnamp_span){s->test_start, s->test_end};
    pr->n_spans[RNNAMP_SPLIT_TEST] = 1;
    pr->latency = latency;
    return 0;
}

int capture_self_test(rnnamp_model *m, const capture_signal *s, char *err,
                      size_t errlen)
{
    size_t nb = 2048, ni = (size_t)m->n_inputs;
    float *bi = calloc(nb * ni, sizeof *bi);
    float *bo = calloc(nb, sizeof *bo);
    const float *bx = s->x + s->test_start;
    int rc = -1;
    if (!bi || !bo) {
        rnnamp_seterr(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nb; i++) {
        bi[i * ni] = bx[i];
        for (size_t k = 1; k < ni; k++)
            bi[i * ni + k] = 0.5f;
    }
    if (capture_run_model(m, bx, bo, nb, 0.5f, 0, err, errlen))
        goto out;
    if (rnnamp_model_set_batch(m, bi, bo, nb)) {
        rnnamp_seterr(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    free(bi);
    free(bo);
    return rc;
}

/* ---- capture metadata ---------------------------------------------------- */

#define META_CAP 8192

static void json_escape(char *dst, size_t len, const char *s)
{
    size_t j = 0;
    for (; *s && j + 7 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            dst[j++] = '\\';
            dst[j++] = (char)c;
        } else if (c < 0x20) {
            j += (size_t)snprintf(dst + j, len - j, "\\u%04x", c);
        } else {
            dst[j++] = (char)c;
        }
    }
    dst[j] = '\0';
}

/* Append printf-style text; once it no longer fits, len only grows (and
 * capture_meta_end() reports it). */
__attribute__((format(printf, 2, 3))) static void meta_add(capture_meta *m,
                                                           const char *fmt, ...)
{
    if (m->len >= m->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    m->len += (size_t)vsnprintf(m->text + m->len, m->cap - m->len, fmt, ap);
    va_end(ap);
}

int capture_meta_begin(capture_meta *m, const capture_lv2 *host, int latency,
                       double train_test_esr, const char *const *sym,
                       const float *val, int n_set, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->text = malloc(META_CAP);
    if (!m->text) {
        rnnamp_seterr(err, errlen, "out of memory");
        return -1;
    }
    m->cap = META_CAP;
    char esc[2048], esc2[512];
    json_escape(esc, sizeof esc, capture_lv2_uri(host));
    json_escape(esc2, sizeof esc2, capture_lv2_name(host));
    meta_add(m,
             "{\"capture\": {\"plugin\": \"%s\", \"plugin_name\": \"%s\", "
             "\"latency_samples\": %d, \"train_test_esr\": %.6g, "
             "\"settings\": {",
             esc, esc2, latency, train_test_esr);
    for (int i = 0; i < n_set; i++) {
        json_escape(esc2, sizeof esc2, sym[i]);
        meta_add(m, "%s\"%s\": %g", i ? ", " : "", esc2, val[i]);
    }
    meta_add(m, "}, \"heldout\": [");
    return 0;
}

void capture_meta_heldout(capture_meta *m, const char *clip, double knob,
                          double esr)
{
    char esc[512];
    json_escape(esc, sizeof esc, clip);
    meta_add(m, "%s{\"clip\": \"%s\", \"knob\": %g, \"esr\": %.6g}",
             m->n_heldout++ ? ", " : "", esc, knob, esr);
}

int capture_meta_end(capture_meta *m, const char *sweep_sym, float min,
                     float max, int steps, char *err, size_t errlen)
{
    meta_add(m, "]");
    if (sweep_sym) {
        char esc[512];
        json_escape(esc, sizeof esc, sweep_sym);
        meta_add(m,
                 ", \"knob1\": {\"symbol\": \"%s\", \"min\": %g, "
                 "\"max\": %g, \"steps\": %d}",
                 esc, min, max, steps);
    }
    meta_add(m, "}}");
    if (m->len >= m->cap) {
        rnnamp_seterr(err, errlen, "capture metadata too long");
        return -1;
    }
    return 0;
}

void capture_meta_free(capture_meta *m)
{
    free(m->text);
    memset(m, 0, sizeof *m);
}
