#!/bin/sh
# Build the model-loader fuzz target with clang + libFuzzer + ASan/UBSan in a
# temporary folder and run it for a bounded time on a copy of the seed
# corpus. Exit status: 0 = nothing found, non-zero = crash / sanitizer
# report / leak / build failure (the crashing input is copied to
# ${FUZZ_ARTIFACTS:-$PWD}).
#
# Usage: tests/fuzz/run-fuzz.sh [project-source-dir]
# Environment: FUZZ_SECONDS (default 60), CLANG (default clang).
set -eu

src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
secs=${FUZZ_SECONDS:-60}
cc=${CLANG:-clang}
out=${FUZZ_ARTIFACTS:-$PWD}

work=$(mktemp -d "${TMPDIR:-/tmp}/rnnamp-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

common="-std=c11 -D_GNU_SOURCE -fno-math-errno -O1 -g -fno-omit-frame-pointer
 -fsanitize=address,undefined -fno-sanitize-recover=undefined
 -I$src/src/base -I$src/src/simd -I$src/src/model -I$src/src/engine"

objs=""
build() { # build <source> [extra flags]
    f=$1
    shift
    o="$work/$(basename "$f" .c).o"
    # shellcheck disable=SC2086
    $cc $common -fsanitize=fuzzer-no-link "$@" -c "$f" -o "$o"
    objs="$objs $o"
}

for f in model/model model/model_io model/format_aidax model/format_guitarml \
         model/format_nam model/json_util engine/engine engine/kernel_scalar \
         base/atomic_write base/error simd/cpu; do
    build "$src/src/$f.c"
done
case "$(uname -m)" in
x86_64)
    build "$src/src/engine/kernel_sse2.c" -msse2
    build "$src/src/engine/kernel_avx2.c" -mavx2 -mfma
    ;;
esac
# shellcheck disable=SC2086
$cc $common -fsanitize=fuzzer "$src/tests/fuzz/fuzz_model_load.c" $objs \
    -ljansson -lm -o "$work/fuzz_model_load"

mkdir "$work/corpus"
cp "$src"/tests/fuzz/corpus/* "$work/corpus/"

echo "fuzzing rnnamp_model_load_buffer for ${secs}s (seeds: $(ls "$work/corpus" | wc -l))"
status=0
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$work/fuzz_model_load" -max_total_time="$secs" -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$src/tests/fuzz/model.dict" \
    -artifact_prefix="$work/artifact-" "$work/corpus" || status=$?

found=0
for a in "$work"/artifact-*; do
    [ -e "$a" ] || continue
    cp "$a" "$out/" && echo "crashing input saved as $out/$(basename "$a")"
    found=1
done
if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
    echo "FUZZING FOUND A PROBLEM (exit $status)" >&2
    exit 1
fi
echo "fuzzing found nothing in ${secs}s"
