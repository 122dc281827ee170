#!/bin/sh
# Render the three real guitar DI clips in ../shared/real-di (MIT, 44.1 kHz)
# at 48 kHz through the same LV2 plugin and settings as the demo target, as
# a held-out real-DI evaluation set for models trained on data/demo.
#
# usage: tools/make-real-di-eval.sh [BUILD_DIR] [OUT_DIR]
#   OUT_DIR default: BUILD_DIR/real-di-eval; gets input_00N.wav (48 kHz DI)
#   and input_00N.target.wav (plugin output). Not committed: rebuild them.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
OUT=${2:-$BUILD/real-di-eval}
SHARED=${RNNAMP_SHARED_DIR:-$SRC/../shared}
PLUGIN='http://guitarix.sourceforge.net/plugins/gxts9#ts9sim'
PLUGIN_SET='--set fslider2_=0.5 --set fslider1_=400 --set fslider0_=-10'

die() {
    echo "make-real-di-eval: $*" >&2
    exit 1
}
[ -x "$BUILD/tools/rnnamp-render" ] ||
    die "$BUILD/tools/rnnamp-render not found: build first"
[ -d "$SHARED/real-di/nicolagulmini" ] ||
    die "$SHARED/real-di/nicolagulmini is missing (see ../shared/README.md)"
mkdir -p "$OUT"
for n in 005 006 007; do
    in="$SHARED/real-di/nicolagulmini/input_$n.wav"
    # Keep the level; high-quality resampling to 48 kHz; float output.
    sox -R -D "$in" -e floating-point -b 32 "$OUT/input_$n.wav" rate -v 48000
    # shellcheck disable=SC2086
    "$BUILD/tools/rnnamp-render" --quiet --plugin "$PLUGIN" $PLUGIN_SET \
        "$OUT/input_$n.wav" "$OUT/input_$n.target.wav"
    echo "$OUT/input_$n.wav -> $OUT/input_$n.target.wav"
done
