/* rnnamp plugin: a model made ready to play (see model_slot.h). */
#include "model_slot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model_io.h"
#include "smoother.h"
#include "strcopy.h"

/* Settle time when the format does not name one (samples at model rate). */
#define DEFAULT_PREWARM 2048
/* Length of the calibration factor's ramp when interface_dbu or calibrate
 * change (as the gain ports' ramps in rnnamp.c). */
#define CAL_SECONDS 0.02

static void run_engine(void *ctx, float *buf, uint32_t n)
{
    rnnamp_slot_channel *ch = ctx;
    rnnamp_engine_process(ch->engine, buf, buf, n, ch->knobs);
}

/* Which knob ports the model listens to, for the status. */
static const char *knob_use(int n_knobs)
{
    switch (n_knobs) {
    case 0: return "knob1, knob2, knob3 unused";
    case 1: return "knob1 in use, knob2, knob3 unused";
    case 2: return "knob1, knob2 in use, knob3 unused";
    default: return "knob1, knob2, knob3 in use";
    }
}

/* Build the engine (and the resampler when the host runs slower than the
 * model) into s. Returns 0, or -1 with the error in s->item.status. */
static int slot_build(rnnamp_slot *s, const rnnamp_model *m, double host_rate,
                      double model_rate, rnnamp_engine_opts *opts,
                      int *resample)
{
    char err[RNNAMP_ERR_LEN] = "";
    double ratio = host_rate / model_rate;
    /* the delay-line correction is for recurrent state: a WaveNet is
     * resampled at any other rate */
    const int wavenet = rnnamp_model_playable(m)->kind == RNNAMP_KIND_WAVENET;
    *resample = ratio < 1.0 - 1e-9 || ratio > 8.0 ||
                (wavenet && fabs(ratio - 1.0) > 1e-9);
    if (!*resample && fabs(ratio - 1.0) > 1e-9)
        opts->rate_ratio = ratio;
    s->host_rate = host_rate;
    s->model_rate = model_rate;
    s->ch[0].engine = rnnamp_engine_new(m, opts, err, sizeof err);
    if (!s->ch[0].engine) {
        rnnamp_seterr(s->item.status, sizeof s->item.status, "error: %s: %s",
                      s->item.path, err);
        return -1;
    }
    if (*resample) {
        s->ch[0].rs =
            rnnamp_resampler_new(host_rate, model_rate, err, sizeof err);
        if (!s->ch[0].rs) {
            rnnamp_seterr(s->item.status, sizeof s->item.status,
                          "error: %s: %s", s->item.path, err);
            rnnamp_engine_free(s->ch[0].engine);
            s->ch[0].engine = NULL;
            return -1;
        }
        s->latency = rnnamp_resampler_latency(s->ch[0].rs);
    }
    return 0;
}

/* The model's gains and name. */
static void slot_facts(rnnamp_slot *s, const rnnamp_model *m)
{
    const rnnamp_meta *meta = &m->meta;
    s->n_knobs = m->n_inputs - 1;
    s->pre_lin = rnnamp_db_to_lin(meta->in_gain_db);
    s->post_lin = rnnamp_db_to_lin(meta->out_gain_db);
    s->has_input_level =
        meta->has_input_level && isfinite(meta->input_level_dbu);
    s->input_level_dbu = s->has_input_level ? meta->input_level_dbu : 0.0;
    if (meta->has_loudness && isfinite(meta->loudness_db))
        s->norm_lin = rnnamp_db_to_lin(
            (float)(RNNAMP_NORMALIZE_TARGET_DB - meta->loudness_db));
    if (meta->name[0])
        rnnamp_strcopy(s->name, sizeof s->name, meta->name);
    else {
        const char *base = strrchr(s->item.path, '/');
        rnnamp_strcopy(s->name, sizeof s->name, base ? base + 1 : s->item.path);
    }
}

/* The submodel of m to play at size (m itself unless m is a container),
 * and the size range it covers into s. */
static const rnnamp_model *slot_pick(rnnamp_slot *s, const rnnamp_model *m,
                                     float size)
{
    s->size_lo = -INFINITY;
    s->size_hi = INFINITY;
    const rnnamp_model *pm = rnnamp_model_at_size(m, size);
    for (int i = 0; i < m->n_sub; i++) {
        if (m->sub[i] != pm)
            continue;
        s->size_lo = i ? (float)m->sub_max[i - 1] : -INFINITY;
        s->size_hi = i < m->n_sub - 1 ? (float)m->sub_max[i] : INFINITY;
    }
    return pm;
}

