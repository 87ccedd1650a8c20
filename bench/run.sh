#!/usr/bin/env bash
# run.sh - `make bench`: every workload under every tool, side by side in one run.
# Usage: bench/run.sh [-r REPS] [-q] [-o RESULTS.md]   (-q: quick, smaller inputs, 1 rep)
# Prints, per workload and tool, the median wall time and max RSS over REPS runs and their
# ratios to the native run. Valgrind DHAT runs a reduced input and its time is scaled up by the
# reduction factor (marked *). A tool that is missing or whose run fails, or whose program output
# differs from the native run, is shown as such, never dropped.
set -u
reps=3 quick=0 out=build/bench/results.md
while getopts "r:qo:" o; do
    case $o in r) reps=$OPTARG ;; q) quick=1; reps=1 ;; o) out=$OPTARG ;; *) exit 2 ;; esac
done
B=build/bench
LIB=${HP_LIB:-build/release/libheapprof.so}
LSAN=/usr/lib/x86_64-linux-gnu/liblsan.so.0
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/hp-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ -f "$LIB" ] || { echo "run.sh: $LIB missing (make lib)" >&2; exit 2; }

# name | command | reduced command for DHAT | reduction factor
s=1; [ $quick = 1 ] && s=10
W=(
  "churn|$B/churn $((5000000 / s)) 20|$B/churn 100000 20|$((50 / s))"
  "churn_mt 2 threads, cross-thread frees|$B/churn_mt 2 $((5000000 / s))|$B/churn_mt 2 100000|$((50 / s))"
  "churn x2 independent threads|$B/churn_mt 2 $((5000000 / s)) 20 private|$B/churn_mt 2 100000 20 private|$((50 / s))"
  "churn_mt 4 threads, cross-thread frees|$B/churn_mt 4 $((2500000 / s))|$B/churn_mt 4 50000|$((50 / s))"
  "realloc/calloc/aligned mix|$B/mix $((2000000 / s))|$B/mix 100000|$((20 / s))"
  "C++ containers|$B/containers $((40 / s))|$B/containers 2|$((20 / s))"
  "python3 script|$PY bench/work.py $((150000 / s))|$PY bench/work.py 15000|$((10 / s))"
  "sqlite3 script|sqlite3 :memory: < bench/work.sql|sqlite3 :memory: < $tmp/small.sql|10"
)
sed 's/x < 200000/x < 20000/' bench/work.sql > "$tmp/small.sql"
[ $quick = 1 ] && sed -i 's/x < 200000/x < 20000/' "$tmp/small.sql"

TOOLS=(native bare heapprof heaptrack lsan dhat)

# run TOOL CMD OUTFILE -> prints "secs kb" or "FAIL"
run_tool() {
    local tool=$1 cmd=$2 o=$3 t=$tmp/time
    # eval: the command runs as itself (no intermediate shell for a tool to trace instead)
    case $tool in
    native) eval "/usr/bin/time -o $t -f '%e %M' $cmd" >"$o" 2>/dev/null ;;
    bare) eval "LD_PRELOAD=$B/bare_unwind.so /usr/bin/time -o $t -f '%e %M' $cmd" >"$o" 2>/dev/null ;;
    heapprof) eval "HEAPPROF_QUIET=1 HEAPPROF_OUT=$tmp/hp.%p.json LD_PRELOAD=$PWD/$LIB /usr/bin/time -o $t -f '%e %M' $cmd" >"$o" 2>/dev/null ;;
    heaptrack) command -v heaptrack >/dev/null || return 1
        eval "/usr/bin/time -o $t -f '%e %M' heaptrack -r -o $tmp/ht.%p $cmd" >"$o" 2>/dev/null ;;
    lsan) [ -f $LSAN ] || return 1
        eval "LSAN_OPTIONS=exitcode=0 LD_PRELOAD=$LSAN /usr/bin/time -o $t -f '%e %M' $cmd" >"$o" 2>/dev/null ;;
    dhat) command -v valgrind >/dev/null || return 1
        eval "/usr/bin/time -o $t -f '%e %M' valgrind -q --tool=dhat --dhat-out-file=$tmp/dh.out $cmd" >"$o" 2>/dev/null ;;
    esac
    local rc=$?
    rm -f "$tmp"/hp.*.json "$tmp"/ht.* "$tmp"/dh.out
    [ $rc -eq 0 ] || return 1
    tail -1 "$t"
}

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }

mkdir -p "$(dirname "$out")"
{
echo "# make bench results"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r); $(date -u +%Y-%m-%d)."
echo "Median of $reps run(s); ratio = tool / native. DHAT (*) ran a reduced input, time scaled by the reduction."
echo
echo "| workload | tool | wall s | x native | max RSS MB | x native RSS | note |"
echo "|---|---|---:|---:|---:|---:|---|"
} >"$out"
printf '%-28s %-10s %9s %9s %10s %9s %s\n' workload tool "wall s" "x native" "RSS MB" "x RSS" note
for w in "${W[@]}"; do
    IFS='|' read -r name cmd small factor <<<"$w"
    nat_s="" nat_kb="" ref="$tmp/ref.out"
    for tool in "${TOOLS[@]}"; do
        c=$cmd f=1 note=""
        if [ $tool = dhat ]; then c=$small f=$factor; note="* x$factor"; fi
        secs=() kbs=() ok=1
        for i in $(seq "$reps"); do
            r=$(run_tool $tool "$c" "$tmp/out") || { ok=0; break; }
            secs+=("${r% *}") kbs+=("${r#* }")
            if [ $tool = native ]; then cp "$tmp/out" "$ref";
            elif [ $tool = heaptrack ]; then note="(stdout not compared: heaptrack writes its own lines there)"
            elif [ $tool != dhat ] && ! cmp -s "$tmp/out" "$ref"; then note="OUTPUT DIFFERS"; fi
        done
        if [ $ok = 0 ]; then
            printf '%-28s %-10s %9s\n' "$name" $tool "failed/missing"
            echo "| $name | $tool | - | - | - | - | failed or missing |" >>"$out"
            continue
        fi
        s_med=$(printf '%s\n' "${secs[@]}" | median)
        kb_med=$(printf '%s\n' "${kbs[@]}" | median)
        s_med=$(awk -v s="$s_med" -v f="$f" 'BEGIN {printf "%.2f", s * f}')
        [ $tool = native ] && { nat_s=$s_med; nat_kb=$kb_med; }
        ratio=$(awk -v a="$s_med" -v b="$nat_s" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
        mb=$(awk -v k="$kb_med" 'BEGIN {printf "%.1f", k / 1024}')
        rr=$(awk -v a="$kb_med" -v b="$nat_kb" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
        [ $tool = dhat ] && rr="-"
        printf '%-28s %-10s %9s %9s %10s %9s %s\n' "$name" $tool "$s_med" "$ratio" "$mb" "$rr" "$note"
        echo "| $name | $tool | $s_med | $ratio | $mb | $rr | $note |" >>"$out"
    done
done
echo
echo "results: $out"
