/* rnnamp trainer: write an LV2 preset bundle for a trained model.
 *
 * DIR/ (created if missing) receives:
 *   manifest.ttl   - lists the preset for http://rnnamp.org/plugins/rnnamp
 *                    and its stereo twin (...rnnamp#stereo)
 *   <name>.ttl     - the preset; its state sets
 *                    http://rnnamp.org/plugins/rnnamp#model to the model
 *                    file as a path relative to the bundle (atom:Path)
 *                    (and, with an IR, http://rnnamp.org/plugins/rnnamp#ir
 *                    to the IR file, relative the same way)
 *   <model file>   - a copy of the model
 *   <IR file>      - a copy of the cabinet IR, when one is given
 * Every file is written atomically. Hosts (Ardour, jalv -p, Carla) list
 * the preset once DIR is on LV2_PATH (e.g. ~/.lv2/NAME.preset.lv2).
 *
 * Threads: any non-real-time thread. Errors: -1 with a message naming the
 * file.
 */
#ifndef RNNAMP_LV2_PRESET_H
#define RNNAMP_LV2_PRESET_H

#include <stddef.h>

#include "rnnamp_uris.h"

/* label: human name of the preset (any text; quotes are escaped).
 * model_path: the model file to copy into the bundle. */
int rnnamp_lv2_preset_write(const char *dir, const char *label,
                            const char *model_path, char *err, size_t errlen);

/* The same, with a cabinet impulse response: ir_path (any audio file the
 * plugin reads, e.g. WAV) is copied into the bundle next to the model and
 * the preset's state sets #ir to it. ir_path NULL: exactly
 * rnnamp_lv2_preset_write. The two copies must have different file
 * names. */
int rnnamp_lv2_preset_write_ir(const char *dir, const char *label,
                               const char *model_path, const char *ir_path,
                               char *err, size_t errlen);

#endif
