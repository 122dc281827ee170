#!/bin/sh
# Issue 14's baseline, side by side in one run: rnnamp's engine (every
# kernel this CPU runs, rnnamp-bench) against a plain C LSTM loop
# (tools/rnnamp-bench-plain.c) compiled here with -O3 -march=native
# -ffast-math and the size fixed at compile time, on the same networks (the
# loop writes its weights as a NAM LSTM file; tests/engine/test_bench_plain.c
# checks that both compute the same).
# Also the gate product alone (no activations, no recurrence; the same
# file, --product-only, with 512-bit vectors preferred): the floor set by
# reading the float32 weights.
# Rounds alternate the programs; the table gives the median ns/sample per
# program over the rounds. Run it on an idle machine.
#
# usage: tools/bench-plain.sh [BUILD_DIR] [ROUNDS] [HIDDEN...]
#   defaults: build, 5 rounds, hidden sizes 8 16 32
#   NAMCORE_BENCHMODEL=path: also NeuralAmpModelerCore's tools/benchmodel
#   on the same NAM files (built by you in a scratch folder, never
#   committed; buffer 128, length from NAM_BENCH_SECONDS, as for
#   tools/bench-wavenet.sh).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
ROUNDS=${2:-5}
[ $# -gt 2 ] && shift 2 || set --
SIZES=${*:-8 16 32}
CC=${CC:-cc}
[ -x "$BUILD/tools/rnnamp-bench" ] || {
    echo "bench-plain: $BUILD/tools/rnnamp-bench not found: build first" >&2
    exit 1
}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
for h in $SIZES; do # one program per size: H known at compile time
    $CC -O3 -march=native -ffast-math -DPLAIN_H="$h" -o "$TMP/plain$h" \
        "$SRC/tools/rnnamp-bench-plain.c" -lm
    # the gate product alone, 512-bit vectors where the CPU has them: the
    # floor of a kernel that reads float32 weights from L1 (compilers for
    # other CPUs do not know the option)
    $CC -O3 -march=native -ffast-math -mprefer-vector-width=512 \
        -DPLAIN_H="$h" -o "$TMP/product$h" \
        "$SRC/tools/rnnamp-bench-plain.c" -lm 2>/dev/null ||
        $CC -O3 -march=native -ffast-math -DPLAIN_H="$h" \
            -o "$TMP/product$h" "$SRC/tools/rnnamp-bench-plain.c" -lm
    "$TMP/plain$h" --hidden "$h" --seconds 0.01 --repeats 1 \
        --write-nam "$TMP/lstm$h.nam" >/dev/null
done
r=1
while [ "$r" -le "$ROUNDS" ]; do
    for h in $SIZES; do
        "$TMP/plain$h" --hidden "$h" --seconds 2 --repeats 3 |
            awk -v h="$h" '{print "lstm-" h, "plain-c-march-native", $3}'
        "$TMP/product$h" --hidden "$h" --product-only --seconds 2 \
            --repeats 3 |
            awk -v h="$h" '{print "lstm-" h, "gate-product-only", $3}'
        "$BUILD/tools/rnnamp-bench" --model "$TMP/lstm$h.nam" --kernel all \
            --samples 96000 --repeats 3 |
            awk -F'|' -v h="$h" 'NF > 4 && $3 ~ /[0-9]/ {
                gsub(/ /, "", $5); gsub(/ /, "", $3)
                print "lstm-" h, "rnnamp-" $5, $3 }'
        if [ -n "${NAMCORE_BENCHMODEL:-}" ]; then
            NAM_BENCH_SECONDS=10 "$NAMCORE_BENCHMODEL" "$TMP/lstm$h.nam" 2>&1 |
                grep 'ms$' | tail -n 1 | sed 's/ms//' |
                awk -v h="$h" '{ printf "lstm-%s namcore %.1f\n", h,
                    $1 * 1e6 / (10 * 48000) }'
        fi
    done >>"$TMP/all"
    r=$((r + 1))
done
echo "$($CC --version | head -n1); -O3 -march=native -ffast-math; $ROUNDS rounds"
echo
echo "| network | program | ns/sample (median) | / plain C |"
echo "|---|---|---:|---:|"
median() { # median of the numbers on stdin
    sort -g | awk '{v[NR] = $1} END {
        print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for h in $SIZES; do
    base=$(awk -v k="lstm-$h" '$1 == k && $2 == "plain-c-march-native" {
        print $3 }' "$TMP/all" | median)
    for prog in $(awk -v k="lstm-$h" '$1 == k { print $2 }' "$TMP/all" |
        sort -u); do
        m=$(awk -v k="lstm-$h" -v p="$prog" '$1 == k && $2 == p {
            print $3 }' "$TMP/all" | median)
        echo "lstm-$h $prog $m $base" |
            awk '{ printf "| %s | %s | %.1f | %.2f |\n", $1, $2, $3, $3 / $4 }'
    done
done
