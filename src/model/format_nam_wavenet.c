/* rnnamp: NAM .nam WaveNet and SlimmableContainer files (versions 0.5 to
 * 0.7). See format_nam.h, wavenet.h and docs/model-format.md.
 *
 * Every key of a layer array is either read or refused by name: an option
 * rnnamp does not run (FiLM, grouped convolutions, condition_dsp, channel
 * slicing, a post-stack head, anything unknown) is an error, never
 * silently ignored. */
#include "format_nam.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wavenet.h"

/* 0 if every key of obj is in the NULL-terminated list, else -1 naming the
 * first that is not. */
static int known_keys(const json_t *obj, const char *const *keys,
                      const char *where, const rnnamp_jctx *c)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        int ok = 0;
        for (int i = 0; keys[i] && !ok; i++)
            ok = !strcmp(k, keys[i]);
        if (!ok) {
            rnnamp_jerr(c,
                        "%s: unsupported field '%.60s' (rnnamp does not "
                        "know it, so it cannot play the model faithfully)",
                        where, k);
            return -1;
        }
    }
    return 0;
}

/* "X.Y.Z" with X.Y in 0.5..0.7; a missing version is accepted (0.5). */
static int check_version(const json_t *root, const rnnamp_jctx *c)
{
    const json_t *v = json_object_get(root, "version");
    if (!v)
        return 0;
    int maj = -1, min = -1;
    if (!json_is_string(v) ||
        sscanf(json_string_value(v), "%d.%d", &maj, &min) != 2 || maj != 0 ||
        min < 5 || min > 7) {
        rnnamp_jerr(c,
                    "'version' %.20s is not supported (rnnamp reads .nam "
                    "versions 0.5 to 0.7)",
                    json_is_string(v) ? json_string_value(v)
                                      : "(not a string)");
        return -1;
    }
    return 0;
}

/* An activation: a name or {"type": name, parameters}. */
static int parse_act(const json_t *j, rnnamp_wn_act *a, const char *where,
                     const rnnamp_jctx *c)
{
    static const char *const names[] = {"Identity",      "Tanh",    "Hardtanh",
                                        "Fasttanh",      "ReLU",    "LeakyReLU",
                                        "Sigmoid",       "SiLU",    "Hardswish",
                                        "LeakyHardtanh", "Softsign"};
    const json_t *t = json_is_object(j) ? json_object_get(j, "type") : j;
    const char *s = json_string_value(t);
    memset(a, 0, sizeof *a);
    if (s && !strcmp(s, "LeakyHardTanh"))
        s = "LeakyHardtanh";
    int prelu = s && !strcmp(s, "PReLU");
    a->type = -1;
    for (int i = 1; s && i <= RNNAMP_WN_SOFTSIGN; i++)
        if (!strcmp(s, names[i]))
            a->type = i;
    if (prelu)
        a->type = RNNAMP_WN_LEAKYRELU;
    if (a->type < 0) {
        rnnamp_jerr(c, "%s: activation '%.40s' is not supported", where,
                    s ? s : "(not a name)");
        return -1;
    }
    a->p[0] = 0.01f;
    if (a->type == RNNAMP_WN_LEAKYHARDTANH) {
        a->p[0] = -1.f, a->p[1] = 1.f, a->p[2] = 0.01f, a->p[3] = 0.01f;
    }
    if (!json_is_object(j))
        return 0;
    if (prelu && json_object_get(j, "negative_slopes")) {
        rnnamp_jerr(c,
                    "%s: unsupported field 'negative_slopes' (per-channel "
                    "PReLU)",
                    where);
        return -1;
    }
    static const char *const pk[] = {"negative_slope", "min_val", "max_val",
                                     "min_slope", "max_slope"};
    static const char *const ok[] = {"type",    "negative_slope", "min_val",
                                     "max_val", "min_slope",      "max_slope",
                                     NULL};
    if (known_keys(j, ok, where, c) != 0)
        return -1;
    for (int i = 0; i < 5; i++) {
        double d;
        int r = rnnamp_json_get_double(j, pk[i], where, 1, 0, &d, c);
        if (r < 0)
            return -1;
        if (r == 0)
            a->p[i == 0 ? 0 : i - 1] = (float)d;
    }
    return 0;
}

