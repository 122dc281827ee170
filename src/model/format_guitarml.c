/* rnnamp: GuitarML / Automated-GuitarAmpModelling JSON models. See
 * format_guitarml.h and docs/model-format.md. */
#include "format_guitarml.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int rnnamp_guitarml_detect(const json_t *root)
{
    return json_is_object(root) &&
           json_is_object(json_object_get(root, "model_data")) &&
           json_object_get(root, "state_dict") != NULL;
}

/* Read state_dict[key] with the given shape into out; when optional and the
 * key is absent, zero-fill. */
static int read_key(const json_t *sd, const char *key, const int *dims,
                    int ndims, float *out, int optional, const rnnamp_jctx *c)
{
    const json_t *v = json_object_get(sd, key);
    if (!v) {
        if (optional) {
            size_t n = 1;
            for (int i = 0; i < ndims; i++)
                n *= (size_t)dims[i];
            memset(out, 0, n * sizeof *out);
            return 0;
        }
        rnnamp_jerr(c, "state_dict: missing key '%s'", key);
        return -1;
    }
    char what[80];
    snprintf(what, sizeof what, "state_dict '%s'", key);
    return rnnamp_json_floats(v, dims, ndims, out, what, c);
}

rnnamp_model *rnnamp_guitarml_from_json(const json_t *root,
                                        const rnnamp_jctx *c)
{
    const json_t *md = json_object_get(root, "model_data");
    const json_t *sd = json_object_get(root, "state_dict");
    if (!json_is_object(md) || !json_is_object(sd)) {
        rnnamp_jerr(c, "'model_data' and 'state_dict' must be objects");
        return NULL;
    }
    const json_t *ut = json_object_get(md, "unit_type");
    if (!json_is_string(ut)) {
        rnnamp_jerr(c, "model_data: missing or non-string 'unit_type'");
        return NULL;
    }
    rnnamp_layer_type type;
    const char *uts = json_string_value(ut);
    if (!strcasecmp(uts, "LSTM"))
        type = RNNAMP_LSTM;
    else if (!strcasecmp(uts, "GRU"))
        type = RNNAMP_GRU;
    else if (!strcasecmp(uts, "RNN"))
        type = RNNAMP_RNN;
    else {
        rnnamp_jerr(c,
                    "model_data: unit_type '%.40s' is not supported (use "
                    "LSTM, GRU or RNN)",
                    uts);
        return NULL;
    }
    long n_in = 1, out_size = 1, nl = 1, hidden, skip = 0, bias = 1;
    if (rnnamp_json_get_int(md, "input_size", "model_data", 1,
                            RNNAMP_MAX_INPUTS, 1, &n_in, c) < 0 ||
        rnnamp_json_get_int(md, "output_size", "model_data", 1, 1, 1, &out_size,
                            c) < 0 ||
        rnnamp_json_get_int(md, "num_layers", "model_data", 1,
                            RNNAMP_MAX_LAYERS - 1, 1, &nl, c) < 0 ||
        rnnamp_json_get_int(md, "hidden_size", "model_data", 1,
                            RNNAMP_MAX_HIDDEN, 0, &hidden, c) < 0 ||
        rnnamp_json_get_int(md, "skip", "model_data", 0, 1, 1, &skip, c) < 0 ||
        rnnamp_json_get_int(md, "bias_fl", "model_data", 0, 1, 1, &bias, c) < 0)
        return NULL;

    char merr[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_new_stack(
        (int)n_in, type, (int)nl, (int)hidden, (int)skip, merr, sizeof merr);
    if (!m) {
        rnnamp_jerr(c, "%s", merr);
        return NULL;
    }
    snprintf(m->meta.source_format, sizeof m->meta.source_format, "guitarml");
    const int G = rnnamp_layer_gates(type), H = (int)hidden;
    for (long i = 0; i < nl; i++) {
        rnnamp_layer *L = &m->layers[i];
        char key[64];
        int dih[2] = {G * H, L->n_in}, dhh[2] = {G * H, H}, db[1] = {G * H};
        snprintf(key, sizeof key, "rec.weight_ih_l%ld", i);
        if (read_key(sd, key, dih, 2, L->w_ih, 0, c))
            goto fail;
        snprintf(key, sizeof key, "rec.weight_hh_l%ld", i);
        if (read_key(sd, key, dhh, 2, L->w_hh, 0, c))
            goto fail;
        snprintf(key, sizeof key, "rec.bias_ih_l%ld", i);
        if (read_key(sd, key, db, 1, L->b_ih, !bias, c))
            goto fail;
        snprintf(key, sizeof key, "rec.bias_hh_l%ld", i);
        if (read_key(sd, key, db, 1, L->b_hh, !bias, c))
            goto fail;
    }
    rnnamp_layer *head = &m->layers[nl];
    int dw[2] = {1, H}, dbl[1] = {1};
    if (read_key(sd, "lin.weight", dw, 2, head->w_ih, 0, c) ||
        read_key(sd, "lin.bias", dbl, 1, head->b_ih, !bias, c))
        goto fail;
    /* Not part of the upstream format, but accepted when a tool adds it. */
    double sr;
    int r =
        rnnamp_json_get_double(md, "sample_rate", "model_data", 1, 1, &sr, c);
    if (r == 1)
        r = rnnamp_json_get_double(md, "samplerate", "model_data", 1, 1, &sr,
                                   c);
    if (r < 0)
        goto fail;
    if (r == 0) {
        if (sr < 1000 || sr > 1e6) {
            rnnamp_jerr(c, "model_data: sample rate %g Hz is not plausible",
                        sr);
            goto fail;
        }
        m->meta.sample_rate = sr;
    } else {
        /* GuitarML's trainer (Automated-GuitarAmpModelling), Proteus and
         * NeuralPi record and run at 44.1 kHz. */
        m->meta.sample_rate = RNNAMP_GUITARML_DEFAULT_RATE;
        m->meta.sample_rate_assumed = 1;
    }
    rnnamp_json_get_str(md, "name", m->meta.name, sizeof m->meta.name);
    return m;
fail:
    rnnamp_model_free(m);
    return NULL;
}
