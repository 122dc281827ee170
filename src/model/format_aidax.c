/* rnnamp: AIDA-X / RTNeural Keras-style JSON models. See format_aidax.h and
 * docs/model-format.md. */
#include "format_aidax.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_write.h"
#include "model_io.h"

int rnnamp_aidax_detect(const json_t *root)
{
    return json_is_object(root) && json_object_get(root, "layers") != NULL;
}

/* Keras gate g (GRU: z, r, h) -> our gate (r, z, n). LSTM keeps i,f,g,o. */
static int gru_our_gate(int keras_gate)
{
    static const int map[3] = {1, 0, 2};
    return map[keras_gate];
}

/* The last integer of a shape array such as [null, null, 12]. */
static int shape_last(const json_t *shape, long lo, long hi, const char *what,
                      const char *key, long *out, const rnnamp_jctx *c)
{
    size_t n = json_is_array(shape) ? json_array_size(shape) : 0;
    const json_t *v = n ? json_array_get(shape, n - 1) : NULL;
    double d;
    if (!v || rnnamp_json_number(v, &d) != 0 || d != floor(d)) {
        char s[64];
        if (shape)
            rnnamp_json_shape(shape, s, sizeof s);
        else
            snprintf(s, sizeof s, "nothing");
        rnnamp_jerr(c,
                    "%s: '%s' must be an array ending in an integer, like "
                    "[null, null, 8] (got %s)",
                    what, key, s);
        return -1;
    }
    if (d < (double)lo || d > (double)hi) {
        rnnamp_jerr(c, "%s: '%s' gives size %.0f, must be %ld to %ld", what,
                    key, d, lo, hi);
        return -1;
    }
    *out = (long)d;
    return 0;
}

typedef struct {
    rnnamp_layer_spec spec;
    const json_t *obj;
    int keras_type_tdd; /* "time-distributed-dense" */
} layer_desc;

static int parse_type(const json_t *L, int i, layer_desc *d,
                      const rnnamp_jctx *c)
{
    const json_t *t = json_object_get(L, "type");
    if (!json_is_string(t)) {
        rnnamp_jerr(c, "layer %d: missing or non-string 'type'", i);
        return -1;
    }
    const char *s = json_string_value(t);
    if (!strcmp(s, "lstm"))
        d->spec.type = RNNAMP_LSTM;
    else if (!strcmp(s, "gru"))
        d->spec.type = RNNAMP_GRU;
    else if (!strcmp(s, "rnn"))
        d->spec.type = RNNAMP_RNN;
    else if (!strcmp(s, "dense"))
        d->spec.type = RNNAMP_DENSE;
    else if (!strcmp(s, "time-distributed-dense")) {
        d->spec.type = RNNAMP_DENSE;
        d->keras_type_tdd = 1;
    } else if (!strcmp(s, "fir")) {
        rnnamp_jerr(c,
                    "layer %d: a fir layer must be the first or the last "
                    "layer",
                    i);
        return -1;
    } else {
        rnnamp_jerr(c,
                    "layer %d: layer type '%.40s' is not supported (rnnamp "
                    "reads lstm, gru, rnn, dense, time-distributed-dense, "
                    "fir)",
                    i, s);
        return -1;
    }
    return 0;
}

static int parse_act(const json_t *L, int i, layer_desc *d,
                     const rnnamp_jctx *c)
{
    const json_t *a = json_object_get(L, "activation");
    const char *s = "";
    if (a && !json_is_null(a)) {
        if (!json_is_string(a)) {
            rnnamp_jerr(c, "layer %d: 'activation' must be a string", i);
            return -1;
        }
        s = json_string_value(a);
    }
    const char *tn = rnnamp_layer_type_name(d->spec.type);
    if (d->spec.type != RNNAMP_DENSE) {
        /* Recurrent layers always use tanh/sigmoid internally. */
        if (*s && strcmp(s, "tanh")) {
            rnnamp_jerr(c,
                        "layer %d (%s): activation '%.40s' is not supported "
                        "(recurrent layers use tanh)",
                        i, tn, s);
            return -1;
        }
        d->spec.act = RNNAMP_ACT_LINEAR;
        return 0;
    }
    if (!*s || !strcmp(s, "linear"))
        d->spec.act = RNNAMP_ACT_LINEAR;
    else if (!strcmp(s, "tanh"))
        d->spec.act = RNNAMP_ACT_TANH;
    else if (!strcmp(s, "sigmoid"))
        d->spec.act = RNNAMP_ACT_SIGMOID;
    else if (!strcmp(s, "relu"))
        d->spec.act = RNNAMP_ACT_RELU;
    else {
        rnnamp_jerr(c,
                    "layer %d (dense): activation '%.40s' is not supported "
                    "(use \"\", tanh, sigmoid or relu)",
                    i, s);
        return -1;
    }
    return 0;
}

