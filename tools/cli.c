/* rnnamp tools: the one command-line helper. See cli.h. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A decimal whole number with an optional sign: *neg and its magnitude.
 * Returns 0, or -1 when s is not one (or does not fit 64 bits). */
static int whole(const char *s, int *neg, unsigned long long *mag)
{
    char *end;
    *neg = *s == '-';
    const char *d = s + (*s == '-' || *s == '+');
    if (*d < '0' || *d > '9')
        return -1;
    errno = 0;
    *mag = strtoull(d, &end, 10);
    return *end || errno ? -1 : 0;
}

int cli_int(const char *prog, const char *opt, const char *s, int lo, int hi,
            int *v)
{
    int neg;
    unsigned long long m;
    long long x = 0;
    int ok = !whole(s, &neg, &m) && m <= (unsigned long long)LLONG_MAX;
    if (ok) {
        x = neg ? -(long long)m : (long long)m;
        ok = x >= lo && x <= hi;
    }
    if (!ok) {
        fprintf(stderr, "%s: %s %s: must be a whole number from %d to %d\n",
                prog, opt, s, lo, hi);
        return -1;
    }
    *v = (int)x;
    return 0;
}

int cli_u64(const char *prog, const char *opt, const char *s, uint64_t lo,
            uint64_t hi, uint64_t *v)
{
    int neg;
    unsigned long long m;
    if (whole(s, &neg, &m) || (neg && m) || m < lo || m > hi) {
        fprintf(stderr, "%s: %s %s: must be a whole number from %llu to %llu\n",
                prog, opt, s, (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    *v = (uint64_t)m;
    return 0;
}

int cli_double(const char *prog, const char *opt, const char *s, double lo,
               double hi, double *v)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno || !(d >= lo && d <= hi)) {
        fprintf(stderr, "%s: %s %s: must be a number from %g to %g\n", prog,
                opt, s, lo, hi);
        return -1;
    }
    *v = d;
    return 0;
}

int cli_number(const char *prog, const char *opt, const char *s, double *v)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(d)) {
        fprintf(stderr, "%s: %s: '%s' is not a number\n", prog, opt, s);
        return -1;
    }
    *v = d;
    return 0;
}

int cli_arch(const char *prog, const char *opt, const char *s,
             rnnamp_layer_type *v)
{
    static const rnnamp_layer_type types[] = {RNNAMP_LSTM, RNNAMP_GRU,
                                              RNNAMP_RNN};
    static const char *const names[] = {"lstm", "gru", "rnn"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) {
            *v = types[i];
            return 0;
        }
    fprintf(stderr, "%s: %s %s: must be lstm, gru or rnn\n", prog, opt, s);
    return -1;
}

void cli_getopt_error(const char *prog, int c, char **argv)
{
    const char *a = argv[optind - 1];
    char shortopt[3] = {'-', (char)optopt, '\0'};
    if (strncmp(a, "--", 2) != 0 && optopt > 0 && optopt < 128)
        a = shortopt; /* a short option, maybe inside a cluster (-xo) */
    if (c == ':')
        fprintf(stderr, "%s: %s needs a value\n", prog, a);
    else
        fprintf(stderr, "%s: unknown option '%s'\n", prog, a);
}

int cli_no_more_args(const char *prog, int argc, char **argv)
{
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
        return -1;
    }
    return 0;
}

#define CLI_MAX_OPTIONS 64

/* Store one option's value into dst. Returns 0 or -1 (message printed). */
static int store(const char *prog, const cli_option *o, void *dst,
                 cli_call_fn call, const char *arg, int argc, char **argv)
{
    char name[80];
    snprintf(name, sizeof name, "--%s", o->name);
    void *p = (char *)dst + o->off;
    int rc = 0;
    switch (o->kind) {
    case CLI_FLAG: *(int *)p = 1; break;
    case CLI_STRING: *(const char **)p = arg; break;
    case CLI_INT:
        rc = cli_int(prog, name, arg, (int)o->lo, (int)o->hi, p);
        break;
    case CLI_DOUBLE: rc = cli_double(prog, name, arg, o->lo, o->hi, p); break;
    case CLI_U64: {
        /* hi 2^64 (e.g. (double)UINT64_MAX) means "any" */
        uint64_t hi =
            o->hi >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)o->hi;
        rc = cli_u64(prog, name, arg, (uint64_t)o->lo, hi, p);
        break;
    }
    case CLI_ARCH: rc = cli_arch(prog, name, arg, p); break;
    case CLI_CALL:
    case CLI_CALL0: rc = call(dst, o, arg, argc, argv); break;
    }
    if (!rc && o->given)
        *(int *)((char *)dst + o->given - 1) = 1;
    return rc;
}

int cli_parse(const char *prog, const cli_option *table, void *dst,
              cli_call_fn call, int argc, char **argv)
{
    struct option lo[CLI_MAX_OPTIONS + 2];
    char so[3 * CLI_MAX_OPTIONS + 4] = ":h";
    size_t ns = 2;
    int n = 0;
    for (; table[n].name; n++) {
        if (n == CLI_MAX_OPTIONS)
            abort(); /* a tool's table is too long: a programming error */
        int has_arg = table[n].kind != CLI_FLAG && table[n].kind != CLI_CALL0;
        lo[n] = (struct option){table[n].name, has_arg, NULL, 256 + n};
        if (table[n].letter) {
            so[ns++] = table[n].letter;
            if (has_arg)
                so[ns++] = ':';
        }
    }
    so[ns] = '\0';
    lo[n] = (struct option){"help", 0, NULL, 'h'};
    lo[n + 1] = (struct option){0, 0, 0, 0};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        if (c == 'h')
            return 1;
        if (c == '?' || c == ':') {
            cli_getopt_error(prog, c, argv);
            return -1;
        }
        int i = c - 256;
        if (c < 256) /* a short option letter */
            for (i = 0; i < n && table[i].letter != c; i++)
                ;
        if (store(prog, &table[i], dst, call, optarg, argc, argv))
            return -1;
    }
    return 0;
}

double cli_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int cli_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
