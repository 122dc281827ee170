#!/bin/sh
# Rebuild the shipped LV2 presets in presets/ by capturing Debian LV2
# plugins with rnnamp-capture.
#
# usage: tools/make-presets.sh [BUILD_DIR] [NAME ...]
#   BUILD_DIR  meson build dir with tools/rnnamp-capture (default ./build)
#   NAME       only rebuild these presets (default: all)
# Environment: MINUTES (training budget per preset, default 10 as
# rnnamp-capture's; knob models get twice that; the older presets were made
# with 5 on an otherwise idle 2-core machine, see presets/README.md),
# THREADS (default 2), RNNAMP_SHARED_DIR
# (for the real-DI held-out clips; without it only the capture signal's own
# test clip is scored). Training is time-limited, so results vary with
# machine load. Each result is compared with presets/targets.txt.
#
# Each preset becomes presets/rnnamp-NAME.lv2/ with manifest.ttl, NAME.ttl
# (URI http://rnnamp.org/presets/NAME) and NAME.json (the model; its
# metadata holds the plugin, settings, latency and held-out ESRs), and the
# capture log goes to presets/logs/NAME.log.
# Amp + cabinet presets (CABS below, e.g. combo-high-cab) are not
# captured: the amp preset's model and a cabinet IR from presets/ are
# copied into the bundle.
# Needs: mda-lv2, guitarix-lv2, zam-plugins.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
[ $# -gt 0 ] && shift
MINUTES=${MINUTES:-10}
THREADS=${THREADS:-2}
SHARED=${RNNAMP_SHARED_DIR:-$SRC/../shared}
CAPTURE="$BUILD/tools/rnnamp-capture"
[ -x "$CAPTURE" ] || {
    echo "make-presets: $CAPTURE not found: build first" >&2
    exit 1
}

GX=http://guitarix.sourceforge.net/plugins
MDA=http://drobilla.net/plugins/mda

# name | label | plugin URI | capture options (settings, sweep, network)
#   [| output gain dB for the preset's output_gain port, default 0: for
#   targets far louder than a DI, so that the preset does not clip a bus]
# The presets made before the capture signal's training guitar grew from
# 60 s to 180 s keep --guitar-seconds 60, so that this script still makes
# what they were made with.
PRESETS="\
od-low|Overdrive, low drive (mda Overdrive 0.2)|$MDA/Overdrive|--set drive=0.2 --set muffle=0 --set output=0.5 --hidden 12 --guitar-seconds 60
ts9-high|Tube Screamer, full drive (guitarix TS9)|$GX/gxts9#ts9sim|--set fslider2_=1 --set fslider1_=500 --set fslider0_=-10 --guitar-seconds 60
fuzzface|Fuzz Face (guitarix)|$GX/gx_fuzzface_#_fuzzface_|--set FUZZ=0.7 --set LEVEL=0.5 --hidden 24 --early-stop 150 --guitar-seconds 60
combo-clean|Clean tube stage (mda Combo, D.I. model, drive 0.3)|$MDA/Combo|--set model=0 --set drive=0.3 --set bias=0.5 --set output=0.5 --hidden 12 --guitar-seconds 60
combo-high|High-gain amp (mda Combo, D.I. model, drive 1.0)|$MDA/Combo|--set model=0 --set drive=1 --set bias=0.5 --set output=0.5 --hidden 16 --guitar-seconds 60
rezfilter|Resonant low-pass (mda RezFilter, static)|$MDA/RezFilter|--set freq=0.45 --set res=0.6 --set env_vcf=0.5 --set lfo_vcf=0.5 --set output=0.5 --hidden 12 --guitar-seconds 60
zamtube-clean|Clean tube amp (ZamTube, tube drive 5, flat tone stack)|urn:zamaudio:ZamTube|--set tubedrive=5 --set tonestack=0 --set bass=5 --set mids=5 --set treb=5 --guitar-seconds 60
zamtube-high|Tube amp, full drive (ZamTube, tube drive 11, flat tone stack)|urn:zamaudio:ZamTube|--set tubedrive=11 --set tonestack=0 --set bass=5 --set mids=5 --set treb=5 --guitar-seconds 60
od-knob|Overdrive with Drive knob (mda Overdrive 0.1-0.9 on knob1)|$MDA/Overdrive|--set muffle=0 --set output=0.5 --sweep drive=0.1:0.9:3 --hidden 16 --guitar-seconds 60
jcm800-high|JCM800 preamp, full gain (guitarix)|$GX/gx_jcm800pre_#_jcm800pre_|--set P6v=1 --set WET_DRY=100|-18
metalamp-high|Metal amp, full drive, high gain (guitarix)|$GX/gxmetal_amp#metal_amp|--set DRIVE=20 --set HIGHGAIN=1|12"

# Run from the source folder so that the clip names stored in the models'
# metadata are relative (../shared/...), not this machine's paths.
cd "$SRC"
case "$SHARED" in "$SRC/../shared") SHARED=../shared ;; esac
test_di=""
for n in 005 006 007; do
    f="$SHARED/real-di/nicolagulmini/input_$n.wav"
    [ -r "$f" ] && test_di="$test_di --test-di $f"
