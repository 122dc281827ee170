#!/bin/sh
# Real-host test: every shipped preset in jalv on a dummy JACK server.
#
# Starts a private jackd (dummy driver, 48 kHz, 256 frames; no sound card),
# runs jalv with the rnnamp plugin, checks that jalv's "presets" command
# lists every preset in PRESETS_DIR, then for each preset: loads it through
# jalv's console ("preset URI"), waits for the plugin's "loaded" note, plays
# a test signal through it with jack_probe and compares the recording with
# rnnamp-render's offline output of the same preset (after finding the
# lag). The preset's port values are then set on jalv's console (see
# below). Every process started here is stopped on exit, also on failure or
# timeout.
#
# A preset whose state carries a cabinet IR (#ir, e.g. combo-high-cab) is
# checked further: its offline render must equal its model's output
# (rnnamp-render --model at its output gain, no IR) convolved by sox with
# the unit-energy IR (ESR <= 1e-6), must differ from that model output
# without the IR (ESR > 0.1) and lose at least 20 dB of its energy above
# 8 kHz to the cabinet; and jalv must log no error while loading it.
#
# With JACK_MIDI_SEND (tests/plugin/jack_midi_send.c), model folders and
# MIDI: a preset made here sets a model folder (two of the shipped models,
# a.json and b.json, and a text file) at program 0. jalv plays a.json
# (compared with rnnamp-render --model-dir DIR --set program=0); then a
# MIDI Program Change 1 goes to jalv's MIDI input (the plugin's control
# port) from a JACK MIDI client, and jalv must play b.json (compared with
# rnnamp-render --model-dir DIR --set program=1, which must differ from
# program 0: the probe against program 0 must now fail).
#
# The stereo plugin (.../rnnamp#stereo) then runs in a second jalv: jalv
# must list the presets for it too; with a preset (combo-high-cab, model
# and IR, when PRESETS_DIR is given; else the demo) its left and right
# outputs, fed two different signals at once, must each match
# rnnamp-render's mono output of that channel's input (ESR <= 1e-6).
#
# usage: jalv-test.sh LV2_PATH RNNAMP_RENDER JACK_PROBE [PRESETS_DIR
#                     [JACK_MIDI_SEND]]
set -u
lv2path=$1
render=$2
probe=$3
presets_dir=${4:-}
midi_send=${5:-}
uri=http://rnnamp.org/plugins/rnnamp
stereo_uri=$uri#stereo

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
sclient=rnnamp-jalv-stereo
jackd_pid=
jalv_pid=
sjalv_pid=
cleanup() {
    exec 7>&- 2>/dev/null
    exec 8>&- 2>/dev/null
    for p in $jalv_pid $sjalv_pid; do kill "$p" 2>/dev/null; done
    # give jackd time to unregister itself before forcing it
    for p in $jalv_pid $sjalv_pid $jackd_pid; do
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
    for f in jackd.log jalv.log jalv-stereo.log; do
        [ -f "$tmp/$f" ] && { echo "---- $f"; tail -n 30 "$tmp/$f"; } >&2
    done
    exit 1
}

