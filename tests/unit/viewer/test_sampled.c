/* test_sampled.c - sampled reports (hp_sample, docs/report-format.md "Sampled reports"): the
 * loader reads and validates hp_sample, and every output says that the numbers are estimates.
 * Expected numbers are the hand-computed ones of tests/data/viewer/README.md:
 *   hand-sampled.json, rate 524288 (512 KiB), 11 samples: parse 1028 blocks of 4096 B
 *   (4210688 B, 257 live at the peak), keep_buf 2 x 1 MiB live at exit, tiny 32768 x 16 B
 *   (524288 B); totals 6832128 B (6.52 MiB) in 33798 blocks, peak 3149824 B (3.00 MiB) in 259,
 *   at exit 2097152 B (2.00 MiB) in 2.
 *   hand-sampled-64k.json, rate 65536, 3 samples: parse 49 blocks of 4096 B = 200704 B.
 *   hp-leaky.json (exact): 26300 B in 1004 blocks. */
#include "hvtest.h"

#include "check.h"
#include "diff.h"
#include "fmt.h"
#include "merge.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLED "hand-sampled.json"

/* The line of text that starts with prefix (malloc'd, without '\n'), or NULL. */
static char *line_of(const char *text, const char *prefix)
{
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, prefix, strlen(prefix)) == 0) return strndup(l, strcspn(l, "\n"));
    return NULL;
}

#define expect_line(text, prefix, want)                                                            \
    do {                                                                                           \
        char *l_ = line_of(text, prefix);                                                          \
        cr_expect(l_ &&strcmp(l_, want) == 0, "got \"%s\", want \"%s\"\n%s", l_ ? l_ : "(none)",   \
                  want, text);                                                                     \
        free(l_);                                                                                  \
    } while (0)

/* The number at key of object o; fails the test when absent. */
static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    cr_assert(cJSON_IsNumber(v), "no number \"%s\"", key);
    return v->valuedouble;
}

static hv_report *merge2(const char *a, const char *b)
{
    hv_report *in[2] = {hvt_load(a), hvt_load(b)}, *m = NULL;
    char err[256];
    size_t bad;
    cr_assert_eq(hv_merge(in, 2, &m, &bad, err, sizeof err), 0, "%s", err);
    hv_report_free(in[0]);
    hv_report_free(in[1]);
    return m;
}

/* ---- loading ---- */

Test(sampled, load)
{
    hv_report *r = hvt_load(SAMPLED);
    cr_expect(r->sampled);
    cr_expect_eq(r->sample_rate, 524288);
    cr_expect_eq(r->samples, 11);
    cr_expect_eq(r->tot[HV_TB], 6832128);
    cr_expect_eq(r->tot[HV_TBK], 33798);
    cr_expect_eq(r->gmax_bytes, 3149824);
    cr_expect_eq(r->tot[HV_EB], 2097152);
    hv_report_free(r);
    r = hvt_load("hp-leaky.json");
    cr_expect(!r->sampled);
    cr_expect_eq(r->sample_rate, 0);
    cr_expect_eq(r->samples, 0);
    hv_report_free(r);
}

#define BAD(name, file, needle)                                                                    \
    Test(sampled_bad, name)                                                                        \
    {                                                                                              \
        const char *e = hvt_load_error("bad/" file);                                               \
        cr_expect(strstr(e, needle) != NULL, "%s: got \"%s\", want \"%s\"", file, e, needle);      \
        cr_expect_null(strchr(e, '\n'), "one line");                                               \
    }

BAD(rate_zero, "sample-rate-zero.json", "hp_sample.rate: 0 (the mean bytes between samples")
BAD(rate_fraction, "sample-rate-fraction.json", "hp_sample.rate: not an integer (0.5)")
BAD(not_object, "sample-type.json", "hp_sample: expected an object, got a number")
BAD(no_samples, "sample-no-samples.json", "hp_sample.samples: missing required field")
BAD(with_leak_check, "sample-leak-check.json",
    "hp_sample with hp_leak_check: a sampled report has no leak verdict")