/* Member key: one value for every layer or an array of n. Entry i. */
static const json_t *per_layer(const json_t *obj, const char *key, int i)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_array(v) ? json_array_get(v, (size_t)i) : v;
}

static int per_layer_len_ok(const json_t *obj, const char *key, int n,
                            const char *where, const rnnamp_jctx *c)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_array(v) && json_array_size(v) != (size_t)n) {
        rnnamp_jerr(c, "%s: '%s' has %zu entries for %d dilations", where, key,
                    json_array_size(v), n);
        return -1;
    }
    return 0;
}

/* gating_mode (or legacy gated) and the activations of layer i. */
static int parse_layer_acts(const json_t *lj, int i, rnnamp_wn_layer *L,
                            const char *where, const rnnamp_jctx *c)
{
    if (parse_act(per_layer(lj, "activation", i), &L->act, where, c) != 0)
        return -1;
    const json_t *gm = per_layer(lj, "gating_mode", i);
    L->gating = RNNAMP_WN_GATE_NONE;
    if (gm) {
        const char *s = json_string_value(gm);
        if (s && !strcmp(s, "gated"))
            L->gating = RNNAMP_WN_GATE_GATED;
        else if (s && !strcmp(s, "blended"))
            L->gating = RNNAMP_WN_GATE_BLENDED;
        else if (!s || strcmp(s, "none")) {
            rnnamp_jerr(c, "%s: 'gating_mode' must be none, gated or blended",
                        where);
            return -1;
        }
    } else if (json_is_true(json_object_get(lj, "gated"))) {
        L->gating = RNNAMP_WN_GATE_GATED;
    }
    L->act2.type = RNNAMP_WN_IDENTITY;
    if (L->gating == RNNAMP_WN_GATE_NONE)
        return 0;
    const json_t *sa = gm ? per_layer(lj, "secondary_activation", i) : NULL;
    if (!sa || json_is_null(sa)) {
        L->act2.type = RNNAMP_WN_SIGMOID;
        return 0;
    }
    return parse_act(sa, &L->act2, where, c);
}

/* An optional {active, groups} object; groups must be 1. */
static int parse_1x1(const json_t *lj, const char *key, int dflt, int *active,
                     long *out_ch, const char *where, const rnnamp_jctx *c)
{
    const json_t *o = json_object_get(lj, key);
    *active = dflt;
    if (!o || json_is_null(o))
        return 0;
    static const char *const ok[] = {"active", "groups", "out_channels", NULL};
    long act = 0, g = 1;
    if (!json_is_object(o) || known_keys(o, ok, where, c) != 0 ||
        rnnamp_json_get_int(o, "active", key, 0, 1, 0, &act, c) < 0 ||
        rnnamp_json_get_int(o, "groups", key, 1, 1024, 1, &g, c) < 0 ||
        (out_ch &&
         rnnamp_json_get_int(o, "out_channels", key, 1, RNNAMP_WN_MAX_CHANNELS,
                             1, out_ch, c) < 0)) {
        if (!json_is_object(o))
            rnnamp_jerr(c, "%s: '%s' must be an object", where, key);
        return -1;
    }
    if (act && g != 1) {
        rnnamp_jerr(c,
                    "%s: unsupported field '%s.groups' = %ld (grouped "
                    "convolutions are not supported)",
                    where, key, g);
        return -1;
    }
    *active = (int)act;
    return 0;
}

/* Refuse the options rnnamp does not run: FiLM, grouped convolutions,
 * condition sizes other than 1. */
