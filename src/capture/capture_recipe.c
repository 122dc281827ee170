/* rnnamp-capture: the steps of a capture. See capture_recipe.h. */
#include "capture_recipe.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_latency.h"
#include "engine.h"
#include "error.h"

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
