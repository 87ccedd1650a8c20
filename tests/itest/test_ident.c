/* test_ident.c - sites keep their identity across code edits (issue 9): tests/progs/ident.c is
 * built three times in a temporary directory: as is, with one comment line added on top (every
 * line number moves) and with -DNGROW=40 (grow() allocates 40 x 16 B instead of 20 x 16 B);
 * each build runs under the preload, and heapview (HEAPVIEW, built by make) compares the
 * reports. Hand-computed from ident.c: six sites (pair 100 B and 200 B, leaf 300 B via
 * caller_one and 400 B via caller_two, grow 20 x 16 B, keep 48 B leaked). */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NSITES 6

static const char *heapview(void)
{
    const char *h = getenv("HEAPVIEW");
    cr_assert(h && *h, "HEAPVIEW is not set (see ITEST_ENV in tests/tests.mk)");
    return h;
}

static void run_ok(const char *const *argv, const char *what)
{
    it_run r;
    cr_assert_eq(it_exec(argv, NULL, NULL, 120, &r), 0, "%s: cannot run", what);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: status %d: %s", what,
              r.status, r.err);
    it_run_free(&r);
}

/* Writes dir/name/ident.c (prefix + tests/progs/ident.c), builds it with extra (may be NULL),
 * runs it under the preload in dir/name; the report's path goes to report. */
static void build_and_profile(const char *dir, const char *name, const char *prefix,
                              const char *extra, char report[512])
{
    char sub[512], src[600], exe[600], text[8192];
    snprintf(sub, sizeof sub, "%s/%s", dir, name);
    cr_assert_eq(mkdir(sub, 0700), 0);
    FILE *in = fopen("tests/progs/ident.c", "r");
    cr_assert_not_null(in, "run from the top directory");
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = '\0';
    snprintf(src, sizeof src, "%s/ident.c", sub);
    FILE *out = fopen(src, "w");
    cr_assert_not_null(out);
    fprintf(out, "%s%s", prefix, text);
    fclose(out);
    snprintf(exe, sizeof exe, "%s/ident", sub);
    const char *cc[] = {"cc", "-O1", "-g", "-o", exe, src, extra, NULL};
    run_ok(cc, "cc");
    const char *argv[] = {exe, NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, NULL, sub, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "ident: %s", r.err);
    it_run_free(&r);
    char paths[2][512];
    cr_assert_eq(it_reports(sub, paths, 2), 1, "one report");
    snprintf(report, 512, "%s", paths[0]);
}

/* heapview args...; returns the exit status, stdout in *out (malloc'd). */
static int heapview_run(const char *const *args, char **out)
{
    const char *argv[16] = {heapview()};
    size_t n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    it_run r;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &r), 0);
    cr_assert(WIFEXITED(r.status), "heapview died: %s", r.err);
    *out = r.out;
    r.out = NULL;
    int st = WEXITSTATUS(r.status);
    it_run_free(&r);
    return st;
}

static bool row_is(const cJSON *row, const char *func)
{
    const cJSON *f;
    size_t l = strlen(func);
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(row, "frames"))
    {
        if (cJSON_IsString(f) && strncmp(f->valuestring, func, l) == 0 &&
            strncmp(f->valuestring + l, " (", 2) == 0)
            return true;
    }
    return false;
}

/* Diffs base and cur as JSON; every site in both; every row unchanged except grow's, which goes
 * from 20 to grow_blocks blocks of 16 B. */
