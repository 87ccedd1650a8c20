/* test_views.c - view_*.c and the stack layout: which sites each view keeps, in which order,
 * with which numbers (hand-computed: tests/data/viewer/README.md). */
#include "hvtest.h"

#include <criterion/criterion.h>
#include <string.h>

/* Functions (first user frame, with line) of the rows of view v, ranked by its default. */
static size_t rows_of(const hv_report *r, const hv_query *q, const hv_view *v, hv_rows *rows)
{
    cr_assert_eq(hv_select(r, q, v->keep, v->sort, rows), 0);
    return rows->n;
}

static unsigned line_of(const hv_report *r, const hv_row *row)
{
    const hv_site *s = &r->sites[row->site];
    return r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]].line;
}

static const char *func_of(const hv_report *r, const hv_row *row)
{
    const hv_site *s = &r->sites[row->site];
    return r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]].func;
}

Test(views, leaks_with_classes)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_rows rows;
    cr_assert_eq(rows_of(r, &q, &hv_view_leaks, &rows), 3, "C has nothing live at exit");
    cr_expect_eq(rows.row[0].v[HV_EB], 1000000);
    cr_expect_eq(rows.row[0].v[HV_RB], 1000000);
    cr_expect_eq(rows.row[1].v[HV_EB], 2048);
    cr_expect_eq(rows.row[1].v[HV_IB], 2048);
    cr_expect_eq(rows.row[2].v[HV_EB], 300);
    cr_expect_eq(rows.row[2].v[HV_DB], 200);
    cr_expect_eq(rows.row[2].v[HV_RB], 100);
    cr_expect_eq(rows.sum[HV_EB], 1002348);
    cr_expect_eq(rows.sum[HV_EBK], 5);
    hv_metric cols[HV_VIEW_MAXCOLS];
    size_t n = hv_view_leaks.columns(r, cols);
    cr_expect_eq(n, 7);
    cr_expect(cols[2] == HV_DB && cols[3] == HV_IB && cols[4] == HV_RB);
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(views, leaks_dhat_and_heapprof)
{
    const char *files[] = {"dhat-leaky.json", "hp-leaky.json"};
    for (int k = 0; k < 2; k++) {
        hv_report *r = hvt_load(files[k]);
        hv_query q;
        hv_query_defaults(&q);
        hv_rows rows;
        cr_assert_eq(rows_of(r, &q, &hv_view_leaks, &rows), 1, "%s", files[k]);
        cr_expect_str_eq(func_of(r, &rows.row[0]), "leak_one");
        cr_expect_eq(rows.row[0].v[HV_EB], 300);
        cr_expect_eq(rows.row[0].v[HV_EBK], 3);
        hv_metric cols[HV_VIEW_MAXCOLS];
        cr_expect_eq(hv_view_leaks.columns(r, cols), 4, "no leak classes");
        hv_rows_free(&rows);
        hv_report_free(r);
    }
}

