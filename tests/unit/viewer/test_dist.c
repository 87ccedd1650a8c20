/* test_dist.c - hp_timeline and hp_hist: loading (load.c), percentiles, percentile ranking and
 * columns (model.c, view_*.c, out_*.c), bad input. Expectations: hand-computed from
 * tests/data/viewer/hand-dist.json (README.md, "hand-dist.json"). */
#include "hvtest.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F "tests/data/viewer/hand-dist.json"

Test(dist, loads_timeline)
{
    hv_report *r = hvt_load("hand-dist.json");
    const hv_timeline *tl = r->timeline;
    cr_assert_not_null(tl);
    cr_expect_eq(tl->n, 6);
    cr_expect_eq(tl->t_us[0], 0);
    cr_expect_eq(tl->t_us[2], 250);
    cr_expect_eq(tl->t_us[5], 1000);
    cr_expect_eq(tl->b[2], 6420);
    cr_expect_eq(tl->bk[2], 94);
    cr_expect_eq(tl->b[5], 2020, "at exit: B 2000 + G 20");
    cr_expect_eq(tl->bk[5], 30);
    /* The peak is a point: the timeline's maximum is gmax, at tg. */
    size_t top = 0;
    for (size_t i = 1; i < tl->n; i++)
        if (tl->b[i] > tl->b[top]) top = i;
    cr_expect_eq(tl->b[top], r->gmax_bytes);
    cr_expect_eq(tl->t_us[top], (double)r->tg);
    cr_assert_eq(tl->nsites, 2);
    cr_expect_eq(tl->sites[0].site, 0);
    cr_expect_eq(tl->sites[0].b[2], 4000);
    cr_expect_eq(tl->sites[1].site, 1);
    cr_expect_eq(tl->sites[1].b[5], 2000);
    hv_report_free(r);
}

Test(dist, loads_histograms)
{
    hv_report *r = hvt_load("hand-dist.json");
    cr_expect(r->has_hist);
    const hv_site *a = &r->sites[0];
    cr_assert_eq(a->nsize, 8);
    cr_assert_eq(a->nlife, 11);
    cr_expect_eq(a->hsize[5], 50);
    cr_expect_eq(a->hsize[7], 1);
    cr_expect_eq(a->hlife[0], 10);
    cr_expect_eq(a->hlife[10], 1);
    cr_expect_eq(r->sites[1].nlife, 0, "B: \"life\": []");
    cr_expect_eq(r->sites[3].nsize, 0, "D: no hp_hist");
    cr_expect_null(r->sites[3].hsize);
    cr_expect_eq(r->sites[6].nsize, 1, "G: size only");
    cr_expect_eq(r->sites[6].nlife, 0);
    hv_report_free(r);
}

Test(dist, dhat_has_none)
{
    hv_report *r = hvt_load("dhat-leaky.json");
    cr_expect_null(r->timeline);
    cr_expect_not(r->has_hist);
    cr_expect(isnan(hv_site_pct(r, &r->sites[0], 0, 0.5)));
    cr_expect(isnan(hv_report_pct(r, 1, 0.5)));
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_text, r, &q, &hv_view_hot, HV_TBK);
    char *s = hvt_render(&hv_out_text, r, &q, &hv_view_short, HV_TBK);
    char *j = hvt_render(&hv_out_json, r, &q, &hv_view_hot, HV_TBK);
    cr_expect_null(strstr(t, "size-p50"));
    cr_expect_null(strstr(s, "life-p50"));
    cr_expect_null(strstr(s, "die within"));
    cr_expect_null(strstr(j, "percentiles"));
    free(t);
    free(s);
    free(j);
    hv_report_free(r);
}

/* ---- percentiles: nearest rank k = max(1, ceil(p N)); the bucket's upper bound 2^(i+1) ---- */

Test(pct, bucket_edges)
{
    const uint64_t h[] = {50, 49, 1}; /* N = 100 */
    cr_expect_eq(hv_hist_pct(h, 3, 0.0), 2, "k = 1: bucket 0");
    cr_expect_eq(hv_hist_pct(h, 3, 0.5), 2, "k = 50: the last block of bucket 0");
    cr_expect_eq(hv_hist_pct(h, 3, 0.51), 4, "k = 51: the first of bucket 1");
    cr_expect_eq(hv_hist_pct(h, 3, 0.99), 4, "k = 99: the last of bucket 1");
    cr_expect_eq(hv_hist_pct(h, 3, 0.995), 8, "k = ceil(99.5) = 100");
    cr_expect_eq(hv_hist_pct(h, 3, 1.0), 8);
}

Test(pct, rank_is_exact)
{
    const uint64_t h[] = {99, 1}; /* p99 of 100: k = 99, the last block of bucket 0 */
    cr_expect_eq(hv_hist_pct(h, 2, 0.99), 2);
    const uint64_t g[] = {1, 1, 1}; /* N = 3: p50 is k = ceil(1.5) = 2 */
    cr_expect_eq(hv_hist_pct(g, 3, 0.5), 4);
    /* 0.07 * 100 is 7.000000000000001 in binary: the rank is still 7, in bucket 0 */
    const uint64_t e[] = {7, 93};
    cr_expect_eq(hv_hist_pct(e, 2, 0.07), 2);
}