static int refuse_unsupported(const json_t *lj, const char *where,
                              const rnnamp_jctx *c)
{
    static const char *const films[] = {
        "conv_pre_film",         "conv_post_film",      "input_mixin_pre_film",
        "input_mixin_post_film", "activation_pre_film", "activation_post_film",
        "layer1x1_post_film",    "head1x1_post_film"};
    for (int i = 0; i < 8; i++) {
        const json_t *f = json_object_get(lj, films[i]);
        if (!f || json_is_null(f) || json_is_false(f) ||
            (json_is_object(f) && json_is_false(json_object_get(f, "active"))))
            continue;
        rnnamp_jerr(c,
                    "%s: unsupported field '%s' (FiLM conditioning is not "
                    "supported)",
                    where, films[i]);
        return -1;
    }
    static const char *const groups[] = {"groups_input", "groups_input_mixin"};
    for (int i = 0; i < 2; i++) {
        long g = 1;
        if (rnnamp_json_get_int(lj, groups[i], where, 1, 1024, 1, &g, c) < 0)
            return -1;
        if (g != 1) {
            rnnamp_jerr(c,
                        "%s: unsupported field '%s' = %ld (grouped "
                        "convolutions are not supported)",
                        where, groups[i], g);
            return -1;
        }
    }
    long cs = 0;
    if (rnnamp_json_get_int(lj, "condition_size", where, 0, 1 << 20, 0, &cs,
                            c) < 0)
        return -1;
    if (cs != 1) {
        rnnamp_jerr(c,
                    "%s: unsupported field 'condition_size' = %ld (the "
                    "condition must be the input sample, size 1)",
                    where, cs);
        return -1;
    }
    return 0;
}

/* The array's head: 0.7 "head" {out_channels, kernel_size, bias,
 * head_dilation} or legacy head_size + head_bias. */
static int parse_head(const json_t *lj, rnnamp_wn_array *A, const char *where,
                      const rnnamp_jctx *c)
{
    const json_t *h = json_object_get(lj, "head");
    long hs = 0, hk = 1, hd = 1, hb = 0;
    const long M = RNNAMP_WN_MAX_CHANNELS;
    if (h && !json_is_null(h)) {
        static const char *const ok[] = {"out_channels", "kernel_size", "bias",
                                         "head_dilation", NULL};
        if (!json_is_object(h) || known_keys(h, ok, where, c) != 0 ||
            rnnamp_json_get_int(h, "out_channels", "head", 1, M, 0, &hs, c) <
                0 ||
            rnnamp_json_get_int(h, "kernel_size", "head", 1,
                                RNNAMP_WN_MAX_KERNEL, 0, &hk, c) < 0 ||
            rnnamp_json_get_int(h, "head_dilation", "head", 1,
                                RNNAMP_WN_MAX_LOOKBACK, 1, &hd, c) < 0 ||
            rnnamp_json_get_int(h, "bias", "head", 0, 1, 0, &hb, c) < 0) {
            if (!json_is_object(h))
                rnnamp_jerr(c, "%s: 'head' must be an object", where);
            return -1;
        }
    } else if (rnnamp_json_get_int(lj, "head_size", where, 1, M, 0, &hs, c) <
                   0 ||
               rnnamp_json_get_int(lj, "head_bias", where, 0, 1, 0, &hb, c) <
                   0) {
        return -1;
    }
    A->head_size = (int)hs;
    A->head_kernel = (int)hk;
    A->head_dilation = (int)hd;
    A->head_bias = (int)hb;
    return 0;
}

/* kernel_size or kernel_sizes, dilations and activations of every layer
 * of the array, appended to w->layers. */
