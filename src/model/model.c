/* rnnamp: model description and weights. See model.h. */
#include "model.h"
#include "error.h"
#include "wavenet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rnnamp_layer_gates(rnnamp_layer_type t)
{
    switch (t) {
    case RNNAMP_LSTM: return 4;
    case RNNAMP_GRU: return 3;
    case RNNAMP_RNN: return 1;
    default: return 0;
    }
}

const char *rnnamp_layer_type_name(rnnamp_layer_type t)
{
    switch (t) {
    case RNNAMP_LSTM: return "lstm";
    case RNNAMP_GRU: return "gru";
    case RNNAMP_RNN: return "rnn";
    case RNNAMP_DENSE: return "dense";
    }
    return "?";
}

size_t rnnamp_layer_param_count(rnnamp_layer_type t, int n_in, int n_out)
{
    size_t in = (size_t)n_in, h = (size_t)n_out;
    if (t == RNNAMP_DENSE)
        return h * in + h;
    size_t g = (size_t)rnnamp_layer_gates(t);
    return g * h * in + g * h * h + 2 * g * h + h + (t == RNNAMP_LSTM ? h : 0);
}

/* Point a layer's views into params starting at p; returns the end. */
static float *layer_bind(rnnamp_layer *L, float *p)
{
    size_t in = (size_t)L->n_in, h = (size_t)L->n_out;
    L->w_ih = L->w_hh = L->b_ih = L->b_hh = L->h0 = L->c0 = NULL;
    if (L->type == RNNAMP_DENSE) {
        L->w_ih = p;
        p += h * in;
        L->b_ih = p;
        return p + h;
    }
    size_t g = (size_t)rnnamp_layer_gates(L->type);
    L->w_ih = p;
    p += g * h * in;
    L->w_hh = p;
    p += g * h * h;
    L->b_ih = p;
    p += g * h;
    L->b_hh = p;
    p += g * h;
    L->h0 = p;
    p += h;
    if (L->type == RNNAMP_LSTM) {
        L->c0 = p;
        p += h;
    }
    return p;
}

static void model_bind(rnnamp_model *m)
{
    float *p = m->params;
    for (int i = 0; i < m->n_layers; i++)
        p = layer_bind(&m->layers[i], p);
    m->pre_fir = m->pre_taps ? p : NULL;
    p += m->pre_taps;
    m->post_fir = m->post_taps ? p : NULL;
}

rnnamp_model *rnnamp_model_new(int n_inputs, int n_layers,
                               const rnnamp_layer_spec *specs, int skip,
                               char *err, size_t errlen)
{
    return rnnamp_model_new_fir(n_inputs, n_layers, specs, skip, 0, 0, err,
                                errlen);
}

static int check_fir_taps(int pre_taps, int post_taps, char *err, size_t errlen)
{
    if (pre_taps < 0 || pre_taps > RNNAMP_MAX_FIR || post_taps < 0 ||
        post_taps > RNNAMP_MAX_FIR) {
        rnnamp_seterr(err, errlen,
                      "FIR stages of %d and %d taps: each must be 0 to %d",
                      pre_taps, post_taps, RNNAMP_MAX_FIR);
        return -1;
    }
    return 0;
}

