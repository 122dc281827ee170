/* rnnamp-esr: error-to-signal ratio between a reference and a test file.
 *
 *   rnnamp-esr reference.wav test.wav [--skip N] [--channel C]
 *
 * ESR = sum (ref - test)^2 / sum ref^2 over the common length, after
 * skipping N samples (default 0), plain and with the 1 - 0.85 z^-1
 * pre-emphasis the trainer uses. Prints NAM's verbal grade too. Exit 1 on a
 * file error, 2 on a usage error. Both files must have the same rate.
 * --channel C (default 0) compares channel C of each file; a mono file
 * takes part with its only channel (a mono reference against one side of
 * a stereo render). */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_io.h"
#include "cli.h"
#include "trainer.h"

#define PROG "rnnamp-esr"

typedef struct {
    int skip, channel;
} esr_args;

static const cli_option option_table[] = {
    {"skip", 0, CLI_INT, 0, INT_MAX, offsetof(esr_args, skip), 0},
    {"channel", 0, CLI_INT, 0, INT_MAX, offsetof(esr_args, channel), 0},
    {NULL, 0, CLI_FLAG, 0, 0, 0, 0},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: rnnamp-esr reference.wav test.wav [--skip N] "
               "[--channel C]\n");
}

int main(int argc, char **argv)
{
    esr_args o = {0, 0};
    int r = cli_parse(PROG, option_table, &o, NULL, argc, argv);
    if (r > 0) {
        usage(stdout);
        return 0;
    }
    if (r || argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    const char *files[2] = {argv[optind], argv[optind + 1]};
    int ch = o.channel;
    long skip = o.skip;
    char err[512];
    rnnamp_audio a, b;
    if (rnnamp_audio_read(files[0], &a, err, sizeof err) != 0) {
        fprintf(stderr, "rnnamp-esr: %s\n", err);
        return 1;
    }
    if (rnnamp_audio_read(files[1], &b, err, sizeof err) != 0) {
        fprintf(stderr, "rnnamp-esr: %s\n", err);
        rnnamp_audio_free(&a);
        return 1;
    }
    int rc = 0;
    if (a.rate != b.rate) {
        fprintf(stderr, "rnnamp-esr: %s is %d Hz but %s is %d Hz\n", files[0],
                a.rate, files[1], b.rate);
        rc = 1;
    } else if ((a.channels > 1 && ch >= a.channels) ||
               (b.channels > 1 && ch >= b.channels)) {
        fprintf(stderr,
                "rnnamp-esr: --channel %d: the files have %d and %d "
                "channels\n",
                ch, a.channels, b.channels);
        rc = 2;
    } else {
        size_t n = a.frames < b.frames ? a.frames : b.frames;
        size_t ca = a.channels > 1 ? (size_t)ch : 0;
        size_t cb = b.channels > 1 ? (size_t)ch : 0;
        double num = 0, den = 0, pnum = 0, pden = 0;
        double pr = 0, pt = 0;
        for (size_t i = (size_t)skip; i < n; i++) {
            double r = a.data[i * (size_t)a.channels + ca];
            double t = b.data[i * (size_t)b.channels + cb];
            num += (r - t) * (r - t);
            den += r * r;
            double er = r - 0.85 * pr, et = t - 0.85 * pt;
            pnum += (er - et) * (er - et);
            pden += er * er;
            pr = r;
            pt = t;
        }
        if (den <= 0) {
            fprintf(stderr, "rnnamp-esr: %s is silent after sample %ld\n",
                    files[0], skip);
            rc = 1;
        } else {
            double esr = num / den;
            printf("ESR %.3g (%.3g%%), pre-emphasised ESR %.3g, over %zu "
                   "samples: %s\n",
                   esr, 100 * esr, pden > 0 ? pnum / pden : 0.0,
                   n - (size_t)skip, rnnamp_esr_grade(esr));
        }
    }
    rnnamp_audio_free(&a);
    rnnamp_audio_free(&b);
    return rc;
}
