/* rnnamp-capture: offline LV2 effect runner on lilv. See capture_lv2.h. */
#include "capture_lv2.h"

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK         256
#define ATOM_CAP      8192
#define MAX_RESPONSES 16
#define RESPONSE_CAP  4096

typedef enum {
    PORT_AUDIO_IN,
    PORT_AUDIO_OUT,
    PORT_CONTROL_IN,
    PORT_CONTROL_OUT,
    PORT_ATOM_IN,
    PORT_ATOM_OUT,
    PORT_CV,
    PORT_OTHER
} port_kind;

typedef struct {
    port_kind kind;
    char symbol[64];
    float value; /* control ports */
    float min, max, def;
    int optional;
} port_info;

struct capture_lv2 {
    LilvWorld *world;
    const LilvPlugin *plugin;
    char uri[1024];
    char name[256];
    double rate;
    uint32_t n_ports;
    port_info *ports;
    int first_in, first_out, latency_port;
    /* urid map: index + 1 is the URID */
    char **uris;
    size_t n_uris, cap_uris;
    /* features */
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LV2_Log_Log log;
    LV2_Worker_Schedule sched;
    LV2_Options_Option options[6];
    int32_t min_block, max_block, nominal_block, seq_size;
    float rate_f;
    LV2_Feature f_map, f_unmap, f_log, f_sched, f_opts, f_bounded;
    const LV2_Feature *features[7];
    /* worker (synchronous) */
    LilvInstance *inst;
    const LV2_Worker_Interface *worker;
    uint32_t n_resp;
    uint32_t resp_size[MAX_RESPONSES];
    unsigned char resp[MAX_RESPONSES][RESPONSE_CAP];
};

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    capture_lv2 *h = handle;
    for (size_t i = 0; i < h->n_uris; i++)
        if (!strcmp(h->uris[i], uri))
            return (LV2_URID)(i + 1);
    if (h->n_uris == h->cap_uris) {
        size_t cap = h->cap_uris ? 2 * h->cap_uris : 64;
        char **nu = realloc(h->uris, cap * sizeof *nu);
        if (!nu)
            return 0;
        h->uris = nu;
        h->cap_uris = cap;
    }
    char *s = strdup(uri);
    if (!s)
        return 0;
    h->uris[h->n_uris++] = s;
    return (LV2_URID)h->n_uris;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
    capture_lv2 *h = handle;
    return urid >= 1 && urid <= h->n_uris ? h->uris[urid - 1] : NULL;
}

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt,
                       va_list ap)
{
    capture_lv2 *h = handle;
    const char *t = unmap_uri(h, type);
    if (t && strstr(t, "Trace"))
        return 0;
    fprintf(stderr, "[%s] ", h->name);
    return vfprintf(stderr, fmt, ap);
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return r;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle,
                                 uint32_t size, const void *data)
{
    capture_lv2 *h = handle;
    if (h->n_resp >= MAX_RESPONSES || size > RESPONSE_CAP)
        return LV2_WORKER_ERR_NO_SPACE;
    memcpy(h->resp[h->n_resp], data, size);
    h->resp_size[h->n_resp++] = size;
    return LV2_WORKER_SUCCESS;
}

/* Synchronous worker: do the work right away; responses are delivered
 * after the current run() call. */
static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle,
                                       uint32_t size, const void *data)
{
    capture_lv2 *h = handle;
    if (!h->worker || !h->inst)
        return LV2_WORKER_ERR_UNKNOWN;
    return h->worker->work(lilv_instance_get_handle(h->inst), respond, h, size,
                           data);
}

static void deliver_responses(capture_lv2 *h)
{
    if (!h->worker)
        return;
    for (uint32_t i = 0; i < h->n_resp; i++)
        if (h->worker->work_response)
            h->worker->work_response(lilv_instance_get_handle(h->inst),
                                     h->resp_size[i], h->resp[i]);
    h->n_resp = 0;
    if (h->worker->end_run)
        h->worker->end_run(lilv_instance_get_handle(h->inst));
}

