#!/usr/bin/env bash
# accuracy.sh - `make bench-accuracy`: how well sampling mode estimates bytes allocated per
# site. Each workload (the `make bench` ones and test programs with enough allocation volume)
# runs once in exact mode and RUNS times with HEAPPROF_SAMPLE=RATE (the sampling countdown is
# seeded from the clock: every run is another draw); bench/accuracy.py compares the exact top
# 10 sites by tb with their estimates (definitions there and in docs/performance.md).
# Usage: bench/accuracy.sh [-n RUNS] [-r RATE] [-o RESULTS.md] [-q]   (-q: smaller inputs)
# Sites are matched by symbolized stack without addresses (accuracy.py says why); every process
# runs with ASLR off (setarch -R) all the same, and Python with a fixed hash seed, so that runs
# take the same paths.
# Exit status: 0 when every run worked, whatever the accuracy (this script measures, it does
# not judge); 1 if a run failed, wrote no report, or a report was not what it should be
# (e.g. the library has no sampling mode: no "hp_sample" in the sampled report).
set -u
runs=5 rate=64K out=build/bench/accuracy.md quick=0
while getopts "n:r:o:q" o; do
    case $o in n) runs=$OPTARG ;; r) rate=$OPTARG ;; o) out=$OPTARG ;; q) quick=1 ;; *) exit 2 ;; esac
done
case $runs in '' | *[!0-9]* | 0) echo "accuracy.sh: -n wants a positive number of runs, not '$runs'" >&2; exit 2 ;; esac
B=build/bench
P=build/release/tests/progs
LIB=${HP_LIB:-build/release/libheapprof.so}
PY=/usr/bin/python3
[ -f "$LIB" ] || { echo "accuracy.sh: $LIB missing (make lib)" >&2; exit 2; }
case $LIB in /*) ;; *) LIB=$PWD/$LIB ;; esac
command -v setarch >/dev/null || { echo "accuracy.sh: setarch missing (util-linux)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/hp-acc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# name | command | stdin. Inputs as in bench/run.sh (-q: a tenth).
s=1; [ $quick = 1 ] && s=10
sed 's/x < 200000/x < 20000/' bench/work.sql >"$tmp/small.sql"
sql=bench/work.sql; [ $quick = 1 ] && sql=$tmp/small.sql
W=(
  "churn|$B/churn $((5000000 / s)) 20|"
  "churn_mt 2 threads, cross-thread frees|$B/churn_mt 2 $((5000000 / s))|"
  "churn x2 independent threads|$B/churn_mt 2 $((5000000 / s)) 20 private|"
  "churn_mt 4 threads, cross-thread frees|$B/churn_mt 4 $((2500000 / s))|"
  "realloc/calloc/aligned mix|$B/mix $((2000000 / s))|"
  "C++ containers|$B/containers $((40 / s))|"
  "python3 script|$PY bench/work.py $((150000 / s))|"
  "sqlite3 script|sqlite3 :memory:|$sql"
  "tests: threads (8 threads, cross-thread frees)|$P/threads 8 $((200000 / s))|"
  "tests: glue_cxx (C++ containers, inlined)|$P/glue_cxx|"
  "tests: newhandler (blocks of 16 MB and more)|$P/newhandler|"
)

# one CMD under heapprof -> the report's path on stdout; fails on a failed run
profile() { # tag sample-rate cmd stdin
    local r=$2 cmd=$3 in=${4:-/dev/null} d=$tmp/runs/$1
    mkdir -p "$d"
    # shellcheck disable=SC2086 # cmd is words
    if ! setarch -R env PYTHONHASHSEED=0 HEAPPROF_QUIET=1 HEAPPROF_SAMPLE="$r" \
        HEAPPROF_OUT="$d/hp.%p.json" LD_PRELOAD="$LIB" $cmd <"$in" >/dev/null 2>"$d/err"; then
        echo "accuracy.sh: '$cmd' failed (HEAPPROF_SAMPLE=$r): $(tail -1 "$d/err")" >&2
        return 1
    fi
    local f n=0
    for f in "$d"/hp.*.json; do [ -e "$f" ] && n=$((n + 1)); done
    if [ $n -ne 1 ]; then
        echo "accuracy.sh: '$cmd' wrote $n reports, expected 1" >&2
        return 1
    fi
    echo "$d"/hp.*.json
}

mkdir -p "$(dirname "$out")"
bad=0
: >"$tmp/rows"; : >"$tmp/sums"
for w in "${W[@]}"; do
    IFS='|' read -r name cmd in <<<"$w"
    rm -rf "$tmp/runs"
    echo "accuracy.sh: $name: exact + $runs x HEAPPROF_SAMPLE=$rate" >&2
    files=()
    e=$(profile exact 0 "$cmd" "$in") || { bad=1; continue; }
    for i in $(seq "$runs"); do
        f=$(profile "s$i" "$rate" "$cmd" "$in") || { bad=1; continue 2; }
        files+=("$f")
    done
    if ! $PY bench/accuracy.py "$name" "$e" "${files[@]}" >"$tmp/one"; then bad=1; continue; fi
    grep -v '^SUMMARY|' "$tmp/one" >>"$tmp/rows"
    grep '^SUMMARY|' "$tmp/one" | cut -d'|' -f2- >>"$tmp/sums"
    rm -rf "$tmp/runs"
done

{
echo "# sampling accuracy (bench/accuracy.sh)"
echo
echo "Machine: $(nproc) cores, kernel $(uname -r); $(date -u +%Y-%m-%d). Rate HEAPPROF_SAMPLE=$rate, $runs sampled runs per workload against one exact run."
echo "error % = (estimate - exact) / exact: of the mean estimate over the runs; worst = the largest |error| of one run; sigma = 100 sqrt(R / tb), the expected error (one standard deviation) for blocks much smaller than R."
echo "realloc'd: the exact run counted reallocs of the site's blocks; exact mode adds a realloc's bytes to the block's first site (DHAT's rule), sampling mode counts them at the realloc's own stack: such sites differ by design."
echo "Well-sampled: tb >= 100 R (sigma <= 10%) and not realloc'd. Ranks kept: every pair of top-10 sites with tb >= 10 R whose exact tb differ by more than 20% is ordered the same by the run's estimates (over all, and over the sites without reallocs)."
echo "Matched: share of the estimated bytes whose stack also occurs in the exact run."
echo
echo "| workload | top sites | realloc'd | samples/run | runs | well-sampled sites | their max \\|error\\| of mean % | their worst run \\|error\\| % | all top 10: worst run \\|error\\| % | ranks kept (runs) | ranks kept, no realloc'd | matched % |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
sed 's/|/ | /g; s/^/| /; s/$/ |/' "$tmp/sums"
echo
echo "| workload | site (innermost frames) | exact tb | estimated tb (mean) | error % | worst run % | sigma % | exact rank | est. rank |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
cat "$tmp/rows"
} >"$out"
cat "$out"
echo
echo "results: $out"
[ $bad = 0 ] || echo "accuracy.sh: some runs failed (above); their workloads are missing from the tables" >&2
exit $bad
