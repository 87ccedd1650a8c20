/* test_model.c - model.c: frame parsing and classification, metric names, filters,
 * grouping and ranking (hand-computed on hand-leakcheck.json, see tests/data/viewer/README.md). */
#include "hvtest.h"

#include <criterion/criterion.h>
#include <string.h>

static hv_frame parse(const char *text)
{
    hv_frame f;
    cr_assert_eq(hv_frame_init(&f, strdup(text)), 0);
    return f;
}

static void drop(hv_frame *f)
{
    free(f->text);
    free(f->func);
    free(f->file);
    free(f->lib);
}

Test(frame, file_and_line)
{
    hv_frame f = parse("0x4011A3: main (prog.c:12)");
    cr_expect_str_eq(f.sym, "main (prog.c:12)");
    cr_expect_str_eq(f.func, "main");
    cr_expect_str_eq(f.file, "prog.c");
    cr_expect_eq(f.line, 12);
    cr_expect_null(f.lib);
    cr_expect_not(f.system);
    drop(&f);
}

Test(frame, library)
{
    hv_frame f = parse("0x7F12AB: malloc (in /lib/x86_64-linux-gnu/libc.so.6)");
    cr_expect_str_eq(f.func, "malloc");
    cr_expect_str_eq(f.lib, "/lib/x86_64-linux-gnu/libc.so.6");
    cr_expect_null(f.file);
    cr_expect(f.system);
    drop(&f);
}

Test(frame, unknown)
{
    hv_frame f = parse("0x1234: ???");
    cr_expect_str_eq(f.sym, "???");
    cr_expect_str_eq(f.func, "???");
    cr_expect_not(f.system, "an address in no object may be the program's own (JIT)");
    drop(&f);
    f = parse("0x7F00: ??? (in /usr/lib/libplugin.so)");
    cr_expect_str_eq(f.func, "???");
    cr_expect_str_eq(f.lib, "/usr/lib/libplugin.so");
    cr_expect_not(f.system);
    drop(&f);
}

Test(frame, cxx_names_with_parentheses)
{
    hv_frame f = parse("0x401600: Cache::insert(Key const&) (cache.cc:88)");
    cr_expect_str_eq(f.func, "Cache::insert(Key const&)");
    cr_expect_str_eq(f.file, "cache.cc");
    cr_expect_eq(f.line, 88);
    drop(&f);
    f = parse("0x1: (anonymous namespace)::f(int) (a b/x.cc:7)");
    cr_expect_str_eq(f.func, "(anonymous namespace)::f(int)");
    cr_expect_str_eq(f.file, "a b/x.cc");
    drop(&f);
    f = parse("0x2: operator new(unsigned long) (in /usr/lib/libstdc++.so.6)");
    cr_expect_str_eq(f.func, "operator new(unsigned long)");
    cr_expect(f.system);
    drop(&f);
}

Test(frame, root_and_no_prefix)
{
    hv_frame f = parse("[root]");
    cr_expect_str_eq(f.sym, "[root]");
    cr_expect_str_eq(f.func, "[root]");
    drop(&f);
    f = parse("0xZZ: g (g.c:1)"); /* not hex: kept as is */
    cr_expect_str_eq(f.sym, "0xZZ: g (g.c:1)");
    drop(&f);
}

Test(frame, system_classification)
{
    cr_expect(hv_frame_is_system("__strdup", "strdup.c", NULL));
    cr_expect(hv_frame_is_system("_IO_file_doallocate", "filedoalloc.c", NULL));
    cr_expect(hv_frame_is_system("printf", "printf.c", NULL));
    cr_expect(hv_frame_is_system("f", NULL, "/lib64/ld-linux-x86-64.so.2"));
    cr_expect(hv_frame_is_system("hp_hooks_malloc", NULL, NULL));
    cr_expect(hv_frame_is_system("x", NULL, "/usr/libexec/valgrind/vgpreload_dhat-amd64-linux.so"));
    cr_expect(hv_frame_is_system("std::vector<int>::push_back(int&&)", "stl_vector.h", NULL));
    cr_expect_not(hv_frame_is_system("main", "demo.c", NULL));
    cr_expect_not(hv_frame_is_system("parse", NULL, "/usr/lib/libfoo.so"));
}

Test(metric, names)
{
    hv_metric m;
    cr_expect_eq(hv_metric_parse("tb", &m), 0);
    cr_expect_eq(m, HV_TB);
    cr_expect_eq(hv_metric_parse("hp_rs", &m), 0);
    cr_expect_eq(m, HV_RS);
    cr_expect_eq(hv_metric_parse("avg-life", &m), 0);
    cr_expect_eq(m, HV_AVG_LIFE);
    cr_expect_eq(hv_metric_parse("ebk", &m), 0);
    cr_expect_eq(m, HV_EBK);
    cr_expect_eq(hv_metric_parse("nope", &m), -1);
    for (int i = 0; i < HV_NMETRIC; i++) {
        cr_expect_eq(hv_metric_parse(hv_metric_name((hv_metric)i), &m), 0);
        cr_expect_eq(m, (hv_metric)i);
    }
}