Test(pct, empty_histogram)
{
    const uint64_t z[] = {0, 0, 0};
    cr_expect(isnan(hv_hist_pct(NULL, 0, 0.5)));
    cr_expect(isnan(hv_hist_pct(z, 3, 0.5)));
    const uint64_t lead[] = {0, 0, 3}; /* leading empty buckets: the minimum is in bucket 2 */
    cr_expect_eq(hv_hist_pct(lead, 3, 0.0), 8);
}

Test(pct, sites_and_heap)
{
    hv_report *r = hvt_load("hand-dist.json");
    const hv_site *a = &r->sites[0];
    cr_expect_eq(hv_site_pct(r, a, 0, 0.5), 64, "k 50 of [0,0,0,0,0,50,49,1]: bucket 5");
    cr_expect_eq(hv_site_pct(r, a, 0, 0.99), 128, "k 99: bucket 6");
    cr_expect_eq(hv_site_pct(r, a, 0, 1.0), 256);
    cr_expect_eq(hv_site_pct(r, a, 1, 0.5), 8, "k 50 of [10,0,80,9,..]: bucket 2");
    cr_expect_eq(hv_site_pct(r, a, 1, 0.99), 16, "k 99: bucket 3");
    cr_expect_eq(hv_site_pct(r, a, 1, 1.0), 2048, "the one block in bucket 10");
    cr_expect(isnan(hv_site_pct(r, &r->sites[1], 1, 0.5)), "B freed nothing");
    cr_expect(isnan(hv_site_pct(r, &r->sites[3], 0, 0.5)), "D has no histogram");
    /* Whole heap, size: b0 20, b3 8, b5 50, b6 64, b7 11 (N 153); life: b0 25, b1 5, b2 80,
     * b3 12, b10 1 (N 123). */
    cr_expect_eq(hv_report_pct(r, 0, 0.5), 64, "k 77");
    cr_expect_eq(hv_report_pct(r, 0, 0.99), 256, "k 152");
    cr_expect_eq(hv_report_pct(r, 1, 0.5), 8, "k 62");
    cr_expect_eq(hv_report_pct(r, 1, 0.99), 16, "k 122");
    cr_expect_eq(hv_report_pct(r, 1, 0.9), 16, "k 111");
    hv_report_free(r);
}

/* ---- ranking and grouping ---- */

static const char *func_of(const hv_report *r, const hv_row *row)
{
    const hv_site *s = &r->sites[row->site];
    return r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]].func;
}

