#!/bin/sh
# Build the fuzz targets with clang + libFuzzer + ASan/UBSan in a temporary
# folder and run each for a bounded time on a copy of its seed corpus:
#   fuzz_model_load  model files (rnnamp_model_load_buffer, then an engine)
#   fuzz_ir_load     cabinet IR files (rnnamp_ir_load through libsndfile,
#                    then a convolver)
# Exit status: 0 = nothing found, non-zero = crash / sanitizer report /
# leak / build failure (the crashing input is copied to
# ${FUZZ_ARTIFACTS:-$PWD}).
#
# Usage: tests/fuzz/run-fuzz.sh [project-source-dir]
# Environment: FUZZ_SECONDS (default 60, per target), CLANG (default clang).
set -eu

src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
secs=${FUZZ_SECONDS:-60}
cc=${CLANG:-clang}
out=${FUZZ_ARTIFACTS:-$PWD}

work=$(mktemp -d "${TMPDIR:-/tmp}/rnnamp-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

common="-std=c11 -D_GNU_SOURCE -fno-math-errno -O1 -g -fno-omit-frame-pointer
 -fsanitize=address,undefined -fno-sanitize-recover=undefined
 -I$src/src/base -I$src/src/simd -I$src/src/model -I$src/src/engine
 -I$src/src/dsp"

objs=""
build() { # build <source> [extra flags]
    f=$1
    shift
    o="$work/$(basename "$f" .c).o"
    # shellcheck disable=SC2086
    $cc $common -fsanitize=fuzzer-no-link "$@" -c "$f" -o "$o"
    objs="$objs $o"
}

# the real-time library's sources (what a model or an IR load runs)
for f in model/model model/model_io model/format_aidax model/format_guitarml \
         model/format_nam model/format_nam_wavenet model/wavenet \
         model/json_util engine/engine engine/engine_wavenet engine/kernel_scalar \
         dsp/convolver dsp/conv_kernel dsp/conv_kernel_scalar dsp/ir_file \
         base/atomic_write base/error simd/cpu; do
    build "$src/src/$f.c"
done
case "$(uname -m)" in
x86_64)
    build "$src/src/engine/kernel_sse2.c" -msse2
    build "$src/src/engine/kernel_avx2.c" -mavx2 -mfma
    build "$src/src/dsp/conv_kernel_sse2.c" -msse2
    build "$src/src/dsp/conv_kernel_avx2.c" -mavx2 -mfma
    avx512="-mavx512f -mavx512vl -mavx512dq -mavx512bw -mavx2 -mfma"
    # shellcheck disable=SC2086
    build "$src/src/engine/kernel_avx512.c" $avx512
    # shellcheck disable=SC2086
    build "$src/src/dsp/conv_kernel_avx512.c" $avx512
    ;;
esac
libs="-ljansson -lsndfile -lsamplerate -lfftw3f_threads -lfftw3f -lpthread -lm"
for t in fuzz_model_load fuzz_ir_load; do
    # shellcheck disable=SC2086
    $cc $common -fsanitize=fuzzer "$src/tests/fuzz/$t.c" $objs $libs \
        -o "$work/$t"
done

status=0
found=0
run() { # run <target> <corpus dir> [libFuzzer options]
    t=$1
    seeds=$2
    shift 2
    mkdir "$work/corpus-$t"
    cp "$seeds"/* "$work/corpus-$t/"
    echo "fuzzing $t for ${secs}s (seeds: $(ls "$work/corpus-$t" | wc -l))"
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    LSAN_OPTIONS=suppressions="$src/tests/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$work/$t" -max_total_time="$secs" -timeout=20 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifact-$t-" "$@" "$work/corpus-$t" ||
        status=$?
    for a in "$work"/artifact-"$t"-*; do
        [ -e "$a" ] || continue
        cp "$a" "$out/" && echo "crashing input saved as $out/$(basename "$a")"
        found=1
    done
}
run fuzz_model_load "$src/tests/fuzz/corpus" -dict="$src/tests/fuzz/model.dict"
run fuzz_ir_load "$src/tests/fuzz/corpus-ir"

if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
    echo "FUZZING FOUND A PROBLEM (exit $status)" >&2
    exit 1
fi
echo "fuzzing found nothing in ${secs}s per target"
