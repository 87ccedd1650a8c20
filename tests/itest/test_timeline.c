/* test_timeline.c - hp_timeline and hp_hist (docs/report-format.md) on programs whose heap over
 * time, sizes and lifetimes are known by hand (tests/progs/timeline.c). */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1ull << 20)

static cJSON *run_mode(const char *mode)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("timeline"), mode, NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, NULL, dir, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: status %d, stderr: %s", mode,
              r.status, r.err);
    it_run_free(&r);
    char paths[2][512];
    cr_assert_eq(it_reports(dir, paths, 2), 1);
    cJSON *j = it_load(paths[0]);
    cr_assert_not_null(j);
    return j;
}

typedef struct tl {
    int n;
    uint64_t t[2048], b[2048], bk[2048];
} tl;

static void read_u64s(const cJSON *a, uint64_t *out, int n)
{
    cr_assert_eq(cJSON_GetArraySize(a), n);
    for (int i = 0; i < n; i++)
        out[i] = (uint64_t)cJSON_GetArrayItem(a, i)->valuedouble;
}

/* Reads hp_timeline and checks what holds for every report: at most 2,000 points, t strictly
 * ascending and <= te, the maximum b is gmax and happens at t-gmax (the last of equal maxima). */
static void read_tl(const cJSON *j, tl *out)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "hp_timeline");
    cr_assert(cJSON_IsObject(h), "hp_timeline present");
    out->n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(h, "t"));
    cr_assert_gt(out->n, 0);
    cr_assert_leq(out->n, 2000, "at most 2,000 points: %d", out->n);
    read_u64s(cJSON_GetObjectItemCaseSensitive(h, "t"), out->t, out->n);
    read_u64s(cJSON_GetObjectItemCaseSensitive(h, "b"), out->b, out->n);
    read_u64s(cJSON_GetObjectItemCaseSensitive(h, "bk"), out->bk, out->n);
    int imax = 0;
    for (int i = 0; i < out->n; i++) {
        if (i) cr_expect_gt(out->t[i], out->t[i - 1], "t ascending at %d", i);
        if (out->b[i] >= out->b[imax]) imax = i;
    }
    cr_expect_leq(out->t[out->n - 1], it_u64(j, "te"));
    cr_expect_eq(out->b[imax], it_u64(j, "hp_gmax_bytes"), "max b %lu == gmax %lu",
                 (unsigned long)out->b[imax], (unsigned long)it_u64(j, "hp_gmax_bytes"));
    cr_expect_eq(out->bk[imax], it_u64(j, "hp_gmax_blocks"));
    cr_expect_eq(out->t[imax], it_u64(j, "tg"), "the maximum at t-gmax");
}

/* The pps index of the site whose innermost frame is function fn (-1 if none). */
static int pp_of(const cJSON *j, const char *fn)
{
    const cJSON *ftbl = cJSON_GetObjectItemCaseSensitive(j, "ftbl"), *pp;
    char pat[128];
    snprintf(pat, sizeof pat, ": %s (", fn);
    int i = 0;
    cJSON_ArrayForEach(pp, cJSON_GetObjectItemCaseSensitive(j, "pps"))
    {
        const cJSON *fs = cJSON_GetObjectItemCaseSensitive(pp, "fs");
        const cJSON *f = cJSON_GetArraySize(fs) > 0
                             ? cJSON_GetArrayItem(ftbl, cJSON_GetArrayItem(fs, 0)->valueint)
                             : NULL;
        if (f && cJSON_IsString(f) && strstr(f->valuestring, pat)) return i;
        i++;
    }
    return -1;
}