/* Facts of the played submodel pm of container m: its own, the
 * container's name and input level where it states none. */
static void slot_sub_facts(rnnamp_slot *s, const rnnamp_model *m,
                           const rnnamp_model *pm)
{
    slot_facts(s, pm);
    if (pm == m)
        return;
    if (m->meta.name[0])
        rnnamp_strcopy(s->name, sizeof s->name, m->meta.name);
    if (!s->has_input_level && m->meta.has_input_level &&
        isfinite(m->meta.input_level_dbu)) {
        s->has_input_level = 1;
        s->input_level_dbu = m->meta.input_level_dbu;
    }
}

/* "loaded <name>: <model>, <rates>, <kernel>, <knobs>, <input level>" */
static void slot_describe(rnnamp_slot *s, const rnnamp_model *m,
                          double host_rate, double model_rate,
                          const rnnamp_engine_opts *opts, int resample)
{
    char desc[256], rate[200], mr[64], level[96];
    rnnamp_model_describe(m, desc, sizeof desc);
    if (isfinite(s->size_lo) || isfinite(s->size_hi)) {
        char sub[192];
        rnnamp_strcopy(sub, sizeof sub, desc);
        snprintf(desc, sizeof desc, "size %g..%g of a SlimmableContainer: %s",
                 isfinite(s->size_lo) ? s->size_lo : 0.0,
                 isfinite(s->size_hi) ? s->size_hi : 1.0, sub);
    }
    snprintf(mr, sizeof mr, "%g Hz%s", model_rate,
             m->meta.sample_rate_assumed ? " (assumed)" : "");
    if (resample)
        snprintf(rate, sizeof rate, "%s model resampled from %g Hz, latency %u",
                 mr, host_rate, s->latency);
    else if (opts->rate_ratio > 1.0)
        snprintf(rate, sizeof rate, "%s model at %g Hz (delay-line)", mr,
                 host_rate);
    else
        snprintf(rate, sizeof rate, "%s", mr);
    if (s->has_input_level)
        snprintf(level, sizeof level, "input level %g dBu (for calibrate)",
                 s->input_level_dbu);
    else
        snprintf(level, sizeof level,
                 "no input level: calibrate leaves it unscaled");
    snprintf(s->item.status, sizeof s->item.status,
             "loaded %s: %s, %s, %s, %s, %s", s->name, desc, rate,
             rnnamp_engine_kernel_name(s->ch[0].engine), knob_use(s->n_knobs),
             level);
}

rnnamp_slot *rnnamp_slot_load(const char *path, double host_rate,
                              const float *knobs, float size, uint32_t seq)
{
    rnnamp_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->item.seq = seq;
    s->item.kind = RNNAMP_ITEM_MODEL;
    s->n_channels = 1;
    s->pre_lin = s->post_lin = s->norm_lin = 1.0f;
    rnnamp_ramp_init(
        &s->ch[0].cal, 1.0f,
        (uint32_t)(CAL_SECONDS * (host_rate > 0.0 ? host_rate : 48000.0)));
    rnnamp_strcopy(s->item.path, sizeof s->item.path, path ? path : "");
    if (!s->item.path[0]) {
        s->item.ok = 1;
        rnnamp_strcopy(s->item.status, sizeof s->item.status, "no model (dry)");
        return s;
    }
    if (path && strlen(path) >= sizeof s->item.path) {
        rnnamp_seterr(s->item.status, sizeof s->item.status,
                      "model path is too long (%zu bytes, at most %d)",
                      strlen(path), RNNAMP_SLOT_PATH_MAX - 1);
        return s;
    }

    char err[RNNAMP_ERR_LEN] = "";
    rnnamp_model *file = rnnamp_model_load(s->item.path, err, sizeof err);
    if (!file || rnnamp_model_validate(file, err, sizeof err) != 0) {
        rnnamp_seterr(s->item.status, sizeof s->item.status, "error: %s", err);
        rnnamp_model_free(file);
        return s;
    }
    /* m: what plays (a container's submodel at size); file owns it */
    const rnnamp_model *m = slot_pick(s, file, size);
    const rnnamp_meta *meta = &m->meta;
    double model_rate = meta->sample_rate > 0.0 ? meta->sample_rate : 48000.0;
    if (!(host_rate > 0.0))
        host_rate = 48000.0;
    if (rnnamp_engine_check_budget(m, host_rate, err, sizeof err) != 0) {
        rnnamp_seterr(s->item.status, sizeof s->item.status, "error: %s: %s",
                      s->item.path, err);
        rnnamp_model_free(file);
        return s;
    }
    rnnamp_engine_opts opts = {RNNAMP_KERNEL_AUTO, 1.0};
    int resample = 0;
    if (slot_build(s, m, host_rate, model_rate, &opts, &resample) != 0) {
        rnnamp_model_free(file);
        return s;
    }
    slot_sub_facts(s, file, m);

    /* settle the state where the model will start playing */
    float k[RNNAMP_SLOT_KNOBS];
    for (int i = 0; i < RNNAMP_SLOT_KNOBS; i++)
        k[i] = knobs ? knobs[i] : RNNAMP_SLOT_KNOB_DEFAULT;
    uint32_t warm = meta->prewarm_samples > 0 ? (uint32_t)meta->prewarm_samples
                                              : DEFAULT_PREWARM;
    if (!resample && opts.rate_ratio > 1.0)
        warm = (uint32_t)ceil(warm * opts.rate_ratio);
    rnnamp_engine_prewarm(s->ch[0].engine, warm, k);

    slot_describe(s, m, host_rate, model_rate, &opts, resample);
    s->item.ok = 1;
    s->item.plays = 1;
    rnnamp_model_free(file);
    return s;
}