# samples A.wav: its first channel as text, one sample a line, in A.txt
samples() {
    sox -V1 "$1.wav" -t dat - | awk '!/^;/ { print $2 }' >"$1.txt"
}
# esr OUT REF [K]: sum (out - K ref)^2 / sum (K ref)^2 over their common
# length (K default 1)
esr() {
    samples "${1%.wav}"
    samples "${2%.wav}"
    paste "${1%.wav}.txt" "${2%.wav}.txt" | awk -v k="${3:-1}" \
        'NF == 2 { t = k * $2; d = $1 - t; e += d * d; r += t * t }
             END { printf "%.3g\n", (r > 0 ? e / r : 1) }'
}
# rms_hi WAV: RMS in dB of WAV above 8 kHz minus its full-band RMS in dB
rms_hi() {
    full=$(sox -V1 "$1" -n stats 2>&1 | awk '/^RMS lev dB/ { print $4 }')
    hi=$(sox -V1 "$1" -n sinc 8k stats 2>&1 | awk '/^RMS lev dB/ { print $4 }')
    awk -v h="$hi" -v f="$full" 'BEGIN { printf "%.1f\n", h - f }'
}
# preset_bundle URI: the bundle folder in presets_dir of preset URI
preset_bundle() {
    man=$(grep -l "^<$1>\$" "$presets_dir"/*.lv2/manifest.ttl | head -n 1)
    [ -n "$man" ] || fail "no bundle in $presets_dir for $1"
    dirname "$man"
}
# check_cab URI EXPECT.wav: when preset URI (in presets_dir) sets #ir, check
# its offline render EXPECT.wav against its model convolved with the IR
# (see the top); returns 1 for a preset without an IR.
check_cab() {
    b=$(preset_bundle "$1")
    ir=$(sed -n 's|.*<http://rnnamp.org/plugins/rnnamp#ir> <\([^>]*\)>.*|\1|p' \
        "$b"/*.ttl | head -n 1)
    [ -n "$ir" ] || return 1
    model=$(sed -n 's|.*<http://rnnamp.org/plugins/rnnamp#model> <\([^>]*\)>.*|\1|p' \
        "$b"/*.ttl | head -n 1)
    [ -f "$b/$ir" ] && [ -f "$b/$model" ] ||
        fail "$1: IR $ir or model $model missing in $b"
    [ "$(soxi -r "$b/$ir")" = 48000 ] || fail "$1: $ir is not at 48 kHz"
    # the model alone at the preset's output gain (dB; 0 when it sets none)
    og=$(awk '/lv2:symbol "output_gain"/ { f = 1; next }
              f && /pset:value/ { print $2 + 0; exit }' "$b"/*.ttl)
    "$render" --quiet --model "$b/$model" --set "output_gain=${og:-0}" \
        "$tmp/in.wav" "$tmp/dry.wav" ||
        fail "rnnamp-render --model $b/$model failed"
    # the preset's ir_gain (dB; 0 when it sets none)
    g=$(awk '/lv2:symbol "ir_gain"/ { f = 1; next }
             f && /pset:value/ { print $2 + 0; exit }' "$b"/*.ttl)
    # sox's fir centres its taps: N-1 zeros in front make it causal; the
    # taps are the IR scaled to unit energy, as the plugin uses it, and by
    # 1/16 (sox clips at full scale; esr scales back by 16 x ir_gain)
    sox -V1 "$b/$ir" -t dat - | awk '!/^;/ { h[n++] = $2; e += $2 * $2 }
        END { for (i = 1; i < n; i++) print 0
              for (i = 0; i < n; i++) printf "%.10g\n", h[i] / sqrt(e) / 16 }' \
        >"$tmp/taps.txt"
    sox -V1 "$tmp/dry.wav" -e floating-point -b 32 "$tmp/cab.wav" \
        fir "$tmp/taps.txt" || fail "sox fir failed"
    e_ref=$(esr "$2" "$tmp/cab.wav" \
        "$(awk -v g="${g:-0}" 'BEGIN { print 16 * 10 ^ (g / 20) }')")
    e_dry=$(esr "$2" "$tmp/dry.wav")
    hi_cab=$(rms_hi "$2")
    hi_dry=$(rms_hi "$tmp/dry.wav")
    echo "jalv-test: $1: ESR $e_ref against $model convolved with $ir" \
        "at ir_gain ${g:-0} dB, output gain ${og:-0} dB," \
        "$e_dry against $model alone; above 8 kHz $hi_cab dB" \
        "(without the IR $hi_dry dB)"
    awk -v e="$e_ref" 'BEGIN { exit !(e <= 1e-6) }' ||
        fail "$1 is not $model convolved with the unit-energy $ir (ESR $e_ref > 1e-6)"
    awk -v e="$e_dry" 'BEGIN { exit !(e > 0.1) }' ||
        fail "$1 sounds like $model without its cabinet (ESR $e_dry <= 0.1)"
    awk -v c="$hi_cab" -v d="$hi_dry" 'BEGIN { exit !(c <= d - 20) }' ||
        fail "$1: the cabinet cuts above 8 kHz only from $hi_dry to $hi_cab dB (want 20 dB)"
    return 0
}

# make_folder_preset: the preset of the model-folder check (see the top)
# in $tmp/lv2, its folder in the bundle (a relative path in the state)
folder_preset=http://rnnamp.org/presets/test-folder
make_folder_preset() {
    b=$tmp/lv2/rnnamp-test-folder.lv2
    mkdir -p "$b/models" || fail "mkdir $b/models"
    cp "$presets_dir/rnnamp-demo.lv2/demo-lstm8.json" "$b/models/a.json" &&
        cp "$presets_dir/rnnamp-combo-clean.lv2/combo-clean.json" \
            "$b/models/b.json" && echo "not a model" >"$b/models/readme.txt" ||
        fail "cannot copy the folder's models"
    cat >"$b/manifest.ttl" <<EOF
@prefix lv2:  <http://lv2plug.in/ns/lv2core#> .
@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<$folder_preset> a pset:Preset ;
	lv2:appliesTo <$uri> ;
	rdfs:seeAlso <folder.ttl> .
EOF
    cat >"$b/folder.ttl" <<EOF
@prefix lv2:   <http://lv2plug.in/ns/lv2core#> .
@prefix pset:  <http://lv2plug.in/ns/ext/presets#> .
@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .
@prefix state: <http://lv2plug.in/ns/ext/state#> .
<$folder_preset> a pset:Preset ;
	lv2:appliesTo <$uri> ;
	rdfs:label "Model folder test" ;
	state:state [ <$uri#modelDir> <models> ] .
EOF
    folder=$b/models
}

if [ -n "$midi_send" ]; then
    [ -n "$presets_dir" ] || fail "JACK_MIDI_SEND needs PRESETS_DIR"
    make_folder_preset
    lv2path=$lv2path:$tmp/lv2
fi
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
ncab=0
for preset in $preset_list; do
    n=$((n + 1))
    "$render" --quiet --preset "$preset" "$tmp/in.wav" "$tmp/expect$n.wav" \
        || fail "rnnamp-render could not render $preset"
    [ -n "$presets_dir" ] && check_cab "$preset" "$tmp/expect$n.wav" &&
        ncab=$((ncab + 1))
done
[ -z "$presets_dir" ] || [ $ncab -ge 1 ] ||
    fail "no preset in $presets_dir carries a cabinet IR (#ir)"

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
# load_preset FD LOG PRESET: load PRESET in the jalv whose console is file
# descriptor FD and whose output goes to LOG; wait for the plugin's
# "loaded" note, set the preset's port values on the console (see below),
# and fail if the plugin logs an error
load_preset() {
    log=$2
    before=$(grep -c "rnnamp: loaded" "$log")
    start=$(wc -l <"$log")
    echo "preset $3" >&"$1"
    i=0
    while [ "$(grep -c "rnnamp: loaded" "$log")" -le "$before" ]; do
        i=$((i + 1))
        [ $i -gt 100 ] && fail "jalv did not load the model of $3"
        sleep 0.1
    done
    grep "rnnamp: loaded" "$log" | tail -n 1
    # jalv 1.6.6 on its console (no UI) restores a preset's state but leaves
    # its port values at the defaults (seen with input_gain -3 and ir_gain
    # -6 in a preset): set them on the console as its user would
    # (SYMBOL = VALUE) and wait for jalv to echo each
    if [ -n "$presets_dir" ]; then
        awk '/lv2:symbol/ { s = $2; gsub(/[";]/, "", s) }
             /pset:value/ && s != "" { print s " = " $2 + 0; s = "" }' \
            "$(preset_bundle "$3")"/*.ttl >"$tmp/ports.txt"
        cat "$tmp/ports.txt" >&"$1"
        while read -r sym _ val; do
            i=0
            until tail -n +"$((start + 1))" "$log" |
                grep -q "^\(> \)\?$sym = $(awk -v v="$val" 'BEGIN { printf "%f", v }')\$"; do
                i=$((i + 1))
                [ $i -gt 100 ] && fail "jalv did not set $sym = $val of $3"
                sleep 0.1
            done
        done <"$tmp/ports.txt"
    fi
    # a preset's files (model, IR) must all load: no error from the plugin
    sleep 0.3
    if tail -n +"$((start + 1))" "$log" | grep -i "rnnamp.*error"; then
        fail "jalv logged an error while loading $3"
    fi
}

# ESR bound: jalv's instance has run a different amount of silence than the
# offline one; the states converge on silence, so the outputs agree closely.
n=0
for preset in $preset_list; do
    n=$((n + 1))
    load_preset 7 "$tmp/jalv.log" "$preset"
    "$probe" "$tmp/in.wav" "$tmp/expect$n.wav" "$client:in" "$client:out" \
        30 1e-6 || fail "$preset through jalv differs from rnnamp-render"
done
# wait_loaded N PATTERN: until the plugin logged more than N "loaded" notes
# and the last one matches PATTERN
wait_loaded() {
    i=0
    until [ "$(grep -c "rnnamp: loaded" "$tmp/jalv.log")" -gt "$1" ] &&
        grep "rnnamp: loaded" "$tmp/jalv.log" | tail -n 1 | grep -q "$2"; do
        i=$((i + 1))
        [ $i -gt 100 ] && fail "jalv did not load $2"
        sleep 0.1
    done
    grep "rnnamp: loaded" "$tmp/jalv.log" | tail -n 1
}

if [ -n "$midi_send" ]; then
    for k in 0 1; do
        "$render" --quiet --model-dir "$folder" --set program=$k \
            "$tmp/in.wav" "$tmp/prog$k.wav" ||
            fail "rnnamp-render --model-dir $folder --set program=$k failed"
    done
    before=$(grep -c "rnnamp: loaded" "$tmp/jalv.log")
    echo "preset $folder_preset" >&7
    wait_loaded "$before" "program 0 of folder .*2 models: 0 a.json, 1 b.json; skipped 1: readme.txt (not a model file)"
    # jalv keeps the last preset's port values: back to the defaults
    printf 'input_gain = 0\noutput_gain = 0\nir_gain = 0\nnormalize = 0\nknob1 = 0.5\nknob2 = 0.5\nknob3 = 0.5\n' >&7
    sleep 0.3
    "$probe" "$tmp/in.wav" "$tmp/prog0.wav" "$client:in" "$client:out" \
        30 1e-6 || fail "folder program 0 through jalv differs from rnnamp-render"
    before=$(grep -c "rnnamp: loaded" "$tmp/jalv.log")
    "$midi_send" "$client:control" c0 01 ||
        fail "could not send Program Change 1 to $client:control"
    wait_loaded "$before" "program 1 of folder"
    "$probe" "$tmp/in.wav" "$tmp/prog1.wav" "$client:in" "$client:out" \
        30 1e-6 || fail "after Program Change 1 jalv does not play b.json"
    "$probe" "$tmp/in.wav" "$tmp/prog0.wav" "$client:in" "$client:out" \
        30 1e-6
    [ $? -eq 1 ] || fail "after Program Change 1 jalv still plays a.json"
    echo "jalv-test: MIDI Program Change switched the model folder's program"
fi
# The stereo plugin in a second jalv: the presets apply to it, and each
# channel plays what the mono plugin plays for that channel's input.
stereo_preset=http://rnnamp.org/presets/demo-lstm8
[ -n "$presets_dir" ] && stereo_preset=http://rnnamp.org/presets/combo-high-cab
sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/in2.wav" \
    synth 1.5 sine 146.8 sine 587 remix 1-2 gain -n -15 fade 0.05 1.5 0.05 \
    || fail "sox could not make the second test signal"
for c in 1 2; do
    in=$tmp/in.wav
    [ $c = 2 ] && in=$tmp/in2.wav
    "$render" --quiet --preset "$stereo_preset" "$in" "$tmp/stereo$c.wav" ||
        fail "rnnamp-render could not render $stereo_preset"
done
e_lr=$(esr "$tmp/stereo1.wav" "$tmp/stereo2.wav")
awk -v e="$e_lr" 'BEGIN { exit !(e > 0.1) }' ||
    fail "the two channels' expected outputs are alike (ESR $e_lr)"
mkfifo "$tmp/cmd2" || fail "mkfifo"
stdbuf -oL jalv -n "$sclient" -x "$stereo_uri" <"$tmp/cmd2" \
    >"$tmp/jalv-stereo.log" 2>&1 &
sjalv_pid=$!
exec 8>"$tmp/cmd2"
i=0
until jack_lsp 2>/dev/null | grep -q "^$sclient:out_r\$"; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "jalv did not come up with the stereo plugin"
    kill -0 $sjalv_pid 2>/dev/null || fail "jalv (stereo) exited"
    sleep 0.1
done
for p in in_l in_r out_l out_r; do
    jack_lsp 2>/dev/null | grep -q "^$sclient:$p\$" ||
        fail "the stereo plugin has no port $p in jalv"
done
echo "presets" >&8
for preset in $preset_list; do
    i=0
    until grep -q "^\(> \)\?$preset (" "$tmp/jalv-stereo.log"; do
        i=$((i + 1))
        [ $i -gt 100 ] && fail "jalv does not list preset $preset for the stereo plugin"
        sleep 0.1
    done
done
load_preset 8 "$tmp/jalv-stereo.log" "$stereo_preset"
"$probe" "$tmp/in.wav" "$tmp/stereo1.wav" "$sclient:in_l" "$sclient:out_l" \
    "$tmp/in2.wav" "$tmp/stereo2.wav" "$sclient:in_r" "$sclient:out_r" \
    30 1e-6 || fail "the stereo plugin's channels differ from rnnamp-render"
echo "jalv-test: the stereo plugin plays $stereo_preset on both channels"
echo "jalv-test: OK ($n presets)"
