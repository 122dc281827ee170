#!/bin/sh
# Real-host test: every shipped preset in jalv on a dummy JACK server.
#
# Starts a private jackd (dummy driver, 48 kHz, 256 frames; no sound card),
# runs jalv with the rnnamp plugin, checks that jalv's "presets" command
# lists every preset in PRESETS_DIR, then for each preset: loads it through
# jalv's console ("preset URI"), waits for the plugin's "loaded" note, plays
# a test signal through it with jack_probe and compares the recording with
# rnnamp-render's offline output of the same preset (after finding the
# lag). Every process started here is stopped on exit, also on failure or
# timeout.
#
# usage: jalv-test.sh LV2_PATH RNNAMP_RENDER JACK_PROBE [PRESETS_DIR]
set -u
lv2path=$1
render=$2
probe=$3
presets_dir=${4:-}
uri=http://rnnamp.org/plugins/rnnamp

for t in jackd jalv jack_lsp sox stdbuf; do
    if ! command -v $t >/dev/null 2>&1; then
        echo "jalv-test: $t not found" >&2
        exit 1
    fi
done

tmp=$(mktemp -d /tmp/rnnamp-jalv-XXXXXX)
# A fixed server name: JACK reclaims a dead server's registry slot only for
# the same name, and has 8 slots, so per-run names would use them up when a
# run is killed.
server=rnnamp-test
client=rnnamp-jalv
jackd_pid=
jalv_pid=
cleanup() {
    exec 7>&- 2>/dev/null
    [ -n "$jalv_pid" ] && kill "$jalv_pid" 2>/dev/null
    # give jackd time to unregister itself before forcing it
    for p in $jalv_pid $jackd_pid; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 30 ]; do
            [ "$p" = "$jackd_pid" ] && kill "$p" 2>/dev/null
            sleep 0.1
            i=$((i + 1))
        done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "jalv-test: FAIL: $*" >&2
    for f in jackd.log jalv.log; do
        [ -f "$tmp/$f" ] && { echo "---- $f"; tail -n 30 "$tmp/$f"; } >&2
    done
    exit 1
}

export LV2_PATH="$lv2path"
export JACK_DEFAULT_SERVER=$server
export JACK_NO_AUDIO_RESERVATION=1

# The presets: the demo, or every preset TTL in PRESETS_DIR.
if [ -n "$presets_dir" ]; then
    preset_list=$(sed -n 's/^<\(http:[^>]*\)>$/\1/p' \
        "$presets_dir"/*.lv2/manifest.ttl)
else
    preset_list=http://rnnamp.org/presets/demo-lstm8
fi
[ -n "$preset_list" ] || fail "no presets found in $presets_dir"

# test signal (guitar-level: peak -12 dBFS) and the offline references
sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/in.wav" \
    synth 1.5 sine 220 sine 1375 remix 1-2 gain -n -12 fade 0.05 1.5 0.05 \
    || fail "sox could not make the test signal"
n=0
for preset in $preset_list; do
    n=$((n + 1))
    "$render" --quiet --preset "$preset" "$tmp/in.wav" "$tmp/expect$n.wav" \
        || fail "rnnamp-render could not render $preset"
done

jackd --no-realtime --sync -n "$server" -d dummy -r 48000 -p 256 \
    >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
i=0
until jack_lsp >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -gt 50 ] && fail "jackd did not start"
    kill -0 $jackd_pid 2>/dev/null || fail "jackd exited"
    sleep 0.1
done

mkfifo "$tmp/cmd" || fail "mkfifo"
stdbuf -oL jalv -n "$client" -x "$uri" <"$tmp/cmd" >"$tmp/jalv.log" 2>&1 &
jalv_pid=$!
exec 7>"$tmp/cmd"
i=0
until jack_lsp 2>/dev/null | grep -q "^$client:out\$"; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "jalv did not come up"
    kill -0 $jalv_pid 2>/dev/null || fail "jalv exited"
    sleep 0.1
done
echo "presets" >&7  # makes jalv load (and print) the preset files
for preset in $preset_list; do
    i=0
    until grep -q "^\(> \)\?$preset (" "$tmp/jalv.log"; do
        i=$((i + 1))
        [ $i -gt 100 ] && fail "jalv does not list preset $preset"
        sleep 0.1
    done
done

# ESR bound: jalv's instance has run a different amount of silence than the
# offline one; the states converge on silence, so the outputs agree closely.
n=0
for preset in $preset_list; do
    n=$((n + 1))
    before=$(grep -c "rnnamp: loaded" "$tmp/jalv.log")
    echo "preset $preset" >&7
    i=0
    while [ "$(grep -c "rnnamp: loaded" "$tmp/jalv.log")" -le "$before" ]; do
        i=$((i + 1))
        [ $i -gt 100 ] && fail "jalv did not load the model of $preset"
        sleep 0.1
    done
    grep "rnnamp: loaded" "$tmp/jalv.log" | tail -n 1
    "$probe" "$tmp/in.wav" "$tmp/expect$n.wav" "$client:in" "$client:out" \
        30 1e-6 || fail "$preset through jalv differs from rnnamp-render"
done
echo "jalv-test: OK ($n presets)"