Test(timeline, shape_by_hand)
{
    cJSON *j = run_mode("shape");
    tl *t = calloc(1, sizeof *t);
    read_tl(j, t);
    cr_expect_eq(it_u64(j, "hp_gmax_bytes"), 10 * MIB);
    /* the live bytes after each step, in MiB (each step is 1 ms from the next) */
    const uint64_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 9, 8, 7,
                             6, 5, 4, 3, 2, 1, 0, 2, 4, 6,  4, 2, 0};
    const int nw = sizeof want / sizeof want[0];
    int k = 0;
    for (int i = 0; i < t->n; i++) { /* consecutive equal values are one step */
        if (i && t->b[i] == t->b[i - 1]) continue;
        cr_assert_lt(k, nw, "more steps than by hand at point %d (b %lu)", i,
                     (unsigned long)t->b[i]);
        cr_expect_eq(t->b[i], want[k] * MIB, "step %d: %lu MiB, got %lu bytes", k,
                     (unsigned long)want[k], (unsigned long)t->b[i]);
        k++;
    }
    cr_expect_eq(k, nw, "every step: %d of %d", k, nw);
    /* per-site series: mib1 holds everything up to the peak, mib2 after it */
    const cJSON *sites = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "hp_timeline"), "sites");
    int p1 = pp_of(j, "mib1"), p2 = pp_of(j, "mib2");
    cr_assert(p1 >= 0 && p2 >= 0);
    bool seen1 = false, seen2 = false;
    const cJSON *s;
    cJSON_ArrayForEach(s, sites)
    {
        int pp = cJSON_GetObjectItemCaseSensitive(s, "pp")->valueint;
        if (pp != p1 && pp != p2) continue;
        uint64_t b[2048];
        read_u64s(cJSON_GetObjectItemCaseSensitive(s, "b"), b, t->n);
        for (int i = 0; i < t->n; i++) /* the only two sites: each is the total or 0 */
            cr_expect(b[i] == 0 || b[i] == t->b[i], "site %d point %d", pp, i);
        int imax = 0;
        for (int i = 0; i < t->n; i++)
            imax = b[i] >= b[imax] ? i : imax;
        cr_expect_eq(b[imax], pp == p1 ? 10 * MIB : 6 * MIB);
        seen1 |= pp == p1;
        seen2 |= pp == p2;
    }
    cr_expect(seen1 && seen2, "both sites have a series");
    free(t);
    cJSON_Delete(j);
}

Test(timeline, many_phases_coarsen)
{
    cJSON *j = run_mode("many");
    tl *t = calloc(1, sizeof *t);
    read_tl(j, t);
    cr_expect_eq(it_u64(j, "hp_gmax_bytes"), MIB + 3 * 4096);
    cr_expect_eq(it_u64(j, "hp_total_blocks"), 3001);
    for (int i = 0; i < t->n; i++) { /* each point is a live total that happened */
        uint64_t b = t->b[i], r = b >= MIB ? b - MIB : b;
        cr_expect(r % 4096 == 0 && r <= 7 * 4096 && (b < MIB || r <= 3 * 4096),
                  "point %d: %lu bytes cannot happen", i, (unsigned long)b);
    }
    cr_expect_lt(t->n, 6001, "coarsened: fewer points than events");
    free(t);
    cJSON_Delete(j);
}

/* hp_hist.<which> of pps[pp], into c[0..40) (zeros past its end). */
static void hist_of(const cJSON *j, int pp, const char *which, uint64_t *c)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "pps"), pp), "hp_hist");
    cr_assert(cJSON_IsObject(h), "hp_hist present");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(h, which);
    int n = cJSON_GetArraySize(a);
    cr_assert_leq(n, 40);
    memset(c, 0, 40 * sizeof *c);
    for (int i = 0; i < n; i++)
        c[i] = (uint64_t)cJSON_GetArrayItem(a, i)->valuedouble;
    if (n) cr_expect_neq(c[n - 1], 0, "trailing zero buckets omitted");
}

Test(timeline, histograms_by_hand)
{
    cJSON *j = run_mode("hist");
    int ps = pp_of(j, "small_ones"), pb = pp_of(j, "big_ones");
    cr_assert(ps >= 0 && pb >= 0);
    uint64_t c[40];
    hist_of(j, ps, "size", c);
    for (int i = 0; i < 40; i++)
        cr_expect_eq(c[i], i == 4 ? 100 : 0, "small size bucket %d: %lu", i, (unsigned long)c[i]);
    hist_of(j, pb, "size", c);
    for (int i = 0; i < 40; i++)
        cr_expect_eq(c[i], i == 12 ? 10 : 0, "big size bucket %d: %lu", i, (unsigned long)c[i]);
    hist_of(j, pb, "life", c);
    for (int i = 0; i < 40; i++)
        cr_expect_eq(c[i], i == 14 ? 10 : 0, "big life bucket %d: %lu (24 ms)", i,
                     (unsigned long)c[i]);
    hist_of(j, ps, "life", c);
    uint64_t fast = 0;
    for (int i = 0; i < 40; i++) /* freed at once: well under 1 ms each */
        fast += i < 10 ? c[i] : 0;
    cr_expect_eq(fast, 100, "100 lifetimes under 1024 µs");
    cJSON_Delete(j);
}
