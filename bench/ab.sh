#!/usr/bin/env bash
# ab.sh - `make bench-ab BASE=<git rev>`: this tree's libheapprof.so against the one built
# from BASE, side by side in one run, on the allocation-heavy workloads. Runs alternate
# (native, base, new, native, base, new, ...) so that load on the machine hits all three
# alike; prints the median wall time of each and the ratios new/base and x native.
# Usage: bench/ab.sh BASE [REPS]
set -eu
base=${1:?usage: bench/ab.sh BASE-REV [REPS]} reps=${2:-7}
B=build/bench
src=build/ab/src
rm -rf "$src" && mkdir -p "$src"
git archive "$base" | tar -x -C "$src"
make -C "$src" --no-print-directory lib >/dev/null
OLD=$PWD/$src/build/release/libheapprof.so NEW=$PWD/build/release/libheapprof.so
tmp=$(mktemp -d /tmp/hp-ab.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
W=(
  "churn|$B/churn 3000000 20"
  "churn_mt 2 threads, cross-thread frees|$B/churn_mt 2 3000000"
  "churn_mt 4 threads, cross-thread frees|$B/churn_mt 4 1500000"
  "churn x2 independent threads|$B/churn_mt 2 3000000 20 private"
)
t1() { # lib cmd -> seconds
    local lib=$1 cmd=$2
    if [ -z "$lib" ]; then
        /usr/bin/time -f %e -o "$tmp/t" $cmd >/dev/null 2>&1
    else
        HEAPPROF_QUIET=1 HEAPPROF_OUT=$tmp/h.%p.json LD_PRELOAD=$lib /usr/bin/time -f %e -o "$tmp/t" $cmd >/dev/null 2>&1
        rm -f "$tmp"/h.*.json
    fi
    tail -1 "$tmp/t"
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "# heapprof $(git rev-parse --short HEAD) against $base: median of $reps alternating runs"
echo
echo "| workload | native s | base s | new s | base x native | new x native | new / base |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for w in "${W[@]}"; do
    IFS='|' read -r name cmd <<<"$w"
    : >"$tmp/n"; : >"$tmp/o"; : >"$tmp/w"
    for _ in $(seq "$reps"); do
        t1 "" "$cmd" >>"$tmp/n"; t1 "$OLD" "$cmd" >>"$tmp/o"; t1 "$NEW" "$cmd" >>"$tmp/w"
    done
    n=$(median <"$tmp/n") o=$(median <"$tmp/o") x=$(median <"$tmp/w")
    awk -v name="$name" -v n="$n" -v o="$o" -v x="$x" 'BEGIN {
        printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.3f |\n", name, n, o, x, o / n, x / n, x / o }'
done