/* Weights of a recurrent layer: Keras [W (in x G*H), U (H x G*H), b]. */
static int read_recurrent(rnnamp_layer *L, const json_t *w, int idx, float *tmp,
                          const rnnamp_jctx *c)
{
    const int G = rnnamp_layer_gates(L->type), H = L->n_out, I = L->n_in;
    const char *tn = rnnamp_layer_type_name(L->type);
    char what[96];
    if (!json_is_array(w) || json_array_size(w) != 3) {
        char s[64];
        rnnamp_json_shape(w, s, sizeof s);
        rnnamp_jerr(c,
                    "layer %d (%s): 'weights' must be a list of 3 arrays "
                    "[W, U, b], got %s",
                    idx, tn, s);
        return -1;
    }
    /* W: [I][G*H] -> w_ih[G*H][I] (gates reordered for GRU). */
    int dW[2] = {I, G * H};
    snprintf(what, sizeof what, "layer %d (%s) weights[0] (W, input kernel)",
             idx, tn);
    if (rnnamp_json_floats(json_array_get(w, 0), dW, 2, tmp, what, c))
        return -1;
    for (int k = 0; k < I; k++)
        for (int g = 0; g < G; g++)
            for (int j = 0; j < H; j++) {
                int og = L->type == RNNAMP_GRU ? gru_our_gate(g) : g;
                L->w_ih[(size_t)(og * H + j) * I + k] =
                    tmp[(size_t)k * G * H + g * H + j];
            }
    int dU[2] = {H, G * H};
    snprintf(what, sizeof what,
             "layer %d (%s) weights[1] (U, recurrent kernel)", idx, tn);
    if (rnnamp_json_floats(json_array_get(w, 1), dU, 2, tmp, what, c))
        return -1;
    for (int k = 0; k < H; k++)
        for (int g = 0; g < G; g++)
            for (int j = 0; j < H; j++) {
                int og = L->type == RNNAMP_GRU ? gru_our_gate(g) : g;
                L->w_hh[(size_t)(og * H + j) * H + k] =
                    tmp[(size_t)k * G * H + g * H + j];
            }
    const json_t *b = json_array_get(w, 2);
    snprintf(what, sizeof what, "layer %d (%s) weights[2] (bias)", idx, tn);
    if (L->type == RNNAMP_GRU) {
        if (json_is_array(b) && json_array_size(b) == (size_t)(G * H) &&
            json_is_number(json_array_get(b, 0))) {
            rnnamp_jerr(c,
                        "%s: a GRU bias of size %d is Keras reset_after=False, "
                        "which is not supported (expected [2][%d])",
                        what, G * H, G * H);
            return -1;
        }
        int db[2] = {2, G * H};
        if (rnnamp_json_floats(b, db, 2, tmp, what, c))
            return -1;
        for (int g = 0; g < G; g++)
            for (int j = 0; j < H; j++) {
                int og = gru_our_gate(g);
                L->b_ih[og * H + j] = tmp[g * H + j];
                L->b_hh[og * H + j] = tmp[G * H + g * H + j];
            }
    } else {
        int db[1] = {G * H};
        if (rnnamp_json_floats(b, db, 1, L->b_ih, what, c))
            return -1;
        memset(L->b_hh, 0, (size_t)(G * H) * sizeof(float));
    }
    return 0;
}

