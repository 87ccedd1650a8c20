/* flame_bench.c - viewer-bench's timing of hv_flame_build (flame.h): loads REPORT, then builds
 * the call tree of METRIC (default tb) with the children below 1/2000 of the total merged (one
 * pixel of a 2,000-pixel graph), and prints the nodes and the seconds of the build alone.
 * Usage: flame_bench REPORT [METRIC]. Exit 2 on bad input. */
#include "flame.h"
#include "load.h"

#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: flame_bench REPORT [METRIC]\n");
        return 2;
    }
    hv_metric m = HV_TB;
    if (argc == 3 && hv_metric_parse(argv[2], &m) < 0) {
        fprintf(stderr, "flame_bench: unknown metric '%s'\n", argv[2]);
        return 2;
    }
    char err[512];
    hv_report *r;
    if (hv_load_file(argv[1], &r, err, sizeof err) < 0) {
        fprintf(stderr, "flame_bench: %s: %s\n", argv[1], err);
        return 2;
    }
    hv_flame f, all;
    double t0 = now();
    int rc = hv_flame_build(r, m, 1.0 / 2000, &f);
    double t1 = now();
    int rc2 = rc ? -1 : hv_flame_build(r, m, 0, &all);
    if (rc || rc2) {
        fprintf(stderr, "flame_bench: out of memory (or %s is not a sum)\n", hv_metric_name(m));
        hv_report_free(r);
        return 2;
    }
    /* nodes shown / nodes without merging, seconds of the merged build */
    printf("%zu %zu %.3f\n", f.n, all.n, t1 - t0);
    hv_flame_free(&f);
    hv_flame_free(&all);
    hv_report_free(r);
    return 0;
}
