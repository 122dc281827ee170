#!/bin/sh
# Capture a cabinet impulse response from a Debian LV2 cabinet plugin with
# rnnamp's own offline LV2 host (rnnamp-render), for the shipped cab preset.
#
# usage: tools/make-cab-ir.sh [BUILD_DIR] [OUT.wav]
#   BUILD_DIR  meson build dir with tools/rnnamp-render (default ./build)
#   OUT.wav    the IR (default presets/gx-cab-4x12.wav)
#
# Provenance of the shipped presets/gx-cab-4x12.wav: guitarix-lv2
# 0.44.1+dfsg1-2 (Debian), plugin GxCabinet
# <http://guitarix.sourceforge.net/plugins/gx_cabinet#CABINET>, settings
# Cab Model c_model=0 ("4x12"), Cabinet CLevel=1, Bass CBass=0,
# Treble CTreble=0 (the plugin's defaults), 48 kHz, rnnamp-render's
# synchronous worker. guitarix is GPL-2.0-or-later; the IR is that
# plugin's response (see presets/README.md).
#
# Method: a unit impulse (one sample of 1.0 after 0.1 s of silence, 1 s in
# all, 32-bit float) is run through the plugin; the response from the
# impulse on is the IR. It is trimmed after the last sample within TRIM_DB
# (default -60) of the peak and written as mono 32-bit float WAV at 48 kHz,
# unscaled (the rnnamp plugin normalises IRs to unit energy anyway).
#
# Checks, each fatal when it fails (the numbers are printed):
#   linear         an impulse of 0.25 gives 0.25 x the IR (max deviation
#                  < 1e-5 of the peak)
#   time-invariant the impulse 77 samples later, run in 64-sample blocks
#                  instead of 256, gives the same IR 77 samples later
#                  (< 1e-5 of the peak)
#   causal         nothing above -100 dB of the peak before the impulse
#                  (the plugin reports no latency)
#   decayed        nothing above TRIM_DB of the peak after the trim point
#                  (the rest of the 0.9 s after the impulse)
# Needs: guitarix-lv2, sox, awk.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
OUT=${2:-$SRC/presets/gx-cab-4x12.wav}
TRIM_DB=${TRIM_DB:--60}
RENDER="$BUILD/tools/rnnamp-render"
PLUGIN='http://guitarix.sourceforge.net/plugins/gx_cabinet#CABINET'
SETTINGS="--set c_model=0 --set CLevel=1 --set CBass=0 --set CTreble=0"
RATE=48000
PRE=4800     # silence before the impulse (0.1 s)
TOTAL=48000  # samples in the test file (1 s)

[ -x "$RENDER" ] || {
    echo "make-cab-ir: $RENDER not found: build first" >&2
    exit 1
}
for t in sox awk; do
    command -v $t >/dev/null 2>&1 || {
        echo "make-cab-ir: $t not found" >&2
        exit 1
    }
done
ver=$(dpkg-query -W -f '${Version}' guitarix-lv2 2>/dev/null || echo unknown)
echo "make-cab-ir: GxCabinet from guitarix-lv2 $ver: $SETTINGS" >&2
[ "$ver" = 0.44.1+dfsg1-2 ] ||
    echo "make-cab-ir: note: the shipped IR was made with 0.44.1+dfsg1-2" >&2

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# impulse NAME AMP_BYTES OFFSET: $TMP/NAME.wav, TOTAL samples of float 0
# with the little-endian float32 AMP_BYTES at OFFSET
impulse() {
    {
        head -c $((4 * $3)) /dev/zero
        printf "$2"
        head -c $((4 * (TOTAL - $3 - 1))) /dev/zero
    } >"$TMP/$1.raw"
    sox -V1 -t f32 -L -r $RATE -c 1 "$TMP/$1.raw" -e floating-point -b 32 \
        "$TMP/$1.wav"
}
# run NAME BLOCK: the plugin over $TMP/NAME.wav; samples in $TMP/NAME.txt
run() {
    # shellcheck disable=SC2086
    "$RENDER" --quiet --plugin "$PLUGIN" $SETTINGS --rate $RATE --block "$2" \
        "$TMP/$1.wav" "$TMP/$1.out.wav" >"$TMP/$1.log" 2>&1 || {
        cat "$TMP/$1.log" >&2
        echo "make-cab-ir: rnnamp-render failed on $PLUGIN" >&2
        exit 1
    }
    sox "$TMP/$1.out.wav" -t dat - 2>/dev/null |
        awk '!/^;/ { printf "%.10g\n", $2 }' >"$TMP/$1.txt"
}

impulse unit '\000\000\200\077' $PRE          # 1.0
impulse quarter '\000\000\200\076' $PRE       # 0.25
impulse late '\000\000\200\077' $((PRE + 77)) # 1.0, 77 samples later
run unit 256
run quarter 256
run late 64

# Every check and the trim in one pass over the three responses.
len=$(paste "$TMP/unit.txt" "$TMP/quarter.txt" "$TMP/late.txt" | awk \
    -v pre=$PRE -v db="$TRIM_DB" '
    function abs(v) { return v < 0 ? -v : v }
    { n = NR - 1; u[n] = $1; q[n] = $2; l[n] = $3
      if (abs($1) > pk) pk = abs($1) }
    END {
        if (pk <= 0) { print "make-cab-ir: no response" > "/dev/stderr"; exit 1 }
        thr = pk * 10 ^ (db / 20)
        for (i = NR - 1; i >= pre; i--) if (abs(u[i]) > thr) break
        len = i - pre + 1
        for (i = 0; i < NR; i++) {
            d = abs(4 * q[i] - u[i]); if (d > lin) lin = d
            if (i + 77 < NR) { d = abs(l[i + 77] - u[i]); if (d > tiv) tiv = d }
            if (i < pre && abs(u[i]) > pre_pk) pre_pk = abs(u[i])
            if (i < pre + len) e += u[i] * u[i]; else tail += u[i] * u[i]
        }
        printf "make-cab-ir: peak %.6g; linear: max |4 q - u| %.3g of peak; time-invariant: max |late - u| %.3g of peak; before the impulse %.3g of peak; %d taps to %s dB, energy beyond %.3g of the total\n", \
            pk, lin / pk, tiv / pk, pre_pk / pk, len, db, tail / (e + tail) > "/dev/stderr"
        bad = 0
        if (lin > 1e-5 * pk) { print "make-cab-ir: FAIL: not linear" > "/dev/stderr"; bad = 1 }
        if (tiv > 1e-5 * pk) { print "make-cab-ir: FAIL: not time-invariant" > "/dev/stderr"; bad = 1 }
        if (pre_pk > 1e-5 * pk) { print "make-cab-ir: FAIL: output before the impulse" > "/dev/stderr"; bad = 1 }
        if (len >= NR - pre) { print "make-cab-ir: FAIL: not decayed within the file" > "/dev/stderr"; bad = 1 }
        if (bad) exit 1
        print len
    }')

# the IR: samples PRE .. PRE+len-1 of the unit response
sox -V1 "$TMP/unit.out.wav" -e floating-point -b 32 -c 1 "$OUT" \
    trim ${PRE}s ${len}s
echo "make-cab-ir: wrote $OUT ($len taps, $(wc -c <"$OUT") bytes)" >&2
