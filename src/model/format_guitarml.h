/* rnnamp: GuitarML / Automated-GuitarAmpModelling JSON models (read only).
 *
 * Layout (docs/model-format.md):
 *   { "model_data": { "model": "SimpleRNN", "input_size": 1..4,
 *       "skip": 0|1, "output_size": 1, "unit_type": "LSTM"|"GRU"|"RNN",
 *       "num_layers": n, "hidden_size": H, "bias_fl": true },
 *     "state_dict": { "rec.weight_ih_l0": [G*H][in], "rec.weight_hh_l0":
 *       [G*H][H], "rec.bias_ih_l0": [G*H], "rec.bias_hh_l0": [G*H], ...
 *       "_l1" ... for further layers, "lin.weight": [1][H],
 *       "lin.bias": [1] } }
 * Weights are already in PyTorch layout (our canonical layout).
 *
 * Threads: any non-real-time thread. No global state.
 * Memory: the returned model is owned by the caller (rnnamp_model_free).
 */
#ifndef RNNAMP_FORMAT_GUITARML_H
#define RNNAMP_FORMAT_GUITARML_H

#include <jansson.h>

#include "json_util.h"
#include "model.h"

/* The rate of a file that states none: GuitarML's trainer records at
 * 44.1 kHz and Proteus / NeuralPi run its models at 44.1 kHz. */
#define RNNAMP_GUITARML_DEFAULT_RATE 44100.0

/* 1 if root looks like this format ("model_data" and "state_dict"). */
int rnnamp_guitarml_detect(const json_t *root);

/* Build a model from a parsed file, or NULL with a message naming the file,
 * the key and the problem. */
rnnamp_model *rnnamp_guitarml_from_json(const json_t *root,
                                        const rnnamp_jctx *c);

#endif