static int parse_layers(const json_t *lj, rnnamp_wavenet *w, rnnamp_wn_array *A,
                        const char *where, const rnnamp_jctx *c)
{
    const json_t *dil = json_object_get(lj, "dilations");
    const json_t *ks = json_object_get(lj, "kernel_size");
    const json_t *kss = json_object_get(lj, "kernel_sizes");
    int n = json_is_array(dil) ? (int)json_array_size(dil) : 0;
    if (n < 1 || w->n_layers + n > RNNAMP_WN_MAX_LAYERS || (!ks == !kss) ||
        (kss && (!json_is_array(kss) || json_array_size(kss) != (size_t)n))) {
        rnnamp_jerr(c,
                    "%s: needs 'dilations' (1 to %d layers in all) and "
                    "exactly one of 'kernel_size' or 'kernel_sizes' (one "
                    "per dilation)",
                    where, RNNAMP_WN_MAX_LAYERS);
        return -1;
    }
    if (per_layer_len_ok(lj, "activation", n, where, c) ||
        per_layer_len_ok(lj, "gating_mode", n, where, c) ||
        per_layer_len_ok(lj, "secondary_activation", n, where, c))
        return -1;
    A->first_layer = w->n_layers;
    A->n_layers = n;
    for (int i = 0; i < n; i++) {
        rnnamp_wn_layer *L = &w->layers[w->n_layers++];
        double k, d;
        const json_t *kj = kss ? json_array_get(kss, (size_t)i) : ks;
        if (rnnamp_json_number(kj, &k) ||
            rnnamp_json_number(json_array_get(dil, (size_t)i), &d) ||
            k != floor(k) || d != floor(d) || k < 1 ||
            k > RNNAMP_WN_MAX_KERNEL || d < 1 ||
            d * (k - 1) > RNNAMP_WN_MAX_LOOKBACK) {
            rnnamp_jerr(c,
                        "%s, layer %d: kernel size must be 1 to %d and "
                        "dilation a positive integer with dilation * "
                        "(kernel - 1) <= %d",
                        where, i, RNNAMP_WN_MAX_KERNEL, RNNAMP_WN_MAX_LOOKBACK);
            return -1;
        }
        L->kernel = (int)k;
        L->dilation = (int)d;
        if (parse_layer_acts(lj, i, L, where, c) != 0)
            return -1;
    }
    return 0;
}

/* The channel counts a "slice_channels_uniform" WaveNet may be cut to, per
 * array (n 0: the array is not slimmable). */
typedef struct {
    int n[RNNAMP_WN_MAX_ARRAYS];
    int ch[RNNAMP_WN_MAX_ARRAYS][RNNAMP_WN_MAX_CHANNELS];
} wn_slim;

/* "slimmable": null, or {"method": "slice_channels_uniform", "kwargs":
 * {"allowed_channels": [ascending, the last = channels]}}. */
static int parse_slimmable(const json_t *lj, int a, long channels,
                           wn_slim *slim, const char *where,
                           const rnnamp_jctx *c)
{
    const json_t *sl = json_object_get(lj, "slimmable");
    slim->n[a] = 0;
    if (!sl || json_is_null(sl))
        return 0;
    static const char *const ok[] = {"method", "kwargs", NULL};
    static const char *const okk[] = {"allowed_channels", NULL};
    const char *m = json_string_value(json_object_get(sl, "method"));
    const json_t *kw = json_object_get(sl, "kwargs");
    const json_t *al = json_object_get(kw, "allowed_channels");
    if (!json_is_object(sl) || !m || strcmp(m, "slice_channels_uniform")) {
        rnnamp_jerr(c,
                    "%s: unsupported field 'slimmable' (method '%.40s'; "
                    "rnnamp reads slice_channels_uniform)",
                    where, m ? m : "?");
        return -1;
    }
    if (known_keys(sl, ok, where, c) ||
        (json_is_object(kw) && known_keys(kw, okk, where, c)))
        return -1;
    size_t n = json_is_array(al) ? json_array_size(al) : 0;
    for (size_t i = 0; i < n && n <= RNNAMP_WN_MAX_CHANNELS; i++) {
        double d;
        if (rnnamp_json_number(json_array_get(al, i), &d) || d != floor(d) ||
            d < 1 || d > channels || (i && d <= slim->ch[a][i - 1]))
            n = 0;
        else
            slim->ch[a][i] = (int)d;
    }
    if (n < 1 || n > RNNAMP_WN_MAX_CHANNELS || slim->ch[a][n - 1] != channels) {
        rnnamp_jerr(c,
                    "%s: 'slimmable.kwargs.allowed_channels' must be "
                    "ascending channel counts ending with 'channels' (%ld)",
                    where, channels);
        return -1;
    }
    slim->n[a] = (int)n;
    return 0;
}