/* Channel c's engine (a clone of channel 0's) and resampler. Returns 0,
 * or -1 with err set. */
static int add_channel(rnnamp_slot *s, int c, char *err, size_t errlen)
{
    rnnamp_slot_channel *ch = &s->ch[c];
    ch->cal = s->ch[0].cal;
    ch->engine = rnnamp_engine_new_shared(s->ch[0].engine, err, errlen);
    if (!ch->engine)
        return -1;
    if (s->ch[0].rs) {
        ch->rs = rnnamp_resampler_new(s->host_rate, s->model_rate, err, errlen);
        if (!ch->rs)
            return -1;
    }
    return 0;
}

int rnnamp_slot_add_channels(rnnamp_slot *s, int channels)
{
    if (channels > RNNAMP_MAX_CHANNELS)
        channels = RNNAMP_MAX_CHANNELS;
    if (!s->ch[0].engine) {
        for (int c = s->n_channels; c < channels; c++)
            s->ch[c].cal = s->ch[0].cal;
        s->n_channels = channels > s->n_channels ? channels : s->n_channels;
        return 0;
    }
    char err[RNNAMP_ERR_LEN] = "";
    for (int c = s->n_channels; c < channels; c++) {
        if (add_channel(s, c, err, sizeof err) != 0) {
            rnnamp_seterr(s->item.status, sizeof s->item.status,
                          "error: %s: channel %d: %s", s->item.path, c + 1,
                          err);
            s->item.ok = 0;
            s->item.plays = 0;
            return -1;
        }
        s->n_channels = c + 1;
    }
    return 0;
}

void rnnamp_slot_free(rnnamp_slot *s)
{
    if (!s)
        return;
    for (int c = RNNAMP_MAX_CHANNELS - 1; c >= 0; c--) {
        /* the clones before channel 0, whose weights they read */
        rnnamp_resampler_free(s->ch[c].rs);
        rnnamp_engine_free(s->ch[c].engine);
    }
    free(s);
}

float rnnamp_slot_calibration(const rnnamp_slot *s, int on, float interface_dbu)
{
    if (!on || !s->has_input_level || !isfinite(interface_dbu))
        return 1.0f;
    return (float)pow(10.0,
                      ((double)interface_dbu - s->input_level_dbu) / 20.0);
}

void rnnamp_slot_process(rnnamp_slot *s, int c, const float *in, float *out,
                         uint32_t n, const float *knobs)
{
    rnnamp_slot_channel *ch = &s->ch[c];
    ch->knobs = knobs;
    if (!(rnnamp_ramp_done(&ch->cal) && ch->cal.value == 1.0f)) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = in[i] * rnnamp_ramp_next(&ch->cal);
        in = out;
    }
    if (s->pre_lin != 1.0f) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = in[i] * s->pre_lin;
        in = out;
    }
    if (ch->rs)
        rnnamp_resampler_process(ch->rs, in, out, n, run_engine, ch);
    else
        rnnamp_engine_process(ch->engine, in, out, n, knobs);
    if (s->post_lin != 1.0f)
        for (uint32_t i = 0; i < n; i++)
            out[i] *= s->post_lin;
}
