#!/bin/sh
# Rebuild the demo DI/target pair in data/demo/ from Debian packages only.
#
# usage: tools/make-demo-data.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR  meson build directory with tools/rnnamp-midi-gen and
#              tools/rnnamp-render (default: ./build)
#   OUT_DIR    where di.flac and target.flac go (default: data/demo)
#
# Steps (all deterministic, the same inputs give the same files):
#  1. rnnamp-midi-gen writes a guitar-like MIDI file (chords, lead lines,
#     palm-muted chugs, bends, sustained notes, velocities 20..127);
#  2. fluidsynth renders it with the FluidR3 GM soundfont (clean/muted/jazz
#     electric guitar programs), reverb and chorus off, at 48 kHz;
#  3. sox adds exponential sine sweeps and pink/white noise bursts at
#     several levels and short silences, and sets a pickup-like level (guitar
#     peaks -10 dBFS, RMS about -30 dBFS);
#  4. rnnamp-render runs the DI through the guitarix Tube Screamer LV2
#     plugin (drive 0.5, tone 400 Hz, level -10 dB) to make the target.
# Needs: fluidsynth, fluid-soundfont-gm, sox, guitarix-lv2.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
OUT=${2:-$SRC/data/demo}
SF2=/usr/share/sounds/sf2/FluidR3_GM.sf2
PLUGIN='http://guitarix.sourceforge.net/plugins/gxts9#ts9sim'
PLUGIN_SET='--set fslider2_=0.5 --set fslider1_=400 --set fslider0_=-10'
RATE=48000

die() {
    echo "make-demo-data: $*" >&2
    exit 1
}

for t in rnnamp-midi-gen rnnamp-render; do
    [ -x "$BUILD/tools/$t" ] ||
        die "$BUILD/tools/$t not found: build first (ninja -C $BUILD)"
done
command -v fluidsynth >/dev/null || die "fluidsynth is not installed"
command -v sox >/dev/null || die "sox is not installed"
[ -r "$SF2" ] || die "$SF2 not found (apt-get install fluid-soundfont-gm)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
mkdir -p "$OUT"

# sox: -R repeatable, -D no dither; float intermediates.
SOXF="-R -D"
FMT="-r $RATE -c 1 -e floating-point -b 32"

# 1-2. Guitar.
"$BUILD/tools/rnnamp-midi-gen" --seconds 55 --seed 1 "$TMP/guitar.mid"
fluidsynth -ni -q -R 0 -C 0 -r $RATE -g 0.5 -O float -T wav \
    -F "$TMP/fs.wav" "$SF2" "$TMP/guitar.mid" >/dev/null
# Mono (the guitar programs are centred), peak -10 dBFS.
sox $SOXF "$TMP/fs.wav" $FMT "$TMP/guitar.wav" remix 1 gain -n -10

# 3. Test signals.
sox $SOXF -n $FMT "$TMP/sil.wav" trim 0 0.5
parts="$TMP/guitar.wav $TMP/sil.wav"
i=0
for lvl in -40 -26 -14; do
    i=$((i + 1))
    sox $SOXF -n $FMT "$TMP/sweep$i.wav" synth 3 sine 20/20000 \
        fade 0.02 3 0.02 gain -n $lvl
    parts="$parts $TMP/sweep$i.wav $TMP/sil.wav"
done
for lvl in -36 -24 -12; do
    i=$((i + 1))
    sox $SOXF -n $FMT "$TMP/pink$i.wav" synth 1.5 pinknoise \
        fade 0.01 1.5 0.01 gain -n $lvl
    sox $SOXF -n $FMT "$TMP/white$i.wav" synth 1 whitenoise vol 0.5 \
        lowpass 8000 fade 0.01 1 0.01 gain -n $((lvl - 4))
    parts="$parts $TMP/pink$i.wav $TMP/sil.wav $TMP/white$i.wav $TMP/sil.wav"
done
# shellcheck disable=SC2086
sox $SOXF $parts $FMT "$TMP/di.wav"
sox $SOXF "$TMP/di.wav" -b 16 "$OUT/di.flac"

# 4. Target: the 16-bit DI (exactly what users get) through the plugin.
# shellcheck disable=SC2086
"$BUILD/tools/rnnamp-render" --plugin "$PLUGIN" $PLUGIN_SET \
    "$OUT/di.flac" "$TMP/target.wav"
peak=$(sox "$TMP/target.wav" -n stats 2>&1 | awk '/^Pk lev dB/ {print $4}')
awk -v p="$peak" 'BEGIN { exit !(p < -0.5) }' ||
    die "target peak $peak dBFS would clip in 16-bit FLAC"
sox $SOXF "$TMP/target.wav" -b 16 "$OUT/target.flac"

for f in di target; do
    printf '%s: ' "$OUT/$f.flac"
    sox "$OUT/$f.flac" -n stats 2>&1 |
        awk '/^Pk lev dB|^RMS lev dB|^Length s/ {printf "%s %s %s %s  ", $1, $2, $3, $4} END {print ""}'
done