done
[ -n "$test_di" ] ||
    echo "make-presets: note: $SHARED/real-di missing; no real-DI scores" >&2

# write_preset NAME LABEL COMMENT EXTRA_PORTS STATE: manifest.ttl and
# NAME.ttl of presets/rnnamp-NAME.lv2 (STATE: the state:state lines)
write_preset() {
    cat >"$SRC/presets/rnnamp-$1.lv2/manifest.ttl" <<EOF
@prefix lv2:  <http://lv2plug.in/ns/lv2core#> .
@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<http://rnnamp.org/presets/$1>
	a pset:Preset ;
	lv2:appliesTo <http://rnnamp.org/plugins/rnnamp> ,
		<http://rnnamp.org/plugins/rnnamp#stereo> ;
	rdfs:seeAlso <$1.ttl> .
EOF
    cat >"$SRC/presets/rnnamp-$1.lv2/$1.ttl" <<EOF
@prefix lv2:   <http://lv2plug.in/ns/lv2core#> .
@prefix pset:  <http://lv2plug.in/ns/ext/presets#> .
@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .
@prefix state: <http://lv2plug.in/ns/ext/state#> .

<http://rnnamp.org/presets/$1>
	a pset:Preset ;
	lv2:appliesTo <http://rnnamp.org/plugins/rnnamp> ,
		<http://rnnamp.org/plugins/rnnamp#stereo> ;
	rdfs:label "rnnamp: $2" ;
	rdfs:comment "$3" ;
${4}	lv2:port [
		lv2:symbol "input_gain" ;
		pset:value 0.0
	] , [
		lv2:symbol "output_gain" ;
		pset:value ${OUTGAIN:-0.0}
	] ;
	state:state [
$5
	] .
EOF
}

# wanted NAME [NAME ...]: is NAME among the others (or are there no
# others: all are wanted)?
wanted() {
    w=$1
    shift
    [ $# -eq 0 ] && return 0
    for x in "$@"; do [ "$x" = "$w" ] && return 0; done
    return 1
}

mkdir -p "$SRC/presets/logs"
echo "$PRESETS" | while IFS='|' read -r name label uri opts outgain; do
    wanted "$name" "$@" || continue
    min=$MINUTES
    case "$opts" in *--sweep*) min=$(awk -v m="$MINUTES" 'BEGIN{print 2*m}') ;; esac
    dir="$SRC/presets/rnnamp-$name.lv2"
    mkdir -p "$dir"
    log="$SRC/presets/logs/$name.log"
    echo "make-presets: $name: capturing $uri ($min min)" >&2
    # shellcheck disable=SC2086
    "$CAPTURE" --plugin "$uri" $opts --minutes "$min" --threads "$THREADS" \
        --quiet $test_di -o "$dir/$name.json" >"$log" 2>&1 || {
        echo "make-presets: $name failed, see $log" >&2
        tail -3 "$log" >&2
        continue
    }
    knob=""
    case "$opts" in
    *--sweep*)
        knob='	lv2:port [
		lv2:symbol "knob1" ;
		pset:value 0.5
	] ;
