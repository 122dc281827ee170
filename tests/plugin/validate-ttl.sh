#!/bin/sh
# Validate the built bundle's TTL and every preset bundle against the
# installed LV2 specification (lv2_validate, which needs sord_validate from
# the Debian package "sordi").
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
