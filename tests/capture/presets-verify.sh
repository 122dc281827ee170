#!/bin/sh
# Every shipped capture preset still reproduces the held-out ESRs stored in
# its model (rnnamp-capture --verify re-runs the source plugin with the
# stored settings and latency over the same clips) and meets its fidelity
# target in presets/targets.txt. A copy with a wrong latency must fail the
# check. The real-DI clips come from SHARED_DIR/real-di; without them only
# the capture signal's own test clip is checked (said below).
# usage: presets-verify.sh RNNAMP_CAPTURE SRCDIR SHARED_DIR
set -u
CAPTURE=$1
case "$CAPTURE" in /*) ;; *) CAPTURE="$(pwd)/$CAPTURE" ;; esac
SRC=$2
SHARED=$3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0
targets="$SRC/presets/targets.txt"
[ -r "$targets" ] || { echo "FAIL: $targets missing"; exit 1; }

test_di=""
for f in "$SHARED"/real-di/*/*.wav; do
    [ -r "$f" ] && test_di="$test_di --test-di $f"
done
[ -n "$test_di" ] ||
    echo "NOTE: $SHARED/real-di not found: only the capture signal's test clip is checked"

# every capture preset must have a target
for dir in "$SRC"/presets/rnnamp-*.lv2; do
    name=$(basename "$dir" .lv2)
    name=${name#rnnamp-}
    if grep -q '"capture"' "$dir/$name.json" 2>/dev/null &&
        ! grep -q "^$name " "$targets"; then
        echo "FAIL $name: a capture preset with no target in presets/targets.txt"
        fail=1
    fi
done

n=0
while read -r name target what; do
    case "$name" in '' | '#'*) continue ;; esac
    model="presets/rnnamp-$name.lv2/$name.json"
    if [ ! -f "$SRC/$model" ]; then
        echo "FAIL $name: $model missing"
        fail=1
        continue
    fi
    n=$((n + 1))
    # from the source folder: the models store clip paths relative to it
    # shellcheck disable=SC2086
    (cd "$SRC" && "$CAPTURE" --verify "$model" $test_di) >"$TMP/out" \
        2>"$TMP/err"
    rc=$?
    cat "$TMP/out"
    if [ $rc -ne 0 ]; then
        echo "FAIL $name: --verify exited with $rc"
        cat "$TMP/err"
        fail=1
        continue
    fi
    worst=$(awk '$1 == "ok" || $1 == "FAIL" { v = $NF + 0; if (v > w) w = v }
                 END { printf "%.6g", w }' "$TMP/out")
    checked=$(grep -c '^ok' "$TMP/out")
    if awk -v w="$worst" -v t="$target" 'BEGIN { exit !(w < t) }'; then
        echo "ok $name ($what): worst held-out ESR $worst < $target over $checked clips/knob values"
    else
        echo "FAIL $name ($what): worst held-out ESR $worst, target < $target"
        fail=1
    fi
done <"$targets"
[ $n -ge 6 ] || { echo "FAIL: only $n presets checked"; fail=1; }

# the check can fail: the first preset with its latency moved by 7 samples
first=$(awk '$1 !~ /^#/ && NF { print $1; exit }' "$targets")
sed 's/"latency_samples": \([0-9]*\)/"latency_samples": 7\1/' \
    "$SRC/presets/rnnamp-$first.lv2/$first.json" >"$TMP/bad.json"
(cd "$SRC" && "$CAPTURE" --verify "$TMP/bad.json") >"$TMP/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q '^FAIL' "$TMP/out"; then
    echo "ok: --verify rejects $first with a wrong latency"
else
    echo "FAIL: --verify of $first with a wrong latency exited with $rc (want 1, a mismatch)"
    cat "$TMP/out"
    fail=1
fi
exit $fail