Test(sampled_bad, cli_one_line_exit_2)
{
    char *out = NULL, *err = NULL;
    int rc = hvt_run(HVT_DATA "bad/sample-rate-zero.json", &out, &err);
    cr_expect_eq(rc, 2);
    cr_expect_eq(hvt_count(err, "\n"), 1, "%s", err);
    cr_expect(strstr(err, "hp_sample.rate") != NULL, "%s", err);
    cr_expect_str_empty(out);
    free(out);
    free(err);
}

/* ---- text ---- */

Test(sampled, text_header_and_totals)
{
    hv_report *r = hvt_load(SAMPLED);
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_text, r, &q, NULL, HV_EB);
    expect_line(t, "Sampled", "Sampled  1 in ~512 KiB (11 samples); numbers are estimates (≈)");
    expect_line(t, "Total", "Total    ≈6.52 MiB in ≈33,798 blocks (≈33.8 M/s, ≈6.36 GiB/s)");
    expect_line(t, "Peak", "Peak     ≈3.00 MiB in ≈259 blocks at 500 µs (50% of the run)");
    expect_line(t, "At exit",
                "At exit  ≈2.00 MiB in ≈2 blocks (live at exit; a leak verdict needs exact mode)");
    /* the leaks view does not call them leaks */
    cr_expect(strstr(t, "\nLive at exit (estimated): ") != NULL, "%s", t);
    cr_expect(strstr(t, "a leak verdict needs exact mode\n1 site: ≈2.00 MiB in ≈2 blocks") != NULL,
              "%s", t);
    cr_expect(strstr(t, "Leaks") == NULL, "%s", t);
    free(t);
    hv_report_free(r);
}

/* Column headers carry "≈" and stay aligned with the cells: the header line and a row line have
 * the same width in terminal columns ("≈" is 3 bytes, 1 column). */
Test(sampled, text_columns_aligned)
{
    hv_report *r = hvt_load(SAMPLED);
    hv_query q;
    hv_query_defaults(&q);
    const hv_view *views[] = {&hv_view_leaks, &hv_view_hot, &hv_view_peak};
    const hv_metric sort[] = {HV_EB, HV_TBK, HV_GB};
    for (size_t v = 0; v < 3; v++) {
        char *t = hvt_render(&hv_out_text, r, &q, views[v], sort[v]);
        char *hdr = line_of(t, "  #"), *row = line_of(t, "  1  ");
        cr_assert(hdr && row, "%s", t);
        cr_expect(strstr(hdr, "  ≈") != NULL, "header labels carry ≈: %s", hdr);
        cr_expect_eq(hv_fmt_width(hdr), hv_fmt_width(row), "%s: header\n%s\nrow\n%s",
                     views[v]->name, hdr, row);
        free(hdr);
        free(row);
        free(t);
    }
    hv_report_free(r);
}

Test(sampled, exact_report_unchanged)
{
    hv_report *r = hvt_load("hp-leaky.json");
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_text, r, &q, NULL, HV_EB);
    cr_expect(strstr(t, "≈") == NULL, "%s", t);
    cr_expect(strstr(t, "Sampled") == NULL, "%s", t);
    cr_expect(strstr(t, "\nTotal    25.7 KiB in 1,004 blocks (") != NULL, "%s", t);
    cr_expect(strstr(t, "\nLeaks: ") != NULL, "%s", t);
    free(t);
    char *j = hvt_render(&hv_out_json, r, &q, &hv_view_leaks, HV_EB);
    cJSON *doc = cJSON_Parse(j), *rep = cJSON_GetObjectItem(doc, "report");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(rep, "estimated")), "%s", j);
    cr_expect_null(cJSON_GetObjectItem(rep, "sample_rate"));
    cJSON_Delete(doc);
    free(j);
    hv_report_free(r);
}

/* ---- json ---- */

Test(sampled, json_estimated)
{
    hv_report *r = hvt_load(SAMPLED);
    hv_query q;
    hv_query_defaults(&q);
    char *j = hvt_render(&hv_out_json, r, &q, &hv_view_leaks, HV_EB);
    cJSON *doc = cJSON_Parse(j), *rep = cJSON_GetObjectItem(doc, "report");
    cr_assert_not_null(rep, "%s", j);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(rep, "estimated")), "%s", j);
    cr_expect_eq(num(rep, "sample_rate"), 524288);
    cr_expect_eq(num(rep, "samples"), 11);
    cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "views"), 0);
    cr_expect_str_eq(cJSON_GetObjectItem(v, "note")->valuestring,
                     "live at exit (estimated); a leak verdict needs exact mode");
    cJSON_Delete(doc);
    free(j);
    hv_report_free(r);
}

