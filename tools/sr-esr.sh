#!/bin/sh
# Sample-rate behaviour and CPU cost of the rnnamp plugin, for the README.
#
#   tools/sr-esr.sh BUILDDIR MODEL [DI.wav]
#
# 1. ESR table: renders DI (default: a 4 s test signal made with sox) through
#    the plugin (rnnamp-render, LV2 path as a host would) at 48 kHz (the
#    reference; most models are 48 kHz) and at 44.1, 88.2 and 96 kHz (the
#    input resampled with sox first), resamples each output back to 48 kHz
#    with sox and prints the ESR against the 48 kHz render (rnnamp-esr).
#    Below the model rate the plugin resamples (libsamplerate, fixed
#    latency), above it uses the engine's delay-line correction.
# 2. CPU per instance: user+sys CPU seconds of rnnamp-render over 30 s of
#    audio at 48 kHz, 256-sample blocks, minus the same run with no model,
#    divided by 30 s: the fraction of one core one instance needs (the
#    file I/O and the host are in both runs and cancel out).
# Run it on an otherwise idle machine; it takes well under a minute.
set -eu
build=$(cd "$1" && pwd)
model=$2
di=${3:-}
render="$build/tools/rnnamp-render"
esr="$build/tools/rnnamp-esr"
export LV2_PATH="$build/lv2"
tmp=$(mktemp -d /tmp/rnnamp-sr-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if [ -z "$di" ]; then
    sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/di48.wav" \
        synth 4 sine 110 sine 440 sine 1375 remix 1-3 gain -n -6 \
        fade 0.05 4 0.05
else
    sox "$di" -r 48000 -c 1 -e floating-point -b 32 "$tmp/di48.wav"
fi

"$render" --quiet --model "$model" --set dc_block=0 \
    "$tmp/di48.wav" "$tmp/out48.wav"
printf '%-10s %-28s %s\n' "host rate" "method" "ESR vs 48 kHz render"
for r in 44100 88200 96000 192000; do
    sox -V1 "$tmp/di48.wav" -r $r "$tmp/di$r.wav"
    "$render" --quiet --model "$model" --set dc_block=0 --rate $r \
        "$tmp/di$r.wav" "$tmp/out$r.wav"
    sox -V1 "$tmp/out$r.wav" -r 48000 "$tmp/back$r.wav"
    e=$("$esr" "$tmp/out48.wav" "$tmp/back$r.wav" --skip 4800 |
        head -n 1)
    if [ $r -lt 48000 ]; then
        m="resampled (libsamplerate)"
    else
        m="delay-line state correction"
    fi
    printf '%-10s %-28s %s\n' "$r" "$m" "$e"
done

sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/long.wav" \
    synth 30 sine 220 gain -n -6
cpu() {
    # prints user+sys seconds of one render
    /usr/bin/env time -f "%U %S" -o "$tmp/t" "$render" --quiet --block 128 "$@" \
        "$tmp/long.wav" "$tmp/o.wav"
    awk '{print $1 + $2}' "$tmp/t"
}
base=$(cpu)
with=$(cpu --model "$model")
awk -v a="$with" -v b="$base" 'BEGIN {
    c = (a - b) / 30;
    printf "CPU per instance at 48 kHz: %.4f of one core (%.2f%%), %.0fx real time\n",
        c, 100 * c, (c > 0 ? 1 / c : 0) }'