/* One entry of config.layers. */
static int parse_array(const json_t *lj, int a, rnnamp_wavenet *w,
                       wn_slim *slim, const rnnamp_jctx *c)
{
    static const char *const ok[] = {"input_size",
                                     "condition_size",
                                     "head",
                                     "head_size",
                                     "head_bias",
                                     "channels",
                                     "bottleneck",
                                     "kernel_size",
                                     "kernel_sizes",
                                     "dilations",
                                     "activation",
                                     "gated",
                                     "gating_mode",
                                     "secondary_activation",
                                     "layer1x1",
                                     "head1x1",
                                     "groups_input",
                                     "groups_input_mixin",
                                     "conv_pre_film",
                                     "conv_post_film",
                                     "input_mixin_pre_film",
                                     "input_mixin_post_film",
                                     "activation_pre_film",
                                     "activation_post_film",
                                     "layer1x1_post_film",
                                     "head1x1_post_film",
                                     "slimmable",
                                     NULL};
    char where[48];
    snprintf(where, sizeof where, "config.layers[%d]", a);
    if (!json_is_object(lj)) {
        rnnamp_jerr(c, "%s must be an object", where);
        return -1;
    }
    rnnamp_wn_array *A = &w->arrays[a];
    const long M = RNNAMP_WN_MAX_CHANNELS;
    long in = 0, ch = 0, bn = 0, h1 = 0;
    if (known_keys(lj, ok, where, c) || refuse_unsupported(lj, where, c) ||
        rnnamp_json_get_int(lj, "input_size", where, 1, M, 0, &in, c) < 0 ||
        rnnamp_json_get_int(lj, "channels", where, 1, M, 0, &ch, c) < 0)
        return -1;
    bn = ch;
    h1 = ch;
    if (rnnamp_json_get_int(lj, "bottleneck", where, 1, M, 1, &bn, c) < 0 ||
        parse_1x1(lj, "layer1x1", 1, &A->layer1x1, NULL, where, c) ||
        parse_1x1(lj, "head1x1", 0, &A->head1x1, &h1, where, c) ||
        parse_head(lj, A, where, c) || parse_layers(lj, w, A, where, c) ||
        parse_slimmable(lj, a, ch, slim, where, c))
        return -1;
    A->in_size = (int)in;
    A->channels = (int)ch;
    A->bottleneck = (int)bn;
    A->head_in = A->head1x1 ? (int)h1 : (int)bn;
    return 0;
}

/* The config object: layer arrays, and the options refused at that level. */
static int parse_config(const json_t *cfg, rnnamp_wavenet *w, wn_slim *slim,
                        const rnnamp_jctx *c)
{
    static const char *const ok[] = {
        "layers", "head", "head_scale", "condition_dsp", "in_channels", NULL};
    if (!json_is_object(cfg)) {
        rnnamp_jerr(c, "missing or non-object 'config'");
        return -1;
    }
    if (known_keys(cfg, ok, "config", c) != 0)
        return -1;
    const json_t *cd = json_object_get(cfg, "condition_dsp");
    const json_t *hd = json_object_get(cfg, "head");
    long inch = 1;
    if ((cd && !json_is_null(cd)) || (hd && !json_is_null(hd))) {
        rnnamp_jerr(c, "config: unsupported field '%s' (%s is not supported)",
                    cd && !json_is_null(cd) ? "condition_dsp" : "head",
                    cd && !json_is_null(cd) ? "conditioning by another network"
                                            : "a post-stack head");
        return -1;
    }
    if (rnnamp_json_get_int(cfg, "in_channels", "config", 1, 1, 1, &inch, c) <
        0)
        return -1;
    const json_t *layers = json_object_get(cfg, "layers");
    size_t n = json_is_array(layers) ? json_array_size(layers) : 0;
    if (n < 1 || n > RNNAMP_WN_MAX_ARRAYS) {
        rnnamp_jerr(c, "config: 'layers' must list 1 to %d layer arrays",
                    RNNAMP_WN_MAX_ARRAYS);
        return -1;
    }
    w->n_arrays = (int)n;
    for (size_t a = 0; a < n; a++)
        if (parse_array(json_array_get(layers, a), (int)a, w, slim, c) != 0)
            return -1;
    return 0;
}

