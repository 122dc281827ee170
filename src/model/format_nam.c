/* rnnamp: NAM .nam LSTM models. See format_nam.h and docs/model-format.md. */
#include "format_nam.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rnnamp_nam_detect(const json_t *root)
{
    return json_is_object(root) &&
           json_is_string(json_object_get(root, "architecture"));
}

int rnnamp_nam_read_meta(rnnamp_model *m, const json_t *root,
                         const rnnamp_jctx *c)
{
    rnnamp_meta *mt = &m->meta;
    double sr;
    int r =
        rnnamp_json_get_double(root, "sample_rate", "top level", 1, 0, &sr, c);
    if (r < 0)
        return -1;
    if (r == 1) {
        sr = RNNAMP_NAM_DEFAULT_RATE;
        mt->sample_rate_assumed = 1;
    } else if (sr < 1000 || sr > 1e6) {
        rnnamp_jerr(c, "sample_rate %g Hz is not plausible", sr);
        return -1;
    }
    mt->sample_rate = sr;
    mt->prewarm_samples = (int)lround(RNNAMP_NAM_PREWARM_SECONDS * sr);
    const json_t *md;
    r = rnnamp_json_get_metadata(root, mt, &md, c);
    if (r != 0)
        return r < 0 ? -1 : 0;
    return rnnamp_json_get_levels(md, mt, c);
}

/* Next n values of the flat weight list into out (stride 1). */
static int take(const json_t *w, size_t *pos, size_t n, float *out,
                const char *what, const rnnamp_jctx *c)
{
    for (size_t i = 0; i < n; i++) {
        double d;
        const json_t *v = json_array_get(w, *pos);
        if (rnnamp_json_number(v, &d) != 0 || fabs(d) > FLT_MAX) {
            char s[64];
            rnnamp_json_shape(v, s, sizeof s);
            rnnamp_jerr(c, "weights[%zu] (%s) is not a finite number (got %s)",
                        *pos, what, s);
            return -1;
        }
        out[i] = (float)d;
        (*pos)++;
    }
    return 0;
}

rnnamp_model *rnnamp_nam_from_json(const json_t *root, const rnnamp_jctx *c)
{
    const char *arch = json_string_value(json_object_get(root, "architecture"));
    if (arch && !strcmp(arch, "WaveNet"))
        return rnnamp_nam_wavenet_from_json(root, c);
    if (arch && !strcmp(arch, "SlimmableContainer"))
        return rnnamp_nam_container_from_json(root, c);
    if (!arch || strcmp(arch, "LSTM")) {
        rnnamp_jerr(c,
                    "NAM architecture '%.40s' is not supported (rnnamp reads "
                    "NAM LSTM, WaveNet and SlimmableContainer models)",
                    arch ? arch : "?");
        return NULL;
    }
    const json_t *cfg = json_object_get(root, "config");
    if (!json_is_object(cfg)) {
        rnnamp_jerr(c, "missing or non-object 'config'");
        return NULL;
    }
    long nl, n_in = 1, H;
    if (rnnamp_json_get_int(cfg, "num_layers", "config", 1,
                            RNNAMP_MAX_LAYERS - 1, 0, &nl, c) < 0 ||
        rnnamp_json_get_int(cfg, "input_size", "config", 1, RNNAMP_MAX_INPUTS,
                            1, &n_in, c) < 0 ||
        rnnamp_json_get_int(cfg, "hidden_size", "config", 1, RNNAMP_MAX_HIDDEN,
                            0, &H, c) < 0)
        return NULL;
    const json_t *w = json_object_get(root, "weights");
    if (!json_is_array(w)) {
        rnnamp_jerr(c, "missing or non-array 'weights'");
        return NULL;
    }
    /* Expected count: per layer 4H(in+H) + 4H + 2H, then H + 1. */
    size_t want = 0;
    for (long i = 0; i < nl; i++) {
        size_t in = (size_t)(i == 0 ? n_in : H);
        want +=
            4 * (size_t)H * (in + (size_t)H) + 4 * (size_t)H + 2 * (size_t)H;
    }
    want += (size_t)H + 1;
    if (json_array_size(w) != want) {
        rnnamp_jerr(c,
                    "'weights' has %zu values, expected %zu for %ld LSTM "
                    "layer(s) of hidden size %ld and input size %ld",
                    json_array_size(w), want, nl, H, n_in);
        return NULL;
    }
    char merr[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_new_stack((int)n_in, RNNAMP_LSTM, (int)nl,
                                             (int)H, 0, merr, sizeof merr);
    if (!m) {
        rnnamp_jerr(c, "%s", merr);
        return NULL;
    }
    snprintf(m->meta.source_format, sizeof m->meta.source_format, "nam");
    size_t pos = 0;
    char what[64];
    for (long i = 0; i < nl; i++) {
        rnnamp_layer *L = &m->layers[i];
        const size_t I = (size_t)L->n_in, h = (size_t)H;
        snprintf(what, sizeof what, "layer %ld matrix", i);
        for (size_t r = 0; r < 4 * h; r++) {
            if (take(w, &pos, I, &L->w_ih[r * I], what, c) ||
                take(w, &pos, h, &L->w_hh[r * h], what, c))
                goto fail;
        }
        snprintf(what, sizeof what, "layer %ld bias", i);
        if (take(w, &pos, 4 * h, L->b_ih, what, c))
            goto fail;
        memset(L->b_hh, 0, 4 * h * sizeof(float));
        snprintf(what, sizeof what, "layer %ld initial hidden state", i);
        if (take(w, &pos, h, L->h0, what, c))
            goto fail;
        snprintf(what, sizeof what, "layer %ld initial cell state", i);
        if (take(w, &pos, h, L->c0, what, c))
            goto fail;
    }
    rnnamp_layer *head = &m->layers[nl];
    if (take(w, &pos, (size_t)H, head->w_ih, "head weight", c) ||
        take(w, &pos, 1, head->b_ih, "head bias", c) ||
        rnnamp_nam_read_meta(m, root, c))
        goto fail;
    return m;
fail:
    rnnamp_model_free(m);
    return NULL;
}