static void setup_features(capture_lv2 *h)
{
    h->map = (LV2_URID_Map){h, map_uri};
    h->unmap = (LV2_URID_Unmap){h, unmap_uri};
    h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
    h->sched = (LV2_Worker_Schedule){h, schedule_work};
    h->min_block = 1;
    h->max_block = BLOCK;
    h->nominal_block = BLOCK;
    h->seq_size = ATOM_CAP;
    h->rate_f = (float)h->rate;
    LV2_URID atom_int = map_uri(h, LV2_ATOM__Int);
    LV2_URID atom_float = map_uri(h, LV2_ATOM__Float);
    const struct {
        const char *key;
        LV2_URID type;
        const void *value;
    } o[5] = {
        {LV2_BUF_SIZE__minBlockLength, atom_int, &h->min_block},
        {LV2_BUF_SIZE__maxBlockLength, atom_int, &h->max_block},
        {LV2_BUF_SIZE__nominalBlockLength, atom_int, &h->nominal_block},
        {LV2_BUF_SIZE__sequenceSize, atom_int, &h->seq_size},
        {LV2_PARAMETERS__sampleRate, atom_float, &h->rate_f},
    };
    for (int i = 0; i < 5; i++)
        h->options[i] = (LV2_Options_Option){
            LV2_OPTIONS_INSTANCE, 0,         map_uri(h, o[i].key),
            sizeof(int32_t),      o[i].type, o[i].value};
    h->options[5] =
        (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};
    h->f_map = (LV2_Feature){LV2_URID__map, &h->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    h->f_sched = (LV2_Feature){LV2_WORKER__schedule, &h->sched};
    h->f_opts = (LV2_Feature){LV2_OPTIONS__options, h->options};
    h->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
    h->features[0] = &h->f_map;
    h->features[1] = &h->f_unmap;
    h->features[2] = &h->f_log;
    h->features[3] = &h->f_sched;
    h->features[4] = &h->f_opts;
    h->features[5] = &h->f_bounded;
    h->features[6] = NULL;
}

static int feature_supported(const char *uri)
{
    static const char *const ok[] = {
        LV2_URID__map,
        LV2_URID__unmap,
        LV2_LOG__log,
        LV2_WORKER__schedule,
        LV2_OPTIONS__options,
        LV2_BUF_SIZE__boundedBlockLength,
        LV2_CORE__hardRTCapable,
        LV2_CORE__inPlaceBroken, /* we never run in place */
        "http://lv2plug.in/ns/lv2core#isLive",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(uri, ok[i]))
            return 1;
    return 0;
}

static int scan_ports(capture_lv2 *h, char *err, size_t errlen)
{
    LilvWorld *w = h->world;
    LilvNode *audio = lilv_new_uri(w, LV2_CORE__AudioPort);
    LilvNode *control = lilv_new_uri(w, LV2_CORE__ControlPort);
    LilvNode *input = lilv_new_uri(w, LV2_CORE__InputPort);
    LilvNode *atom = lilv_new_uri(w, LV2_ATOM__AtomPort);
    LilvNode *cv = lilv_new_uri(w, LV2_CORE__CVPort);
    LilvNode *optional = lilv_new_uri(w, LV2_CORE__connectionOptional);
    h->n_ports = lilv_plugin_get_num_ports(h->plugin);
    h->ports = calloc(h->n_ports ? h->n_ports : 1, sizeof *h->ports);
    int rc = 0;
    if (!h->ports) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
        goto out;
    }
    float *mins = calloc(h->n_ports ? h->n_ports : 1, 3 * sizeof(float));
    if (!mins) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
        goto out;
    }
    float *maxs = mins + h->n_ports, *defs = maxs + h->n_ports;
    lilv_plugin_get_port_ranges_float(h->plugin, mins, maxs, defs);
    h->first_in = h->first_out = h->latency_port = -1;
    if (lilv_plugin_has_latency(h->plugin))
        h->latency_port = (int)lilv_plugin_get_latency_port_index(h->plugin);
    for (uint32_t i = 0; i < h->n_ports; i++) {
        const LilvPort *p = lilv_plugin_get_port_by_index(h->plugin, i);
        port_info *pi = &h->ports[i];
        int is_in = lilv_port_is_a(h->plugin, p, input);
        snprintf(pi->symbol, sizeof pi->symbol, "%s",
                 lilv_node_as_string(lilv_port_get_symbol(h->plugin, p)));
        pi->optional = lilv_port_has_property(h->plugin, p, optional);
        if (lilv_port_is_a(h->plugin, p, audio)) {
            pi->kind = is_in ? PORT_AUDIO_IN : PORT_AUDIO_OUT;
            if (is_in && h->first_in < 0)
                h->first_in = (int)i;
            if (!is_in && h->first_out < 0)
                h->first_out = (int)i;
        } else if (lilv_port_is_a(h->plugin, p, control)) {
            pi->kind = is_in ? PORT_CONTROL_IN : PORT_CONTROL_OUT;
            pi->min = mins[i];
            pi->max = maxs[i];
            pi->def = defs[i];
            float v = defs[i];
            if (isnan(v))
                v = isnan(mins[i]) ? 0.0f : mins[i];
            pi->value = v;
        } else if (lilv_port_is_a(h->plugin, p, atom)) {
            pi->kind = is_in ? PORT_ATOM_IN : PORT_ATOM_OUT;
        } else if (lilv_port_is_a(h->plugin, p, cv)) {
            pi->kind = PORT_CV;
        } else {
            pi->kind = PORT_OTHER;
            if (!pi->optional) {
                snprintf(err, errlen,
                         "plugin <%s>: port '%s' has a type this host does "
                         "not support",
                         h->uri, pi->symbol);
                rc = -1;
            }
        }
    }
    free(mins);
    if (!rc && h->first_in < 0) {
        snprintf(err, errlen,
                 "plugin <%s> (%s) has no audio input: it is an instrument "
                 "or generator, not an effect that can be captured",
                 h->uri, h->name);
        rc = -1;
    } else if (!rc && h->first_out < 0) {
        snprintf(err, errlen,
                 "plugin <%s> (%s) has no audio output (an analyser?): "
                 "there is nothing to capture",
                 h->uri, h->name);
        rc = -1;
    }
