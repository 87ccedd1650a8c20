/* test_check.c - check.c and fmt.c's size parsing: limits against hand-computed values
 * (hp-leaky: leaked 300 B / 3 blocks, peak 10300 B, total 26300 B / 1004 blocks;
 * hand-leakcheck: leaked = definite 200 + indirect 2048 B, 2 + 1 blocks). */
#include "check.h"
#include "fmt.h"
#include "hvtest.h"

#include <criterion/criterion.h>
#include <string.h>

Test(fmt, sizes_and_counts)
{
    char b[32];
    cr_expect_str_eq(hv_fmt_bytes(b, sizeof b, 0), "0 B");
    cr_expect_str_eq(hv_fmt_bytes(b, sizeof b, 1023), "1023 B");
    cr_expect_str_eq(hv_fmt_bytes(b, sizeof b, 1024), "1.00 KiB");
    cr_expect_str_eq(hv_fmt_bytes(b, sizeof b, 1536), "1.50 KiB");
    cr_expect_str_eq(hv_fmt_bytes(b, sizeof b, 10300), "10.1 KiB");
    cr_expect_str_eq(hv_fmt_bytes(b, sizeof b, 1048576), "1.00 MiB");
    cr_expect_str_eq(hv_fmt_bytes(b, sizeof b, 3.0 * 1024 * 1024 * 1024), "3.00 GiB");
    cr_expect_str_eq(hv_fmt_count(b, sizeof b, 0), "0");
    cr_expect_str_eq(hv_fmt_count(b, sizeof b, 999), "999");
    cr_expect_str_eq(hv_fmt_count(b, sizeof b, 1000), "1,000");
    cr_expect_str_eq(hv_fmt_count(b, sizeof b, 1234567), "1,234,567");
    cr_expect_str_eq(hv_fmt_time(b, sizeof b, 4593, "µs"), "4.59 ms");
    cr_expect_str_eq(hv_fmt_time(b, sizeof b, 2000000, "µs"), "2 s");
    cr_expect_str_eq(hv_fmt_time(b, sizeof b, 218910, "instrs"), "218,910 instrs");
}

Test(fmt, parse_size)
{
    uint64_t v;
    cr_expect(hv_parse_size("64M", &v) == 0 && v == 64ull << 20);
    cr_expect(hv_parse_size("1.5K", &v) == 0 && v == 1536);
    cr_expect(hv_parse_size("10", &v) == 0 && v == 10);
    cr_expect(hv_parse_size("4KiB", &v) == 0 && v == 4096);
    cr_expect(hv_parse_size("2kB", &v) == 0 && v == 2048);
    cr_expect(hv_parse_size("1G", &v) == 0 && v == 1ull << 30);
    cr_expect(hv_parse_size("0", &v) == 0 && v == 0);
    cr_expect_eq(hv_parse_size("x", &v), -1);
    cr_expect_eq(hv_parse_size("-1", &v), -1);
    cr_expect_eq(hv_parse_size("1Q", &v), -1);
    cr_expect_eq(hv_parse_size("", &v), -1);
    cr_expect_eq(hv_parse_size("99999999999T", &v), -1);
    double p;
    cr_expect(hv_parse_percent("5%", &p) == 0 && p == 5);
    cr_expect(hv_parse_percent("0.5", &p) == 0 && p == 0.5);
    cr_expect_eq(hv_parse_percent("-5%", &p), -1);
    cr_expect_eq(hv_parse_percent("5%%", &p), -1);
}

static size_t run(const hv_report *r, const hv_report *base, const hv_limits *l, size_t *failed)
{
    hv_check_result res[2 * HV_LIM_COUNT];
    return hv_check_run(r, base, l, res, failed);
}

