#!/usr/bin/env bash
# rnnamp quick start: the two commands of the README.
#
#   tools/quickstart.sh demo   install what is missing, build, train a model on
#                              the bundled demo pair, write it as an LV2 preset,
#                              render the demo DI through the plugin, print ESR
#   tools/quickstart.sh test   install what is missing, build, run every test
#                              suite (plain build, ASan+UBSan build, TSan build
#                              of the plugin threading tests, valgrind,
#                              fuzzing, the real-host jalv test)
#
# Runs as root on Debian 12 (uses apt-get for missing packages; idempotent).
# Environment: CI=true turns skipped test suites into failures.
#              DEMO_MINUTES (default 1), FUZZ_SECONDS (default 60).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

# Every Debian package the build, the demo and the tests use.
PACKAGES=(
  build-essential pkg-config meson ninja-build git
  lv2-dev liblilv-dev lilv-utils sordi libopenblas-dev check libsndfile1-dev
  libjansson-dev libsamplerate0-dev libcairo2-dev libfftw3-dev
  jalv jackd2 libjack-jackd2-dev ardour
  clang libclang-rt-14-dev valgrind
  sox fluidsynth fluid-soundfont-gm guitarix-lv2 mda-lv2 zam-plugins
  gcc-aarch64-linux-gnu qemu-user-static
)
# The aarch64 cross-build of the tests (Raspberry Pi, MOD): Debian's arm64
# -dev packages next to the native ones (multiarch).
PACKAGES_ARM64=(
  libjansson-dev libsamplerate0-dev libfftw3-dev libsndfile1-dev
  libopenblas-dev check liblilv-dev
)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_deps() {
  local missing=() want=("${PACKAGES[@]}") sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    say "adding the arm64 architecture (multiarch) for the aarch64 tests"
    "${sudo[@]}" dpkg --add-architecture arm64
  fi
  for p in "${PACKAGES_ARM64[@]}"; do want+=("$p:arm64"); done
  for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#want[@]} packages already installed"
    return
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() { # build <dir> [meson options...]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null
  else
    meson setup --reconfigure "$dir" "$@" >/dev/null
  fi
  ninja -C "$dir"
}

demo() {
  install_deps
  say "building"
  build build
  local out=out/demo minutes=${DEMO_MINUTES:-1}
  local bundle=$out/lv2/rnnamp-my-demo.lv2
  mkdir -p "$out/lv2"
  say "training an LSTM-16 on data/demo for about $minutes minute(s)"
  build/tools/rnnamp-train --input data/demo/di.flac --target data/demo/target.flac \
    --regions data/demo/regions.txt -o "$out/demo-model.json" --arch lstm --hidden 16 \
    --minutes "$minutes" --seed 1 --name "rnnamp demo (trained)" --lv2-bundle "$bundle"
  # The preset's URI is its TTL file inside the bundle.
  local ttl preset
  ttl=$(ls "$bundle"/*.ttl | grep -v '/manifest.ttl$' | head -n1)
  preset="file://$here/$ttl"
  say "rendering the demo DI through the rnnamp LV2 plugin with the new preset"
  echo "    preset $preset"
  LV2_PATH="$here/build/lv2:$here/$out/lv2" \
    build/tools/rnnamp-render --preset "$preset" data/demo/di.flac "$out/demo-rendered.wav"
  say "result (whole demo file, rendered by the plugin vs the real target)"
  build/tools/rnnamp-esr data/demo/target.flac "$out/demo-rendered.wav"
  cat <<MSG
Files:
  model (AIDA-X JSON, also loads in AIDA-X and NAM-LV2): $out/demo-model.json
  training curves: $out/demo-model.png
  LV2 preset bundle: $bundle
      (copy it to ~/.lv2/ and Ardour, Carla and jalv list it under rnnamp)
  rendered audio: $out/demo-rendered.wav   (dry: data/demo/di.flac, real: data/demo/target.flac)
  the plugin: build/lv2/rnnamp.lv2   (install it with: meson install -C build)
MSG
}

test_all() {
  install_deps
  exec 3>&1
  local total_ok=0 total_fail=0 total_skip=0 status=0
  run_suite() { # run_suite <label> <builddir> [meson test args...]
    local label=$1 dir=$2; shift 2
    say "tests: $label"
    local log; log=$(mktemp)
    set +e
    meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log" >&3
    local rc=${PIPESTATUS[0]}
    set -e
    local ok fail skip to
    ok=$(awk '/^Ok:/{print $2}' "$log" | tail -n1)
    fail=$(awk '/^Fail:/{print $2}' "$log" | tail -n1)
    skip=$(awk '/^Skipped:/{print $2}' "$log" | tail -n1)
    to=$(awk '/^Timeout:/{print $2}' "$log" | tail -n1)
    rm -f "$log"
    ok=${ok:-0}; fail=$(( ${fail:-0} + ${to:-0} )); skip=${skip:-0}
    if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
    total_ok=$((total_ok + ok)); total_fail=$((total_fail + fail)); total_skip=$((total_skip + skip))
  }

  say "building (release)"
  build build
  run_suite "all suites, release build" build

  say "building with ASan + UBSan"
  build build-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false
  # CK_TIMEOUT_MULTIPLIER stretches Check's own per-test timeouts like
  # --timeout-multiplier stretches meson's.
  # tests/lsan.supp: third-party one-time allocations (fontconfig behind the
  # trainer's PNG text, libvorbis on corrupt files), see the file.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$here/tests/lsan.supp" \
  CK_TIMEOUT_MULTIPLIER=4 \
    run_suite "unit, plugin, train and capture suites under ASan+UBSan" build-asan \
      --timeout-multiplier 4 --suite unit --suite plugin --suite train --suite capture

  # ThreadSanitizer: the plugin's threading tests only (the worker on its own
  # thread as Ardour runs it, saves from another thread); OpenBLAS threads are
  # not instrumented, so nothing else runs here.
  say "building with ThreadSanitizer"
  build build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false
  TSAN_OPTIONS=halt_on_error=1 CK_TIMEOUT_MULTIPLIER=4 \
    run_suite "plugin threading tests under ThreadSanitizer" build-tsan \
      --timeout-multiplier 4 --suite tsan

  if command -v valgrind >/dev/null; then
    # Test cases tagged "heavy" (a 7 x LSTM-128 self-test replay) run in the
    # release and ASan builds only: under valgrind they take many minutes.
    CK_TIMEOUT_MULTIPLIER=20 CK_EXCLUDE_TAGS=heavy \
    run_suite "engine + formats under valgrind memcheck" build --no-rebuild \
      --wrapper 'valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite -q' \
      --timeout-multiplier 20 --suite engine --suite formats
  fi

  # aarch64 (Raspberry Pi, MOD Dwarf): cross-built with Debian's
  # gcc-aarch64-linux-gnu against the arm64 -dev packages; the engine
  # (NEON kernels, WaveNet too), format, DSP, trainer-kernel and plugin
  # (through lilv) tests run under qemu-user. Timings under qemu mean
  # nothing; the heavy cases run natively above.
  say "cross-building for aarch64"
  build build-aarch64 --cross-file cross/aarch64-linux-gnu.ini -Dplots=disabled
  CK_TIMEOUT_MULTIPLIER=20 CK_EXCLUDE_TAGS=heavy \
    run_suite "engine, formats, dsp, train kernel and plugin tests on aarch64 (qemu-user)" \
      build-aarch64 --no-rebuild --timeout-multiplier 20 \
      engine engine-torch-golden engine-wavenet formats-shared \
      formats-bad-input formats-roundtrip convolver ir-file noise-gate \
      train-kernels plugin

  echo
  if [ "$total_skip" -gt 0 ] && [ "${CI:-}" = "true" ]; then
    say "$total_skip suite(s) skipped (see the SKIP lines above): a skip is a failure in CI"
    total_fail=$((total_fail + total_skip))
    status=1
  fi
  [ "$total_fail" -eq 0 ] || status=1
  echo "tests: $total_ok passed, $total_fail failed, $total_skip skipped"
  return $status
}

case "${1:-}" in
  demo) demo ;;
  test) test_all ;;
  deps) install_deps ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac
