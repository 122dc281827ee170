#!/bin/sh
# WaveNet speed, rnnamp against NeuralAmpModelerCore, side by side in one
# run: for every model, rounds alternate rnnamp-bench (128-sample blocks,
# AVX2+FMA or the best kernel) and NAM Core's benchmodel (if given), and
# the median of the rounds is printed as ns/sample and % of one core at
# 48 kHz.
#
# usage: tools/bench-wavenet.sh BUILD_DIR [NAMCORE_BENCHMODEL] [ROUNDS]
#   NAMCORE_BENCHMODEL: NeuralAmpModelerCore's tools/benchmodel built by
#   you in a scratch folder (never committed), with its AUDIO_BUFFER_SIZE
#   set to 128 and its length read from NAM_BENCH_SECONDS (see the README,
#   Benchmarks); without it only rnnamp is measured.
# Models: A1 standard and A2 (lite = size 0.25: the submodel below max_value 0.5; full = size 1) from
# ../shared/models/nam-wavenet, A1 lite / feather / nano shapes from
# tests/engine/wavenet-shapes (random weights).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:?usage: bench-wavenet.sh BUILD_DIR [NAMCORE_BENCHMODEL] [ROUNDS]}
NAM=${2:-}
ROUNDS=${3:-5}
SHARED=${RNNAMP_SHARED_DIR:-$SRC/../shared}
W=$SHARED/models/nam-wavenet
S=$SRC/tests/engine/wavenet-shapes
SECONDS_NAM=10
bench="$BUILD/tools/rnnamp-bench"
[ -x "$bench" ] || { echo "bench-wavenet: $bench not found: build first" >&2; exit 1; }
[ -d "$W" ] || { echo "bench-wavenet: $W missing" >&2; exit 1; }

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# name | file | size (0..1, or -)
MODELS="A1 standard|$W/wavenet_a1_standard.nam|-
A1 lite|$S/a1_lite.nam|-
A1 feather|$S/a1_feather.nam|-
A1 nano|$S/a1_nano.nam|-
A2 lite (size 0.25)|$W/A2.nam|0.25
A2 full (size 1)|$W/A2.nam|1"

printf '| model | rnnamp ns/sample | rnnamp %% core | NAM Core ns/sample | NAM Core %% core | NAM Core / rnnamp |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
echo "$MODELS" | while IFS='|' read -r name file size; do
    r_list="" n_list=""
    i=0
    while [ $i -lt "$ROUNDS" ]; do
        if [ "$size" = - ]; then
            out=$("$bench" --model "$file" --samples 480000 --repeats 1 2>&1)
        else
            out=$("$bench" --model "$file" --size "$size" --samples 480000 --repeats 1 2>&1)
        fi
        r=$(echo "$out" | awk -F'|' '/ns\/sample/ { next } NF > 4 && $3 ~ /[0-9]/ { gsub(/ /, "", $3); print $3 }' | tail -n 1)
        r_list="$r_list $r"
        if [ -n "$NAM" ]; then
            if [ "$size" = - ]; then
                nout=$(NAM_BENCH_SECONDS=$SECONDS_NAM "$NAM" "$file" 2>&1)
            else
                nout=$(NAM_BENCH_SECONDS=$SECONDS_NAM "$NAM" --slim "$size" "$file" 2>&1)
            fi
            ms=$(echo "$nout" | grep 'ms$' | tail -n 1 | sed 's/ms//')
            n_list="$n_list $(awk -v m="$ms" -v s=$SECONDS_NAM 'BEGIN { printf "%.1f", m * 1e6 / (s * 48000) }')"
        fi
        i=$((i + 1))
    done
    r=$(echo "$r_list" | tr ' ' '\n' | grep . | median)
    if [ -n "$NAM" ]; then
        n=$(echo "$n_list" | tr ' ' '\n' | grep . | median)
        awk -v name="$name" -v r="$r" -v n="$n" 'BEGIN {
            printf "| %s | %.1f | %.2f %% | %.1f | %.2f %% | %.2f× |\n",
                name, r, r * 48000 / 1e7, n, n * 48000 / 1e7, n / r }'
    else
        awk -v name="$name" -v r="$r" 'BEGIN {
            printf "| %s | %.1f | %.2f %% | – | – | – |\n", name, r, r * 48000 / 1e7 }'
    fi
done
