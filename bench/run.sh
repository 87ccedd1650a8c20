#!/usr/bin/env bash
# run.sh - `make bench`: every workload under every tool, side by side in one run.
# Usage: bench/run.sh [-r REPS] [-q] [-i] [-o RESULTS.md] [-t TOOL,TOOL...]
#   -q: quick, smaller inputs, 1 rep; -t: only these tools (native is always run: it is the
#   reference), from: native bare interpose heapprof hp-auto hp-sample heaptrack lsan dhat
#   jemalloc jemalloc-prof (hp-auto: heapprof with HEAPPROF_CONSUMER=auto, the consumer on a
#   thread of its own while the program leaves a CPU free); -i: count instructions instead (below).
# Runs alternate (rep 1 of every tool, then rep 2, ...), so that a change of load on the machine
# hits every tool alike. Prints, per workload and tool, the median wall time, CPU time (user +
# system) and max RSS over REPS runs, each time as "x native": the median over reps of the
# ratio of each run to the native run of the same rep, with the spread (min-max) of those
# ratios. bench/timeit.c takes the times (microseconds, not /usr/bin/time's 10 ms steps); on a
# machine that other jobs load, CPU time is the figure that still compares: the time a
# process waits for a CPU is in its wall time only.
# Valgrind DHAT runs a reduced input and its time is scaled up by the reduction factor
# (marked *). A tool that is missing or whose run fails, or whose program output differs from
# the native run, is shown as such, never dropped; hp-sample says so if the library did not
# sample (no "hp_sample" in its report), jemalloc-prof if jemalloc wrote no profile.
# -i: instructions executed (valgrind --tool=callgrind, all processes of the run, one run of
# each: deterministic up to the sampling draws) on the reduced input DHAT runs and on twice
# it; not for heaptrack, lsan or dhat. Load on the machine does not change these counts. From
# the two sizes: "marginal", the ratio of the instructions the second half of the input added
# (fixed costs - start-up, the report at exit - cancel out: the per-allocation cost alone),
# and "full", the ratio at the full input, extrapolated linearly from the two
# (I_full = I_small + (F - 1) (I_double - I_small), F the reduction factor).
set -u
reps=3 quick=0 out=build/bench/results.md tools="" icount=0
ALL_TOOLS="native bare interpose heapprof hp-auto hp-sample heaptrack lsan dhat jemalloc jemalloc-prof"
while getopts "r:qio:t:" o; do
    case $o in r) reps=$OPTARG ;; q) quick=1; reps=1 ;; i) icount=1 ;; o) out=$OPTARG ;; t) tools=$OPTARG ;;
    *) exit 2 ;; esac
done
case $reps in '' | *[!0-9]* | 0) echo "run.sh: -r wants a positive number of runs, not '$reps'" >&2; exit 2 ;; esac
TOOLS=(native)
for t in ${tools//,/ }; do
    case " $ALL_TOOLS " in *" $t "*) ;; *) echo "run.sh: unknown tool '$t' (one of: $ALL_TOOLS)" >&2; exit 2 ;; esac
    [ "$t" = native ] || TOOLS+=("$t")
done
[ -z "$tools" ] && read -r -a TOOLS <<<"$ALL_TOOLS"
if [ $icount = 1 ]; then
    reps=1 T=()
    for t in "${TOOLS[@]}"; do case $t in heaptrack | lsan | dhat) ;; *) T+=("$t") ;; esac; done
    TOOLS=("${T[@]}")
