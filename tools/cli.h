/* rnnamp tools: the one command-line helper.
 *
 * Number parsing with range checks and getopt_long error messages, shared
 * by every tool in tools/. Each function that rejects an argument prints
 * one line to stderr that starts with the program name and names the
 * option and the bad value, e.g.
 *   rnnamp-capture: --hidden 0: must be a whole number from 1 to 64
 * and returns -1; nothing is stored in *v then.
 *
 * Threads: the main thread (getopt_long is not reentrant). Memory: no
 * allocation.
 */
#ifndef RNNAMP_TOOLS_CLI_H
#define RNNAMP_TOOLS_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* A whole number lo..hi (decimal). Returns 0, or -1 with a message. */
int cli_int(const char *prog, const char *opt, const char *s, int lo, int hi,
            int *v);

/* A whole number lo..hi that fits 64 bits (seeds). */
int cli_u64(const char *prog, const char *opt, const char *s, uint64_t lo,
            uint64_t hi, uint64_t *v);

/* A finite number lo..hi. */
int cli_double(const char *prog, const char *opt, const char *s, double lo,
               double hi, double *v);

/* Any finite number (no range: the caller or a plugin checks it); the
 * message is "PROG: OPT: 'S' is not a number". */
int cli_number(const char *prog, const char *opt, const char *s, double *v);

/* --arch lstm|gru|rnn. */
int cli_arch(const char *prog, const char *opt, const char *s,
             rnnamp_layer_type *v);

/* getopt_long with opterr = 0 and a leading ':' in the option string
 * returned c == '?' or ':' for argv[optind - 1] (or the short option
 * optopt): print "PROG: unknown option 'X'" or "PROG: X needs a value". */
void cli_getopt_error(const char *prog, int c, char **argv);

/* After the getopt_long loop: if arguments remain from argv[optind] on,
 * print "PROG: unexpected argument 'X'" and return -1; else 0. */
int cli_no_more_args(const char *prog, int argc, char **argv);

/* ---- table-driven getopt_long ------------------------------------------
 * A tool describes its options in a table; cli_parse() stores each value
 * into the tool's options struct at the given offset, range-checked, so
 * that no tool repeats an "if this option, parse a number, check it"
 * block. --help / -h is always known. */
typedef enum {
    CLI_FLAG,   /* no value: int at off set to 1 */
    CLI_STRING, /* const char * at off (points into argv) */
    CLI_INT,    /* int at off, lo..hi */
    CLI_DOUBLE, /* double at off, lo..hi */
    CLI_U64,    /* uint64_t at off, lo..hi */
    CLI_ARCH,   /* rnnamp_layer_type at off (lstm|gru|rnn) */
    CLI_CALL,   /* a value handed to the tool's cli_call_fn */
    CLI_CALL0,  /* no value; the tool's cli_call_fn gets arg NULL */
} cli_kind;

typedef struct {
    const char *name; /* long name without "--"; NULL ends the table */
    char letter;      /* short option letter, or 0 */
    cli_kind kind;
    double lo, hi; /* CLI_INT, CLI_DOUBLE, CLI_U64 (hi >= 2^64: any) */
    size_t off;    /* offset of the value in the tool's struct */
    size_t given;  /* CLI_GIVEN(): an int set to 1 when given; 0: none */
} cli_option;

#define CLI_GIVEN(type, field) (offsetof(type, field) + 1)

/* For CLI_CALL / CLI_CALL0 options: dst is cli_parse()'s dst, opt the
 * table row, arg its value (NULL for CLI_CALL0). May take further values
 * from argv[optind++] (argc bounds them). Returns 0, or -1 after printing
 * a message that starts with the program name. */
typedef int (*cli_call_fn)(void *dst, const cli_option *opt, const char *arg,
                           int argc, char **argv);

/* Parse argv with getopt_long against table (at most 64 rows; call may be
 * NULL when it has no CLI_CALL rows). Positional
 * arguments are left (permuted) at argv[optind..argc). Returns 0, 1 when
 * --help / -h was given (nothing else is checked; the tool prints its
 * usage), or -1 after printing a message naming the option and the bad
 * value. */
int cli_parse(const char *prog, const cli_option *table, void *dst,
              cli_call_fn call, int argc, char **argv);

/* For the benchmark tools: a monotonic clock in seconds, and a qsort
 * comparison of doubles (ascending). */
double cli_now_seconds(void);
int cli_cmp_double(const void *a, const void *b);

#endif