/* ---- merge ---- */

Test(sampled, merge_same_rate_keeps_it)
{
    hv_report *m = merge2(SAMPLED, SAMPLED);
    cr_expect(m->sampled);
    cr_expect_eq(m->sample_rate, 524288);
    cr_expect_eq(m->samples, 22);
    cr_expect_eq(m->tot[HV_TB], 2 * 6832128);
    hv_report_free(m);
}

Test(sampled, merge_different_rates_is_mixed)
{
    hv_report *m = merge2(SAMPLED, "hand-sampled-64k.json");
    cr_expect(m->sampled);
    cr_expect_eq(m->sample_rate, 0);
    cr_expect_eq(m->samples, 14);
    cr_expect_eq(m->tot[HV_TB], 6832128 + 200704);
    cr_expect_eq(m->tot[HV_TBK], 33798 + 49);
    hv_query q;
    hv_query_defaults(&q);
    char *t = hvt_render(&hv_out_text, m, &q, NULL, HV_EB);
    expect_line(t, "Sampled", "Sampled  mixed rates (14 samples); numbers are estimates (≈)");
    free(t);
    char *j = hvt_render(&hv_out_json, m, &q, &hv_view_hot, HV_TB);
    cJSON *doc = cJSON_Parse(j), *rep = cJSON_GetObjectItem(doc, "report");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(rep, "estimated")), "%s", j);
    cr_expect_eq(num(rep, "sample_rate"), 0);
    cJSON_Delete(doc);
    free(j);
    hv_report_free(m);
}

Test(sampled, merge_sampled_and_exact_is_estimated)
{
    hv_report *m = merge2("hp-leaky.json", SAMPLED);
    cr_expect(m->sampled);
    cr_expect_eq(m->sample_rate, 0);
    cr_expect_eq(m->samples, 11);
    cr_expect_eq(m->tot[HV_TB], 26300 + 6832128);
    hv_report_free(m);
    m = merge2("hp-leaky.json", "hp-leaky.json");
    cr_expect(!m->sampled);
    hv_report_free(m);
}

/* ---- diff, check ---- */

Test(sampled, diff_exact_vs_sampled)
{
    hv_report *b = hvt_load("hp-leaky.json"), *c = hvt_load(SAMPLED);
    hv_query q;
    hv_query_defaults(&q);
    hv_diff d;
    cr_assert_eq(hv_diff_build(b, c, &q, HV_TB, &d), 0);
    char *t = hvt_render_diff(&hv_out_text, &d);
    expect_line(t, "Sampled",
                "Sampled  base exact, new 1 in ~512 KiB (11 samples); numbers are estimates (≈)");
    /* the header row's labels stay over their columns (12 columns each) */
    expect_line(t, "                          ≈base",
                "                          ≈base         ≈new   ≈change");
    free(t);
    char *j = hvt_render_diff(&hv_out_json, &d);
    cJSON *doc = cJSON_Parse(j);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(doc, "estimated")), "%s", j);
    cr_expect_eq(num(doc, "sample_rate"), 0);
    cJSON_Delete(doc);
    free(j);
    hv_diff_free(&d);
    hv_report_free(b);
    hv_report_free(c);
}

Test(sampled, check_note_and_estimates)
{
    char *out = NULL;
    /* peak 3149824 B > 3M (3145728): fails on the estimate */
    int rc = hvt_run("--check --max-peak 3M " HVT_DATA SAMPLED, &out, NULL);
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, "note: sampled report, 1 in ~512 KiB (11 samples): the thresholds are "
                          "compared to estimates") != NULL,
              "%s", out);
    cr_expect(strstr(out, "FAIL peak bytes: 3.00 MiB (3149824)") != NULL, "%s", out);
    free(out);
    rc = hvt_run("--check --max-peak 4M " HVT_DATA SAMPLED, &out, NULL);
    cr_expect_eq(rc, 0, "%s", out);
    free(out);
    rc = hvt_run("--check --max-peak 4M " HVT_DATA "hp-leaky.json", &out, NULL);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "note:") == NULL, "%s", out);
    free(out);
}