' ;;
    esac
    comment="Captured by rnnamp-capture from <$uri> with: $(echo "$opts" | sed 's/--hidden [0-9]*//; s/  */ /g; s/ *$//'). See $name.json metadata for the network, its FIR stages and the held-out ESRs. GPL-3.0-or-later."
    [ -n "$outgain" ] && comment="$comment Output gain $outgain dB: the model keeps the plugin's own level, this brings it nearer a DI's."
    OUTGAIN=${outgain:-0.0}
    write_preset "$name" "$label" "$comment" "$knob" \
        "		<http://rnnamp.org/plugins/rnnamp#model> <$name.json>"
    grep -E "ESR|latency" "$log" | sed "s/^/  /" >&2
    target=$(awk -v n="$name" '$1 == n { print $2 }' "$SRC/presets/targets.txt")
    worst=$(sed -n 's/.*worst held-out ESR \([0-9.e+-]*\).*/\1/p' "$log")
    if [ -n "$target" ] && [ -n "$worst" ]; then
        if awk -v w="$worst" -v t="$target" 'BEGIN { exit !(w < t) }'; then
            echo "make-presets: $name: worst held-out ESR $worst < $target: target met" >&2
        else
            echo "make-presets: $name: worst held-out ESR $worst, target < $target: MISSED" >&2
        fi
    fi
done

# Amp + cabinet presets: a captured model above followed by a cabinet IR
# of our own (tools/make-cab-ir.sh; made first when missing). The bundle
# holds copies of both; the state names them relative to the bundle.
# The plugin scales an IR to unit energy; IR_GAIN (dB, the preset's
# ir_gain) brings the level back near the amp's own: for gx-cab-4x12 and
# combo-high on the real DI clip 005, -6 dB gives 0.7 dB more RMS than the
# model alone and peaks at -1.7 dBFS (ir_gain 0: +6.7 dB, peaks +4.3 dBFS).
# name | label | amp preset | IR in presets/ | IR_GAIN | IR source
#   [| output gain dB, as for the amp presets]
CABS="\
combo-high-cab|High-gain amp + 4x12 cab (mda Combo drive 1.0, guitarix 4x12 IR)|combo-high|gx-cab-4x12.wav|-6.0|guitarix GxCabinet 4x12 (tools/make-cab-ir.sh)
jcm800-high-cab|JCM800 preamp, full gain + 4x12 cab (guitarix JCM800 preamp, guitarix 4x12 IR)|jcm800-high|gx-cab-4x12.wav|-8.0|guitarix GxCabinet 4x12 (tools/make-cab-ir.sh)|-18
metalamp-high-cab|Metal amp, full drive + 4x12 cab (guitarix metal amp, guitarix 4x12 IR)|metalamp-high|gx-cab-4x12.wav|-8.0|guitarix GxCabinet 4x12 (tools/make-cab-ir.sh)|12"
echo "$CABS" | while IFS='|' read -r name label amp ir irgain irsrc outgain; do
    wanted "$name" "$@" || continue
    [ -f "$SRC/presets/$ir" ] || "$SRC/tools/make-cab-ir.sh" "$BUILD" \
        "$SRC/presets/$ir"
    dir="$SRC/presets/rnnamp-$name.lv2"
    mkdir -p "$dir"
    cp "$SRC/presets/rnnamp-$amp.lv2/$amp.json" "$SRC/presets/$ir" "$dir/"
    comment="The $amp preset's model (see $amp.json metadata for its capture) followed by the cabinet impulse response $ir, the response of $irsrc (guitarix: GPL-2.0-or-later). GPL-3.0-or-later."
    OUTGAIN=${outgain:-0.0}
    write_preset "$name" "$label" "$comment" \
        '	lv2:port [
		lv2:symbol "ir_enabled" ;
		pset:value 1.0
	] , [
		lv2:symbol "ir_gain" ;
		pset:value '"$irgain"'
	] ;
' "		<http://rnnamp.org/plugins/rnnamp#model> <$amp.json> ;
		<http://rnnamp.org/plugins/rnnamp#ir> <$ir>"
    echo "make-presets: $name: $amp.json + $ir in $dir" >&2
done
