/* test_pprof.c - heapview --pprof (out_pprof.c), read back by a real pprof client: Go's
 * `go tool pprof` (Debian's golang-go, scripts/deps.sh test). The expected numbers are the
 * hand-computed ones of tests/data/viewer/README.md, not heapview's output:
 *   hand-leakcheck.json: sites A (parse_line:40) 60 blocks 6000 B, at exit 300 B in 3 blocks
 *   (db 2 + rb 1); B (Cache::insert) 9 / 4096, at exit 2048 B in 1 (ib); C (parse_line:55)
 *   100 / 800, nothing at exit; D (??? in libplugin.so) 1 / 1000000, at exit 1 / 1000000 (rb).
 *   Totals: alloc 1010896 B, at exit 1002348 B in 5 blocks; by function parse_line = A + C.
 *   hp-leaky.json (./leaky, a real run): leak_one 3 x 100 B never freed, churn 1000 x 16 B,
 *   make_peak 1 x 10000 B; 26300 B in 1004 blocks; 300 B live at exit. */
#include "hvtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* heapview [opts] --pprof TMP report, then `go tool pprof ARGS TMP`'s output. */
static char *pprof(const char *opts, const char *report, const char *args)
{
    char path[] = "/tmp/hvtest.pprof.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s --pprof %s " HVT_DATA "%s", opts, path, report);
    char *err = NULL;
    int rc = hvt_run(cmd, NULL, &err);
    cr_assert_eq(rc, 0, "heapview %s: %s", cmd, err);
    free(err);
    /* -nodefraction=0: pprof drops nodes under 0.5% of the total by default */
    snprintf(cmd, sizeof cmd, "go tool pprof -nodefraction=0 %s %s 2>&1", args, path);
    char *out = hvt_read_cmd(cmd);
    unlink(path);
    return out;
}

/* The flat column of function func in `pprof -top` output ("6800B"), or NULL (static buffer). */
static const char *flat(const char *top, const char *func)
{
    static char v[64];
    for (const char *l = top; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        char f[64], p1[16], p2[16], c[64], p3[16];
        int used = 0;
        if (sscanf(l, "%63s %15s %15s %63s %15s %n", f, p1, p2, c, p3, &used) != 5 || !used)
            continue;
        size_t n = strcspn(l + used, "\n");
        if (n == strlen(func) && strncmp(l + used, func, n) == 0) {
            strcpy(v, f);
            return v;
        }
    }
    return NULL;
}

#define assert_flat(top, func, want)                                                               \
    do {                                                                                           \
        const char *got_ = flat(top, func);                                                        \
        cr_assert(got_ &&strcmp(got_, want) == 0, "%s: flat %s, want %s\n%s", func,                \
                  got_ ? got_ : "(none)", want, top);                                              \
    } while (0)

Test(pprof, raw_samples_and_tables)
{
    char *raw = pprof("", "hand-leakcheck.json", "-raw");
    /* The four sample types, inuse_space the default, in Go's order. */
    cr_assert(strstr(raw, "alloc_objects/count alloc_space/bytes inuse_objects/count "
                          "inuse_space/bytes[dflt]"),
              "%s", raw);
    /* One sample per site: alloc_objects alloc_space inuse_objects inuse_space. */
    cr_assert(strstr(raw, "         60       6000          3        300: "), "%s", raw);
    cr_assert(strstr(raw, "          9       4096          1       2048: "), "%s", raw);
    cr_assert(strstr(raw, "        100        800          0          0: "), "%s", raw);
    cr_assert(strstr(raw, "          1    1000000          1    1000000: "), "%s", raw);
    /* file:line per location; the library of "(in ...)" frames as a mapping */
    cr_assert(strstr(raw, " parse_line parser.c:40 "), "%s", raw);
    cr_assert(strstr(raw, " parse_line parser.c:55 "), "%s", raw);
    cr_assert(strstr(raw, " /usr/lib/libplugin.so "), "%s", raw);
    cr_assert(strstr(raw, "Duration: 2s"), "%s", raw); /* te = 2 s */
    free(raw);
}