rnnamp_model *rnnamp_model_new_fir(int n_inputs, int n_layers,
                                   const rnnamp_layer_spec *specs, int skip,
                                   int pre_taps, int post_taps, char *err,
                                   size_t errlen)
{
    if (check_fir_taps(pre_taps, post_taps, err, errlen))
        return NULL;
    if (n_inputs < 1 || n_inputs > RNNAMP_MAX_INPUTS) {
        rnnamp_seterr(err, errlen, "%d inputs: must be 1 to %d", n_inputs,
                      RNNAMP_MAX_INPUTS);
        return NULL;
    }
    if (n_layers < 1 || n_layers > RNNAMP_MAX_LAYERS) {
        rnnamp_seterr(err, errlen, "%d layers: must be 1 to %d", n_layers,
                      RNNAMP_MAX_LAYERS);
        return NULL;
    }
    size_t total = 0;
    int n_in = n_inputs;
    for (int i = 0; i < n_layers; i++) {
        const rnnamp_layer_spec *s = &specs[i];
        if ((int)s->type < 0 || s->type > RNNAMP_DENSE) {
            rnnamp_seterr(err, errlen, "layer %d: unknown layer type", i);
            return NULL;
        }
        if (s->n_out < 1 || s->n_out > RNNAMP_MAX_HIDDEN) {
            rnnamp_seterr(err, errlen, "layer %d (%s): size %d must be 1 to %d",
                          i, rnnamp_layer_type_name(s->type), s->n_out,
                          RNNAMP_MAX_HIDDEN);
            return NULL;
        }
        if ((int)s->act < 0 || s->act > RNNAMP_ACT_RELU) {
            rnnamp_seterr(err, errlen, "layer %d: unknown activation", i);
            return NULL;
        }
        total += rnnamp_layer_param_count(s->type, n_in, s->n_out);
        n_in = s->n_out;
    }
    const rnnamp_layer_spec *last = &specs[n_layers - 1];
    if (last->type != RNNAMP_DENSE || last->n_out != 1) {
        rnnamp_seterr(err, errlen,
                      "the last layer must be a dense layer with one output "
                      "(got %s with %d outputs)",
                      rnnamp_layer_type_name(last->type), last->n_out);
        return NULL;
    }
    total += (size_t)pre_taps + (size_t)post_taps;
    rnnamp_model *m = calloc(1, sizeof *m);
    if (!m) {
        rnnamp_seterr(err, errlen, "out of memory");
        return NULL;
    }
    m->params = calloc(total ? total : 1, sizeof(float));
    if (!m->params) {
        free(m);
        rnnamp_seterr(err, errlen, "out of memory (%zu weights)", total);
        return NULL;
    }
    m->n_params = total;
    m->n_inputs = n_inputs;
    m->n_layers = n_layers;
    m->skip = skip ? 1 : 0;
    m->pre_taps = pre_taps;
    m->post_taps = post_taps;
    n_in = n_inputs;
    for (int i = 0; i < n_layers; i++) {
        m->layers[i].type = specs[i].type;
        m->layers[i].n_in = n_in;
        m->layers[i].n_out = specs[i].n_out;
        m->layers[i].act =
            specs[i].type == RNNAMP_DENSE ? specs[i].act : RNNAMP_ACT_LINEAR;
        n_in = specs[i].n_out;
    }
    model_bind(m);
    return m;
}

rnnamp_model *rnnamp_model_new_stack(int n_inputs, rnnamp_layer_type type,
                                     int n_rec, int hidden, int skip, char *err,
                                     size_t errlen)
{
    if (n_rec < 0 || n_rec > RNNAMP_MAX_LAYERS - 1) {
        rnnamp_seterr(err, errlen, "%d layers: must be 1 to %d", n_rec + 1,
                      RNNAMP_MAX_LAYERS);
        return NULL;
    }
    rnnamp_layer_spec specs[RNNAMP_MAX_LAYERS];
    for (int i = 0; i < n_rec; i++)
        specs[i] = (rnnamp_layer_spec){type, hidden, RNNAMP_ACT_LINEAR};
    specs[n_rec] = (rnnamp_layer_spec){RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR};
    return rnnamp_model_new(n_inputs, n_rec + 1, specs, skip, err, errlen);
}

rnnamp_model *rnnamp_model_new_wavenet(const rnnamp_wavenet *w, size_t n_params)
{
    rnnamp_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->n_inputs = 1;
    m->params = calloc(n_params ? n_params : 1, sizeof(float));
    if (w)
        m->wavenet = malloc(sizeof *m->wavenet);
    if (!m->params || (w && !m->wavenet)) {
        rnnamp_model_free(m);
        return NULL;
    }
    m->kind = w ? RNNAMP_KIND_WAVENET : RNNAMP_KIND_CONTAINER;
    if (w)
        *m->wavenet = *w;
    m->n_params = n_params;
    return m;
}

rnnamp_model *rnnamp_model_new_container(void)
{
    return rnnamp_model_new_wavenet(NULL, 0);
}

const rnnamp_model *rnnamp_model_at_size(const rnnamp_model *m, double size)
{
    if (!m || m->kind != RNNAMP_KIND_CONTAINER || m->n_sub < 1)
        return m;
    for (int i = 0; i < m->n_sub; i++)
        if (size < m->sub_max[i])
            return m->sub[i];
    return m->sub[m->n_sub - 1];
}

const rnnamp_model *rnnamp_model_playable(const rnnamp_model *m)
{
    return rnnamp_model_at_size(m, 1.0);
}

