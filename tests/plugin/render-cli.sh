#!/bin/sh
# rnnamp-render: every user error exits non-zero with a message naming the
# problem; a good run writes the file. Runs with LV2_PATH unset: the tool
# finds the build tree's bundle next to itself; an explicit LV2_PATH (one
# without the bundle) still wins. LV2_PATH_DIR, the build's LV2 folder,
# is used for one check that it works when given.
# Stereo: the stereo plugin plays each channel of a stereo file as the
# mono plugin plays it alone, and a mono file on both sides.
# usage: render-cli.sh LV2_PATH_DIR RNNAMP_RENDER RNNAMP_ESR
set -u
lv2dir=$1
unset LV2_PATH
render=$2
esr=$3
tmp=$(mktemp -d /tmp/rnnamp-render-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect_fail "what" "pattern in stderr" args...
expect_fail() {
    what=$1
    pat=$2
    shift 2
    if "$render" "$@" >"$tmp/out" 2>"$tmp/err"; then
        echo "FAIL: $what: exit status 0" >&2
        fails=$((fails + 1))
    elif ! grep -q -- "$pat" "$tmp/err"; then
        echo "FAIL: $what: message lacks '$pat':" >&2
        cat "$tmp/err" >&2
        fails=$((fails + 1))
    else
        echo "ok: $what: $(tail -n 1 "$tmp/err")"
    fi
}

sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/in.wav" synth 0.3 sine 220
printf '{"layers": [' >"$tmp/corrupt.json"
preset=http://rnnamp.org/presets/demo-lstm8

expect_fail "unknown plugin" "no such LV2 plugin is installed: <urn:nope>" \
    --plugin urn:nope "$tmp/in.wav" "$tmp/o.wav"
expect_fail "unknown preset" "unknown preset <urn:nope>" \
    --preset urn:nope "$tmp/in.wav" "$tmp/o.wav"
expect_fail "unknown port" "unknown control port 'volume'" \
    --set volume=1 "$tmp/in.wav" "$tmp/o.wav"
expect_fail "out of range" "out of range -24..24" \
    --set input_gain=30 "$tmp/in.wav" "$tmp/o.wav"
expect_fail "not a number" "'loud' is not a number" \
    --set input_gain=loud "$tmp/in.wav" "$tmp/o.wav"
expect_fail "missing model" "missing.json" \
    --model "$tmp/missing.json" "$tmp/in.wav" "$tmp/o.wav"
expect_fail "corrupt model" "corrupt.json" \
    --model "$tmp/corrupt.json" "$tmp/in.wav" "$tmp/o.wav"
expect_fail "missing IR" "IR error: $tmp/missing-ir.wav: cannot open" \
    --ir "$tmp/missing-ir.wav" "$tmp/in.wav" "$tmp/o.wav"
expect_fail "IR not audio" "IR error: $tmp/corrupt.json: not an audio file" \
    --ir "$tmp/corrupt.json" "$tmp/in.wav" "$tmp/o.wav"
expect_fail "missing input" "nothere.wav" \
    "$tmp/nothere.wav" "$tmp/o.wav"
expect_fail "wrong rate" "resample the file first" \
    --rate 44100 "$tmp/in.wav" "$tmp/o.wav"
expect_fail "bad block" "--block 0" \
    --block 0 "$tmp/in.wav" "$tmp/o.wav"
expect_fail "unknown option" "unknown option '--frobnicate'" \
    --frobnicate "$tmp/in.wav" "$tmp/o.wav"
mkdir "$tmp/folder" "$tmp/empty-lv2"
cp "$(dirname "$0")/../../presets/rnnamp-demo.lv2/demo-lstm8.json" "$tmp/folder/a.json"
echo "notes" >"$tmp/folder/notes.txt"
expect_fail "missing model folder" "--model-dir $tmp/nope: No such file or directory" \
    --model-dir "$tmp/nope" "$tmp/in.wav" "$tmp/o.wav"
expect_fail "model and folder" "give one of --preset, --model and --model-dir" \
    --model "$tmp/folder/a.json" --model-dir "$tmp/folder" "$tmp/in.wav" "$tmp/o.wav"
expect_fail "program past the folder" "program 1: model folder $tmp/folder holds only 1 model (programs 0..0); 1 model: 0 a.json; skipped 1: notes.txt (not a model file)" \
    --model-dir "$tmp/folder" --set program=1 "$tmp/in.wav" "$tmp/o.wav"
expect_fail "program out of range" "out of range 0..127" \
    --model-dir "$tmp/folder" --set program=128 "$tmp/in.wav" "$tmp/o.wav"
export LV2_PATH="$tmp/empty-lv2"
expect_fail "explicit LV2_PATH wins" \
    "no such LV2 plugin is installed: <http://rnnamp.org/plugins/rnnamp> (run lv2ls to list them, or set LV2_PATH; now $tmp/empty-lv2)" \
    --preset "$preset" "$tmp/in.wav" "$tmp/o.wav"
unset LV2_PATH
[ -e "$tmp/o.wav" ] && { echo "FAIL: output written on error" >&2; fails=$((fails + 1)); }

if LV2_PATH=$lv2dir "$render" --quiet --preset "$preset" "$tmp/in.wav" "$tmp/o.wav"; then
    echo "ok: preset render with LV2_PATH=$lv2dir"
else
    echo "FAIL: preset render with LV2_PATH=$lv2dir" >&2
    fails=$((fails + 1))
fi

if "$render" --quiet --preset "$preset" --block 100 "$tmp/in.wav" "$tmp/o.wav" &&
    [ "$(soxi -s "$tmp/o.wav")" = "$(soxi -s "$tmp/in.wav")" ]; then
    echo "ok: preset render, same length"
else
    echo "FAIL: preset render" >&2
    fails=$((fails + 1))
fi
# a stereo 44.1 kHz IR on top of the preset: loads (first channel,
# resampled), same length out. The numbers (render with IR = render
# without, convolved with the unit-energy IR) are checked in test_plugin.c.
sox -n -r 44100 -c 2 "$tmp/ir.wav" synth 0.02 whitenoise fade 0 0.02 0.02
if "$render" --preset "$preset" --ir "$tmp/ir.wav" "$tmp/in.wav" "$tmp/o.wav" \
    2>"$tmp/err" && [ "$(soxi -s "$tmp/o.wav")" = "$(soxi -s "$tmp/in.wav")" ] &&
    grep -q "IR loaded ir.wav: 960 taps at 48000 Hz, resampled from 44100 Hz, first of 2 channels" "$tmp/err"; then
    echo "ok: preset + IR render: $(tail -n 1 "$tmp/err")"
else
    echo "FAIL: preset + IR render" >&2
    cat "$tmp/err" >&2
    fails=$((fails + 1))
fi

# same_as "what" reference test channel: ESR below 1e-12 (the same numbers)
same_as() {
    if ! out=$("$esr" "$2" "$3" --channel "$4"); then
        echo "FAIL: $1: rnnamp-esr failed" >&2
        fails=$((fails + 1))
    elif echo "$out" | awk '{ exit !($2 < 1e-12) }'; then
        echo "ok: $1: $out"
    else
        echo "FAIL: $1: $out" >&2
        fails=$((fails + 1))
    fi
}
stereo=http://rnnamp.org/plugins/rnnamp#stereo
model=$(dirname "$0")/../../presets/rnnamp-demo.lv2/demo-lstm8.json
sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/l.wav" synth 0.3 sine 220
sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/r.wav" synth 0.3 sawtooth 330 vol 0.5
sox -M "$tmp/l.wav" "$tmp/r.wav" "$tmp/lr.wav"
for f in l r; do
    "$render" --quiet --model "$model" "$tmp/$f.wav" "$tmp/m$f.wav" ||
        { echo "FAIL: mono render of $f.wav" >&2; fails=$((fails + 1)); }
done
if "$render" --plugin "$stereo" --model "$model" "$tmp/lr.wav" "$tmp/s.wav" \
    2>"$tmp/err" && [ "$(soxi -c "$tmp/s.wav" 2>/dev/null)" = 2 ] &&
    [ "$(soxi -s "$tmp/s.wav" 2>/dev/null)" = "$(soxi -s "$tmp/lr.wav")" ]; then
    echo "ok: stereo render writes two channels"
    same_as "stereo render, left = mono render of the left channel" \
        "$tmp/ml.wav" "$tmp/s.wav" 0
    same_as "stereo render, right = mono render of the right channel" \
        "$tmp/mr.wav" "$tmp/s.wav" 1
else
    echo "FAIL: stereo render" >&2
    cat "$tmp/err" >&2
    fails=$((fails + 1))
fi
if "$render" --plugin "$stereo" --model "$model" "$tmp/l.wav" "$tmp/sm.wav" \
    2>"$tmp/err" && grep -q "l.wav is mono: it feeds all 2 inputs" "$tmp/err" &&
    [ "$(soxi -c "$tmp/sm.wav" 2>/dev/null)" = 2 ]; then
    same_as "mono file into the stereo plugin, left" "$tmp/ml.wav" "$tmp/sm.wav" 0
    same_as "mono file into the stereo plugin, right" "$tmp/ml.wav" "$tmp/sm.wav" 1
else
    echo "FAIL: mono file into the stereo plugin" >&2
    cat "$tmp/err" >&2
    fails=$((fails + 1))
fi
# a stereo file into the mono plugin: its first channel, with a note
if "$render" --model "$model" "$tmp/lr.wav" "$tmp/ms.wav" 2>"$tmp/err" &&
    grep -q "lr.wav has 2 channels, using the first 1" "$tmp/err" &&
    [ "$(soxi -c "$tmp/ms.wav" 2>/dev/null)" = 1 ]; then
    same_as "stereo file into the mono plugin" "$tmp/ml.wav" "$tmp/ms.wav" 0
else
    echo "FAIL: stereo file into the mono plugin" >&2
    cat "$tmp/err" >&2
    fails=$((fails + 1))
fi
[ $fails -eq 0 ] || exit 1
