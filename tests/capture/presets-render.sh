#!/bin/sh
# Every shipped capture preset (presets/rnnamp-*.lv2 made by
# tools/make-presets.sh) loads in rnnamp-render through LV2_PATH, and the
# preset plays exactly its model: output identical to rnnamp-render
# --model <the bundle's model file> with the preset's output_gain, finite,
# and not silent.
# usage: presets-render.sh LV2_PATH RNNAMP_RENDER RNNAMP_CAPTURE RNNAMP_ESR SRCDIR
set -eu
LV2_PATH=$1
RENDER=$2
CAPTURE=$3
ESR=$4
SRC=$5
export LV2_PATH
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0
# a short DI: the capture signal with 5 s of guitar
"$CAPTURE" --write-signal "$TMP/di.wav" --guitar-seconds 5 >/dev/null
n=0
for dir in "$SRC"/presets/rnnamp-*.lv2; do
    name=$(basename "$dir" .lv2)
    name=${name#rnnamp-}
    [ "$name" = demo ] && continue
    [ -f "$dir/$name.json" ] || continue
    n=$((n + 1))
    uri="http://rnnamp.org/presets/$name"
    if ! "$RENDER" --quiet --preset "$uri" "$TMP/di.wav" "$TMP/p.wav" \
        2>"$TMP/err"; then
        echo "FAIL $name: rnnamp-render --preset $uri failed:"
        cat "$TMP/err"
        fail=1
        continue
    fi
    knob=""
    grep -q '"knob1"' "$dir/$name.ttl" && knob="--set knob1=0.5"
    # the preset's output gain (pset:value on the line after the symbol)
    og=$(awk '/lv2:symbol "output_gain"/ { getline; print $2 }' \
        "$dir/$name.ttl")
    # shellcheck disable=SC2086
    "$RENDER" --quiet --model "$dir/$name.json" $knob \
        --set "output_gain=${og:-0}" "$TMP/di.wav" "$TMP/m.wav" 2>/dev/null
    # compare the samples (the WAV headers carry a time stamp)
    sox "$TMP/p.wav" -t f32 "$TMP/p.raw" 2>/dev/null
    sox "$TMP/m.wav" -t f32 "$TMP/m.raw" 2>/dev/null
    if ! cmp -s "$TMP/p.raw" "$TMP/m.raw"; then
        echo "FAIL $name: preset output differs from its model's output"
        "$ESR" "$TMP/m.wav" "$TMP/p.wav" || true
        fail=1
        continue
    fi
    # finite (rnnamp-esr refuses NaN/Inf) and not silent (RMS > -60 dBFS)
    if ! "$ESR" "$TMP/di.wav" "$TMP/p.wav" >/dev/null 2>&1; then
        echo "FAIL $name: output is not finite audio"
        fail=1
        continue
    fi
    e=$(sox "$TMP/p.wav" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}')
    if ! awk -v r="$e" 'BEGIN { exit !(r > -60) }'; then
        echo "FAIL $name: output RMS $e dBFS: silent"
        fail=1
        continue
    fi
    echo "ok $name (RMS $e dBFS, identical to --model output)"
done
[ $n -gt 0 ] || {
    echo "no capture presets found in $SRC/presets"
    exit 1
}
exit $fail
