/* rnnamp: reading and writing model files.
 *
 * Formats are detected from the content, never from the file name:
 *  - AIDA-X / RTNeural Keras-style JSON (.json, .aidax): "layers" array;
 *  - GuitarML / Automated-GuitarAmpModelling JSON: "model_data" + "state_dict";
 *  - NAM .nam with "architecture" "LSTM", "WaveNet" or "SlimmableContainer"
 *    (other NAM architectures, and WaveNet options rnnamp does not run, are
 *    refused with a clear message naming them).
 * docs/model-format.md specifies each format and its weight orderings.
 *
 * Threads: any non-real-time thread (these allocate and do file I/O).
 * Memory: loaders return a model owned by the caller (rnnamp_model_free).
 * Errors: NULL / -1 and a message in err that names the file and the problem.
 */
#ifndef RNNAMP_MODEL_IO_H
#define RNNAMP_MODEL_IO_H

#include <stddef.h>

#include "model.h"

/* Largest model file we agree to read (bytes). */
#define RNNAMP_MAX_MODEL_FILE (64u * 1024u * 1024u)

/* Load any supported format from a file. */
rnnamp_model *rnnamp_model_load(const char *path, char *err, size_t errlen);

/* Load from memory; name is used in error messages (e.g. the path). */
rnnamp_model *rnnamp_model_load_buffer(const char *data, size_t len,
                                       const char *name, char *err,
                                       size_t errlen);

/* Relative tolerance of the load-time self-test: a file whose
 * input_batch/output_batch replay misses by more than this times the RMS
 * of output_batch is refused (it would sound wrong). Smaller errors are
 * recorded in meta.selftest_max_err. */
#define RNNAMP_SELFTEST_REL_TOL 1e-2

/* The load-time self-test replays only the first this-many frames of a
 * file's input_batch (and compares them with the first output_batch
 * values; the tolerance above uses the RMS of those values). 16384 frames
 * (0.34 s at 48 kHz) run through every layer and gate thousands of times,
 * enough to expose a wrong weight layout, while the load time stays
 * bounded however long a batch the file carries (the whole batch is still
 * read and kept, e.g. for rnnamp_model_save_aidax). */
#define RNNAMP_SELFTEST_MAX_SAMPLES 16384

/* One-line human summary of a loaded model into buf, e.g.
 * "aidax 'tw40': lstm-12, 48000 Hz, self-test max error 1.6e-07".
 * m may be NULL ("(no model)"). Any thread (no allocation). */
void rnnamp_model_summary(const rnnamp_model *m, char *buf, size_t len);

/* Write the AIDA-X Keras-style JSON (our native format), atomically:
 * a temporary file in the same folder, fsync, rename. An existing file is
 * never replaced by a partial one. meta_json may be NULL or a JSON object
 * text whose members are merged into "metadata". */
int rnnamp_model_save_aidax(const rnnamp_model *m, const char *path,
                            const char *meta_json, char *err, size_t errlen);

#endif