Test(pct, sort_by_size50)
{
    hv_report *r = hvt_load("hand-dist.json");
    hv_query q;
    hv_query_defaults(&q);
    q.top = 0;
    hv_rows rows;
    cr_assert_eq(hv_select(r, &q, hv_view_hot.keep, HV_SIZE50, &rows), 0);
    cr_assert_eq(rows.n, 7);
    /* B 256, C 128, A 64, then 16 for E, F (ties by tb: 50, 30), G 2, D none (last) */
    const char *want[] = {"tokenize", "save", "parse", "log_msg", "cleanup", "save", "load"};
    for (size_t i = 0; i < 7; i++)
        cr_expect_str_eq(func_of(r, &rows.row[i]), want[i], "row %zu", i);
    cr_expect_eq(rows.row[1].site, 2, "C");
    cr_expect_eq(rows.row[5].site, 6, "G");
    cr_expect_eq(hv_row_value(r, &rows.row[0], HV_SIZE50), 256);
    cr_expect(isnan(hv_row_value(r, &rows.row[6], HV_SIZE50)));
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(pct, sort_short_by_life99)
{
    hv_report *r = hvt_load("hand-dist.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_rows rows;
    cr_assert_eq(hv_select(r, &q, hv_view_short.keep, HV_LIFE99, &rows), 0);
    cr_assert_eq(rows.n, 4, "tuth 20: A 20, C 1, E 3, F 10");
    const char *want[] = {"parse", "cleanup", "log_msg", "save"}; /* 16, 16 (tb 30), 4, 2 */
    for (size_t i = 0; i < 4; i++)
        cr_expect_str_eq(func_of(r, &rows.row[i]), want[i], "row %zu", i);
    cr_expect_eq(hv_select_pct(r, &q, hv_view_short.keep, 1, 0.9), 16);
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(pct, by_function_merges_histograms)
{
    hv_report *r = hvt_load("hand-dist.json");
    hv_query q;
    hv_query_defaults(&q);
    q.by_function = true;
    q.top = 0;
    hv_rows rows;
    cr_assert_eq(hv_select(r, &q, hv_view_hot.keep, HV_TB, &rows), 0);
    const hv_row *save = NULL;
    for (size_t i = 0; i < rows.n; i++)
        if (strcmp(func_of(r, &rows.row[i]), "save") == 0) save = &rows.row[i];
    cr_assert_not_null(save);
    cr_expect_eq(save->nsites, 2);
    /* C [0,0,0,0,0,0,15] + G [20]: N 35; p50 k 18 in bucket 0, p99 k 35 in bucket 6 */
    cr_expect_eq(save->pct[0], 2);
    cr_expect_eq(save->pct[1], 128);
    cr_expect_eq(save->pct[2], 2, "life: C's only");
    hv_rows_free(&rows);
    hv_report_free(r);
}

/* ---- outputs and command line ---- */

Test(pct_cli, columns_and_sort)
{
    char *out = NULL;
    cr_assert_eq(hvt_run("--short-lived --sort life99 --depth 1 " F, &out, NULL), 0);
    cr_expect(strstr(out, "(threshold 20 µs; 90% die within 16 µs)") != NULL, "%s", out);
    cr_expect(strstr(out, "life-p50  life-p99") != NULL, "%s", out);
    cr_expect(strstr(out, "sorted by life99") != NULL);
    free(out);
    cr_assert_eq(hvt_run("--hot --sort size99 " F, &out, NULL), 0);
    cr_expect(strstr(out, "size-p50  size-p99") != NULL, "%s", out);
    free(out);
    /* a percentile sort in a view without the column: shown as the last column */
    cr_assert_eq(hvt_run("--leaks --sort size50 " F, &out, NULL), 0);
    cr_expect(strstr(out, "size-p50\n") != NULL, "%s", out);
    free(out);
}

Test(pct_cli, help_lists_keys)
{
    char *out = NULL;
    cr_assert_eq(hvt_run("--help", &out, NULL), 0);
    cr_expect(strstr(out, "size50 size99") != NULL);
    cr_expect(strstr(out, "life50 life99") != NULL);
    free(out);
}

Test(pct_cli, not_for_sums)
{
    char *err = NULL;
    cr_expect_eq(hvt_run("--diff --sort life50 " F " " F, NULL, &err), 2);
    cr_expect(strstr(err, "percentile") != NULL, "%s", err);
    free(err);
    cr_expect_eq(hvt_run("--folded=size99 " F, NULL, &err), 2);
    free(err);
}

Test(pct_cli, json)
{
    char *out = NULL;
    cr_assert_eq(hvt_run("--json --hot --sort size50 --top 1 " F, &out, NULL), 0);
    /* the report's (whole heap), then the first row's (B: sizes 256/256, no lifetimes) */
    const char *rep = strstr(out, "\"percentiles\"");
    cr_assert_not_null(rep, "%s", out);
    cr_expect(strstr(rep, "\"size50\":\t64") != NULL, "%s", rep);
    cr_expect(strstr(rep, "\"size99\":\t256") != NULL);
    cr_expect(strstr(rep, "\"life50\":\t8") != NULL);
    cr_expect(strstr(rep, "\"life99\":\t16") != NULL);
    const char *row = strstr(rep + 1, "\"percentiles\"");
    cr_assert_not_null(row);
    cr_expect(strstr(row, "\"size50\":\t256") != NULL, "%s", row);
    cr_expect(strstr(row, "\"life50\":\tnull") != NULL, "%s", row);
    cr_expect(strstr(out, "\"max_bytes\":\t6420") != NULL, "%s", out);
    cr_expect(strstr(out, "\"max_t_us\":\t250") != NULL);
    free(out);
}

/* ---- bad input: one line each ---- */

#define BAD(name, file, needle)                                                                    \
    Test(dist_bad, name)                                                                           \
    {                                                                                              \
        const char *e = hvt_load_error("bad/" file);                                               \
        cr_expect(strstr(e, needle) != NULL, "%s: got \"%s\", want \"%s\"", file, e, needle);      \
        cr_expect_null(strchr(e, '\n'), "one line");                                               \
    }

BAD(not_ascending, "tl-not-ascending.json", "hp_timeline.t[3]: 240 after 250: not ascending")
BAD(length, "tl-length.json", "hp_timeline.b: 5 values, but t has 6")
BAD(site_length, "tl-site-length.json", "hp_timeline.sites[1].b: 5 values, but t has 6")
BAD(pp_range, "tl-pp-range.json", "hp_timeline.sites[1].pp: 7 out of range (pps has 7 entries)")
BAD(missing_bk, "tl-missing-bk.json", "hp_timeline.bk: missing required field")
BAD(too_many_points, "tl-too-many.json", "hp_timeline: 2001 points, more than 2000")
BAD(too_many_series, "tl-too-many-sites.json", "hp_timeline.sites: 17 series, more than 16")
BAD(hist_buckets, "hist-buckets.json", "pps[0].hp_hist.size: 41 values, more than 40")
BAD(hist_sum, "hist-sum.json", "pps[0].hp_hist.life: 101 blocks, more than the site's tbk (100)")
BAD(hist_type, "hist-type.json", "pps[0].hp_hist.size: expected an array, got a string")
