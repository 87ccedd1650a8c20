/* test_out.c - out_text.c, out_json.c, out_folded.c on hand-leakcheck.json and the leaky
 * reports: numbers in human units (hand-converted), order, alignment, colour, JSON schema,
 * folded lines. */
#include "hvtest.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <string.h>

/* The line of text starting with prefix (after leading blanks), copied into buf. */
static const char *line_with(const char *text, const char *prefix, char *buf, size_t n)
{
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *q = p;
        while (*q == ' ')
            q++;
        if (strncmp(q, prefix, strlen(prefix)) == 0) {
            snprintf(buf, n, "%.*s", (int)len, p);
            return buf;
        }
        p = e ? e + 1 : NULL;
    }
    cr_assert_fail("no line starting with \"%s\" in:\n%s", prefix, text);
    return NULL;
}

Test(text, leaks_table)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_text, r, &q, &hv_view_leaks, HV_EB), hdr[256], row[256];
    /* 1000000 B = 976.6 KiB; 2048 B = 2.00 KiB; 6000 B = 5.86 KiB */
    line_with(t, "#", hdr, sizeof hdr);
    line_with(t, "1  ", row, sizeof row);
    char a[16], b[16], c[16], d[16], e[16], f[16], g[16], h[16], i[16], j[16], k[16], l[16], m[16];
    cr_assert_eq(sscanf(row, "%s %s %s %s %s %s %s %s %s %s %s %s %s", a, b, c, d, e, f, g, h, i, j,
                        k, l, m),
                 13, "%s", row);
    cr_expect_str_eq(b, "977");
    cr_expect_str_eq(c, "KiB");
    cr_expect_str_eq(d, "1");
    cr_expect_str_eq(i, "977"); /* reachable */
    cr_expect_eq(strlen(hdr), strlen(row), "right-aligned columns:\n%s\n%s", hdr, row);
    line_with(t, "2  ", row, sizeof row);
    cr_expect(strstr(row, "2.00 KiB") != NULL, "%s", row);
    cr_expect_eq(strlen(hdr), strlen(row), "\n%s\n%s", hdr, row);
    line_with(t, "3  ", row, sizeof row);
    cr_expect(strstr(row, "300 B") && strstr(row, "200 B") && strstr(row, "5.86 KiB"), "%s", row);
    /* order and stacks */
    const char *p1 = strstr(t, "??? (in /usr/lib/libplugin.so)");
    const char *p2 = strstr(t, "Cache::insert(Key const&) (cache.cc:88)");
    const char *p3 = strstr(t, "parse_line (parser.c:40)");
    cr_expect(p1 && p2 && p3 && p1 < p2 && p2 < p3);
    cr_expect_null(strstr(t, "parser.c:55"), "C leaks nothing");
    cr_expect_null(strstr(t, "0x"), "addresses are not shown");
    cr_expect_null(strstr(t, "__libc_start_main"), "collapsed");
    cr_expect_null(strstr(t, "\033["), "no colour unless asked");
    cr_expect(strstr(t, "Leaks    definite 200 B in 2 blocks, indirect 2.00 KiB in 1") != NULL);
    free(t);
    hv_report_free(r);
}

Test(text, summary_header)
{
    hv_report *r = hvt_load("hp-leaky.json");
    hv_query q;
    hv_query_defaults(&q);
    q.top = 3;
    char *t = hvt_render(&hv_out_text, r, &q, NULL, HV_EB), buf[256];
    /* 26300 B = 25.7 KiB; 10300 B = 10.1 KiB */
    cr_expect(strstr(line_with(t, "Total", buf, sizeof buf), "25.7 KiB in 1,004 blocks"), "%s",
              buf);
    cr_expect(strstr(line_with(t, "Peak", buf, sizeof buf), "10.1 KiB in 4 blocks"), "%s", buf);
    cr_expect(strstr(line_with(t, "At exit", buf, sizeof buf), "300 B in 3 blocks"), "%s", buf);
    cr_expect(strstr(line_with(t, "Report", buf, sizeof buf), "./leaky"), "%s", buf);
    cr_expect(strstr(t, "more: --leaks") != NULL);
    cr_expect(strstr(t, "leak_one (leaky.c:11)") != NULL);
    free(t);
    hv_report_free(r);
}

