#!/bin/sh
# The plugin binary links only the real-time library: no OpenBLAS, cairo
# or lilv among its needed libraries, and none of their symbols among its
# undefined ones (a static archive member pulled in by mistake would show
# up here even if the linker dropped the library). libsndfile and FFTW3
# (libfftw3f) are allowed: the worker reads cabinet IR files with
# libsndfile, and the convolver runs on FFTW3 plans.
#
# Usage: tests/lint/plugin-links.sh path/to/rnnamp.so
set -eu
so=$1
[ -f "$so" ] || { echo "no such plugin binary: $so" >&2; exit 1; }
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "rnnamp.so needs: $(echo $needed)"
bad=0
for lib in libopenblas libblas libcairo liblilv; do
    if echo "$needed" | grep -q "^$lib"; then
        echo "FAIL: the plugin links $lib" >&2
        bad=1
    fi
done
undef=$(nm -D --undefined-only "$so" | awk '{print $NF}')
for prefix in cblas_ sgemm_ cairo_ lilv_; do
    hits=$(echo "$undef" | grep "^$prefix" || true)
    if [ -n "$hits" ]; then
        echo "FAIL: the plugin uses $prefix symbols: $(echo $hits)" >&2
        bad=1
    fi
done
# The check itself must be able to fail: the same scan finds libm's
# symbols, which the plugin does use.
echo "$undef" | grep -q '^expf\|^tanhf\|^exp\b\|^pow' ||
    { echo "FAIL: the symbol scan found no libm symbol; is nm working?" >&2; bad=1; }
[ "$bad" -eq 0 ] &&
    echo "ok: no OpenBLAS, cairo or lilv in the plugin (libsndfile and FFTW3 allowed)"
exit "$bad"
