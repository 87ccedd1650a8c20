/* test_merge.c - `heapview A.json B.json C.json` and `heapview DIR` (issue 11, part 4):
 * leaky (tests/data/viewer/src/leaky.c, defaults 3 and 1000) runs three times under the
 * preload; heapview merges the three reports. Hand-computed (tests/data/viewer/README.md),
 * one run: leak_one 300 B in 3 blocks, churn 16000 B in 1000, make_peak 10000 B in 1; merged:
 * three times each, and the totals the sum of the three reports' own. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *heapview(void)
{
    const char *h = getenv("HEAPVIEW");
    cr_assert(h && *h, "HEAPVIEW is not set (see ITEST_ENV in tests/tests.mk)");
    return h;
}

/* heapview --json --hot --top 0 args... (up to 3); the parsed output. */
static cJSON *heapview_json(const char *a1, const char *a2, const char *a3)
{
    const char *argv[] = {heapview(), "--json", "--hot", "--top", "0", a1, a2, a3, NULL};
    it_run r;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "heapview: %d: %s", r.status,
              r.err);
    cJSON *j = cJSON_Parse(r.out);
    cr_assert_not_null(j, "not JSON: %s", r.out);
    it_run_free(&r);
    return j;
}

/* The row of function fn in the first view (rows are one per site here). */
static const cJSON *row(const cJSON *j, const char *fn)
{
    const cJSON *views = cJSON_GetObjectItem(j, "views");
    const cJSON *rows = cJSON_GetObjectItem(cJSON_GetArrayItem(views, 0), "rows"), *x, *hit = NULL;
    int n = 0;
    cJSON_ArrayForEach(x, rows)
    {
        const cJSON *f = cJSON_GetObjectItem(x, "function");
        if (cJSON_IsString(f) && strcmp(f->valuestring, fn) == 0) {
            hit = x;
            n++;
        }
    }
    cr_assert_eq(n, 1, "one row for %s, not %d", fn, n);
    return hit;
}

static uint64_t metric(const cJSON *obj, const char *k)
{
    return it_u64(cJSON_GetObjectItem(obj, "metrics"), k);
}

static void expect_three_runs(const cJSON *j, const it_totals *sum)
{
    const cJSON *rep = cJSON_GetObjectItem(j, "report");
    cr_expect_eq(it_u64(rep, "merged"), 3);
    const cJSON *tot = cJSON_GetObjectItem(rep, "totals");
    cr_expect_eq(it_u64(tot, "tb"), sum->tb);
    cr_expect_eq(it_u64(tot, "tbk"), sum->tbk);
    cr_expect_eq(it_u64(tot, "eb"), sum->eb);
    const cJSON *l = row(j, "leak_one"), *c = row(j, "churn"), *p = row(j, "make_peak");
    cr_expect_eq(metric(l, "tb"), 3 * 300);
    cr_expect_eq(metric(l, "tbk"), 3 * 3);
    cr_expect_eq(metric(l, "eb"), 3 * 300);
    cr_expect_eq(metric(c, "tb"), 3 * 16000);
    cr_expect_eq(metric(c, "tbk"), 3 * 1000);
    cr_expect_eq(metric(p, "tb"), 3 * 10000);
    cr_expect_eq(metric(p, "tbk"), 3 * 1);
    cr_expect_eq(metric(p, "gb"), 3 * 10000, "the sum of the three peaks' share");
}

Test(merge, three_runs_of_leaky)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("leaky"), NULL};
    for (int i = 0; i < 3; i++) {
        it_run r;
        cr_assert_eq(it_exec_hp(argv, NULL, dir, &r), 0);
        cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "leaky: %s", r.err);
        it_run_free(&r);
    }
    char paths[4][512];
    cr_assert_eq(it_reports(dir, paths, 4), 3, "three reports");
    it_totals sum = {0};
    for (int i = 0; i < 3; i++) {
        cJSON *rep = it_load(paths[i]);
        cr_assert_not_null(rep);
        it_totals t = it_sum(rep), l;
        cr_expect(it_site(rep, "leak_one", &l, NULL, NULL) && l.tb == 300 && l.tbk == 3,
                  "one run: leak_one 300 B in 3 blocks");
        sum.tb += t.tb;
        sum.tbk += t.tbk;
        sum.eb += t.eb;
        cJSON_Delete(rep);
    }
    cJSON *j = heapview_json(paths[0], paths[1], paths[2]);
    expect_three_runs(j, &sum);
    cJSON_Delete(j);
    j = heapview_json(dir, NULL, NULL);
    expect_three_runs(j, &sum);
    cJSON_Delete(j);
}