fi
B=build/bench
# Python's string hashes are salted per run unless fixed: its work (and instruction count) then
# varies by a few percent from run to run, the same for every tool.
export PYTHONHASHSEED=0
LIB=${HP_LIB:-build/release/libheapprof.so}
LSAN=/usr/lib/x86_64-linux-gnu/liblsan.so.0
JE=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
SAMPLE=${HP_SAMPLE:-512K}
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/hp-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ -f "$LIB" ] || { echo "run.sh: $LIB missing (make lib)" >&2; exit 2; }
case $LIB in /*) ;; *) LIB=$PWD/$LIB ;; esac

# name | command | reduced command for DHAT and -i | reduction factor | twice the reduced (-i)
s=1; [ $quick = 1 ] && s=10
W=(
  "churn|$B/churn $((5000000 / s)) 20|$B/churn 100000 20|$((50 / s))|$B/churn 200000 20"
  "churn_mt 2 threads, cross-thread frees|$B/churn_mt 2 $((5000000 / s))|$B/churn_mt 2 100000|$((50 / s))|$B/churn_mt 2 200000"
  "churn x2 independent threads|$B/churn_mt 2 $((5000000 / s)) 20 private|$B/churn_mt 2 100000 20 private|$((50 / s))|$B/churn_mt 2 200000 20 private"
  "churn_mt 4 threads, cross-thread frees|$B/churn_mt 4 $((2500000 / s))|$B/churn_mt 4 50000|$((50 / s))|$B/churn_mt 4 100000"
  "realloc/calloc/aligned mix|$B/mix $((2000000 / s))|$B/mix 100000|$((20 / s))|$B/mix 200000"
  "C++ containers|$B/containers $((40 / s))|$B/containers 2|$((20 / s))|$B/containers 4"
  "python3 script|$PY bench/work.py $((150000 / s))|$PY bench/work.py 15000|$((10 / s))|$PY bench/work.py 30000"
  "python3 PYTHONMALLOC=malloc|env PYTHONMALLOC=malloc $PY bench/work.py $((60000 / s))|env PYTHONMALLOC=malloc $PY bench/work.py 6000|$((10 / s))|env PYTHONMALLOC=malloc $PY bench/work.py 12000"
  "perl script|perl bench/work.pl $((200000 / s))|perl bench/work.pl 20000|$((10 / s))|perl bench/work.pl 40000"
  "sqlite3 script|sqlite3 :memory: < bench/work.sql|sqlite3 :memory: < $tmp/small.sql|10|sqlite3 :memory: < $tmp/small2.sql"
)
sed 's/x < 200000/x < 20000/' bench/work.sql > "$tmp/small.sql"
sed 's/x < 200000/x < 40000/' bench/work.sql > "$tmp/small2.sql"
[ $quick = 1 ] && sed -i 's/x < 200000/x < 20000/' "$tmp/small.sql"


# run TOOL CMD OUTFILE -> prints "wall_s cpu_s kb" (-i: "instructions") or fails. Leaves
# flags in $tmp: sampled (a hp-sample report had "hp_sample"), jeprof (jemalloc-prof wrote a
# profile).
run_tool() {
    local tool=$1 cmd=$2 o=$3 t=$tmp/time tm="$B/timeit $tmp/time"
    local hp="HEAPPROF_QUIET=1 HEAPPROF_OUT=$tmp/hp.%p.json LD_PRELOAD=$LIB"
    [ $icount = 1 ] && tm="valgrind -q --tool=callgrind --trace-children=yes --callgrind-out-file=$tmp/cg.%p"
    case $tool in
    heaptrack) command -v heaptrack >/dev/null || return 1 ;;
    lsan) [ -f $LSAN ] || return 1 ;;
    dhat) command -v valgrind >/dev/null || return 1 ;;
    jemalloc*) [ -f $JE ] || return 1 ;;
    esac
    # eval: the command runs as itself (no intermediate shell for a tool to trace instead)
    case $tool in
    native) eval "$tm $cmd" >"$o" 2>/dev/null ;;
    bare) eval "LD_PRELOAD=$B/bare_unwind.so $tm $cmd" >"$o" 2>/dev/null ;;
    interpose) eval "LD_PRELOAD=$PWD/$B/interpose.so $tm $cmd" >"$o" 2>/dev/null ;;
    heapprof) eval "$hp $tm $cmd" >"$o" 2>/dev/null ;;
    hp-auto) eval "HEAPPROF_CONSUMER=auto $hp $tm $cmd" >"$o" 2>/dev/null ;;
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
    [ $tool = hp-sample ] && grep -qs '"hp_sample"' "$tmp"/hp.*.json && touch "$tmp/sampled"
    [ $tool = jemalloc-prof ] && ls "$tmp"/jeprof.*.heap >/dev/null 2>&1 && touch "$tmp/jeprof"
    rm -f "$tmp"/hp.*.json "$tmp"/ht.* "$tmp"/dh.out "$tmp"/jeprof.*
    if [ $icount = 1 ]; then
        # callgrind's out file ends with "totals: N", the run's instruction count (its header's
        # "summary:" line repeats it: count one of them)
        [ $rc -eq 0 ] && awk '/^totals:/ {n += $2} END {if (n) print n; else exit 1}' "$tmp"/cg.*
        rc=$?
        rm -f "$tmp"/cg.*
        return $rc
    fi
    [ $rc -eq 0 ] || return 1
    tail -1 "$t"
}

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }

mkdir -p "$(dirname "$out")"
{
echo "# make bench results"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r); $(date -u +%Y-%m-%d); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)."
if [ $icount = 1 ]; then
    echo "Instructions executed (callgrind, every process of the run) on the reduced input (as DHAT's) and on twice it; x native = tool / native."
    echo "Marginal: ratio of the instructions the second half of the input added (no fixed costs). Full: ratio at the full input, extrapolated linearly from the two sizes."
    echo
    echo "| workload | tool | M instr, reduced | x native | M instr, twice | x native | marginal x native | full x native (extrap.) | note |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
else
    echo "Median of $reps alternating run(s); x native = median over runs of tool / native of the same run, spread = min-max of those ratios; CPU = user + system. DHAT (*) ran a reduced input, time scaled by the reduction."
    echo
    echo "| workload | tool | wall s | x native | spread | CPU s | x native | spread | max RSS MB | x native RSS | note |"
    echo "|---|---|---:|---:|---|---:|---:|---|---:|---:|---|"
fi
} >"$out"
if [ $icount = 1 ]; then
    printf '%-28s %-13s %9s %6s %9s %6s %8s %6s %s\n' workload tool "M instr" "x nat" "M instr2" "x nat" marginal full note
else
    printf '%-28s %-13s %7s %6s %-11s %7s %6s %-11s %7s %5s %s\n' workload tool "wall s" "x nat" spread "CPU s" "x nat" spread "RSS MB" "x RSS" note
fi
for w in "${W[@]}"; do
    IFS='|' read -r name cmd small factor small2 <<<"$w"
    ref="$tmp/ref.out"
    rm -f "$tmp"/r.* "$tmp"/failed.* "$tmp"/note.* "$tmp/sampled" "$tmp/jeprof"
    for _ in $(seq "$reps"); do
        for tool in "${TOOLS[@]}"; do
            [ -e "$tmp/failed.$tool" ] && continue
            c=$cmd
            [ $tool = dhat ] || [ $icount = 1 ] && c=$small
            if ! r=$(run_tool $tool "$c" "$tmp/out"); then touch "$tmp/failed.$tool"; continue; fi
            if [ $icount = 1 ]; then
                r2=$(run_tool $tool "$small2" "$tmp/out2") || { touch "$tmp/failed.$tool"; continue; }
                r="$r $r2"
            fi
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
            printf '%-28s %-13s %s\n' "$name" $tool "failed/missing"
            if [ $icount = 1 ]; then echo "| $name | $tool | - | - | - | - | - | - | failed or missing |" >>"$out"
            else echo "| $name | $tool | - | - | - | - | - | - | - | - | failed or missing |" >>"$out"; fi
            continue
        fi
        if [ $icount = 1 ]; then
            read -r n n2 <"$tmp/r.$tool"; read -r b b2 <"$tmp/r.native"
            row=$(awk -v n="$n" -v n2="$n2" -v b="$b" -v b2="$b2" -v f="$factor" 'BEGIN {
                printf "%.1f|%.3f|%.1f|%.3f|%.3f|%.3f", n / 1e6, n / b, n2 / 1e6, n2 / b2, (n2 - n) / (b2 - b),
                       (n + (f - 1) * (n2 - n)) / (b + (f - 1) * (b2 - b)) }')
            IFS='|' read -r mi ratio mi2 ratio2 marg full <<<"$row"
            printf '%-28s %-13s %9s %6s %9s %6s %8s %6s %s\n' "$name" $tool "$mi" "$ratio" "$mi2" "$ratio2" "$marg" "$full" "$note"
            echo "| $name | $tool | $mi | $ratio | $mi2 | $ratio2 | $marg | $full |$note |" >>"$out"
            continue
        fi
        # one line per run: wall cpu kb native_wall native_cpu native_kb
        row=$(paste -d' ' "$tmp/r.$tool" "$tmp/r.native" | awk -v f="$f" -v tool=$tool '
            { w[NR] = $1 * f; c[NR] = $2 * f; k[NR] = $3; wq[NR] = $1 * f / $4; cq[NR] = $2 * f / $5; kq[NR] = $3 / $6 }
            function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
                                            return a[int((n + 1) / 2)] }
            END { n = NR; mw = med(w, n); mc = med(c, n); mk = med(k, n); mwq = med(wq, n); mcq = med(cq, n); mr = med(kq, n)
                  printf "%.3f|%.3f|%.2f-%.2f|%.3f|%.3f|%.2f-%.2f|%.1f|%s\n", mw, mwq, wq[1], wq[n], mc, mcq, cq[1], cq[n],
                         mk / 1024, tool == "dhat" ? "-" : sprintf("%.2f", mr) }')
        IFS='|' read -r w_med w_ratio w_spread c_med c_ratio c_spread mb rr <<<"$row"
        printf '%-28s %-13s %7s %6s %-11s %7s %6s %-11s %7s %5s %s\n' "$name" $tool "$w_med" "$w_ratio" "$w_spread" \
            "$c_med" "$c_ratio" "$c_spread" "$mb" "$rr" "$note"
        echo "| $name | $tool | $w_med | $w_ratio | $w_spread | $c_med | $c_ratio | $c_spread | $mb | $rr |$note |" >>"$out"
    done
done
echo
echo "results: $out"