Test(check, absolute_limits)
{
    hv_report *r = hvt_load("hp-leaky.json");
    cr_expect_eq(hv_check_value(r, HV_LIM_LEAKED), 300);
    cr_expect_eq(hv_check_value(r, HV_LIM_LEAKED_BLOCKS), 3);
    cr_expect_eq(hv_check_value(r, HV_LIM_PEAK), 10300);
    cr_expect_eq(hv_check_value(r, HV_LIM_TOTAL_BYTES), 26300);
    cr_expect_eq(hv_check_value(r, HV_LIM_TOTAL_BLOCKS), 1004);
    hv_limits l = {0};
    size_t failed;
    l.has[HV_LIM_LEAKED] = true;
    l.max[HV_LIM_LEAKED] = 300;
    cr_expect_eq(run(r, NULL, &l, &failed), 1);
    cr_expect_eq(failed, 0, "equal is within");
    l.max[HV_LIM_LEAKED] = 299;
    run(r, NULL, &l, &failed);
    cr_expect_eq(failed, 1);
    l.has[HV_LIM_PEAK] = true;
    l.max[HV_LIM_PEAK] = 10240;
    cr_expect_eq(run(r, NULL, &l, &failed), 2);
    cr_expect_eq(failed, 2);
    hv_report_free(r);
}

Test(check, leak_classes_count_definite_and_indirect)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    cr_expect_eq(hv_check_value(r, HV_LIM_LEAKED), 2248);
    cr_expect_eq(hv_check_value(r, HV_LIM_LEAKED_BLOCKS), 3);
    hv_report_free(r);
}

Test(check, baseline)
{
    hv_report *b = hvt_load("hp-leaky.json"), *c = hvt_load("hp-leaky-5-2000.json");
    hv_limits l = {0};
    l.has_increase = true;
    l.max_increase = 5;
    size_t failed;
    hv_check_result res[2 * HV_LIM_COUNT];
    cr_assert_eq(hv_check_run(c, b, &l, res, &failed), 5);
    /* leaked 500 > 315, blocks 5 > 3.15, peak 10500 <= 10815, tb 42500 > 27615, tbk 2006 > 1054.2
     */
    cr_expect_eq(failed, 4);
    cr_expect_not(res[HV_LIM_PEAK].exceeded);
    cr_expect_float_eq(res[HV_LIM_PEAK].limit, 10815.0, 1e-6);
    l.max_increase = 100; /* 500 <= 600, 5 <= 6, 10500 <= 20600, 42500 <= 52600, 2006 <= 2008 */
    hv_check_run(c, b, &l, res, &failed);
    cr_expect_eq(failed, 0);
    hv_report_free(b);
    hv_report_free(c);
}

Test(check, cli_exit_codes)
{
    char *out, *err;
    cr_expect_eq(hvt_run("--check --max-leaked 300 --max-peak 11K --max-total-blocks 1K " HVT_DATA
                         "hp-leaky.json",
                         &out, NULL),
                 0);
    cr_expect(strstr(out, "passed") != NULL, "%s", out);
    free(out);
    cr_expect_eq(
        hvt_run("--check --max-leaked 0 --max-peak 10K " HVT_DATA "hp-leaky.json", &out, NULL), 1);
    cr_expect(strstr(out, "FAIL leaked bytes (live at exit): 300 B (300), limit 0 B (0)"), "%s",
              out);
    cr_expect(strstr(out, "FAIL peak bytes: 10.1 KiB (10300), limit 10.0 KiB (10240)"), "%s", out);
    free(out);
    cr_expect_eq(hvt_run("--check --baseline " HVT_DATA "hp-leaky.json --max-increase 5% " HVT_DATA
                         "hp-leaky-5-2000.json",
                         &out, NULL),
                 1);
    free(out);
    cr_expect_eq(hvt_run("--check --max-leaked 0 " HVT_DATA "bad/negative.json", NULL, &err), 2);
    cr_expect(strstr(err, "negative count") != NULL);
    free(err);
    cr_expect_eq(hvt_run("--check " HVT_DATA "hp-leaky.json", NULL, &err), 2, "no limit");
    free(err);
    cr_expect_eq(hvt_run("--max-peak 12Q " HVT_DATA "hp-leaky.json", NULL, &err), 2);
    cr_expect(strstr(err, "--max-peak: not a size") != NULL, "%s", err);
    free(err);
    cr_expect_eq(
        hvt_run("--baseline " HVT_DATA "hp-leaky.json " HVT_DATA "hp-leaky.json", NULL, &err), 2,
        "--baseline without --max-increase");
    free(err);
}

/* Per site against a baseline: ident-base.json -> ident-moved.json (see test_diff.c): f:12 ->
 * f:17 grows 200 -> 260 B (+30%); f:19 (5 B) and h (9 B) are new; the rest are unchanged. */
