#!/bin/sh
# Instructions per sample of WaveNet inference, counted by callgrind
# (independent of machine load), rnnamp against NeuralAmpModelerCore, both
# built for AVX2+FMA (rnnamp's AVX2 kernel forced; NAM Core built with
# -mavx2 -mfma in a scratch folder, never committed: see the README).
#
#   tools/callgrind-wavenet.sh BUILD_DIR [NAMCORE_BENCHMODEL_AVX2]
#
# Each side runs two lengths; the difference divided by the difference in
# samples is one sample's cost, with loading, prewarm and set-up cancelled.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
bench="$1/tools/rnnamp-bench"
NAM=${2:-}
W=${RNNAMP_SHARED_DIR:-$SRC/../shared}/models/nam-wavenet
S=$SRC/tests/engine/wavenet-shapes
cg() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
        awk '/Collected/ {print $4}'
}
ours() { # FILE SIZE
    sz=""
    [ "$2" = - ] || sz="--size $2"
    # shellcheck disable=SC2086
    a=$(cg "$bench" --model "$1" $sz --kernel avx2 --repeats 1 --samples 12800)
    # shellcheck disable=SC2086
    b=$(cg "$bench" --model "$1" $sz --kernel avx2 --repeats 1 --samples 38400)
    echo $(((b - a) / (38400 - 12800)))
}
theirs() { # FILE SIZE
    sl=""
    [ "$2" = - ] || sl="--slim $2"
    # shellcheck disable=SC2086
    a=$(NAM_BENCH_SECONDS=1 cg "$NAM" $sl "$1")
    # shellcheck disable=SC2086
    b=$(NAM_BENCH_SECONDS=2 cg "$NAM" $sl "$1")
    echo $(((b - a) / 48000))
}
printf '| model | rnnamp (AVX2+FMA) instr/sample | NAM Core (-mavx2 -mfma) instr/sample | rnnamp / NAM Core |\n|---|---:|---:|---:|\n'
printf '%s\n' "A1 standard|$W/wavenet_a1_standard.nam|-" \
    "A1 lite|$S/a1_lite.nam|-" "A1 feather|$S/a1_feather.nam|-" \
    "A1 nano|$S/a1_nano.nam|-" "A2 lite (size 0.25)|$W/A2.nam|0.25" \
    "A2 full (size 1)|$W/A2.nam|1" |
    while IFS='|' read -r name file size; do
        r=$(ours "$file" "$size")
        if [ -n "$NAM" ]; then
            n=$(theirs "$file" "$size")
            awk -v a="$name" -v r="$r" -v n="$n" 'BEGIN {
                printf "| %s | %d | %d | %.2f |\n", a, r, n, r / n }'
        else
            printf '| %s | %d | – | – |\n' "$name" "$r"
        fi
    done
