#!/bin/sh
# Lists every C function in src/, plugin/ and tools/ longer than MAX lines
# (default 120), counted from the line of its opening brace to its closing
# brace. The code is clang-formatted (BreakBeforeBraces: Linux), so a
# function body opens with "{" and closes with "}" alone in column 0.
# Exit status: 0 when none is longer, 1 otherwise.
#
# Usage: tests/lint/function-length.sh [source-dir] [max-lines]
set -eu
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
max=${2:-120}
cd "$src"
files=$(find src plugin tools -name '*.[ch]' | sort)
# shellcheck disable=SC2086
awk -v max="$max" '
FNR == 1 { start = 0 }
/^\{[ \t]*$/ { start = FNR; name = sig; next }
/^\}/ && start {
    len = FNR - start + 1
    if (len > max) {
        printf "%s:%d: %s: %d lines (max %d)\n", FILENAME, start, name, len, max
        bad++
    }
    start = 0
}
/^[A-Za-z_]/ { sig = $0 }
END {
    if (bad) { printf "%d function(s) longer than %d lines\n", bad, max; exit 1 }
    print "no function longer than " max " lines"
}' $files
