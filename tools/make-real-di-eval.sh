#!/bin/sh
# Render the three real guitar DI clips in ../shared/real-di (MIT, 44.1 kHz)
# at 48 kHz through the same LV2 plugin and settings as the demo target, as
# a held-out real-DI evaluation set for models trained on data/demo.
#
# usage: tools/make-real-di-eval.sh [BUILD_DIR] [OUT_DIR]
#   OUT_DIR default: BUILD_DIR/real-di-eval; gets input_00N.wav (48 kHz DI)
#   and input_00N.target.wav (plugin output), and the same clip at hot
#   level, input_00N_hot.wav and input_00N_hot.target.wav: raised to an RMS
#   of 0.075 (-22.5 dBFS, a hot pickup played hard), the gain capped so
#   that peaks stay at -1 dBFS (as rnnamp-capture's held-out "@hot"
#   copies, capture_eval.h). Not committed: rebuild them.
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
# The gain in dB that raises FILE to RMS 0.075, capped at a -1 dBFS peak
# (never below 0 dB).
hot_gain_db() {
    sox "$1" -n stats 2>&1 | awk '
        /^RMS lev dB/ { rms = $4 } /^Pk lev dB/ { pk = $4 }
        END { g = -22.4988 - rms; if (-1 - pk < g) g = -1 - pk;
              if (g < 0) g = 0; printf "%.3f", g }'
}
render() {
    # shellcheck disable=SC2086
    "$BUILD/tools/rnnamp-render" --quiet --plugin "$PLUGIN" $PLUGIN_SET \
        "$OUT/$1.wav" "$OUT/$1.target.wav"
    echo "$OUT/$1.wav -> $OUT/$1.target.wav"
}
mkdir -p "$OUT"
for n in 005 006 007; do
    in="$SHARED/real-di/nicolagulmini/input_$n.wav"
    # Keep the level; high-quality resampling to 48 kHz; float output.
    sox -R -D "$in" -e floating-point -b 32 "$OUT/input_$n.wav" rate -v 48000
    render "input_$n"
    g=$(hot_gain_db "$OUT/input_$n.wav")
    sox -R -D "$OUT/input_$n.wav" -e floating-point -b 32 \
        "$OUT/input_${n}_hot.wav" gain "$g"
    echo "input_${n}_hot.wav: input_$n.wav raised by $g dB"
    render "input_${n}_hot"
done