Test(views, peak)
{
    hv_report *r = hvt_load("hp-leaky.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_rows rows;
    cr_assert_eq(rows_of(r, &q, &hv_view_peak, &rows), 2, "churn has nothing live at the peak");
    cr_expect_str_eq(func_of(r, &rows.row[0]), "make_peak");
    cr_expect_eq(rows.row[0].v[HV_GB], 10000);
    cr_expect_str_eq(func_of(r, &rows.row[1]), "leak_one");
    cr_expect_eq(rows.row[1].v[HV_GB], 300);
    cr_expect_eq(rows.sum[HV_GB], 10300);
    cr_expect_eq(rows.sum[HV_GBK], 4);
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(views, hot_blocks_and_bytes)
{
    hv_report *r = hvt_load("dhat-leaky.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_rows rows;
    cr_assert_eq(rows_of(r, &q, &hv_view_hot, &rows), 3);
    cr_expect_str_eq(func_of(r, &rows.row[0]), "churn");
    cr_expect_eq(rows.row[0].v[HV_TBK], 1000);
    cr_expect_str_eq(func_of(r, &rows.row[1]), "leak_one");
    cr_expect_str_eq(func_of(r, &rows.row[2]), "make_peak");
    hv_rows_free(&rows);
    cr_assert_eq(hv_select(r, &q, hv_view_hot.keep, HV_TB, &rows), 0);
    cr_expect_str_eq(func_of(r, &rows.row[0]), "churn");     /* 16000 */
    cr_expect_str_eq(func_of(r, &rows.row[1]), "make_peak"); /* 10000 */
    cr_expect_str_eq(func_of(r, &rows.row[2]), "leak_one");  /* 300 */
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(views, hot_rate_per_second)
{
    hv_report *r = hvt_load("hand-leakcheck.json"); /* te = 2,000,000 µs */
    hv_query q;
    hv_query_defaults(&q);
    hv_rows rows;
    cr_assert_eq(rows_of(r, &q, &hv_view_hot, &rows), 4);
    cr_expect_eq(line_of(r, &rows.row[0]), 55);
    cr_expect_float_eq(hv_metric_value(r, rows.row[0].v, HV_RATE_BK), 50.0, 1e-9);
    cr_expect_float_eq(hv_metric_value(r, rows.row[0].v, HV_RATE_B), 400.0, 1e-9);
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(views, short_lived_threshold)
{
    hv_report *r = hvt_load("hand-leakcheck.json"); /* tuth 10; avg lifetimes A 10, C 5 */
    hv_query q;
    hv_query_defaults(&q);
    hv_rows rows;
    cr_assert_eq(rows_of(r, &q, &hv_view_short, &rows), 2, "at or below tuth");
    cr_expect_eq(line_of(r, &rows.row[0]), 55);
    cr_expect_eq(line_of(r, &rows.row[1]), 40);
    hv_rows_free(&rows);
    q.short_threshold = 9.5;
    cr_assert_eq(rows_of(r, &q, &hv_view_short, &rows), 1);
    cr_expect_eq(line_of(r, &rows.row[0]), 55);
    hv_rows_free(&rows);
    q.short_threshold = 1e6;
    cr_expect_eq(rows_of(r, &q, &hv_view_short, &rows), 3, "B's average is exactly 1e6");
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(views, short_lived_dhat)
{
    hv_report *r = hvt_load("dhat-leaky.json"); /* tuth 500 instrs */
    hv_query q;
    hv_query_defaults(&q);
    hv_rows rows;
    cr_assert_eq(rows_of(r, &q, &hv_view_short, &rows), 2, "churn and make_peak, not leak_one");
    cr_expect_str_eq(func_of(r, &rows.row[0]), "churn");
    cr_expect_str_eq(func_of(r, &rows.row[1]), "make_peak");
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(views, realloc_growth)
{
    hv_report *r = hvt_load("hp-grow.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_rows rows;
    cr_assert_eq(rows_of(r, &q, &hv_view_regrow, &rows), 2);
    cr_expect_str_eq(func_of(r, &rows.row[0]), "grow_by_16");
    cr_expect_float_eq(hv_metric_value(r, rows.row[0].v, HV_AVG_GROW), 16.0, 1e-9);
    cr_expect_str_eq(func_of(r, &rows.row[1]), "grow_double");
    cr_expect_float_eq(hv_metric_value(r, rows.row[1].v, HV_AVG_GROW), 240.0, 1e-9);
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(views, registry)
{
    cr_expect_eq(hv_view_find("leaks"), &hv_view_leaks);
    cr_expect_eq(hv_view_find("short-lived"), &hv_view_short);
    cr_expect_null(hv_view_find("nope"));
}

/* ---- stack layout ---- */

static size_t layout(const hv_report *r, const hv_site *s, const hv_query *q, hv_stackline *l)
{
    return hv_stack_layout(r, s, q, l, 16);
}

Test(stack, collapse_via_and_outer_runtime)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    const hv_site *b = hvt_site(r, "Cache::insert(Key const&)", 88); /* fs 5 6 7 3 4 */
    hv_query q;
    hv_query_defaults(&q);
    hv_stackline l[16];
    cr_assert_eq(layout(r, b, &q, l), 3);
    cr_expect(l[0].via && l[0].frame == 6 && l[0].hidden == 2, "via _M_realloc_insert");
    cr_expect(l[1].frame == 7 && !l[1].hidden);
    cr_expect(l[2].frame == 3 && !l[2].hidden, "main; __libc_start_main is dropped");
    q.depth = 1;
    cr_assert_eq(layout(r, b, &q, l), 3);
    cr_expect(l[2].frame == HV_STACK_MORE && l[2].hidden == 1);
    q.collapse = false;
    q.depth = 2;
    cr_assert_eq(layout(r, b, &q, l), 3);
    cr_expect(l[0].frame == 5 && l[1].frame == 6);
    cr_expect(l[2].frame == HV_STACK_MORE && l[2].hidden == 3);
    q.depth = 0;
    cr_expect_eq(layout(r, b, &q, l), 5);
    hv_report_free(r);
}

Test(stack, allocator_is_not_named)
{
    hv_report *r = hvt_load("dhat-leaky.json"); /* fs: malloc (vgpreload), leak_one, main */
    const hv_site *s = hvt_site(r, "leak_one", 11);
    hv_query q;
    hv_query_defaults(&q);
    hv_stackline l[16];
    cr_assert_eq(layout(r, s, &q, l), 2);
    cr_expect_str_eq(r->frames[l[0].frame].func, "leak_one");
    cr_expect_str_eq(r->frames[l[1].frame].func, "main");
    hv_report_free(r);
}
