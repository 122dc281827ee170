/* rnnamp: atomic file writes. See atomic_write.h. */

#include "atomic_write.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rnnamp_atomic_begin(rnnamp_atomic *a, const char *dest, char *err,
                        size_t errlen)
{
    if (!dest || !*dest || strlen(dest) >= sizeof a->dest) {
        rnnamp_seterr(err, errlen, "output path is empty or too long");
        return -1;
    }
    snprintf(a->dest, sizeof a->dest, "%s", dest);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp-XXXXXX", dest);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        rnnamp_seterr(err, errlen, "%s: cannot create a temporary file: %s",
                      dest, strerror(errno));
        a->tmp[0] = '\0';
        return -1;
    }
    fchmod(fd, 0644);
    close(fd);
    return 0;
}

int rnnamp_atomic_commit(rnnamp_atomic *a, char *err, size_t errlen)
{
    int fd = open(a->tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        rnnamp_seterr(err, errlen, "%s: cannot flush %s: %s", a->dest, a->tmp,
                      strerror(errno));
        if (fd >= 0)
            close(fd);
        rnnamp_atomic_abort(a);
        return -1;
    }
    close(fd);
    if (rename(a->tmp, a->dest) != 0) {
        rnnamp_seterr(err, errlen, "%s: cannot rename the temporary file: %s",
                      a->dest, strerror(errno));
        rnnamp_atomic_abort(a);
        return -1;
    }
    a->tmp[0] = '\0';
    return 0;
}

void rnnamp_atomic_abort(rnnamp_atomic *a)
{
    if (a->tmp[0])
        unlink(a->tmp);
    a->tmp[0] = '\0';
}

FILE *rnnamp_atomic_fopen(rnnamp_atomic *a, const char *dest, char *err,
                          size_t errlen)
{
    if (rnnamp_atomic_begin(a, dest, err, errlen) != 0)
        return NULL;
    FILE *f = fopen(a->tmp, "wb");
    if (!f) {
        rnnamp_seterr(err, errlen, "%s: cannot write: %s", dest,
                      strerror(errno));
        rnnamp_atomic_abort(a);
    }
    return f;
}

int rnnamp_atomic_fclose(rnnamp_atomic *a, FILE *f, int ok, char *err,
                         size_t errlen)
{
    int e = ok ? 0 : errno;
    if (fflush(f) != 0) {
        ok = 0;
        e = errno;
    }
    if (fclose(f) != 0) {
        ok = 0;
        e = e ? e : errno;
    }
    if (!ok) {
        rnnamp_seterr(err, errlen,
                      "%s: write failed (%s); the old file is kept", a->dest,
                      e ? strerror(e) : "short write");
        rnnamp_atomic_abort(a);
        return -1;
    }
    return rnnamp_atomic_commit(a, err, errlen);
}

int rnnamp_write_file_atomic(const char *path, const void *data, size_t len,
                             char *err, size_t errlen)
{
    rnnamp_atomic a;
    FILE *f = rnnamp_atomic_fopen(&a, path, err, errlen);
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return rnnamp_atomic_fclose(&a, f, ok, err, errlen);
}