Test(pprof, top_alloc_space)
{
    char *top = pprof("", "hand-leakcheck.json", "-top -unit=B -sample_index=alloc_space");
    cr_assert(strstr(top, "Total samples = 1010896B"), "%s", top);
    /* flat = the site's first user frame: glue (operator new, strdup) is not shown */
    assert_flat(top, "??? in libplugin.so", "1000000B");
    assert_flat(top, "parse_line", "6800B"); /* A + C */
    assert_flat(top, "Cache::insert", "4096B");
    free(top);
}

Test(pprof, no_collapse_keeps_glue)
{
    /* README: B is allocated via operator new, C via strdup; with --no-collapse they are flat */
    char *top =
        pprof("--no-collapse", "hand-leakcheck.json", "-top -unit=B -sample_index=alloc_space");
    assert_flat(top, "operator new(unsigned long)", "4096B");
    assert_flat(top, "strdup", "800B");
    assert_flat(top, "parse_line", "6000B"); /* A only */
    free(top);
}

Test(pprof, top_inuse_default)
{
    /* No -sample_index: pprof uses default_sample_type, inuse_space (live at exit) */
    char *top = pprof("", "hand-leakcheck.json", "-top -unit=B");
    cr_assert(strstr(top, "Type: inuse_space"), "%s", top);
    cr_assert(strstr(top, "Total samples = 1002348B"), "%s", top);
    assert_flat(top, "??? in libplugin.so", "1000000B");
    assert_flat(top, "Cache::insert", "2048B");
    assert_flat(top, "parse_line", "300B");
    free(top);
}

Test(pprof, real_report)
{
    char *top = pprof("", "hp-leaky.json", "-top -sample_index=alloc_objects");
    cr_assert(strstr(top, "Total samples = 1004"), "%s", top);
    assert_flat(top, "churn", "1000");
    assert_flat(top, "leak_one", "3");
    assert_flat(top, "make_peak", "1");
    free(top);
    top = pprof("", "hp-leaky.json", "-top -unit=B -sample_index=inuse_space");
    cr_assert(strstr(top, "Total samples = 300B"), "%s", top);
    assert_flat(top, "leak_one", "300B");
    free(top);
    /* --include keeps only the sites with a matching frame */
    top = pprof("--include func:churn", "hp-leaky.json", "-top -unit=B -sample_index=alloc_space");
    cr_assert(strstr(top, "Total samples = 16000B"), "%s", top);
    free(top);
}

Test(pprof, bad_report_writes_nothing)
{
    char *err = NULL;
    const char *out = "/tmp/hvtest-bad.pb.gz";
    unlink(out);
    int rc = hvt_run("--pprof /tmp/hvtest-bad.pb.gz " HVT_DATA "bad/eb-gt-tb.json", NULL, &err);
    cr_assert_eq(rc, 2);
    const char *want = "heapview: " HVT_DATA "bad/eb-gt-tb.json: ";
    cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
    cr_assert_eq(hvt_count(err, "\n"), 1, "%s", err);
    cr_assert_neq(access(out, F_OK), 0, "%s was written", out);
    free(err);
    rc = hvt_run("--pprof /nonexistent/dir/x.pb.gz " HVT_DATA "hp-leaky.json", NULL, &err);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "heapview: /nonexistent/dir/x.pb.gz: cannot create"), "%s", err);
    free(err);
    rc = hvt_run("--diff --pprof /tmp/hvtest-bad.pb.gz " HVT_DATA "hp-leaky.json " HVT_DATA
                 "hp-leaky.json",
                 NULL, &err);
    cr_assert_eq(rc, 2);
    cr_assert_neq(access(out, F_OK), 0, "%s was written", out);
    free(err);
}
