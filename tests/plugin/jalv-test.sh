#!/bin/sh
# Real-host test: the demo preset in jalv on a dummy JACK server.
#
# Starts a private jackd (dummy driver, 48 kHz, 256 frames; no sound card),
# runs jalv with the rnnamp plugin, loads the demo preset through jalv's
# console ("preset URI"), plays a test signal through it with jack_probe
# and compares the recording with rnnamp-render's offline output of the
# same preset (after finding the lag). Every process started here is
# stopped on exit, also on failure or timeout.
#
# usage: jalv-test.sh LV2_PATH RNNAMP_RENDER JACK_PROBE
set -u
lv2path=$1
render=$2
probe=$3
preset=http://rnnamp.org/presets/demo-lstm8
uri=http://rnnamp.org/plugins/rnnamp

for t in jackd jalv jack_lsp sox; do
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

# test signal and the offline reference
sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/in.wav" \
    synth 1.5 sine 220 sine 1375 remix 1-2 gain -n -6 fade 0.05 1.5 0.05 \
    || fail "sox could not make the test signal"
"$render" --quiet --preset "$preset" "$tmp/in.wav" "$tmp/expect.wav" \
    || fail "rnnamp-render could not render the preset"

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
jalv -n "$client" -x "$uri" <"$tmp/cmd" >"$tmp/jalv.log" 2>&1 &
jalv_pid=$!
exec 7>"$tmp/cmd"
i=0
until jack_lsp 2>/dev/null | grep -q "^$client:out\$"; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "jalv did not come up"
    kill -0 $jalv_pid 2>/dev/null || fail "jalv exited"
    sleep 0.1
done
echo "presets" >&7  # makes jalv load the preset files
echo "preset $preset" >&7
i=0
until grep -q "loaded rnnamp demo LSTM-8" "$tmp/jalv.log"; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "jalv did not load the preset's model"
    sleep 0.1
done
grep "rnnamp:" "$tmp/jalv.log"

# ESR bound: jalv's instance has run a different amount of silence than the
# offline one; the states converge on silence, so the outputs agree closely.
"$probe" "$tmp/in.wav" "$tmp/expect.wav" "$client:in" "$client:out" 30 1e-6 \
    || fail "recording through jalv differs from rnnamp-render"
echo "jalv-test: OK"
