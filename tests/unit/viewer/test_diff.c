/* test_diff.c - diff.c: hp-leaky.json (leaky 3 1000) against hp-leaky-5-2000.json (leaky 5
 * 2000), two runs whose addresses differ (ASLR), matched by stack text. Hand-computed:
 * tb 26300 -> 42500; leak_one eb 300 -> 500; churn tbk 1000 -> 2000; make_peak unchanged. */
#include "hvtest.h"

#include <criterion/criterion.h>
#include <string.h>

static const char *func(const hv_report *r, size_t site)
{
    const hv_site *s = &r->sites[site];
    return r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]].func;
}

Test(diff, matches_across_addresses)
{
    hv_report *b = hvt_load("hp-leaky.json"), *c = hvt_load("hp-leaky-5-2000.json");
    const hv_site *lb = hvt_site(b, "leak_one", 0), *lc = hvt_site(c, "leak_one", 0);
    cr_assert_str_neq(b->frames[hv_site_frames(b, lb)[0]].text,
                      c->frames[hv_site_frames(c, lc)[0]].text, "the runs' addresses differ");
    hv_query q;
    hv_query_defaults(&q);
    hv_diff d;
    cr_assert_eq(hv_diff_build(b, c, &q, HV_TB, &d), 0);
    cr_expect_eq(d.nboth, 3);
    cr_expect_eq(d.nbase_only, 0);
    cr_expect_eq(d.ncur_only, 0);
    cr_assert_eq(d.n, 3);
    cr_expect_str_eq(func(c, d.row[0].cur_site), "churn");
    cr_expect_float_eq(hv_diff_delta(&d, &d.row[0], HV_TB), 16000, 1e-9);
    cr_expect_str_eq(func(c, d.row[1].cur_site), "leak_one");
    cr_expect_float_eq(hv_diff_delta(&d, &d.row[1], HV_TB), 200, 1e-9);
    cr_expect_float_eq(hv_diff_delta(&d, &d.row[1], HV_EBK), 2, 1e-9);
    cr_expect_str_eq(func(c, d.row[2].cur_site), "make_peak");
    cr_expect_float_eq(hv_diff_delta(&d, &d.row[2], HV_TB), 0, 1e-9);
    char *t = hvt_render_diff(&hv_out_text, &d);
    cr_expect(strstr(t, "+15.8 KiB (+61.6%)") != NULL, "tb: +16200 B of 26300:\n%s", t);
    cr_expect(strstr(t, "3 in both, 0 only in base, 0 only in new") != NULL);
    const char *inc = strstr(t, "Increases"), *dec = strstr(t, "Decreases");
    cr_assert(inc && dec);
    const char *pc = strstr(inc, "churn"), *pl = strstr(inc, "leak_one");
    cr_expect(pc && pl && pc < pl && pl < dec, "churn (+16000) before leak_one (+200)");
    cr_expect(strstr(dec, "(none)") != NULL);
    free(t);
    hv_diff_free(&d);
    hv_report_free(b);
    hv_report_free(c);
}

Test(diff, reversed_is_decrease_and_new_sites)
{
    hv_report *b = hvt_load("hp-leaky-5-2000.json"), *c = hvt_load("hp-grow.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_diff d;
    cr_assert_eq(hv_diff_build(b, c, &q, HV_TBK, &d), 0);
    cr_expect_eq(d.nboth, 0);
    cr_expect_eq(d.nbase_only, 3);
    cr_expect_eq(d.ncur_only, 2);
    cr_expect_str_eq(func(c, d.row[0].cur_site), "grow_by_16"); /* +11 */
    cr_expect_eq(d.row[d.n - 1].cur_site, SIZE_MAX);
    cr_expect_str_eq(func(b, d.row[d.n - 1].base_site), "churn"); /* -2000 */
    hv_diff_free(&d);
    hv_report_free(b);
    hv_report_free(c);
}

Test(diff, cli_json_and_folded)
{
    char *out;
    cr_expect_eq(hvt_run("--diff --sort tbk --folded " HVT_DATA "hp-leaky.json " HVT_DATA
                         "hp-leaky-5-2000.json",
                         &out, NULL),
                 0);
    cr_expect_str_eq(out, "main;churn 1000\nmain;leak_one 2\n");
    free(out);
    char *err;
    cr_expect_eq(hvt_run("--diff " HVT_DATA "hp-leaky.json", NULL, &err), 2);
    cr_expect(strstr(err, "--diff takes two reports") != NULL);
    free(err);
}