Test(check, per_site_growth)
{
    hv_report *b = hvt_load("ident-base.json"), *c = hvt_load("ident-moved.json");
    hv_query q;
    hv_query_defaults(&q);
    hv_limits l = {0};
    l.has_site_growth = true;
    l.max_site_growth = 5;
    l.site_metric = HV_TB;
    hv_site_check sc;
    cr_assert_eq(hv_check_sites(c, b, &l, &q, &sc), 0);
    cr_assert_eq(sc.nfail, 3);
    const hv_site_growth *g = &sc.fail[0]; /* largest change first */
    cr_expect_eq(sc.d.row[g->row].cur_site, 0, "f:17");
    cr_expect_float_eq(g->base, 200, 1e-9);
    cr_expect_float_eq(g->value, 260, 1e-9);
    cr_expect_float_eq(g->limit, 210, 1e-9);
    hv_site_check_free(&sc);
    l.max_site_growth = 30; /* 260 <= 260: within; the new sites still fail */
    cr_assert_eq(hv_check_sites(c, b, &l, &q, &sc), 0);
    cr_expect_eq(sc.nfail, 2);
    hv_site_check_free(&sc);
    q.include = (const char *[]){"lib:libfoo.so"}; /* the ??? site only */
    q.ninclude = 1;
    l.max_site_growth = 0;
    cr_assert_eq(hv_check_sites(c, b, &l, &q, &sc), 0);
    cr_expect_eq(sc.nfail, 0);
    cr_expect_eq(sc.d.nboth, 1);
    hv_site_check_free(&sc);
    cr_assert_eq(hv_check_sites(b, b, &l, &q, &sc), 0);
    cr_expect_eq(sc.nfail, 0, "a report against itself");
    hv_site_check_free(&sc);
    hv_report_free(b);
    hv_report_free(c);
}

Test(check, cli_per_site)
{
    char *out, *err;
    cr_expect_eq(hvt_run("--check --baseline " HVT_DATA
                         "ident-base.json --max-site-growth 5% " HVT_DATA "ident-moved.json",
                         &out, NULL),
                 1);
    cr_expect(strstr(out, "FAIL sites: 3 of 6 grew more than +5% in total (tb)"), "%s", out);
    cr_expect(strstr(out, "FAIL site f (x.c:17) <- main: total 260 B, baseline 200 B, limit +5% = "
                          "210 B\n"),
              "%s", out);
    cr_expect(strstr(out, "FAIL new site h (x.c:40) <- main: total 9 B, baseline none"), "%s", out);
    cr_expect_eq(hvt_count(out, "\nFAIL"), 4, "%s", out);
    free(out);
    cr_expect_eq(hvt_run("--check --baseline " HVT_DATA "ident-base.json --max-site-growth 5% "
                         "--include lib:libfoo.so " HVT_DATA "ident-moved.json",
                         &out, NULL),
                 0);
    cr_expect(strstr(out, "ok   sites: none grew more than +5% in total (tb) (1 in both"), "%s",
              out);
    free(out);
    cr_expect_eq(hvt_run("--check --baseline " HVT_DATA "ident-moved.json --max-site-growth 0 "
                         "--site-metric tbk " HVT_DATA "ident-base.json",
                         &out, NULL),
                 1, "f:10 in base is two blocks (sites 0 and 3) against one at f:15");
    cr_expect(strstr(out, "FAIL site f (x.c:10) <- main: blocks 2, baseline 1"), "%s", out);
    free(out);
    cr_expect_eq(hvt_run("--check --max-site-growth 5 " HVT_DATA "ident-base.json", NULL, &err), 2);
    cr_expect(strstr(err, "--baseline goes with"), "%s", err);
    free(err);
    cr_expect_eq(hvt_run("--check --baseline " HVT_DATA "ident-base.json --max-site-growth 5 "
                         "--site-metric nope " HVT_DATA "ident-moved.json",
                         NULL, &err),
                 2);
    free(err);
    cr_expect_eq(hvt_run("--check --baseline " HVT_DATA
                         "bad/negative.json --max-site-growth 5 " HVT_DATA "ident-moved.json",
                         NULL, &err),
                 2);
    cr_expect(strstr(err, "negative count"), "%s", err);
    free(err);
}
