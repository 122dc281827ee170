/* rnnamp: libFuzzer target for the model loaders.
 *
 * Feeds arbitrary bytes to rnnamp_model_load_buffer (format detection, the
 * three JSON parsers, validation and the load-time self-test through the
 * engine) and frees whatever comes back. Any crash, sanitizer report, leak
 * or hang is a bug. Built and run by tests/fuzz/run-fuzz.sh. */
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "model_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_load_buffer((const char *)data, size,
                                               "fuzz.json", err, sizeof err);
    if (m) {
        /* A model that loads must also build an engine and run. */
        rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
        if (e) {
            float buf[16] = {0.5f, -0.25f, 1.0f, 0.0f};
            rnnamp_engine_process(e, buf, buf, 16, NULL);
            for (int i = 0; i < 16; i++)
                if (!(buf[i] == buf[i]) || buf[i] > 3e38f || buf[i] < -3e38f)
                    __builtin_trap(); /* output must be finite */
            rnnamp_engine_free(e);
        }
        char s[256];
        rnnamp_model_summary(m, s, sizeof s);
        rnnamp_model_free(m);
    }
    return 0;
}