static const char *const top_keys[] = {
    "version",     "architecture", "config", "weights",
    "sample_rate", "metadata",     "notes",  NULL};

/* A slimmable WaveNet as a container of its sliced sizes: one submodel
 * per interval between NAM Core's breakpoints (i / n for the n allowed
 * channel counts of each array), whose channels are what NAM Core's
 * floor(size * n) picks inside it. Takes over full. */
static rnnamp_model *slim_container(rnnamp_model *full, const wn_slim *s,
                                    const rnnamp_jctx *c)
{
    const rnnamp_wavenet *fw = full->wavenet;
    double bp[RNNAMP_MAX_SUBMODELS];
    int nb = 0;
    for (int a = 0; a < fw->n_arrays; a++)
        for (int i = 1; i < s->n[a]; i++) {
            double b = (double)i / s->n[a];
            int j = 0;
            while (j < nb && bp[j] < b - 1e-12)
                j++;
            if (j < nb && fabs(bp[j] - b) <= 1e-12)
                continue;
            if (nb == RNNAMP_MAX_SUBMODELS - 1) {
                rnnamp_jerr(c, "slimmable: more than %d sizes",
                            RNNAMP_MAX_SUBMODELS);
                rnnamp_model_free(full);
                return NULL;
            }
            memmove(bp + j + 1, bp + j, (size_t)(nb - j) * sizeof *bp);
            bp[j] = b;
            nb++;
        }
    rnnamp_model *ct = rnnamp_model_new_container();
    for (int j = 0; ct && j <= nb; j++) {
        const double lo = j ? bp[j - 1] : 0.0, hi = j < nb ? bp[j] : 1.0;
        int ch[RNNAMP_WN_MAX_ARRAYS];
        for (int a = 0; a < fw->n_arrays; a++) {
            int k = s->n[a] ? (int)floor((lo + hi) / 2 * s->n[a]) : 0;
            ch[a] = s->n[a] ? s->ch[a][k < s->n[a] ? k : s->n[a] - 1]
                            : fw->arrays[a].channels;
        }
        char err[RNNAMP_ERR_LEN];
        ct->sub[j] = rnnamp_wn_slice(full, ch, err, sizeof err);
        if (!ct->sub[j]) {
            rnnamp_jerr(c, "slimmable: size %g: %s", lo, err);
            rnnamp_model_free(ct);
            ct = NULL;
            break;
        }
        ct->sub_max[j] = hi;
        ct->n_sub = j + 1;
    }
    if (ct)
        ct->meta = full->meta;
    else if (c->err && !c->err[0])
        rnnamp_jerr(c, "out of memory");
    rnnamp_model_free(full);
    return ct;
}

rnnamp_model *rnnamp_nam_wavenet_from_json(const json_t *root,
                                           const rnnamp_jctx *c)
{
    if (known_keys(root, top_keys, "top level", c) || check_version(root, c))
        return NULL;
    rnnamp_wavenet *w = calloc(1, sizeof *w);
    wn_slim *slim = calloc(1, sizeof *slim);
    rnnamp_model *m = NULL;
    if (!w || !slim) {
        rnnamp_jerr(c, "out of memory");
        goto done;
    }
    if (parse_config(json_object_get(root, "config"), w, slim, c) != 0)
        goto done;
    size_t want = rnnamp_wn_bind(w);
    char verr[RNNAMP_ERR_LEN];
    if (rnnamp_wn_validate(w, want, verr, sizeof verr) != 0) {
        rnnamp_jerr(c, "%s", verr);
        goto done;
    }
    const json_t *wj = json_object_get(root, "weights");
    if (!json_is_array(wj) || json_array_size(wj) != want) {
        rnnamp_jerr(c,
                    "'weights' has %zu values, the WaveNet described by "
                    "'config' needs %zu",
                    json_is_array(wj) ? json_array_size(wj) : 0, want);
        goto done;
    }
    m = rnnamp_model_new_wavenet(w, want);
    if (!m) {
        rnnamp_jerr(c, "out of memory (%zu weights)", want);
        goto done;
    }
    snprintf(m->meta.source_format, sizeof m->meta.source_format, "nam");
    if (rnnamp_json_flatten(wj, m->params, want, "weights", c) != 0 ||
        rnnamp_nam_read_meta(m, root, c) != 0) {
        rnnamp_model_free(m);
        m = NULL;
        goto done;
    }
    m->wavenet->head_scale = m->params[want - 1];
    m->meta.prewarm_samples = (int)rnnamp_wn_prewarm_samples(m->wavenet);
    for (int a = 0; a < w->n_arrays; a++)
        if (slim->n[a]) {
            m = slim_container(m, slim, c);
            break;
        }
done:
    free(w);
    free(slim);
    return m;
}