static int read_dense(rnnamp_layer *L, const json_t *w, int idx, float *tmp,
                      const rnnamp_jctx *c)
{
    const int I = L->n_in, O = L->n_out;
    char what[96];
    if (!json_is_array(w) || json_array_size(w) != 2) {
        char s[64];
        rnnamp_json_shape(w, s, sizeof s);
        rnnamp_jerr(c,
                    "layer %d (dense): 'weights' must be a list of 2 arrays "
                    "[W, b], got %s",
                    idx, s);
        return -1;
    }
    int dW[2] = {I, O};
    snprintf(what, sizeof what, "layer %d (dense) weights[0] (W)", idx);
    if (rnnamp_json_floats(json_array_get(w, 0), dW, 2, tmp, what, c))
        return -1;
    for (int k = 0; k < I; k++)
        for (int j = 0; j < O; j++)
            L->w_ih[(size_t)j * I + k] = tmp[(size_t)k * O + j];
    int db[1] = {O};
    snprintf(what, sizeof what, "layer %d (dense) weights[1] (bias)", idx);
    return rnnamp_json_floats(json_array_get(w, 1), db, 1, L->b_ih, what, c);
}

/* rnnamp extension: optional initial state "h0" (H) and "c0" (H, LSTM). */
static int read_initial_state(rnnamp_layer *L, const json_t *obj, int idx,
                              const rnnamp_jctx *c)
{
    const char *tn = rnnamp_layer_type_name(L->type);
    char what[64];
    int d[1] = {L->n_out};
    const json_t *h0 = json_object_get(obj, "h0");
    const json_t *c0 = json_object_get(obj, "c0");
    if (L->type == RNNAMP_DENSE) {
        if (h0 || c0) {
            rnnamp_jerr(c,
                        "layer %d (dense): 'h0'/'c0' only apply to "
                        "recurrent layers",
                        idx);
            return -1;
        }
        return 0;
    }
    if (h0) {
        snprintf(what, sizeof what, "layer %d (%s) h0", idx, tn);
        if (rnnamp_json_floats(h0, d, 1, L->h0, what, c))
            return -1;
    }
    if (c0) {
        if (L->type != RNNAMP_LSTM) {
            rnnamp_jerr(c, "layer %d (%s): 'c0' only applies to lstm layers",
                        idx, tn);
            return -1;
        }
        snprintf(what, sizeof what, "layer %d (%s) c0", idx, tn);
        if (rnnamp_json_floats(c0, d, 1, L->c0, what, c))
            return -1;
    }
    return 0;
}

static int read_batches(rnnamp_model *m, const json_t *root,
                        const rnnamp_jctx *c)
{
    const json_t *ib = json_object_get(root, "input_batch");
    const json_t *ob = json_object_get(root, "output_batch");
    if (!ib && !ob)
        return 0;
    if (!ib || !ob) {
        rnnamp_jerr(c, "'%s' is present but '%s' is missing",
                    ib ? "input_batch" : "output_batch",
                    ib ? "output_batch" : "input_batch");
        return -1;
    }
    long ni = rnnamp_json_count_numbers(ib, "input_batch", c);
    if (ni < 0)
        return -1;
    long no = rnnamp_json_count_numbers(ob, "output_batch", c);
    if (no < 0)
        return -1;
    if (no == 0) {
        if (ni != 0) {
            rnnamp_jerr(c, "output_batch is empty but input_batch is not");
            return -1;
        }
        return 0;
    }
    if (ni != no * m->n_inputs) {
        rnnamp_jerr(c,
                    "input_batch has %ld values but output_batch has %ld: "
                    "expected %d input value(s) per output value",
                    ni, no, m->n_inputs);
        return -1;
    }
    float *in = malloc((size_t)ni * sizeof *in);
    float *out = malloc((size_t)no * sizeof *out);
    int rc = -1;
    if (!in || !out) {
        rnnamp_jerr(c, "out of memory for the reference batches");
    } else if (!rnnamp_json_flatten(ib, in, (size_t)ni, "input_batch", c) &&
               !rnnamp_json_flatten(ob, out, (size_t)no, "output_batch", c)) {
        if (rnnamp_model_set_batch(m, in, out, (size_t)no) == 0)
            rc = 0;
        else
            rnnamp_jerr(c, "out of memory for the reference batches");
    }
    free(in);
    free(out);
    return rc;
}