/* ---- folded, html, pprof ---- */

Test(sampled, folded_counts_and_stderr_note)
{
    char *out = NULL, *err = NULL;
    int rc = hvt_run("--folded " HVT_DATA SAMPLED, &out, &err);
    cr_expect_eq(rc, 0);
    cr_expect_str_eq(out, "main;keep_buf 2097152\nmain;load;parse 4210688\nmain;tiny 524288\n");
    cr_expect_str_eq(err, "heapview: sampled report, 1 in ~512 KiB (11 samples): the folded "
                          "counts are estimates\n");
    free(out);
    free(err);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    s[fread(s, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return s;
}

Test(sampled, html_page_data)
{
    char path[] = "/tmp/hvtest-sampled.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "--html %s " HVT_DATA SAMPLED, path);
    cr_assert_eq(hvt_run(cmd, NULL, NULL), 0);
    char *page = slurp(path);
    cr_expect(strstr(page, "\"sample\":{\"rate\":524288,\"samples\":11}") != NULL);
    cr_expect(strstr(page, "id: 'sampled', class: 'badge'") != NULL, "page.js draws the badge");
    free(page);
    snprintf(cmd, sizeof cmd, "--html %s " HVT_DATA "hp-leaky.json", path);
    cr_assert_eq(hvt_run(cmd, NULL, NULL), 0);
    page = slurp(path);
    cr_expect(strstr(page, "\"sample\":null") != NULL);
    cr_expect(strstr(page, "\"sample\":{") == NULL);
    free(page);
    /* a diff page: the header of each side says whether it is sampled (the badge then names both)
     */
    snprintf(cmd, sizeof cmd, "--diff --html %s " HVT_DATA "hp-leaky.json " HVT_DATA SAMPLED, path);
    cr_assert_eq(hvt_run(cmd, NULL, NULL), 0);
    page = slurp(path);
    const char *bh = strstr(page, "\"bhdr\":");
    cr_assert_not_null(bh);
    const char *hs = strstr(page, "\"sample\":{\"rate\":524288,\"samples\":11}");
    cr_expect(hs && hs < bh, "the new side (hdr) is sampled");
    cr_expect(strstr(bh, "\"sample\":null") != NULL, "the base side (bhdr) is exact");
    free(page);
    unlink(path);
}

/* `go tool pprof -raw` shows the period: the rate for a sampled report, 1 for an exact one; the
 * values are the report's estimates, not scaled again. */
static char *pprof_raw(const char *report, const char *args)
{
    if (system("go version >/dev/null 2>&1") != 0) cr_skip_test("go (golang-go) is not installed");
    char path[] = "/tmp/hvtest-sampled.pprof.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "--pprof %s " HVT_DATA "%s", path, report);
    cr_assert_eq(hvt_run(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "go tool pprof -nodefraction=0 %s %s 2>&1", args, path);
    char *out = hvt_read_cmd(cmd);
    unlink(path);
    return out;
}

Test(sampled, pprof_period, .timeout = 120)
{
    char *raw = pprof_raw(SAMPLED, "-raw");
    cr_expect(strstr(raw, "PeriodType: space bytes\n") != NULL, "%s", raw);
    cr_expect(strstr(raw, "Period: 524288\n") != NULL, "%s", raw);
    cr_expect(strstr(raw, "Comment: sampled: 1 in ~512 KiB (11 samples); values are estimates\n") !=
                  NULL,
              "%s", raw);
    /* parse: alloc_objects 1028, alloc_space 4210688, nothing in use */
    cr_expect(strstr(raw, "       1028    4210688          0          0: ") != NULL, "%s", raw);
    free(raw);
    raw = pprof_raw("hp-leaky.json", "-raw");
    cr_expect(strstr(raw, "Period: 1\n") != NULL, "%s", raw);
    cr_expect(strstr(raw, "sampled") == NULL, "%s", raw);
    free(raw);
    char *top = pprof_raw(SAMPLED, "-top -unit=B -sample_index=alloc_space");
    cr_expect(strstr(top, "of 6832128B total") != NULL, "%s", top);
    free(top);
}