/* One entry of config.submodels into m->sub[i]. */
static int parse_submodel(rnnamp_model *m, const json_t *e, int i,
                          const rnnamp_jctx *c)
{
    static const char *const ok[] = {"max_value", "model", NULL};
    char where[48];
    snprintf(where, sizeof where, "config.submodels[%d]", i);
    double mv;
    const json_t *sub = json_object_get(e, "model");
    if (!json_is_object(e) || known_keys(e, ok, where, c) ||
        rnnamp_json_get_double(e, "max_value", where, 0, 0, &mv, c) ||
        !json_is_object(sub)) {
        if (!json_is_object(e) || !json_is_object(sub))
            rnnamp_jerr(c, "%s must be an object with 'max_value' and 'model'",
                        where);
        return -1;
    }
    const char *arch = json_string_value(json_object_get(sub, "architecture"));
    if (arch && !strcmp(arch, "SlimmableContainer")) {
        rnnamp_jerr(c, "%s: a container inside a container", where);
        return -1;
    }
    char sname[256], serr[RNNAMP_ERR_LEN] = "";
    snprintf(sname, sizeof sname, "%s", where);
    rnnamp_jctx sc = {sname, serr, sizeof serr};
    m->sub[i] = rnnamp_nam_from_json(sub, &sc);
    if (!m->sub[i]) {
        rnnamp_jerr(c, "%s", serr);
        return -1;
    }
    m->sub_max[i] = mv;
    m->n_sub = i + 1;
    return 0;
}

rnnamp_model *rnnamp_nam_container_from_json(const json_t *root,
                                             const rnnamp_jctx *c)
{
    if (known_keys(root, top_keys, "top level", c) || check_version(root, c))
        return NULL;
    const json_t *cfg = json_object_get(root, "config");
    const json_t *wj = json_object_get(root, "weights");
    if (wj && !(json_is_array(wj) && json_array_size(wj) == 0)) {
        rnnamp_jerr(c, "top level: unsupported field 'weights' (a "
                       "SlimmableContainer's weights are its submodels')");
        return NULL;
    }
    static const char *const ok[] = {"submodels", NULL};
    const json_t *subs = json_object_get(cfg, "submodels");
    size_t n = json_is_array(subs) ? json_array_size(subs) : 0;
    if (!json_is_object(cfg)) {
        rnnamp_jerr(c, "missing or non-object 'config'");
        return NULL;
    }
    if (known_keys(cfg, ok, "config", c) != 0)
        return NULL;
    if (n < 1 || n > RNNAMP_MAX_SUBMODELS) {
        rnnamp_jerr(c, "config: 'submodels' must list 1 to %d models",
                    RNNAMP_MAX_SUBMODELS);
        return NULL;
    }
    rnnamp_model *m = rnnamp_model_new_container();
    if (!m) {
        rnnamp_jerr(c, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (parse_submodel(m, json_array_get(subs, i), (int)i, c) != 0) {
            rnnamp_model_free(m);
            return NULL;
        }
    }
    /* The container reports its largest model's facts. */
    m->meta = m->sub[n - 1]->meta;
    const json_t *md;
    int r = rnnamp_json_get_metadata(root, &m->meta, &md, c);
    if (r < 0 || (r == 0 && rnnamp_json_get_levels(md, &m->meta, c) != 0)) {
        rnnamp_model_free(m);
        return NULL;
    }
    return m;
}