static void expect_diff(const char *base, const char *cur, uint64_t grow_blocks)
{
    char *out;
    cr_assert_eq(
        heapview_run((const char *[]){"--diff", "--json", "--top", "0", base, cur, NULL}, &out), 0);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_expect_eq(it_u64(j, "both"), NSITES, "%s", out);
    cr_expect_eq(it_u64(j, "base_only"), 0);
    cr_expect_eq(it_u64(j, "new_only"), 0);
    const cJSON *row;
    size_t nrows = 0, ngrow = 0;
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "rows"))
    {
        const cJSON *b = cJSON_GetObjectItem(row, "base"), *c = cJSON_GetObjectItem(row, "new");
        cr_assert(cJSON_IsObject(b) && cJSON_IsObject(c), "matched on both sides");
        nrows++;
        if (row_is(row, "grow")) {
            ngrow++;
            cr_expect_eq(it_u64(b, "tbk"), 20);
            cr_expect_eq(it_u64(b, "tb"), 320);
            cr_expect_eq(it_u64(c, "tbk"), grow_blocks);
            cr_expect_eq(it_u64(c, "tb"), 16 * grow_blocks);
            continue;
        }
        static const char *const keys[] = {"tb", "tbk", "gb", "gbk", "eb", "ebk"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            cr_expect_eq(it_u64(b, keys[k]), it_u64(c, keys[k]), "%s unchanged in a row of %s",
                         keys[k], out);
        cr_expect_float_eq(cJSON_GetObjectItem(row, "delta")->valuedouble, 0, 1e-9);
    }
    cr_expect_eq(nrows, NSITES);
    cr_expect_eq(ngrow, 1);
    cJSON_Delete(j);
    free(out);
}

Test(ident, line_moves_keep_sites_and_growth_shows)
{
    const char *dir = it_tmpdir();
    char a[512], b[512], c[512];
    build_and_profile(dir, "base", "", NULL, a);
    build_and_profile(dir, "moved", "/* one line more: every line number moves */\n", NULL, b);
    build_and_profile(dir, "more", "", "-DNGROW=40", c);
    /* The two builds really differ in lines: pair's first malloc is at another line. */
    cJSON *ja = it_load(a), *jb = it_load(b);
    cr_assert(ja && jb);
    cr_expect(it_has_frame(ja, "pair (ident.c:16)"), "base: pair's first malloc at line 16");
    cr_expect(it_has_frame(jb, "pair (ident.c:17)") && !it_has_frame(jb, "pair (ident.c:16)"),
              "moved: at line 17");
    cJSON_Delete(ja);
    cJSON_Delete(jb);

    expect_diff(a, b, 20);
    expect_diff(a, c, 40);

    char *out;
    cr_expect_eq(heapview_run((const char *[]){"--diff", a, b, NULL}, &out), 0);
    cr_expect(strstr(out, "sites: 6 in both, 0 only in base, 0 only in new"), "%s", out);
    free(out);

    /* The gate: 5% per site. */
    cr_expect_eq(
        heapview_run(
            (const char *[]){"--check", "--baseline", a, "--max-site-growth", "5%", b, NULL}, &out),
        0, "moved lines are no growth");
    cr_expect(strstr(out, "ok   sites: none grew more than +5% in total (tb) (6 in both, 0 new"),
              "%s", out);
    free(out);
    cr_expect_eq(
        heapview_run(
            (const char *[]){"--check", "--baseline", a, "--max-site-growth", "5%", c, NULL}, &out),
        1);
    cr_expect(strstr(out, "FAIL sites: 1 of 6 grew"), "%s", out);
    cr_expect(strstr(out, "FAIL site grow (ident.c:43) <- main: total 640 B, baseline 320 B"), "%s",
              out);
    free(out);
    cr_expect_eq(heapview_run((const char *[]){"--check", "--baseline", a, "--max-site-growth",
                                               "100%", c, NULL},
                              &out),
                 0, "doubling is within +100%");
    free(out);
    cr_expect_eq(
        heapview_run(
            (const char *[]){"--check", "--baseline", c, "--max-site-growth", "0", a, NULL}, &out),
        0, "shrinking is fine");
    free(out);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none.json", dir);
    cr_expect_eq(heapview_run((const char *[]){"--check", "--baseline", missing,
                                               "--max-site-growth", "5%", c, NULL},
                              &out),
                 2, "bad input");
    free(out);
}
