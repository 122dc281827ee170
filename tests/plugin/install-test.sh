#!/bin/sh
# After `meson install` the installed rnnamp-render finds the installed
# rnnamp bundle and presets without LV2_PATH.
#
# Installs the build into a temporary DESTDIR (the tools look for the
# bundle relative to their own folder, so the moved tree works as the
# real one would), renders the demo preset with the installed tool and
# LV2_PATH unset, then removes the installed bundle and checks that the
# same command now fails with the message naming where it looked (so the
# render did use the installed copy, not the build tree's).
#
# usage: install-test.sh BUILD_DIR
set -u
build=$1
tmp=$(mktemp -d /tmp/rnnamp-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "install-test: FAIL: $*" >&2
    exit 1
}

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet \
    >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log" >&2
    fail "meson install --destdir failed"
}
render=$(find "$tmp/root" -path '*/bin/rnnamp-render' | head -n 1)
[ -x "$render" ] || fail "no installed rnnamp-render under $tmp/root"
bundle=$(find "$tmp/root" -type d -name rnnamp.lv2 | head -n 1)
[ -f "$bundle/manifest.ttl" ] || fail "no installed rnnamp.lv2 under $tmp/root"
echo "install-test: $render, $bundle"

unset LV2_PATH
sox -n -r 48000 -c 1 -e floating-point -b 32 "$tmp/in.wav" synth 0.2 sine 220
"$render" --preset http://rnnamp.org/presets/demo-lstm8 "$tmp/in.wav" \
    "$tmp/out.wav" 2>"$tmp/err" || {
    cat "$tmp/err" >&2
    fail "the installed rnnamp-render does not find the installed plugin"
}
[ "$(soxi -s "$tmp/out.wav")" = "$(soxi -s "$tmp/in.wav")" ] ||
    fail "wrong output length"
tail -n 1 "$tmp/err"

rm -rf "$bundle"
if "$render" --preset http://rnnamp.org/presets/demo-lstm8 "$tmp/in.wav" \
    "$tmp/out2.wav" 2>"$tmp/err"; then
    fail "still renders without the installed bundle (used another copy)"
fi
grep -q "no such LV2 plugin is installed" "$tmp/err" ||
    fail "unexpected message: $(cat "$tmp/err")"
echo "install-test: OK"
