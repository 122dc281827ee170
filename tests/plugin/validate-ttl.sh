#!/bin/sh
# Validate the built bundle's TTL and every preset bundle against the
# installed LV2 specification (lv2_validate, which needs sord_validate from
# the Debian package "sordi"). Then, through lilv (lv2info), the stereo
# plugin's audio ports must form its two port groups: in_l/in_r in
# #stereo_in, out_l/out_r in #stereo_out, designated left and right.
# usage: validate-ttl.sh <builddir>/lv2 <mod-schema.ttl>
set -u
lv2dir=$1
schema=$2
if ! command -v lv2_validate >/dev/null 2>&1; then
    echo "lv2_validate not found (package lv2-dev)" >&2
    exit 1
fi
if ! command -v sord_validate >/dev/null 2>&1; then
    echo "sord_validate not found (Debian package sordi)" >&2
    exit 1
fi
set --
for b in "$lv2dir"/*.lv2; do
    for f in "$b"/*.ttl; do
        set -- "$@" "$f"
    done
done
if [ "$#" -lt 2 ]; then
    echo "no TTL found under $lv2dir" >&2
    exit 1
fi
echo "validating: $*"
out=$(lv2_validate "$schema" "$@" 2>&1)
rc=$?
echo "$out" | grep -v '^Skipping file'
if [ $rc -ne 0 ] || echo "$out" | grep -q '^error'; then
    echo "TTL validation FAILED" >&2
    exit 1
fi
echo "TTL valid"
info=$(LV2_PATH=$lv2dir lv2info "http://rnnamp.org/plugins/rnnamp#stereo" 2>&1)
fails=0
for spec in in_l:in:left in_r:in:right out_l:out:left out_r:out:right; do
    sym=${spec%%:*}
    rest=${spec#*:}
    grp=${rest%%:*}
    side=${rest#*:}
    got=$(echo "$info" | awk -v s="$sym" '
        $1 == "Symbol:" { cur = $2 }
        cur == s && $1 == "Group:" { g = $2 }
        cur == s && $1 == "Designation:" { d = $2 }
        END { print g, d }')
    want="http://rnnamp.org/plugins/rnnamp#stereo_$grp http://lv2plug.in/ns/ext/port-groups#$side"
    if [ "$got" = "$want" ]; then
        echo "ok: $sym: $got"
    else
        echo "FAIL: $sym: group and designation '$got', expected '$want'" >&2
        fails=$((fails + 1))
    fi
done
[ $fails -eq 0 ] || exit 1