static int read_meta(rnnamp_model *m, const json_t *root, const rnnamp_jctx *c)
{
    rnnamp_meta *mt = &m->meta;
    double d;
    long skip = 0;
    if (rnnamp_json_get_int(root, "in_skip", "top level", 0, 1, 1, &skip, c) <
        0)
        return -1;
    m->skip = (int)skip;
    if (rnnamp_json_get_double(root, "in_gain", "top level", 1, 0, &d, c) < 0)
        return -1;
    if (json_object_get(root, "in_gain"))
        mt->in_gain_db = (float)d;
    if (rnnamp_json_get_double(root, "out_gain", "top level", 1, 0, &d, c) < 0)
        return -1;
    if (json_object_get(root, "out_gain"))
        mt->out_gain_db = (float)d;
    if (fabsf(mt->in_gain_db) > 100.f || fabsf(mt->out_gain_db) > 100.f) {
        rnnamp_jerr(c, "in_gain/out_gain must be within +-100 dB (got %g, %g)",
                    mt->in_gain_db, mt->out_gain_db);
        return -1;
    }
    mt->prewarm_samples = RNNAMP_AIDAX_PREWARM;
    const json_t *md;
    int r = rnnamp_json_get_metadata(root, mt, &md, c);
    if (r != 0)
        return r < 0 ? -1 : 0;
    r = rnnamp_json_get_double(md, "samplerate", "metadata", 1, 1, &d, c);
    if (r == 1)
        r = rnnamp_json_get_double(md, "sample_rate", "metadata", 1, 1, &d, c);
    if (r < 0)
        return -1;
    if (r == 0) {
        if (d < 1000 || d > 1e6) {
            rnnamp_jerr(c, "metadata: sample rate %g Hz is not plausible", d);
            return -1;
        }
        mt->sample_rate = d;
    }
    r = rnnamp_json_get_double(md, "esr", "metadata", 1, 1, &mt->esr, c);
    if (r < 0)
        return -1;
    mt->has_esr = r == 0;
    return rnnamp_json_get_levels(md, mt, c);
}

/* rnnamp extension: {"type": "fir", "weights": [[h0, h1, ...]]}, only as
 * the first layer (pre-FIR) or the last (post-FIR). */
static int is_fir(const json_t *L)
{
    const json_t *t = json_is_object(L) ? json_object_get(L, "type") : NULL;
    return json_is_string(t) && !strcmp(json_string_value(t), "fir");
}

/* Number of taps of fir layer idx (its weights' one array), or -1. */
static int fir_taps(const json_t *L, int idx, const rnnamp_jctx *c)
{
    const json_t *w = json_object_get(L, "weights");
    const json_t *h = json_is_array(w) && json_array_size(w) == 1
                          ? json_array_get(w, 0)
                          : NULL;
    if (!json_is_array(h) || json_array_size(h) < 1 ||
        json_array_size(h) > RNNAMP_MAX_FIR) {
        char sh[64];
        rnnamp_json_shape(w, sh, sizeof sh);
        rnnamp_jerr(c,
                    "layer %d (fir): 'weights' must be a list of one array "
                    "of 1 to %d taps, got %s",
                    idx, RNNAMP_MAX_FIR, sh);
        return -1;
    }
    return (int)json_array_size(h);
}

static int read_fir(const json_t *L, int idx, float *taps, int n,
                    const rnnamp_jctx *c)
{
    char what[64];
    snprintf(what, sizeof what, "layer %d (fir) weights[0] (taps)", idx);
    const int dims[1] = {n};
    return rnnamp_json_floats(json_array_get(json_object_get(L, "weights"), 0),
                              dims, 1, taps, what, c);
}

/* The FIR layers at the ends of 'layers': sets *first and *end to the
 * network's layers and the tap counts (0 = none). */
static int find_firs(const json_t *layers, size_t *first, size_t *end, int *pre,
                     int *post, const rnnamp_jctx *c)
{
    *first = 0;
    *end = json_array_size(layers);
    *pre = *post = 0;
    if (*end && is_fir(json_array_get(layers, 0))) {
        if ((*pre = fir_taps(json_array_get(layers, 0), 0, c)) < 0)
            return -1;
        *first = 1;
    }
    if (*end > *first && is_fir(json_array_get(layers, *end - 1))) {
        *post = fir_taps(json_array_get(layers, *end - 1), (int)*end - 1, c);
        if (*post < 0)
            return -1;
        (*end)--;
    }
    return 0;
}

