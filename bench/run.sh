#!/usr/bin/env bash
# run.sh - `make bench`: every workload under every tool, side by side in one run.
# Usage: bench/run.sh [-r REPS] [-q] [-o RESULTS.md] [-t TOOL,TOOL...]
#   -q: quick, smaller inputs, 1 rep; -t: only these tools (native is always run: it is the
#   reference), from: native bare interpose heapprof hp-sample heaptrack lsan dhat jemalloc
#   jemalloc-prof.
# Runs alternate (rep 1 of every tool, then rep 2, ...), so that a change of load on the machine
# hits every tool alike. Prints, per workload and tool, the median wall time and max RSS over
# REPS runs, and "x native": the median over reps of the ratio of each run to the native run of
# the same rep, with the spread (min-max) of those ratios. Wall time is taken with bash's
# EPOCHREALTIME (microseconds; /usr/bin/time's %e has 10 ms steps, 5% of the shortest run).
# Valgrind DHAT runs a reduced input and its time is scaled up by the reduction factor
# (marked *). A tool that is missing or whose run fails, or whose program output differs from
# the native run, is shown as such, never dropped; hp-sample says so if the library did not
# sample (no "hp_sample" in its report), jemalloc-prof if jemalloc wrote no profile.
set -u
reps=3 quick=0 out=build/bench/results.md tools=""
ALL_TOOLS="native bare interpose heapprof hp-sample heaptrack lsan dhat jemalloc jemalloc-prof"
while getopts "r:qo:t:" o; do
    case $o in r) reps=$OPTARG ;; q) quick=1; reps=1 ;; o) out=$OPTARG ;; t) tools=$OPTARG ;;
    *) exit 2 ;; esac
done
case $reps in '' | *[!0-9]* | 0) echo "run.sh: -r wants a positive number of runs, not '$reps'" >&2; exit 2 ;; esac
TOOLS=(native)
for t in ${tools//,/ }; do
    case " $ALL_TOOLS " in *" $t "*) ;; *) echo "run.sh: unknown tool '$t' (one of: $ALL_TOOLS)" >&2; exit 2 ;; esac
    [ "$t" = native ] || TOOLS+=("$t")
