#!/bin/sh
# Instructions per sample of the engine's aarch64 step, by class, counted
# under qemu-user: the table in docs/architecture.md ("aarch64 (NEON)").
# Timings under qemu mean nothing; these counts are exact.
#
#   tools/neon-count.sh BUILDDIR [KERNEL]    (BUILDDIR: the aarch64 cross
#                                             build; KERNEL: neon|scalar)
#
# Each configuration runs the cross-built rnnamp-bench for 256 and 512
# samples under qemu-aarch64 with -d in_asm,exec,nochain (every translated
# block logged with its symbol and instructions, every execution of a block
# traced), sums the instructions executed inside the engine (kb_*,
# rnnamp_run_*, rnnamp_engine_process), and prints the difference divided
# by 256, so set-up costs cancel. Needs qemu-user-static; slow (a minute a
# configuration) and writes a few MB of log to a temporary folder.
set -eu
bench="$1/tools/rnnamp-bench"
kernel=${2:-neon}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# engine instructions executed, by class, from one qemu log
classes() {
    awk '
    /^IN:/ { sym = $2; cur = ""; next }
    /^0x[0-9a-f]+:/ {
        a = $1; sub(":", "", a)
        if (cur == "") {
            cur = a
            inside[cur] = sym ~ /^(kb_|rnnamp_run_|rnnamp_engine_process)/
            for (k in cls) n[cur "," k] = 0
        }
        m = $3
        c = "other"
        if (m ~ /^fml[as]$/) c = "fma"
        else if (m ~ /^(fmul|fadd|fsub|fmin|fmax|fminnm|fmaxnm|fneg|fabs|frecpe|frecps|fdiv|faddp)$/) c = "fp"
        else if (m ~ /^ld/) c = "load"
        else if (m ~ /^st/) c = "store"
        else if (m ~ /^(dup|mov|movi|ins|fmov|ext|zip1|zip2|uzp1|uzp2)$/) c = "move"
        n[cur "," c]++
        next
    }
    /^$/ { cur = ""; next }
    /Trace [0-9]+:/ {
        cur = ""
        split($0, p, "/"); a = "0x" p[2]; sub(/^0x0*/, "0x", a)
        if (inside[a]) for (k in cls) tot[k] += n[a "," k]
        next
    }
    BEGIN { split("fma fp load store move other", L, " "); for (i in L) cls[L[i]] = 1 }
    END { for (k in cls) printf "%s %d\n", k, tot[k] }' "$1"
}
count() {
    qemu-aarch64-static -L / -d in_asm,exec,nochain -D "$tmp/q.log" \
        "$bench" "$@" --kernel "$kernel" --repeats 1 >/dev/null
    classes "$tmp/q.log"
}
printf '| step | total | fmla/fmls | other FP | loads | stores | moves | integer, branches |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
for cfg in "lstm 8" "lstm 16" "lstm 32" "gru 8" "gru 16" "gru 32"; do
    set -- $cfg
    count --arch "$1" --hidden "$2" --samples 256 >"$tmp/a"
    count --arch "$1" --hidden "$2" --samples 512 >"$tmp/b"
    name=$(echo "$1" | tr a-z A-Z)
    sort "$tmp/a" >"$tmp/as"
    sort "$tmp/b" >"$tmp/bs"
    join "$tmp/as" "$tmp/bs" >"$tmp/d"
    awk -v name="$name-$2" '
        { v[$1] = ($3 - $2) / 256; t += v[$1] }
        END { printf "| %s | %d | %d | %d | %d | %d | %d | %d |\n", name, t,
              v["fma"], v["fp"], v["load"], v["store"], v["move"], v["other"] }' "$tmp/d"
done
