/* rnnamp: Neural Amp Modeler .nam files, LSTM architecture (read only).
 *
 * Layout (docs/model-format.md):
 *   { "version": "0.5.x", "architecture": "LSTM",
 *     "config": { "num_layers": n, "input_size": 1, "hidden_size": H },
 *     "weights": [ flat list ], "sample_rate": 48000,
 *     "metadata": { "loudness", "input_level_dbu", "output_level_dbu",
 *                   "name", ... } }
 * Flat weights, per layer: W [4H][in+H] row-major acting on [x, h], bias
 * [4H], initial h [H], initial c [H]; then head weight [H] and head bias.
 * "WaveNet" (A1) and "SlimmableContainer" (A2) files are read by
 * format_nam_wavenet.c into the WaveNet model kind (wavenet.h). Other NAM
 * architectures (ConvNet, Linear, ...) are refused with a clear message.
 *
 * Threads: any non-real-time thread. No global state.
 * Memory: the returned model is owned by the caller (rnnamp_model_free).
 */
#ifndef RNNAMP_FORMAT_NAM_H
#define RNNAMP_FORMAT_NAM_H

#include <jansson.h>

#include "json_util.h"
#include "model.h"

/* Rate assumed when a .nam file has no "sample_rate" (older files). */
#define RNNAMP_NAM_DEFAULT_RATE 48000.0
/* NeuralAmpModelerCore pre-warms with this much silence (seconds). */
#define RNNAMP_NAM_PREWARM_SECONDS 0.5

/* 1 if root looks like a .nam file (an "architecture" string). */
int rnnamp_nam_detect(const json_t *root);

/* Build a model from a parsed file, or NULL with a message naming the file
 * and the problem. */
rnnamp_model *rnnamp_nam_from_json(const json_t *root, const rnnamp_jctx *c);

/* The WaveNet and SlimmableContainer readers (format_nam_wavenet.c); root
 * is a whole .nam object of that architecture. NULL with a message naming
 * the file and the problem (an unsupported field is named). */
rnnamp_model *rnnamp_nam_wavenet_from_json(const json_t *root,
                                           const rnnamp_jctx *c);
rnnamp_model *rnnamp_nam_container_from_json(const json_t *root,
                                             const rnnamp_jctx *c);

/* "sample_rate" (48000 assumed when absent) and the metadata (name, levels)
 * of a .nam object into m->meta. Returns 0 or -1 with a message. */
int rnnamp_nam_read_meta(rnnamp_model *m, const json_t *root,
                         const rnnamp_jctx *c);

#endif