done
[ -z "$tools" ] && read -r -a TOOLS <<<"$ALL_TOOLS"
B=build/bench
LIB=${HP_LIB:-build/release/libheapprof.so}
LSAN=/usr/lib/x86_64-linux-gnu/liblsan.so.0
JE=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
SAMPLE=${HP_SAMPLE:-512K}
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/hp-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ -f "$LIB" ] || { echo "run.sh: $LIB missing (make lib)" >&2; exit 2; }
case $LIB in /*) ;; *) LIB=$PWD/$LIB ;; esac

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


# run TOOL CMD OUTFILE -> prints "secs kb" or fails. Leaves flags in $tmp: sampled (a
# hp-sample report had "hp_sample"), jeprof (jemalloc-prof wrote a profile).
run_tool() {
    local tool=$1 cmd=$2 o=$3 t=$tmp/time tm="/usr/bin/time -o $tmp/time -f %M" t0 t1
    local hp="HEAPPROF_QUIET=1 HEAPPROF_OUT=$tmp/hp.%p.json LD_PRELOAD=$LIB"
    case $tool in
    heaptrack) command -v heaptrack >/dev/null || return 1 ;;
    lsan) [ -f $LSAN ] || return 1 ;;
    dhat) command -v valgrind >/dev/null || return 1 ;;
    jemalloc*) [ -f $JE ] || return 1 ;;
    esac
    t0=$EPOCHREALTIME
    # eval: the command runs as itself (no intermediate shell for a tool to trace instead)
    case $tool in
    native) eval "$tm $cmd" >"$o" 2>/dev/null ;;
    bare) eval "LD_PRELOAD=$B/bare_unwind.so $tm $cmd" >"$o" 2>/dev/null ;;
    interpose) eval "LD_PRELOAD=$PWD/$B/interpose.so $tm $cmd" >"$o" 2>/dev/null ;;
    heapprof) eval "$hp $tm $cmd" >"$o" 2>/dev/null ;;
    hp-sample) eval "HEAPPROF_SAMPLE=$SAMPLE $hp $tm $cmd" >"$o" 2>/dev/null ;;
    heaptrack) eval "$tm heaptrack -r -o $tmp/ht.%p $cmd" >"$o" 2>/dev/null ;;
    lsan) eval "LSAN_OPTIONS=exitcode=0 LD_PRELOAD=$LSAN $tm $cmd" >"$o" 2>/dev/null ;;
    dhat) eval "$tm valgrind -q --tool=dhat --dhat-out-file=$tmp/dh.out $cmd" >"$o" 2>/dev/null ;;
    jemalloc) eval "LD_PRELOAD=$JE $tm $cmd" >"$o" 2>/dev/null ;;
    # prof_final: jemalloc writes its profile at exit, as heapprof writes its report
    jemalloc-prof) eval "MALLOC_CONF=prof:true,lg_prof_sample:19,prof_final:true,prof_prefix:$tmp/jeprof \
        LD_PRELOAD=$JE $tm $cmd" >"$o" 2>/dev/null ;;
    esac
    local rc=$?
    t1=$EPOCHREALTIME
    [ $tool = hp-sample ] && grep -qs '"hp_sample"' "$tmp"/hp.*.json && touch "$tmp/sampled"
    [ $tool = jemalloc-prof ] && ls "$tmp"/jeprof.*.heap >/dev/null 2>&1 && touch "$tmp/jeprof"
    rm -f "$tmp"/hp.*.json "$tmp"/ht.* "$tmp"/dh.out "$tmp"/jeprof.*
    [ $rc -eq 0 ] || return 1
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}') $(tail -1 "$t")"
}

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }

mkdir -p "$(dirname "$out")"
{
echo "# make bench results"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r); $(date -u +%Y-%m-%d)."
echo "Median of $reps alternating run(s); x native = median over runs of tool / native of the same run, spread = min-max of those ratios. DHAT (*) ran a reduced input, time scaled by the reduction."
echo
echo "| workload | tool | wall s | x native | spread | max RSS MB | x native RSS | note |"
echo "|---|---|---:|---:|---|---:|---:|---|"
} >"$out"
printf '%-28s %-13s %8s %8s %-11s %8s %6s %s\n' workload tool "wall s" "x native" spread "RSS MB" "x RSS" note
for w in "${W[@]}"; do
    IFS='|' read -r name cmd small factor <<<"$w"
    ref="$tmp/ref.out"
    rm -f "$tmp"/r.* "$tmp"/failed.* "$tmp"/note.* "$tmp/sampled" "$tmp/jeprof"
    for i in $(seq "$reps"); do
        for tool in "${TOOLS[@]}"; do
            [ -e "$tmp/failed.$tool" ] && continue
            c=$cmd
            [ $tool = dhat ] && c=$small
            if ! r=$(run_tool $tool "$c" "$tmp/out"); then touch "$tmp/failed.$tool"; continue; fi
            echo "$r" >>"$tmp/r.$tool"
            if [ $tool = native ]; then cp "$tmp/out" "$ref"
            elif [ $tool = heaptrack ]; then echo "(stdout not compared: heaptrack writes its own lines there)" >"$tmp/note.$tool"
            elif [ $tool != dhat ] && ! cmp -s "$tmp/out" "$ref"; then echo "OUTPUT DIFFERS" >"$tmp/note.$tool"; fi
        done
    done
    for tool in "${TOOLS[@]}"; do
        f=1 note=""
        [ $tool = dhat ] && { f=$factor; note="* x$factor"; }
        [ -e "$tmp/note.$tool" ] && note="$note $(cat "$tmp/note.$tool")"
        [ $tool = hp-sample ] && [ ! -e "$tmp/sampled" ] && note="$note NOT SAMPLED: no hp_sample in the report (library without sampling mode: ran exact)"
        [ $tool = jemalloc-prof ] && [ ! -e "$tmp/jeprof" ] && note="$note NO PROFILE: jemalloc wrote no jeprof.*.heap (built without --enable-prof?)"
        if [ -e "$tmp/failed.$tool" ] || [ ! -s "$tmp/r.$tool" ] || [ -e "$tmp/failed.native" ]; then
            printf '%-28s %-13s %8s\n' "$name" $tool "failed/missing"
            echo "| $name | $tool | - | - | - | - | - | failed or missing |" >>"$out"
            continue
        fi
        # one line per run: secs kb native_secs native_kb
        row=$(paste -d' ' "$tmp/r.$tool" "$tmp/r.native" | awk -v f="$f" -v tool=$tool '
            { s[NR] = $1 * f; k[NR] = $2; q[NR] = $1 * f / $3; kq[NR] = $2 / $4 }
            function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
                                            return a[int((n + 1) / 2)] }
            END { n = NR; ms = med(s, n); mk = med(k, n); mq = med(q, n); mr = med(kq, n)
                  printf "%.3f|%.3f|%.3f-%.3f|%.1f|%s\n", ms, mq, q[1], q[n], mk / 1024, tool == "dhat" ? "-" : sprintf("%.2f", mr) }')
        IFS='|' read -r s_med ratio spread mb rr <<<"$row"
        printf '%-28s %-13s %8s %8s %-11s %8s %6s %s\n' "$name" $tool "$s_med" "$ratio" "$spread" "$mb" "$rr" "$note"
        echo "| $name | $tool | $s_med | $ratio | $spread | $mb | $rr |$note |" >>"$out"
    done
done
echo
echo "results: $out"