out:
    lilv_node_free(audio);
    lilv_node_free(control);
    lilv_node_free(input);
    lilv_node_free(atom);
    lilv_node_free(cv);
    lilv_node_free(optional);
    return rc;
}

capture_lv2 *capture_lv2_open(const char *uri, double rate,
                              const char *extra_bundle_dir, char *err,
                              size_t errlen)
{
    if (!uri || !*uri) {
        snprintf(err, errlen, "--plugin: empty plugin URI");
        return NULL;
    }
    capture_lv2 *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(h->uri, sizeof h->uri, "%s", uri);
    snprintf(h->name, sizeof h->name, "%s", uri);
    h->rate = rate;
    h->world = lilv_world_new();
    if (!h->world) {
        snprintf(err, errlen, "cannot create the lilv world");
        free(h);
        return NULL;
    }
    lilv_world_load_all(h->world);
    if (extra_bundle_dir) {
        char path[4200];
        size_t l = strlen(extra_bundle_dir);
        snprintf(path, sizeof path, "%s%s", extra_bundle_dir,
                 l && extra_bundle_dir[l - 1] == '/' ? "" : "/");
        LilvNode *b = lilv_new_file_uri(h->world, NULL, path);
        if (b)
            lilv_world_load_bundle(h->world, b);
        lilv_node_free(b);
    }
    setup_features(h);
    LilvNode *u = lilv_new_uri(h->world, uri);
    const LilvPlugins *all = lilv_world_get_all_plugins(h->world);
    h->plugin = u ? lilv_plugins_get_by_uri(all, u) : NULL;
    lilv_node_free(u);
    if (!h->plugin) {
        snprintf(err, errlen,
                 "--plugin %s: no such LV2 plugin is installed (run lv2ls "
                 "to list them, or set LV2_PATH)",
                 uri);
        capture_lv2_free(h);
        return NULL;
    }
    LilvNode *nm = lilv_plugin_get_name(h->plugin);
    if (nm)
        snprintf(h->name, sizeof h->name, "%s", lilv_node_as_string(nm));
    lilv_node_free(nm);
    LilvNodes *req = lilv_plugin_get_required_features(h->plugin);
    int bad = 0;
    LILV_FOREACH(nodes, it, req)
    {
        const char *f = lilv_node_as_uri(lilv_nodes_get(req, it));
        if (!bad && !feature_supported(f)) {
            snprintf(err, errlen,
                     "plugin <%s> (%s) requires the LV2 feature <%s>, which "
                     "rnnamp-capture does not provide",
                     uri, h->name, f);
            bad = 1;
        }
    }
    lilv_nodes_free(req);
    if (bad || scan_ports(h, err, errlen)) {
        capture_lv2_free(h);
        return NULL;
    }
    return h;
}

void capture_lv2_free(capture_lv2 *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_uris; i++)
        free(h->uris[i]);
    free(h->uris);
    free(h->ports);
    if (h->world)
        lilv_world_free(h->world);
    free(h);
}

const char *capture_lv2_name(const capture_lv2 *h)
{
    return h->name;
}

static port_info *find_control(const capture_lv2 *h, const char *sym)
{
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (h->ports[i].kind == PORT_CONTROL_IN &&
            !strcmp(h->ports[i].symbol, sym))
            return &h->ports[i];
    return NULL;
}

int capture_lv2_range(const capture_lv2 *h, const char *sym, float *min,
                      float *max, float *def)
{
    const port_info *p = find_control(h, sym);
    if (!p)
        return -1;
    *min = p->min;
    *max = p->max;
    *def = p->def;
    return 0;
}