rnnamp_model *rnnamp_aidax_from_json(const json_t *root, const rnnamp_jctx *c)
{
    if (!json_is_object(root)) {
        rnnamp_jerr(c, "the top level must be a JSON object");
        return NULL;
    }
    const json_t *layers = json_object_get(root, "layers");
    if (!json_is_array(layers)) {
        rnnamp_jerr(c, "'layers' must be a list of layer objects");
        return NULL;
    }
    long n_in;
    if (shape_last(json_object_get(root, "in_shape"), 1, RNNAMP_MAX_INPUTS,
                   "top level", "in_shape", &n_in, c))
        return NULL;
    size_t first, end;
    int pre, post;
    if (find_firs(layers, &first, &end, &pre, &post, c))
        return NULL;
    const size_t nl = end - first;
    if (nl < 1 || nl > RNNAMP_MAX_LAYERS) {
        rnnamp_jerr(c,
                    "'layers' has %zu layers besides fir layers: must be "
                    "1 to %d",
                    nl, RNNAMP_MAX_LAYERS);
        return NULL;
    }
    layer_desc d[RNNAMP_MAX_LAYERS];
    memset(d, 0, sizeof d);
    int prev = (int)n_in, max_w = 1;
    for (size_t i = 0; i < nl; i++) {
        const json_t *L = json_array_get(layers, first + i);
        char what[32];
        snprintf(what, sizeof what, "layer %zu", first + i);
        if (!json_is_object(L)) {
            rnnamp_jerr(c, "%s: must be an object", what);
            return NULL;
        }
        d[i].obj = L;
        if (parse_type(L, (int)(first + i), &d[i], c) ||
            parse_act(L, (int)(first + i), &d[i], c))
            return NULL;
        long n_out;
        if (shape_last(json_object_get(L, "shape"), 1, RNNAMP_MAX_HIDDEN, what,
                       "shape", &n_out, c))
            return NULL;
        d[i].spec.n_out = (int)n_out;
        int G = rnnamp_layer_gates(d[i].spec.type);
        int w =
            (G ? G : 1) * (int)n_out * (prev > (int)n_out ? prev : (int)n_out);
        if (w > max_w)
            max_w = w;
        prev = (int)n_out;
    }
    rnnamp_layer_spec specs[RNNAMP_MAX_LAYERS];
    for (size_t i = 0; i < nl; i++)
        specs[i] = d[i].spec;
    char merr[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_new_fir((int)n_in, (int)nl, specs, 0, pre,
                                           post, merr, sizeof merr);
    if (!m) {
        rnnamp_jerr(c, "%s", merr);
        return NULL;
    }
    snprintf(m->meta.source_format, sizeof m->meta.source_format, "aidax");
    float *tmp = malloc((size_t)max_w * 2 * sizeof *tmp);
    if (!tmp) {
        rnnamp_jerr(c, "out of memory");
        rnnamp_model_free(m);
        return NULL;
    }
    int bad = 0;
    for (size_t i = 0; i < nl && !bad; i++) {
        rnnamp_layer *L = &m->layers[i];
        const json_t *w = json_object_get(d[i].obj, "weights");
        const int idx = (int)(first + i);
        if (L->type == RNNAMP_DENSE)
            bad = read_dense(L, w, idx, tmp, c);
        else
            bad = read_recurrent(L, w, idx, tmp, c);
        if (!bad)
            bad = read_initial_state(L, d[i].obj, idx, c);
    }
    free(tmp);
    if (!bad && pre)
        bad = read_fir(json_array_get(layers, 0), 0, m->pre_fir, pre, c);
    if (!bad && post)
        bad = read_fir(json_array_get(layers, end), (int)end, m->post_fir, post,
                       c);
    if (bad || read_meta(m, root, c) || read_batches(m, root, c)) {
        rnnamp_model_free(m);
        return NULL;
    }
    return m;
}

/* ---- writing ---------------------------------------------------------- */

static json_t *jfloat(float f)
{
    return json_real((double)f);
}

/* [rows][cols] array where element (r, k) = get(r, k). */
static json_t *matrix(int rows, int cols, const float *src, int transpose,
                      int ld)
{
    json_t *a = json_array();
    for (int r = 0; r < rows; r++) {
        json_t *row = json_array();
        for (int k = 0; k < cols; k++) {
            float v =
                transpose ? src[(size_t)k * ld + r] : src[(size_t)r * ld + k];
            json_array_append_new(row, jfloat(v));
        }
        json_array_append_new(a, row);
    }
    return a;
}

static json_t *vector(int n, const float *src)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, jfloat(src[i]));
    return a;
}

static int all_zero(const float *v, int n)
{
    for (int i = 0; i < n; i++)
        if (v[i] != 0.0f)
            return 0;
    return 1;
}

