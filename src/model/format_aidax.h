/* rnnamp: AIDA-X / RTNeural Keras-style JSON models (read and write).
 *
 * Layout (docs/model-format.md has the full specification):
 *   { "in_shape": [null, null, N], "in_skip": 0|1, "in_gain": dB,
 *     "out_gain": dB, "layers": [ {"type", "activation", "shape",
 *     "weights"}, ... ], "input_batch": [...], "output_batch": [...],
 *     "metadata": { "name", "samplerate", "esr", ... } }
 * Keras weight layouts are converted to the canonical PyTorch layout of
 * model.h on reading and back on writing.
 *
 * Threads: any non-real-time thread. No global state.
 * Memory: rnnamp_aidax_from_json returns a model owned by the caller
 * (rnnamp_model_free); rnnamp_aidax_to_json returns a new jansson reference
 * (json_decref). The writer rnnamp_model_save_aidax is declared in
 * model_io.h and defined here.
 */
#ifndef RNNAMP_FORMAT_AIDAX_H
#define RNNAMP_FORMAT_AIDAX_H

#include <jansson.h>

#include "json_util.h"
#include "model.h"

/* Prewarm customary for AIDA-X models (samples of silence). */
#define RNNAMP_AIDAX_PREWARM 2048

/* 1 if root looks like this format (an object with a "layers" member). */
int rnnamp_aidax_detect(const json_t *root);

/* Build a model from a parsed file. Sets meta (name, sample_rate, esr,
 * gains, prewarm) and the reference batches when present. Returns NULL with
 * a message naming the file, the layer/key and the problem. */
rnnamp_model *rnnamp_aidax_from_json(const json_t *root, const rnnamp_jctx *c);

/* Build the JSON document for a valid model. meta_json: NULL or the text of
 * a JSON object whose members are merged into "metadata" (they win over
 * ours). Returns NULL with a message on failure. */
json_t *rnnamp_aidax_to_json(const rnnamp_model *m, const char *meta_json,
                             const rnnamp_jctx *c);

#endif