Test(text, colour_only_when_asked)
{
    hv_report *r = hvt_load("hp-leaky.json");
    hv_query q;
    hv_query_defaults(&q);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hv_outctx o = {.f = f, .q = &q, .label = "x", .color = true};
    hv_section sec = {.view = &hv_view_leaks, .sort = HV_EB};
    cr_assert_eq(hv_select(r, &q, hv_view_leaks.keep, HV_EB, &sec.rows), 0);
    cr_assert_eq(hv_out_text.report(&o, r, &sec, 1), 0);
    fclose(f);
    cr_expect(strstr(buf, "\033[1m") != NULL);
    hv_rows_free(&sec.rows);
    free(buf);
    hv_report_free(r);
}

Test(text, cli_no_color_and_tty)
{
    char *out;
    /* not a TTY (a file): no escapes; --color=always forces them. */
    cr_expect_eq(hvt_run(HVT_DATA "hp-leaky.json", &out, NULL), 0);
    cr_expect_null(strstr(out, "\033["));
    free(out);
    cr_expect_eq(hvt_run("--color=always " HVT_DATA "hp-leaky.json", &out, NULL), 0);
    cr_expect(strstr(out, "\033[") != NULL);
    free(out);
    cr_expect_eq(hvt_run("--version", &out, NULL), 0);
    cr_expect(strncmp(out, "heapview ", 9) == 0);
    free(out);
}

Test(json, views_schema_and_numbers)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_json, r, &q, &hv_view_leaks, HV_EB);
    cJSON *doc = cJSON_Parse(t);
    cr_assert_not_null(doc, "%s", t);
    cr_expect_eq(cJSON_GetObjectItem(doc, "heapview")->valuedouble, 1);
    cJSON *rep = cJSON_GetObjectItem(doc, "report");
    cr_expect_str_eq(cJSON_GetObjectItem(rep, "cmd")->valuestring, "./server --config app.conf");
    cr_expect_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "totals"), "tb")->valuedouble,
                 1010896);
    cr_expect_eq(
        cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "leak_check"), "definite_bytes")->valuedouble,
        200);
    cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "views"), 0);
    cr_expect_str_eq(cJSON_GetObjectItem(v, "view")->valuestring, "leaks");
    cr_expect_str_eq(cJSON_GetObjectItem(v, "sort")->valuestring, "eb");
    cr_expect_eq(cJSON_GetObjectItem(v, "matching")->valuedouble, 3);
    cJSON *rows = cJSON_GetObjectItem(v, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 3);
    static const double eb[] = {1000000, 2048, 300};
    for (int i = 0; i < 3; i++) {
        cJSON *row = cJSON_GetArrayItem(rows, i);
        cr_expect_eq(cJSON_GetObjectItem(row, "rank")->valuedouble, i + 1);
        cr_expect_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(row, "metrics"), "eb")->valuedouble,
                     eb[i]);
    }
    cJSON *b = cJSON_GetArrayItem(rows, 1);
    cr_expect_str_eq(cJSON_GetObjectItem(b, "function")->valuestring, "Cache::insert(Key const&)");
    cr_expect_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "metrics"), "ib")->valuedouble, 2048);
    cJSON *fr = cJSON_GetObjectItem(b, "frames");
    cr_expect_eq(cJSON_GetArraySize(fr), 5, "full stack");
    cr_expect_str_eq(
        cJSON_GetArrayItem(fr, 0)->valuestring,
        "operator new(unsigned long) (in /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30)");
    cJSON_Delete(doc);
    free(t);
    hv_report_free(r);
}

Test(json, cli_all_views)
{
    char *out;
    cr_expect_eq(hvt_run("--json " HVT_DATA "dhat-leaky.json", &out, NULL), 0);
    cJSON *doc = cJSON_Parse(out);
    cr_assert_not_null(doc);
    cJSON *views = cJSON_GetObjectItem(doc, "views");
    cr_expect_eq(cJSON_GetArraySize(views), 5);
    cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(views, 2), "view")->valuestring, "hot");
    cJSON_Delete(doc);
    free(out);
}

Test(folded, leaks_bytes)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    hv_query q;
    hv_query_defaults(&q);
    q.top = 0;
    char *t = hvt_render(&hv_out_folded, r, &q, &hv_view_leaks, HV_EB);
    cr_expect_str_eq(t, "???;??? 1000000\n"
                        "main;Cache::insert(Key const&) 2048\n"
                        "main;load_config;parse_line 300\n");
    free(t);
    q.collapse = false;
    q.include = (const char *[]){"file:cache.cc"};
    q.ninclude = 1;
    t = hvt_render(&hv_out_folded, r, &q, &hv_view_leaks, HV_EB);
    cr_expect_str_eq(t, "__libc_start_main;main;Cache::insert(Key const&);std::vector<int, "
                        "std::allocator<int> >::_M_realloc_insert(int const&);operator "
                        "new(unsigned long) 2048\n");
    free(t);
    hv_report_free(r);
}

