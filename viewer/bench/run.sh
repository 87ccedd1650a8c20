#!/bin/sh
# run.sh - viewer-bench: generate reports of 1, 10 and 100 MB, time heapview's summary on each
# and record its peak RSS (/usr/bin/time %M); with FLAME_BENCH, also the time of the flame
# graph's call tree (hv_flame_build, children below 1/2000 merged) and its nodes (kept / all);
# then heapview --html on each: seconds, peak RSS and the page's size (bounded: out_html.c sums
# the sites too small to see).
# Usage: run.sh HEAPVIEW GEN_REPORT OUTDIR [FLAME_BENCH]
set -eu
hv=$1 gen=$2 dir=$3 fb=${4:-}
printf '%-8s %10s %8s %10s %10s' "report" "bytes" "sites" "seconds" "peak RSS"
[ -z "$fb" ] || printf ' %9s %16s' "flame s" "nodes kept/all"
printf '\n'
for mb in 1 10 100; do
    f=$dir/synthetic-${mb}MB.json
    [ -s "$f" ] || "$gen" $((mb * 1000000)) "$f"
    bytes=$(stat -c %s "$f")
    sites=$(grep -c '^[,{]*{"tb"' "$f" || true)
    /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$hv" "$f" >"$dir/out-${mb}MB.txt"
    read -r secs kb <"$dir/time.txt"
    printf '%-8s %10s %8s %10s %7s MiB' "${mb}MB" "$bytes" "$sites" "$secs" $((kb / 1024))
    if [ -n "$fb" ]; then
        read -r kept all fsecs <<EOT
$("$fb" "$f")
EOT
        printf ' %9s %16s' "$fsecs" "$kept/$all"
    fi
    printf '\n'
done
printf '\n%-8s %10s %8s %10s %10s\n' "--html" "page bytes" "sites" "seconds" "peak RSS"
for mb in 1 10 100; do
    f=$dir/synthetic-${mb}MB.json
    /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$hv" --html "$dir/page-${mb}MB.html" "$f"
    read -r secs kb <"$dir/time.txt"
    sites=$(grep -o '{"f":\[' "$dir/page-${mb}MB.html" | wc -l)
    printf '%-8s %10s %8s %10s %7s MiB\n' "${mb}MB" "$(stat -c %s "$dir/page-${mb}MB.html")" "$sites" "$secs" $((kb / 1024))
done
