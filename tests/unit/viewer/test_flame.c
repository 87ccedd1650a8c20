/* test_flame.c - flame.c: the call tree of hand-dist.json (tests/data/viewer/README.md), its
 * values and its merging of small children, hand-computed. */
#include "flame.h"
#include "hvtest.h"

#include <criterion/criterion.h>
#include <string.h>

/* Expects node i to be (name or NULL for a small node, value, nsites, parent, end). */
static void node_is(const hv_flame *f, size_t i, const char *name, double value, size_t nsites,
                    size_t parent, size_t end)
{
    cr_assert_lt(i, f->n);
    const hv_flame_node *x = &f->node[i];
    if (name) {
        cr_expect_str_eq(x->name, name, "node %zu", i);
    } else {
        cr_expect_eq(x->kind, HV_FLAME_SMALL, "node %zu", i);
        cr_expect_null(x->name);
    }
    cr_expect_eq(x->value, value, "node %zu (%s): %g", i, name ? name : "small", x->value);
    cr_expect_eq(x->nsites, nsites, "node %zu", i);
    cr_expect_eq(x->parent, parent, "node %zu", i);
    cr_expect_eq(x->end, end, "node %zu", i);
}

/* tb: A 6000 main;load;parse  B 2000 main;load;parse;tokenize (parse at another line)
 * C 1500 main;save (via strdup)  D 400 main;load  E 50 main;log_msg  F 30 main;cleanup
 * G 20 main;load;save. Glue (malloc, strdup) and start-up frames are not nodes. */
Test(flame, merged_below_one_percent)
{
    hv_report *r = hvt_load("hand-dist.json");
    hv_flame f;
    cr_assert_eq(hv_flame_build(r, HV_TB, 0.01, &f), 0); /* threshold 100 B */
    cr_assert_eq(f.n, 8);
    node_is(&f, 0, "all", 10000, 7, SIZE_MAX, 8);
    cr_expect_eq(f.node[0].kind, HV_FLAME_ROOT);
    node_is(&f, 1, "main", 10000, 7, 0, 8);
    node_is(&f, 2, "load", 8420, 4, 1, 6);
    node_is(&f, 3, "parse", 8000, 2, 2, 5);
    node_is(&f, 4, "tokenize", 2000, 1, 3, 5);
    node_is(&f, 5, NULL, 20, 1, 2, 6); /* save under load (G) */
    node_is(&f, 6, "save", 1500, 1, 1, 7);
    node_is(&f, 7, NULL, 80, 2, 1, 8); /* log_msg 50 + cleanup 30 */
    cr_expect_eq(f.node[2].self, 400, "D ends at load");
    cr_expect_eq(f.node[3].self, 6000, "A ends at parse");
    cr_expect_eq(f.node[1].self, 0);
    cr_expect_eq(f.node[4].depth, 4);
    cr_expect_eq(f.nmerged, 2);
    /* widths on a 2,000-pixel graph: value / 10000 * 2000 */
    cr_expect_eq(f.node[3].value / f.node[0].value * 2000, 1600);
    cr_expect_eq(f.node[7].value / f.node[0].value * 2000, 16);
    hv_flame_free(&f);
    hv_report_free(r);
}

Test(flame, nothing_merged_at_zero)
{
    hv_report *r = hvt_load("hand-dist.json");
    hv_flame f;
    cr_assert_eq(hv_flame_build(r, HV_TB, 0, &f), 0);
    cr_assert_eq(f.n, 9);
    node_is(&f, 2, "load", 8420, 4, 1, 6);
    node_is(&f, 5, "save", 20, 1, 2, 6);
    node_is(&f, 6, "save", 1500, 1, 1, 7);
    node_is(&f, 7, "log_msg", 50, 1, 1, 8);
    node_is(&f, 8, "cleanup", 30, 1, 1, 9);
    cr_expect_eq(f.nmerged, 0);
    hv_flame_free(&f);
    hv_report_free(r);
}

Test(flame, other_metric)
{
    hv_report *r = hvt_load("hand-dist.json");
    hv_flame f;
    /* eb: B 2000, G 20 live at exit; threshold 20.2 merges G */
    cr_assert_eq(hv_flame_build(r, HV_EB, 0.01, &f), 0);
    cr_assert_eq(f.n, 6);
    node_is(&f, 0, "all", 2020, 2, SIZE_MAX, 6);
    node_is(&f, 2, "load", 2020, 2, 1, 6);
    node_is(&f, 3, "parse", 2000, 1, 2, 5);
    node_is(&f, 4, "tokenize", 2000, 1, 3, 5);
    node_is(&f, 5, NULL, 20, 1, 2, 6);
    hv_flame_free(&f);
    hv_report_free(r);
}

Test(flame, short_lived_sites_only)
{
    hv_report *r = hvt_load("hand-dist.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_flame f;
    /* tbk of the short-lived sites (tuth 20): A 100, C 15, E 5, F 3 = 123; at 5% (6.15) log_msg
     * and cleanup merge */
    cr_assert_eq(hv_flame_build_if(r, HV_TBK, 0.05, hv_view_short.keep, &q, &f), 0);
    cr_assert_eq(f.n, 6);
    node_is(&f, 0, "all", 123, 4, SIZE_MAX, 6);
    node_is(&f, 1, "main", 123, 4, 0, 6);
    node_is(&f, 2, "load", 100, 1, 1, 4);
    node_is(&f, 3, "parse", 100, 1, 2, 4);
    node_is(&f, 4, "save", 15, 1, 1, 5);
    node_is(&f, 5, NULL, 8, 2, 1, 6);
    hv_flame_free(&f);
    /* and a filter: --exclude func:parse leaves C, E, F = 23 */
    const char *ex[] = {"func:parse"};
    q.exclude = ex;
    q.nexclude = 1;
    cr_assert_eq(hv_flame_build_if(r, HV_TBK, 0, hv_view_short.keep, &q, &f), 0);
    cr_expect_eq(f.node[0].value, 23);
    hv_flame_free(&f);
    hv_report_free(r);
}

Test(flame, averages_are_not_summed)
{
    hv_report *r = hvt_load("hand-dist.json");
    hv_flame f;
    cr_expect_eq(hv_flame_build(r, HV_AVG_SIZE, 0.01, &f), -1);
    cr_expect_eq(f.n, 0);
    cr_expect_eq(hv_flame_build(r, HV_SIZE50, 0.01, &f), -1);
    hv_report_free(r);
}
