/* The lilv host set-up shared by the plugin tests (test_plugin.c,
 * test_folders.c, test_stereo.c): one counter of the allocations made
 * inside the plugin's run() (tests/alloc_count.h, counted by the host's
 * run_hook), a host constructor, and the two ways the tests talk to the
 * plugin (a control port, a patch:Set of a path). Each fails the running
 * Check test with the host's message. Test code only: one thread.
 */
#ifndef RNNAMP_PLUGIN_TEST_HOST_H
#define RNNAMP_PLUGIN_TEST_HOST_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "alloc_count.h"
#include "lv2_host.h"

static long allocs; /* counted inside the plugin's run() (run_hook) */

static void count_hook(void *ctx, int begin)
{
    (void)ctx;
    if (begin)
        alloc_count_begin();
    else
        allocs += alloc_count_end();
}

/* A host of plugin uri (NULL: the mono plugin) at rate, with the worker on
 * its own thread when threaded, blocks up to max_block, counting run()'s
 * allocations into allocs. */
static rnnamp_lv2_host *test_host_new(const char *uri, double rate,
                                      int threaded, uint32_t max_block)
{
    char err[1024];
    rnnamp_lv2_host_opts o = {0};
    o.plugin_uri = uri;
    o.rate = rate;
    o.max_block = max_block;
    o.threaded_worker = threaded;
    o.quiet = 1;
    o.run_hook = count_hook;
    rnnamp_lv2_host *h = rnnamp_lv2_host_new(&o, err, sizeof err);
    ck_assert_msg(h, "%s (LV2_PATH=%s)", err,
                  getenv("LV2_PATH") ? getenv("LV2_PATH") : "unset");
    return h;
}

static void set(rnnamp_lv2_host *h, const char *sym, float v)
{
    char err[1024];
    ck_assert_msg(rnnamp_lv2_host_set_control(h, sym, v, err, sizeof err) == 0,
                  "%s", err);
}

static void send_path(rnnamp_lv2_host *h, const char *prop, const char *path)
{
    char err[1024];
    ck_assert_msg(rnnamp_lv2_host_set_path(h, prop, path, err, sizeof err) == 0,
                  "%s", err);
}

#endif