Test(folded, cli_metric_and_merge)
{
    char *out;
    /* parse_line's two sites (lines 40 and 55) fold to one stack of names: 60 + 100 blocks */
    cr_expect_eq(hvt_run("--folded=tbk " HVT_DATA "hand-leakcheck.json", &out, NULL), 0);
    cr_expect_str_eq(out, "???;??? 1\n"
                          "main;Cache::insert(Key const&) 9\n"
                          "main;load_config;parse_line 160\n");
    free(out);
    cr_expect_eq(hvt_run("--folded " HVT_DATA "dhat-leaky.json", &out, NULL), 0);
    cr_expect_str_eq(out, "main;churn 16000\nmain;leak_one 300\nmain;make_peak 10000\n");
    free(out);
}

/* Suppressed and unreadable, where the leak totals are shown (text header, JSON leak_check and
 * per-row metrics); no_verdict only when present. Numbers: tests/data/viewer/README.md. */
Test(text, leak_totals_with_suppressed_and_unreadable)
{
    hv_report *r = hvt_load("hand-leakcheck-classes.json");
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_text, r, &q, NULL, HV_EB), buf[256];
    /* 2048 B = 2.00 KiB */
    cr_expect(strstr(line_with(t, "Leaks", buf, sizeof buf), "suppressed 2.00 KiB in 1;"), "%s",
              buf);
    cr_expect(strstr(line_with(t, "unreadable", buf, sizeof buf), "unreadable 100 B in 1 blocks"),
              "%s", buf);
    cr_expect_null(strstr(t, "No verdict"));
    free(t);
    hv_report_free(r);
    r = hvt_load("hand-leakcheck.json");
    t = hvt_render(&hv_out_text, r, &q, NULL, HV_EB);
    cr_expect_null(strstr(t, "unreadable"), "nothing unreadable: no line");
    free(t);
    hv_report_free(r);
}

Test(json, leak_check_suppressed_and_unreadable)
{
    hv_report *r = hvt_load("hand-leakcheck-classes.json");
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_json, r, &q, &hv_view_leaks, HV_EB);
    cJSON *doc = cJSON_Parse(t);
    cr_assert_not_null(doc, "%s", t);
    cJSON *lc = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "report"), "leak_check");
    cr_expect_eq(cJSON_GetObjectItem(lc, "suppressed_bytes")->valuedouble, 2048);
    cr_expect_eq(cJSON_GetObjectItem(lc, "unreadable_bytes")->valuedouble, 100);
    cr_expect_eq(cJSON_GetObjectItem(lc, "unreadable_blocks")->valuedouble, 1);
    cr_expect_null(cJSON_GetObjectItem(lc, "no_verdict"));
    cJSON *rows =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "views"), 0), "rows");
    cJSON *b = cJSON_GetArrayItem(rows, 1); /* eb order: D, B, A */
    cr_expect_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "metrics"), "sb")->valuedouble, 2048);
    cJSON *a = cJSON_GetArrayItem(rows, 2);
    cr_expect_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "metrics"), "ub")->valuedouble, 100);
    cJSON_Delete(doc);
    free(t);
    hv_report_free(r);
}

Test(text, no_verdict_shown)
{
    hv_report *r;
    char err[256];
    cr_assert_eq(hv_load_file(HVT_DATA "hand-leakcheck-classes.json", &r, err, sizeof err), 0);
    r->lc.no_verdict = strdup("cannot read /proc/self/maps (Permission denied)");
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_text, r, &q, NULL, HV_EB), buf[256];
    cr_expect(strstr(line_with(t, "No verdict", buf, sizeof buf),
                     "No verdict: cannot read /proc/self/maps (Permission denied)"),
              "%s", buf);
    free(t);
    char *j = hvt_render(&hv_out_json, r, &q, NULL, HV_EB);
    cJSON *doc = cJSON_Parse(j);
    cr_assert_not_null(doc, "%s", j);
    cJSON *lc = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "report"), "leak_check");
    cr_expect_str_eq(cJSON_GetObjectItem(lc, "no_verdict")->valuestring,
                     "cannot read /proc/self/maps (Permission denied)");
    cJSON_Delete(doc);
    free(j);
    hv_report_free(r);
}
