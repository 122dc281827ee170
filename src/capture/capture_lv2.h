/* rnnamp-capture: run any LV2 effect over a mono buffer, offline, via lilv.
 *
 * The host provides what guitarix, ZamTube and most effect plugins need
 * headless: urid:map/unmap, options (sample rate, min/max/nominal block
 * length, sequence size), buf-size:boundedBlockLength, a synchronous
 * worker:schedule and log:log (printed to stderr with the plugin's URI).
 * The mono signal goes to every audio input (so stereo-in plugins get it on
 * both sides); the first audio output is returned. Atom/CV ports get empty
 * buffers. Control inputs start at their defaults.
 *
 * Threads: one host per thread; nothing here is real-time code.
 * Memory: capture_lv2_open() returns a host that owns the lilv world and
 * everything else; capture_lv2_free() releases it.
 */
#ifndef RNNAMP_CAPTURE_LV2_H
#define RNNAMP_CAPTURE_LV2_H

#include <stddef.h>

typedef struct capture_lv2 capture_lv2;

/* Load the world (LV2_PATH as usual, plus extra_bundle_dir when not NULL)
 * and find plugin uri. Errors (NULL + message): unknown URI (with a hint
 * to run lv2ls), no audio input or no audio output, a required feature we
 * do not provide. */
capture_lv2 *capture_lv2_open(const char *uri, double rate,
                              const char *extra_bundle_dir, char *err,
                              size_t errlen);

void capture_lv2_free(capture_lv2 *h);

/* Set control input sym to val. Errors: unknown symbol (lists the
 * plugin's control symbols), a value outside the port's range. */
int capture_lv2_set(capture_lv2 *h, const char *sym, float val, char *err,
                    size_t errlen);

/* Range of control input sym; -1 if unknown. */
int capture_lv2_range(const capture_lv2 *h, const char *sym, float *min,
                      float *max, float *def);

/* Instantiate a fresh plugin instance, run preroll samples of silence
 * (discarded, start-up transients), then in[0..n) into out[0..n), in
 * blocks of at most 256 samples. *reported_latency gets the plugin's
 * latency port value after the run (0 if it has none; may be NULL).
 * Returns 0, or -1 with a message. */
int capture_lv2_run(capture_lv2 *h, const float *in, float *out, size_t n,
                    size_t preroll, int *reported_latency, char *err,
                    size_t errlen);

/* Plugin name (for messages). */
const char *capture_lv2_name(const capture_lv2 *h);

/* The plugin URI it was opened with. */
const char *capture_lv2_uri(const capture_lv2 *h);

#endif
