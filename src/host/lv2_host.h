/* rnnamp tools: a small offline LV2 host on lilv.
 *
 * Runs one instance of any LV2 plugin over mono buffers, block by block,
 * as a real host would: urid:map/unmap, worker:schedule (synchronous, with
 * responses delivered inside schedule_work as Ardour does during export, or
 * a real worker thread), state:mapPath (presets and saved states), options
 * (sample rate, min/max/nominal block length, sequence size),
 * buf-size:boundedBlockLength and log:log. Model files and other
 * lv2:Parameter values are sent as patch:Set atoms on the control input;
 * patch:Set messages the plugin writes to its notify output are kept and
 * can be read with rnnamp_lv2_host_property().
 *
 * Audio: the mono input goes to the first audio input (or, with
 * mono_to_all_inputs, to every audio input, so a stereo-in effect gets it
 * on both sides), the first audio output is returned; other audio and CV
 * ports get silent buffers. rnnamp_lv2_host_run_channels feeds and reads
 * every audio port (the stereo plugin).
 *
 * Threads: a host is driven by one thread; with threaded_worker it starts
 * one more thread of its own. Nothing here is real-time code, but
 * rnnamp_lv2_host_run() itself does not allocate around the plugin's run()
 * (see run_hook, used by the allocation tests).
 * LV2_PATH: relative folders in it are made absolute (setenv) before lilv
 * reads it, as lilv cannot handle them. Without LV2_PATH (unset or empty)
 * the host loads lilv's default folders and also finds the rnnamp bundle
 * (and the preset bundles) that go with the running program: in a build
 * tree, <builddir>/lv2 (the executable lies at most 3 folders below
 * <builddir>; this one wins over an installed copy); installed, the LV2
 * folder meson installed to, found relative to the executable's folder
 * (so a moved install tree works) or at its configured absolute path.
 *
 * Memory: rnnamp_lv2_host_new() returns a host owning the lilv world, the
 * instance and all buffers; rnnamp_lv2_host_free() releases everything.
 */
#ifndef RNNAMP_LV2_HOST_H
#define RNNAMP_LV2_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "rnnamp_uris.h"

typedef struct rnnamp_lv2_host rnnamp_lv2_host;

typedef struct {
    const char *plugin_uri; /* NULL: the rnnamp plugin */
    double rate;            /* host sample rate (Hz) */
    uint32_t max_block;     /* largest block passed to run (0: 8192) */
    int threaded_worker;    /* 0: synchronous worker, 1: worker thread */
    int quiet;              /* 1: do not print the plugin's notes/traces */
    /* Called right before (begin = 1) and after (begin = 0) the plugin's
     * run(), e.g. to count allocations. May be NULL. */
    void (*run_hook)(void *ctx, int begin);
    void *run_hook_ctx;
    int mono_to_all_inputs;   /* 1: the input goes to every audio input */
    const char *extra_bundle; /* also load this LV2 bundle folder; NULL */
} rnnamp_lv2_host_opts;

/* Load the LV2 world (LV2_PATH as usual), find the plugin and instantiate
 * it. Errors (NULL + message): unknown plugin URI (hint: lv2ls), no audio
 * input or output, a required feature we do not provide, instantiation
 * failure. */
rnnamp_lv2_host *rnnamp_lv2_host_new(const rnnamp_lv2_host_opts *opts,
                                     char *err, size_t errlen);

/* Replace the instance with a fresh one of the same plugin (as if just
 * loaded): control inputs keep their current values, queued messages and
 * remembered properties are dropped. Synchronous worker only. Returns 0,
 * or -1 with a message. */
int rnnamp_lv2_host_reinstantiate(rnnamp_lv2_host *h, char *err, size_t errlen);

/* The plugin's name (doap:name), or its URI if it has none. */
const char *rnnamp_lv2_host_name(const rnnamp_lv2_host *h);

/* Symbol of the i-th control input (i = 0, 1, ...), NULL past the last. */
const char *rnnamp_lv2_host_control_input(const rnnamp_lv2_host *h, int i);

/* Range of control input sym (NAN where the plugin gives none); -1 if
 * there is no such control input. */
int rnnamp_lv2_host_control_range(const rnnamp_lv2_host *h, const char *sym,
                                  float *min, float *max, float *def);

/* Stop the worker thread, free the instance, world and buffers. NULL ok. */
void rnnamp_lv2_host_free(rnnamp_lv2_host *h);

/* Set control input sym to val. Errors: unknown symbol (the message lists
 * the plugin's control symbols), value outside the port's range. */
int rnnamp_lv2_host_set_control(rnnamp_lv2_host *h, const char *sym, float val,
                                char *err, size_t errlen);

/* Current value of a control port (input or output) by symbol; -1 if no
 * such control port. */
int rnnamp_lv2_host_get_control(const rnnamp_lv2_host *h, const char *sym,
                                float *val);

