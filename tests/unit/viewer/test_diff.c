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

/* ident-base.json -> ident-moved.json (hand-written, tests/data/viewer/README.md): every line
 * moved by +5; base sites 0 f:10 100 B, 1 f:12 200 B, 2 g:20 50 B, 3 f:10 (another address)
 * 7 B, 4 ??? in libfoo.so 30 B; new sites 0 f:17 260 B, 1 f:15 107 B, 2 g:25 50 B, 3 f:19 5 B,
 * 4 h:40 9 B, 5 ??? 30 B. All but h are called from main. */
Test(diff, identity_is_the_function_chain)
{
    hv_report *b = hvt_load("ident-base.json"), *c = hvt_load("ident-moved.json");
    char *k0 = hv_site_identity(b, &b->sites[0]), *k4 = hv_site_identity(b, &b->sites[4]);
    cr_expect_str_eq(k0, "malloc\nf\nmain");
    cr_expect_str_eq(k4, "malloc\n??? in libfoo.so\nmain");
    char *n1 = hv_site_identity(c, &c->sites[1]), *n4 = hv_site_identity(c, &c->sites[4]);
    cr_expect_str_eq(n1, k0, "f:15 in new is f:10 in base");
    cr_expect_str_eq(n4, "malloc\nh\nmain");
    cr_expect_lt(hv_site_lines_cmp(b, &b->sites[0], b, &b->sites[1]), 0, "f:10 before f:12");
    cr_expect_eq(hv_site_lines_cmp(b, &b->sites[0], b, &b->sites[3]), 0, "same lines");
    cr_expect_gt(hv_site_lines_cmp(c, &c->sites[3], c, &c->sites[0]), 0, "f:19 after f:17");
    free(k0);
    free(k4);
    free(n1);
    free(n4);
    hv_report_free(b);
    hv_report_free(c);
}

static const hv_diff_row *row_of(const hv_diff *d, size_t base_site, size_t cur_site)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->row[i].base_site == base_site && d->row[i].cur_site == cur_site) return &d->row[i];
    return NULL;
}

Test(diff, lines_split_a_chain_in_order)
{
    hv_report *b = hvt_load("ident-base.json"), *c = hvt_load("ident-moved.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_diff d;
    cr_assert_eq(hv_diff_build(b, c, &q, HV_TB, &d), 0);
    cr_expect_eq(d.nboth, 4, "f:10+f:10, f:12, g, ???");
    cr_expect_eq(d.nbase_only, 0);
    cr_expect_eq(d.ncur_only, 2, "f:19 (a third class of f's chain) and h");
    cr_expect_eq(d.n, 6);
    /* Closest line would pair f:12 with f:15; order pairs f:10 with f:15, f:12 with f:17. */
    const hv_diff_row *x = row_of(&d, 0, 1);
    cr_assert(x, "f:10 (sites 0 and 3 summed) pairs with f:15");
    cr_expect_eq(x->base[HV_TB], 107);
    cr_expect_eq(x->base[HV_TBK], 2);
    cr_expect_eq(x->cur[HV_TB], 107);
    x = row_of(&d, 1, 0);
    cr_assert(x, "f:12 pairs with f:17");
    cr_expect_float_eq(hv_diff_delta(&d, x, HV_TB), 60, 1e-9);
    cr_expect(row_of(&d, 2, 2) && row_of(&d, 4, 5) && row_of(&d, SIZE_MAX, 3) &&
              row_of(&d, SIZE_MAX, 4));
    cr_expect_eq(d.row[0].cur_site, 0, "largest increase first: f:17 +60");
    char *t = hvt_render_diff(&hv_out_text, &d);
    cr_expect(strstr(t, "4 in both, 0 only in base, 2 only in new (matched by function chain)"),
              "%s", t);
    free(t);
    hv_diff_free(&d);
    /* --by-function: one row per first user function, lines ignored. */
    q.by_function = true;
    cr_assert_eq(hv_diff_build(b, c, &q, HV_TB, &d), 0);
    cr_expect_eq(d.nboth, 3, "f, main's ??? (first user frame is main), g");
    cr_expect_eq(d.ncur_only, 1, "h");
    hv_diff_free(&d);
    hv_report_free(b);
    hv_report_free(c);
}