void rnnamp_model_free(rnnamp_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_sub; i++)
        rnnamp_model_free(m->sub[i]);
    free(m->wavenet);
    free(m->params);
    free(m->input_batch);
    free(m->output_batch);
    free(m);
}

/* Deep copy of a WaveNet or container model. */
static rnnamp_model *clone_other(const rnnamp_model *m)
{
    rnnamp_model *c = rnnamp_model_new_wavenet(m->wavenet, m->n_params);
    if (!c)
        return NULL;
    memcpy(c->params, m->params, m->n_params * sizeof(float));
    c->meta = m->meta;
    for (int i = 0; i < m->n_sub; i++) {
        c->sub[i] = rnnamp_model_clone(m->sub[i]);
        c->sub_max[i] = m->sub_max[i];
        c->n_sub = i + 1;
        if (!c->sub[i]) {
            rnnamp_model_free(c);
            return NULL;
        }
    }
    return c;
}

rnnamp_model *rnnamp_model_clone(const rnnamp_model *m)
{
    if (m->kind != RNNAMP_KIND_RNN)
        return clone_other(m);
    rnnamp_layer_spec specs[RNNAMP_MAX_LAYERS];
    for (int i = 0; i < m->n_layers; i++) {
        specs[i].type = m->layers[i].type;
        specs[i].n_out = m->layers[i].n_out;
        specs[i].act = m->layers[i].act;
    }
    rnnamp_model *c =
        rnnamp_model_new_fir(m->n_inputs, m->n_layers, specs, m->skip,
                             m->pre_taps, m->post_taps, NULL, 0);
    if (!c)
        return NULL;
    memcpy(c->params, m->params, m->n_params * sizeof(float));
    c->meta = m->meta;
    if (m->n_batch && rnnamp_model_set_batch(c, m->input_batch, m->output_batch,
                                             m->n_batch) != 0) {
        rnnamp_model_free(c);
        return NULL;
    }
    return c;
}

/* A container: sorted submodels, the last covering size 1, each valid. */
static int validate_container(const rnnamp_model *m, char *err, size_t errlen)
{
    if (m->n_sub < 1 || m->n_sub > RNNAMP_MAX_SUBMODELS) {
        rnnamp_seterr(err, errlen, "a container needs 1 to %d submodels",
                      RNNAMP_MAX_SUBMODELS);
        return -1;
    }
    for (int i = 0; i < m->n_sub; i++) {
        if (!m->sub[i] || m->sub[i]->kind == RNNAMP_KIND_CONTAINER ||
            !(m->sub_max[i] > (i ? m->sub_max[i - 1] : -1e300))) {
            rnnamp_seterr(err, errlen,
                          "submodel %d: max_value must be ascending and the "
                          "submodel a plain network",
                          i);
            return -1;
        }
        char serr[RNNAMP_ERR_LEN];
        if (rnnamp_model_validate(m->sub[i], serr, sizeof serr) != 0) {
            rnnamp_seterr(err, errlen, "submodel %d: %s", i, serr);
            return -1;
        }
    }
    if (!(m->sub_max[m->n_sub - 1] >= 1.0)) {
        rnnamp_seterr(err, errlen,
                      "the last submodel's max_value must be >= 1");
        return -1;
    }
    return 0;
}

static int validate_finite(const rnnamp_model *m, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->n_params; i++) {
        if (!isfinite(m->params[i])) {
            rnnamp_seterr(err, errlen, "weight %zu is not a finite number", i);
            return -1;
        }
    }
    return 0;
}