/* Apply preset (or any state) uri from the world: port values and plugin
 * state. Errors: unknown preset (lists the plugin's presets). */
int rnnamp_lv2_host_apply_preset(rnnamp_lv2_host *h, const char *uri, char *err,
                                 size_t errlen);

/* Queue patch:Set property=prop_uri value=path (atom:Path) for the next
 * run. */
int rnnamp_lv2_host_set_path(rnnamp_lv2_host *h, const char *prop_uri,
                             const char *path, char *err, size_t errlen);

/* The same with patch:subject subject_uri (NULL: no subject), as a host
 * addressing one of several plugins or a plugin's sub-object would. */
int rnnamp_lv2_host_set_path_of(rnnamp_lv2_host *h, const char *subject_uri,
                                const char *prop_uri, const char *path,
                                char *err, size_t errlen);

/* Queue a MIDI message (size bytes, e.g. {0xC0, 3} for Program Change 3)
 * as a midi:MidiEvent at frame 0 of the next run's control input. */
int rnnamp_lv2_host_send_midi(rnnamp_lv2_host *h, const uint8_t *msg,
                              uint32_t size, char *err, size_t errlen);

/* Queue a patch:Get (all properties) for the next run. */
void rnnamp_lv2_host_get_all(rnnamp_lv2_host *h);

/* Run one block: deliver worker responses, run the plugin on in[0..n)
 * into out[0..n) (in may be NULL for silence; in == out is fine), read
 * the notify output. n <= max_block. Returns 0, or -1 if n is too big or
 * there is no instance (after a failed rnnamp_lv2_host_reinstantiate). */
int rnnamp_lv2_host_run(rnnamp_lv2_host *h, const float *in, float *out,
                        uint32_t n);

/* Run one block on every audio channel: in[k] (NULL: silence) goes to the
 * k-th audio input in port order (k < n_in; further inputs get silence),
 * the k-th audio output is copied into out[k] (k < n_out; NULL: not
 * copied). Otherwise as rnnamp_lv2_host_run (mono_to_all_inputs does not
 * apply). */
int rnnamp_lv2_host_run_channels(rnnamp_lv2_host *h, const float *const *in,
                                 int n_in, float *const *out, int n_out,
                                 uint32_t n);

/* Number of audio inputs and outputs of the plugin. */
void rnnamp_lv2_host_audio_ports(const rnnamp_lv2_host *h, int *n_in,
                                 int *n_out);

/* Run silent blocks of `block` samples until the plugin has sent a
 * patch:Set of prop_uri after this call began, or timeout_s of wall time
 * passed (threaded worker) / 1000 blocks (synchronous). Returns the number
 * of samples run, or -1 on timeout. */
long rnnamp_lv2_host_wait_property(rnnamp_lv2_host *h, const char *prop_uri,
                                   uint32_t block, double timeout_s);

/* Last value the plugin sent for prop_uri via patch:Set on its notify
 * port (strings and paths), or NULL if none yet. Valid until the next
 * run. */
const char *rnnamp_lv2_host_property(const rnnamp_lv2_host *h,
                                     const char *prop_uri);

/* Save the instance's state (ports + plugin state) as an LV2 state bundle
 * in dir (created). */
int rnnamp_lv2_host_save_state(rnnamp_lv2_host *h, const char *dir, char *err,
                               size_t errlen);

/* Call the plugin's state save() directly, with no features (so paths
 * stay absolute), and copy the string or path it stores under prop_uri
 * (an atom:Int as its decimal text) into buf[len]. Returns 0; 1 when
 * save() stored no such value (buf is
 * then ""); -1 if the plugin has no state interface. Thread: any one thread
 * besides the one running the plugin, as a host saving a session from its GUI
 * thread; it takes no lock of the host but the URI map's. */
int rnnamp_lv2_host_state_value(rnnamp_lv2_host *h, const char *prop_uri,
                                char *buf, size_t len);

/* Restore a state bundle saved by rnnamp_lv2_host_save_state. with_worker:
 * pass worker:schedule to the plugin's restore (1) or not (0, as Ardour
 * does). */
int rnnamp_lv2_host_restore_state(rnnamp_lv2_host *h, const char *dir,
                                  int with_worker, char *err, size_t errlen);

/* Latency the plugin reports (0 if it has no latency port). */
uint32_t rnnamp_lv2_host_latency(const rnnamp_lv2_host *h);

/* Wait until the worker thread has nothing left to do (no-op when
 * synchronous). Not while the worker is held. */
void rnnamp_lv2_host_worker_idle(rnnamp_lv2_host *h);

/* Hold (1) or release (0) the worker thread: while held it takes no
 * request, as a host's worker lagging behind the audio thread; requests
 * queue up. Threaded worker only; release before worker_idle. */
void rnnamp_lv2_host_worker_hold(rnnamp_lv2_host *h, int hold);

#endif
