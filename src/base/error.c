/* rnnamp base: the one error-message helper. See error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void rnnamp_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
