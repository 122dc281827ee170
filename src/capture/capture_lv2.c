/* rnnamp-capture: run an LV2 effect over a mono buffer, on the shared
 * offline host (tools/lv2_host.c). See capture_lv2.h. */
#include "capture_lv2.h"

#include "error.h"
#include "lv2_host.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 256

struct capture_lv2 {
    rnnamp_lv2_host *host; /* one instance, made afresh for every run */
    char uri[1024];
};

capture_lv2 *capture_lv2_open(const char *uri, double rate,
                              const char *extra_bundle_dir, char *err,
                              size_t errlen)
{
    if (!uri || !*uri) {
        rnnamp_seterr(err, errlen, "--plugin: empty plugin URI");
        return NULL;
    }
    capture_lv2 *h = calloc(1, sizeof *h);
    if (!h) {
        rnnamp_seterr(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(h->uri, sizeof h->uri, "%s", uri);
    rnnamp_lv2_host_opts o = {0};
    o.plugin_uri = h->uri;
    o.rate = rate;
    o.max_block = BLOCK;
    o.quiet = 1; /* the plugin's errors and warnings still show */
    o.mono_to_all_inputs = 1;
    o.extra_bundle = extra_bundle_dir;
    char herr[1024];
    h->host = rnnamp_lv2_host_new(&o, herr, sizeof herr);
    if (!h->host) {
        rnnamp_seterr(err, errlen, "--plugin: %s", herr);
        free(h);
        return NULL;
    }
    return h;
}

void capture_lv2_free(capture_lv2 *h)
{
    if (!h)
        return;
    rnnamp_lv2_host_free(h->host);
    free(h);
}

const char *capture_lv2_name(const capture_lv2 *h)
{
    return rnnamp_lv2_host_name(h->host);
}

const char *capture_lv2_uri(const capture_lv2 *h)
{
    return h->uri;
}

int capture_lv2_range(const capture_lv2 *h, const char *sym, float *min,
                      float *max, float *def)
{
    return rnnamp_lv2_host_control_range(h->host, sym, min, max, def);
}

int capture_lv2_set(capture_lv2 *h, const char *sym, float val, char *err,
                    size_t errlen)
{
    float min, max, def;
    if (rnnamp_lv2_host_control_range(h->host, sym, &min, &max, &def) != 0) {
        rnnamp_seterr(err, errlen,
                      "--set %s: plugin <%s> has no control input '%s'; "
                      "its controls are:",
                      sym, h->uri, sym);
        size_t len = err && errlen ? strlen(err) : errlen;
        const char *c;
        for (int i = 0;
             (c = rnnamp_lv2_host_control_input(h->host, i)) && len < errlen;
             i++)
            len += (size_t)snprintf(err + len, errlen - len, " %s", c);
        return -1;
    }
    if (!isfinite(val) || (!isnan(min) && val < min) ||
        (!isnan(max) && val > max)) {
        rnnamp_seterr(err, errlen,
                      "--set %s=%g: out of range for plugin <%s> (%s allows %g "
                      "to %g)",
                      sym, val, h->uri, sym, min, max);
        return -1;
    }
    char herr[256];
    return rnnamp_lv2_host_set_control(h->host, sym, val, herr, sizeof herr);
}

int capture_lv2_run(capture_lv2 *h, const float *in, float *out, size_t n,
                    size_t preroll, int *reported_latency, char *err,
                    size_t errlen)
{
    /* every run starts from a just-loaded plugin with the current settings
     * (some plugins read their controls when activated) */
    if (rnnamp_lv2_host_reinstantiate(h->host, err, errlen) != 0)
        return -1;
    float buf[BLOCK];
    size_t total = preroll + n, done = 0;
    while (done < total) {
        uint32_t m = (uint32_t)(total - done < BLOCK ? total - done : BLOCK);
        for (uint32_t k = 0; k < m; k++) {
            size_t t = done + k;
            buf[k] = t < preroll ? 0.0f : in[t - preroll];
        }
        rnnamp_lv2_host_run(h->host, buf, buf, m);
        for (uint32_t k = 0; k < m; k++) {
            size_t t = done + k;
            if (t >= preroll)
                out[t - preroll] = isfinite(buf[k]) ? buf[k] : 0.0f;
        }
        done += m;
    }
    if (reported_latency)
        *reported_latency = (int)rnnamp_lv2_host_latency(h->host);
    return 0;
}