Test(metric, derived)
{
    hv_report *r = hvt_load("hand-leakcheck.json"); /* te = 2 s */
    const hv_site *a = hvt_site(r, "parse_line", 40);
    cr_expect_float_eq(hv_metric_value(r, a->v, HV_AVG_SIZE), 100.0, 1e-9);
    cr_expect_float_eq(hv_metric_value(r, a->v, HV_AVG_LIFE), 10.0, 1e-9);
    cr_expect_float_eq(hv_metric_value(r, a->v, HV_RATE_BK), 30.0, 1e-9);
    cr_expect_float_eq(hv_metric_value(r, a->v, HV_RATE_B), 3000.0, 1e-9);
    const hv_site *b = hvt_site(r, "Cache::insert(Key const&)", 88);
    cr_expect_float_eq(hv_metric_value(r, b->v, HV_AVG_GROW), 255.0, 1e-9);
    hv_report_free(r);
}

static size_t sel(const hv_report *r, const hv_query *q, hv_metric sort, size_t *site, size_t n)
{
    hv_rows rows;
    cr_assert_eq(hv_select(r, q, NULL, sort, &rows), 0);
    size_t k = rows.n;
    for (size_t i = 0; i < k && i < n; i++)
        site[i] = rows.row[i].site;
    hv_rows_free(&rows);
    return k;
}

Test(select, rank_filter_top)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    size_t A = hvt_site_index(r, "parse_line", 40),
           B = hvt_site_index(r, "Cache::insert(Key const&)", 0),
           C = hvt_site_index(r, "parse_line", 55), D = hvt_site_index(r, "???", 0);
    hv_query q;
    hv_query_defaults(&q);
    size_t s[8];
    cr_expect_eq(sel(r, &q, HV_TBK, s, 8), 4);
    cr_expect(s[0] == C && s[1] == A && s[2] == B && s[3] == D, "by tbk: 100, 60, 9, 1");
    q.top = 2;
    cr_expect_eq(sel(r, &q, HV_GB, s, 8), 2);
    cr_expect(s[0] == D && s[1] == B, "by gb: 1000000, 2048");
    q.top = 0;
    const char *inc[] = {"file:cache.cc"};
    q.include = inc;
    q.ninclude = 1;
    cr_expect_eq(sel(r, &q, HV_TB, s, 8), 1);
    cr_expect_eq(s[0], B);
    inc[0] = "func:parse_*";
    cr_expect_eq(sel(r, &q, HV_TB, s, 8), 2);
    cr_expect(s[0] == A && s[1] == C);
    inc[0] = "lib:libstdc++*";
    cr_expect_eq(sel(r, &q, HV_TB, s, 8), 1);
    cr_expect_eq(s[0], B);
    inc[0] = "main"; /* any field: every site but D has main */
    cr_expect_eq(sel(r, &q, HV_TB, s, 8), 3);
    q.ninclude = 0;
    const char *exc[] = {"lib:libplugin.so", "file:config.c"};
    q.exclude = exc;
    q.nexclude = 2;
    cr_expect_eq(sel(r, &q, HV_TB, s, 8), 1, "D by library, A and C by file");
    cr_expect_eq(s[0], B);
    hv_report_free(r);
}

Test(select, group_by_function)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    hv_query q;
    hv_query_defaults(&q);
    q.by_function = true;
    hv_rows rows;
    cr_assert_eq(hv_select(r, &q, NULL, HV_TBK, &rows), 0);
    cr_assert_eq(rows.n, 3, "parse_line (A+C), Cache::insert, ???");
    const hv_row *g = &rows.row[0];
    cr_expect_eq(g->nsites, 2);
    cr_expect_eq(g->v[HV_TBK], 160);
    cr_expect_eq(g->v[HV_TB], 6800);
    cr_expect_eq(g->v[HV_EB], 300);
    cr_expect_eq(g->site, hvt_site_index(r, "parse_line", 55), "representative: the larger");
    cr_expect_eq(rows.row[1].v[HV_TBK], 9);
    cr_expect_eq(rows.row[2].v[HV_TBK], 1);
    cr_expect_eq(rows.sum[HV_TBK], 170);
    hv_rows_free(&rows);
    hv_report_free(r);
}

Test(select, dhat_and_heapprof_rank_alike)
{
    hv_report *d = hvt_load("dhat-leaky.json"), *h = hvt_load("hp-leaky.json");
    hv_query q;
    hv_query_defaults(&q);
    static const char *const want[] = {"churn", "make_peak",
                                       "leak_one"}; /* tb 16000 > 10000 > 300 */
    hv_report *both[] = {d, h};
    for (int k = 0; k < 2; k++) {
        hv_rows rows;
        cr_assert_eq(hv_select(both[k], &q, NULL, HV_TB, &rows), 0);
        cr_assert_eq(rows.n, 3);
        for (size_t i = 0; i < 3; i++) {
            const hv_site *s = &both[k]->sites[rows.row[i].site];
            cr_expect_str_eq(
                both[k]->frames[hv_site_frames(both[k], s)[hv_site_first_user(both[k], s)]].func,
                want[i]);
        }
        hv_rows_free(&rows);
    }
    hv_report_free(d);
    hv_report_free(h);
}