/* A Keras kernel (K x G*H, gates in Keras order) from our row-major
 * w (G*H x K): W from w_ih (K = n_in) or U from w_hh (K = H). */
static json_t *keras_kernel(const rnnamp_layer *L, const float *w, int K)
{
    const int G = rnnamp_layer_gates(L->type), H = L->n_out;
    json_t *a = json_array();
    for (int k = 0; k < K; k++) {
        json_t *row = json_array();
        for (int g = 0; g < G; g++) {
            int og = L->type == RNNAMP_GRU ? gru_our_gate(g) : g;
            for (int j = 0; j < H; j++)
                json_array_append_new(
                    row,
                    jfloat(w[(size_t)(og * H + j) * (size_t)K + (size_t)k]));
        }
        json_array_append_new(a, row);
    }
    return a;
}

/* Keras [W (I x G*H), U (H x G*H), b] from our layout. */
static json_t *recurrent_weights(const rnnamp_layer *L)
{
    const int G = rnnamp_layer_gates(L->type), H = L->n_out;
    json_t *W = keras_kernel(L, L->w_ih, L->n_in);
    json_t *U = keras_kernel(L, L->w_hh, H);
    json_t *b;
    if (L->type == RNNAMP_GRU) {
        json_t *b0 = json_array(), *b1 = json_array();
        for (int g = 0; g < G; g++) {
            int og = gru_our_gate(g);
            for (int j = 0; j < H; j++) {
                json_array_append_new(b0, jfloat(L->b_ih[og * H + j]));
                json_array_append_new(b1, jfloat(L->b_hh[og * H + j]));
            }
        }
        b = json_array();
        json_array_append_new(b, b0);
        json_array_append_new(b, b1);
    } else {
        /* Keras has one bias: b_ih + b_hh (exactly b_ih when b_hh is 0). */
        b = json_array();
        for (int r = 0; r < G * H; r++) {
            float v = L->b_hh[r] == 0.0f ? L->b_ih[r] : L->b_ih[r] + L->b_hh[r];
            json_array_append_new(b, jfloat(v));
        }
    }
    json_t *w = json_array();
    json_array_append_new(w, W);
    json_array_append_new(w, U);
    json_array_append_new(w, b);
    return w;
}

static json_t *shape3(int n)
{
    return json_pack("[n, n, i]", n);
}

static const char *act_name(rnnamp_act a)
{
    switch (a) {
    case RNNAMP_ACT_TANH: return "tanh";
    case RNNAMP_ACT_SIGMOID: return "sigmoid";
    case RNNAMP_ACT_RELU: return "relu";
    default: return "";
    }
}

static json_t *layer_json(const rnnamp_layer *L)
{
    json_t *o = json_object();
    /* Recurrent layers get activation "" as in AIDA-X's own files. */
    json_object_set_new(o, "type",
                        json_string(rnnamp_layer_type_name(L->type)));
    json_object_set_new(
        o, "activation",
        json_string(L->type == RNNAMP_DENSE ? act_name(L->act) : ""));
    json_object_set_new(o, "shape", shape3(L->n_out));
    if (L->type == RNNAMP_DENSE) {
        json_t *w = json_array();
        json_array_append_new(w,
                              matrix(L->n_in, L->n_out, L->w_ih, 1, L->n_in));
        json_array_append_new(w, vector(L->n_out, L->b_ih));
        json_object_set_new(o, "weights", w);
        return o;
    }
    json_object_set_new(o, "weights", recurrent_weights(L));
    if (!all_zero(L->h0, L->n_out))
        json_object_set_new(o, "h0", vector(L->n_out, L->h0));
    if (L->c0 && !all_zero(L->c0, L->n_out))
        json_object_set_new(o, "c0", vector(L->n_out, L->c0));
    return o;
}

static json_t *fir_json(const float *taps, int n)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("fir"));
    json_object_set_new(o, "activation", json_string(""));
    json_object_set_new(o, "shape", shape3(1));
    json_t *w = json_array();
    json_array_append_new(w, vector(n, taps));
    json_object_set_new(o, "weights", w);
    return o;
}

