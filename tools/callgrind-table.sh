#!/bin/sh
# Instructions per sample of the inference step, counted by callgrind, for
# the README table. Counts are independent of machine load.
#
#   tools/callgrind-table.sh BUILDDIR [KERNEL]     (KERNEL: auto|sse2|scalar)
#
# Each configuration runs rnnamp-bench for two sample counts; the difference
# divided by the difference in samples is the cost of one sample with set-up
# and the benchmark's own fixed costs cancelled out.
set -eu
bench="$1/tools/rnnamp-bench"
kernel=${2:-auto}
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" \
        "$@" --kernel "$kernel" --repeats 1 2>&1 |
        awk '/Collected/ {print $4}'
}
printf '| cell | H | instructions/sample (%s) |\n|---|---:|---:|\n' "$kernel"
for cfg in "lstm 8" "lstm 12" "lstm 16" "lstm 20" "lstm 24" "lstm 32" \
    "lstm 40" "lstm 64" "gru 8" "gru 16" "gru 32" "gru 40" "gru 64" \
    "lstm 8 2"; do
    set -- $cfg
    layers=${3:-1}
    a=$(count --arch "$1" --hidden "$2" --layers "$layers" --samples 12800)
    b=$(count --arch "$1" --hidden "$2" --layers "$layers" --samples 64000)
    name=$(echo "$1" | tr a-z A-Z)
    [ "$layers" = 1 ] || name="$name ${layers}x"
    printf '| %s | %s | %d |\n' "$name" "$2" $(((b - a) / (64000 - 12800)))
done