int rnnamp_model_validate(const rnnamp_model *m, char *err, size_t errlen)
{
    if (!m || !m->params) {
        rnnamp_seterr(err, errlen, "no model");
        return -1;
    }
    if (m->kind == RNNAMP_KIND_CONTAINER)
        return validate_container(m, err, errlen);
    if (m->kind == RNNAMP_KIND_WAVENET) {
        if (!m->wavenet || m->n_inputs != 1 ||
            rnnamp_wn_validate(m->wavenet, m->n_params, err, errlen) != 0) {
            if (!m->wavenet || m->n_inputs != 1)
                rnnamp_seterr(err, errlen, "bad WaveNet model structure");
            return -1;
        }
        return validate_finite(m, err, errlen);
    }
    if (m->n_inputs < 1 || m->n_inputs > RNNAMP_MAX_INPUTS || m->n_layers < 1 ||
        m->n_layers > RNNAMP_MAX_LAYERS) {
        rnnamp_seterr(err, errlen, "bad model structure");
        return -1;
    }
    size_t total = 0;
    int n_in = m->n_inputs;
    for (int i = 0; i < m->n_layers; i++) {
        const rnnamp_layer *L = &m->layers[i];
        if (L->n_in != n_in || L->n_out < 1 || L->n_out > RNNAMP_MAX_HIDDEN) {
            rnnamp_seterr(err, errlen,
                          "layer %d: inconsistent sizes (%d -> %d)", i, L->n_in,
                          L->n_out);
            return -1;
        }
        total += rnnamp_layer_param_count(L->type, L->n_in, L->n_out);
        n_in = L->n_out;
    }
    const rnnamp_layer *last = &m->layers[m->n_layers - 1];
    if (last->type != RNNAMP_DENSE || last->n_out != 1) {
        rnnamp_seterr(err, errlen,
                      "the last layer must be dense with one output");
        return -1;
    }
    if (check_fir_taps(m->pre_taps, m->post_taps, err, errlen))
        return -1;
    total += (size_t)m->pre_taps + (size_t)m->post_taps;
    if (total != m->n_params) {
        rnnamp_seterr(err, errlen,
                      "weight count %zu does not match layers (%zu)",
                      m->n_params, total);
        return -1;
    }
    if (validate_finite(m, err, errlen) != 0)
        return -1;
    if (!isfinite(m->meta.in_gain_db) || !isfinite(m->meta.out_gain_db) ||
        fabsf(m->meta.in_gain_db) > 100.f ||
        fabsf(m->meta.out_gain_db) > 100.f) {
        rnnamp_seterr(err, errlen,
                      "in_gain/out_gain must be finite dB within +-100");
        return -1;
    }
    return 0;
}

int rnnamp_model_set_batch(rnnamp_model *m, const float *in, const float *out,
                           size_t n)
{
    free(m->input_batch);
    free(m->output_batch);
    m->input_batch = m->output_batch = NULL;
    m->n_batch = 0;
    if (!n)
        return 0;
    m->input_batch = malloc(n * (size_t)m->n_inputs * sizeof(float));
    m->output_batch = malloc(n * sizeof(float));
    if (!m->input_batch || !m->output_batch) {
        free(m->input_batch);
        free(m->output_batch);
        m->input_batch = m->output_batch = NULL;
        return -1;
    }
    memcpy(m->input_batch, in, n * (size_t)m->n_inputs * sizeof(float));
    memcpy(m->output_batch, out, n * sizeof(float));
    m->n_batch = n;
    return 0;
}

/* "SlimmableContainer of 2 sizes, playing WaveNet ..." (the default,
 * full size). */
static void describe_container(const rnnamp_model *m, char *buf, size_t len)
{
    char d[192];
    rnnamp_model_describe(rnnamp_model_playable(m), d, sizeof d);
    snprintf(buf, len, "SlimmableContainer of %d sizes, playing %s", m->n_sub,
             d);
}

void rnnamp_model_describe(const rnnamp_model *m, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    if (m->kind == RNNAMP_KIND_CONTAINER) {
        describe_container(m, buf, len);
        return;
    }
    if (m->kind == RNNAMP_KIND_WAVENET) {
        rnnamp_wn_describe(m->wavenet, buf, len);
        return;
    }
    for (int i = 0; i < m->n_layers && off < len; i++) {
        const rnnamp_layer *L = &m->layers[i];
        if (L->type == RNNAMP_DENSE && i == m->n_layers - 1)
            break;
        int w = snprintf(buf + off, len - off, "%s%s-%d", off ? " " : "",
                         rnnamp_layer_type_name(L->type), L->n_out);
        if (w < 0)
            return;
        off += (size_t)w;
    }
    if (off < len && m->n_inputs > 1)
        off += (size_t)snprintf(buf + off, len - off, ", %d knob%s",
                                m->n_inputs - 1, m->n_inputs > 2 ? "s" : "");
    if (off < len && m->skip)
        off += (size_t)snprintf(buf + off, len - off, ", skip");
    if (off < len && m->pre_taps)
        off +=
            (size_t)snprintf(buf + off, len - off, ", pre-FIR %d", m->pre_taps);
    if (off < len && m->post_taps)
        snprintf(buf + off, len - off, ", post-FIR %d", m->post_taps);
}