static json_t *meta_json_obj(const rnnamp_model *m, const char *extra,
                             const rnnamp_jctx *c)
{
    const rnnamp_meta *mt = &m->meta;
    json_t *md = json_object();
    if (mt->name[0])
        json_object_set_new(md, "name", json_string(mt->name));
    if (mt->sample_rate > 0) {
        /* AIDA-X writes the rate as a string, e.g. "48000". */
        char buf[32];
        snprintf(buf, sizeof buf, "%.9g", mt->sample_rate);
        json_object_set_new(md, "samplerate", json_string(buf));
    }
    if (mt->has_esr)
        json_object_set_new(md, "esr", json_real(mt->esr));
    if (mt->has_loudness)
        json_object_set_new(md, "loudness", json_real(mt->loudness_db));
    if (mt->has_input_level)
        json_object_set_new(md, "input_level_dbu",
                            json_real(mt->input_level_dbu));
    if (mt->has_output_level)
        json_object_set_new(md, "output_level_dbu",
                            json_real(mt->output_level_dbu));
    if (extra) {
        json_error_t je;
        json_t *x = json_loads(extra, JSON_REJECT_DUPLICATES, &je);
        if (!x || !json_is_object(x)) {
            if (x)
                rnnamp_jerr(c, "extra metadata must be a JSON object");
            else
                rnnamp_jerr(c,
                            "extra metadata is not valid JSON (line %d, "
                            "column %d: %s)",
                            je.line, je.column, je.text);
            json_decref(x);
            json_decref(md);
            return NULL;
        }
        json_object_update(md, x);
        json_decref(x);
    }
    return md;
}

json_t *rnnamp_aidax_to_json(const rnnamp_model *m, const char *meta_json,
                             const rnnamp_jctx *c)
{
    char verr[RNNAMP_ERR_LEN];
    if (rnnamp_model_validate(m, verr, sizeof verr) != 0) {
        rnnamp_jerr(c, "cannot write an invalid model: %s", verr);
        return NULL;
    }
    json_t *md = meta_json_obj(m, meta_json, c);
    if (!md)
        return NULL;
    json_t *root = json_object();
    json_object_set_new(root, "in_shape", shape3(m->n_inputs));
    json_object_set_new(root, "in_skip", json_integer(m->skip));
    json_object_set_new(root, "in_gain", json_real(m->meta.in_gain_db));
    json_object_set_new(root, "out_gain", json_real(m->meta.out_gain_db));
    json_t *layers = json_array();
    if (m->pre_taps)
        json_array_append_new(layers, fir_json(m->pre_fir, m->pre_taps));
    for (int i = 0; i < m->n_layers; i++)
        json_array_append_new(layers, layer_json(&m->layers[i]));
    if (m->post_taps)
        json_array_append_new(layers, fir_json(m->post_fir, m->post_taps));
    json_object_set_new(root, "layers", layers);
    if (m->n_batch && m->input_batch && m->output_batch) {
        json_t *ib;
        if (m->n_inputs == 1)
            ib = vector((int)m->n_batch, m->input_batch);
        else
            ib = matrix((int)m->n_batch, m->n_inputs, m->input_batch, 0,
                        m->n_inputs);
        json_object_set_new(root, "input_batch", ib);
        json_object_set_new(root, "output_batch",
                            vector((int)m->n_batch, m->output_batch));
    }
    json_object_set_new(root, "metadata", md);
    return root;
}

int rnnamp_model_save_aidax(const rnnamp_model *m, const char *path,
                            const char *meta_json, char *err, size_t errlen)
{
    rnnamp_jctx c = {path ? path : "(no path)", err, errlen};
    if (!path || !m) {
        rnnamp_jerr(&c, "no model or no path to write");
        return -1;
    }
    if (m->kind != RNNAMP_KIND_RNN) {
        rnnamp_jerr(&c, "a WaveNet or container model has no AIDA-X form");
        return -1;
    }
    json_t *root = rnnamp_aidax_to_json(m, meta_json, &c);
    if (!root)
        return -1;
    /* %.9g round-trips every float exactly. */
    char *text = json_dumps(root, JSON_INDENT(4) | JSON_REAL_PRECISION(9));
    json_decref(root);
    if (!text) {
        rnnamp_jerr(&c, "out of memory while formatting the model");
        return -1;
    }
    size_t len = strlen(text);
    char *buf = malloc(len + 2);
    if (!buf) {
        free(text);
        rnnamp_jerr(&c, "out of memory while formatting the model");
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\n';
    free(text);
    int rc = rnnamp_write_file_atomic(path, buf, len + 1, err, errlen);
    free(buf);
    if (rc != 0)
        return -1;
    return 0;
}