int capture_lv2_set(capture_lv2 *h, const char *sym, float val, char *err,
                    size_t errlen)
{
    port_info *p = find_control(h, sym);
    if (!p) {
        size_t len =
            (size_t)snprintf(err, errlen,
                             "--set %s: plugin <%s> has no control input '%s'; "
                             "its controls are:",
                             sym, h->uri, sym);
        for (uint32_t i = 0; i < h->n_ports && len < errlen; i++)
            if (h->ports[i].kind == PORT_CONTROL_IN)
                len += (size_t)snprintf(err + len, errlen - len, " %s",
                                        h->ports[i].symbol);
        return -1;
    }
    if (!isfinite(val) || (!isnan(p->min) && val < p->min) ||
        (!isnan(p->max) && val > p->max)) {
        snprintf(err, errlen,
                 "--set %s=%g: out of range for plugin <%s> (%s allows %g "
                 "to %g)",
                 sym, val, h->uri, sym, p->min, p->max);
        return -1;
    }
    p->value = val;
    return 0;
}

int capture_lv2_run(capture_lv2 *h, const float *in, float *out, size_t n,
                    size_t preroll, int *reported_latency, char *err,
                    size_t errlen)
{
    float *audio_in = calloc(BLOCK, sizeof(float));
    /* one output buffer per port (scratch for all but the first) */
    float *scratch = calloc((size_t)h->n_ports * BLOCK, sizeof(float));
    float *ctl = calloc(h->n_ports ? h->n_ports : 1, sizeof(float));
    uint64_t *atoms =
        calloc((size_t)h->n_ports * (ATOM_CAP / 8), sizeof(uint64_t));
    if (!audio_in || !scratch || !ctl || !atoms) {
        snprintf(err, errlen, "out of memory");
        free(audio_in), free(scratch), free(ctl), free(atoms);
        return -1;
    }
    h->inst = lilv_plugin_instantiate(h->plugin, h->rate, h->features);
    if (!h->inst) {
        snprintf(err, errlen, "plugin <%s> (%s) failed to instantiate at %g Hz",
                 h->uri, h->name, h->rate);
        free(audio_in), free(scratch), free(ctl), free(atoms);
        return -1;
    }
    h->worker =
        lilv_instance_get_extension_data(h->inst, LV2_WORKER__interface);
    h->n_resp = 0;
    LV2_URID seq_type = map_uri(h, LV2_ATOM__Sequence);
    LV2_URID chunk_type = map_uri(h, LV2_ATOM__Chunk);
    for (uint32_t i = 0; i < h->n_ports; i++) {
        port_info *p = &h->ports[i];
        void *buf = NULL;
        switch (p->kind) {
        case PORT_AUDIO_IN: buf = audio_in; break;
        case PORT_AUDIO_OUT:
        case PORT_CV: buf = scratch + (size_t)i * BLOCK; break;
        case PORT_CONTROL_IN:
        case PORT_CONTROL_OUT:
            ctl[i] = p->value;
            buf = &ctl[i];
            break;
        case PORT_ATOM_IN:
        case PORT_ATOM_OUT: buf = atoms + (size_t)i * (ATOM_CAP / 8); break;
        default: buf = NULL;
        }
        lilv_instance_connect_port(h->inst, i, buf);
    }
    lilv_instance_activate(h->inst);
    const float *outbuf = scratch + (size_t)h->first_out * BLOCK;
    size_t total = preroll + n, done = 0;
    while (done < total) {
        uint32_t m = (uint32_t)(total - done < BLOCK ? total - done : BLOCK);
        for (uint32_t k = 0; k < m; k++) {
            size_t t = done + k;
            audio_in[k] = t < preroll ? 0.0f : in[t - preroll];
        }
        for (uint32_t i = 0; i < h->n_ports; i++) {
            LV2_Atom_Sequence *s =
                (LV2_Atom_Sequence *)(atoms + (size_t)i * (ATOM_CAP / 8));
            if (h->ports[i].kind == PORT_ATOM_IN) {
                s->atom.type = seq_type;
                s->atom.size = sizeof(LV2_Atom_Sequence_Body);
                s->body.unit = 0;
                s->body.pad = 0;
            } else if (h->ports[i].kind == PORT_ATOM_OUT) {
                s->atom.type = chunk_type;
                s->atom.size = ATOM_CAP - sizeof(LV2_Atom);
            }
        }
        lilv_instance_run(h->inst, m);
        deliver_responses(h);
        for (uint32_t k = 0; k < m; k++) {
            size_t t = done + k;
            if (t >= preroll) {
                float v = outbuf[k];
                out[t - preroll] = isfinite(v) ? v : 0.0f;
            }
        }
        done += m;
    }
    if (reported_latency)
        *reported_latency =
            h->latency_port >= 0 ? (int)lrintf(ctl[h->latency_port]) : 0;
    lilv_instance_deactivate(h->inst);
    lilv_instance_free(h->inst);
    h->inst = NULL;
    h->worker = NULL;
    free(audio_in), free(scratch), free(ctl), free(atoms);
    return 0;
}
