/* rnnamp: libFuzzer target for cabinet IR files.
 *
 * Writes arbitrary bytes to an in-memory file (memfd) and loads it with
 * rnnamp_ir_load (libsndfile's readers, first channel, resampling from the
 * file's rate to 48 kHz, normalisation), then builds a convolver on any IR
 * that loads and runs it. Any crash, sanitizer report, leak, hang or
 * non-finite output is a bug. Built and run by tests/fuzz/run-fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "convolver.h"
#include "ir_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-ir", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64], err[512];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    rnnamp_ir ir;
    if (rnnamp_ir_load(path, 48000.0, &ir, err, sizeof err) == RNNAMP_IR_OK) {
        rnnamp_convolver *c =
            rnnamp_convolver_new(ir.h, ir.taps, NULL, err, sizeof err);
        if (c) {
            float buf[256] = {1.0f, -0.5f, 0.25f};
            rnnamp_convolver_process(c, buf, buf, 256);
            for (int i = 0; i < 256; i++)
                if (!(buf[i] == buf[i]) || buf[i] > 3e38f || buf[i] < -3e38f)
                    __builtin_trap(); /* output must be finite */
            rnnamp_convolver_free(c);
        }
    }
    rnnamp_ir_free(&ir);
    close(fd);
    return 0;
}
