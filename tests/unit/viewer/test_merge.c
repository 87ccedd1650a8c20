/* test_merge.c - merge.c and `heapview A.json B.json ...`: the hand-written runs of
 * tests/data/viewer/merge/ (m1, m2: one program at two builds, lines moved by +3 and other
 * addresses; m3: another command with a site of its own). Every figure is computed by hand in
 * tests/data/viewer/README.md ("merge/"), not taken from heapview's output. */
#include "hvtest.h"
#include "merge.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static hv_report *merged3(hv_report *in[3])
{
    in[0] = hvt_load("merge/m1.json");
    in[1] = hvt_load("merge/m2.json");
    in[2] = hvt_load("merge/m3.json");
    hv_report *m;
    size_t bad;
    char err[256];
    cr_assert_eq(hv_merge(in, 3, &m, &bad, err, sizeof err), 0, "%s", err);
    return m;
}

static void free3(hv_report *in[3], hv_report *m)
{
    for (int i = 0; i < 3; i++)
        hv_report_free(in[i]);
    hv_report_free(m);
}

Test(merge, sites_matched_by_identity_and_summed)
{
    hv_report *in[3], *m = merged3(in);
    cr_expect_eq(m->merged, 3);
    cr_expect_eq(m->nsites, 4, "alloc_buf, cache_put x2 (two lines), only_here");
    const hv_site *a = hvt_site(m, "alloc_buf", 0);
    cr_expect_eq(a->v[HV_TB], 3500);
    cr_expect_eq(a->v[HV_TBK], 35);
    cr_expect_eq(a->v[HV_TL], 1550);
    cr_expect_eq(a->v[HV_MB], 1000);
    cr_expect_eq(a->v[HV_GB], 900);
    cr_expect_eq(a->v[HV_GBK], 9);
    cr_expect_eq(a->v[HV_EB], 100);
    cr_expect_eq(a->v[HV_EBK], 1);
    /* histograms bucket by bucket, the longest one's length */
    cr_assert_eq(a->nsize, 8);
    cr_expect_eq(a->hsize[6], 35);
    cr_assert_eq(a->nlife, 2);
    cr_expect_eq(a->hlife[0], 19);
    cr_expect_eq(a->hlife[1], 15);
    /* cache_put: two lines in each build; the k-th line of one pairs with the k-th of the
     * other (m2 lists them in the other order and 3 lines lower) */
    const hv_site *c1 = hvt_site(m, "cache_put", 20), *c2 = hvt_site(m, "cache_put", 25);
    cr_expect_eq(c1->v[HV_TB], 300);
    cr_expect_eq(c1->v[HV_TBK], 3);
    cr_expect_eq(c1->v[HV_GB], 200);
    cr_expect_eq(c1->v[HV_EB], 0);
    cr_expect_eq(c2->v[HV_TB], 128);
    cr_expect_eq(c2->v[HV_TBK], 2);
    cr_expect_eq(c2->v[HV_GB], 64);
    cr_expect_eq(c2->v[HV_EB], 128);
    cr_expect_eq(c2->v[HV_EBK], 2);
    /* a site of one report only is kept as it is */
    const hv_site *o = hvt_site(m, "only_here", 7);
    cr_expect_eq(o->v[HV_TB], 30);
    cr_expect_eq(o->v[HV_TBK], 3);
    cr_expect_eq(o->v[HV_GB], 10);
    /* totals; the peak is the sum of the three peaks */
    cr_expect_eq(m->tot[HV_TB], 3958);
    cr_expect_eq(m->tot[HV_TBK], 43);
    cr_expect_eq(m->tot[HV_MB], 1438);
    cr_expect_eq(m->gmax_bytes, 1174);
    cr_expect_eq(m->gmax_blocks, 13);
    cr_expect_eq(m->tot[HV_EB], 228);
    cr_expect_eq(m->tot[HV_EBK], 3);
    cr_expect_eq(m->te, 3500);
    cr_expect_str_eq(m->cmd, "3 reports merged: ./svc a (x2); ./svc b");
    cr_expect_null(m->timeline);
    free3(in, m);
}

Test(merge, leak_classes_and_checker_totals_summed)
{
    hv_report *in[2] = {hvt_load("hand-leakcheck.json"), hvt_load("hand-leakcheck.json")}, *m;
    size_t bad;
    char err[256];
    cr_assert_eq(hv_merge(in, 2, &m, &bad, err, sizeof err), 0, "%s", err);
    cr_expect_eq(m->nsites, 4, "each site matches itself");
    cr_expect_eq(m->tot[HV_TB], 2 * 1010896);
    cr_expect_eq(m->tot[HV_DB], 400);
    cr_expect_eq(m->tot[HV_DBK], 4);
    cr_expect_eq(m->tot[HV_IB], 4096);
    cr_expect_eq(m->tot[HV_RB], 2000200);
    cr_assert(m->has_leak_check);
    cr_expect_eq(m->lc.definite_bytes, 400);
    cr_expect_eq(m->lc.indirect_bytes, 4096);
    cr_expect_eq(m->lc.exit_code, 23);
    hv_report_free(in[0]);
    hv_report_free(in[1]);
    hv_report_free(m);
}

Test(merge, different_time_units_refused)
{
    hv_report *in[2] = {hvt_load("merge/m1.json"), hvt_load("dhat-leaky.json")}, *m;
    size_t bad;
    char err[256];
    cr_expect_eq(hv_merge(in, 2, &m, &bad, err, sizeof err), -1);
    cr_expect_null(m);
    cr_expect_eq(bad, 1);
    cr_expect(strstr(err, "time unit") != NULL, "%s", err);
    hv_report_free(in[0]);
    hv_report_free(in[1]);
}

Test(merge, cli_files_and_directory)
{
    char *out, *err;
    cr_assert_eq(hvt_run("--hot --top 0 " HVT_DATA "merge/m1.json " HVT_DATA
                         "merge/m2.json " HVT_DATA "merge/m3.json",
                         &out, &err),
                 0, "%s", err);
    cr_expect(strstr(out, "3 reports merged: ./svc a (x2); ./svc b") != NULL, "%s", out);
    cr_expect(strstr(out, "Total    3.87 KiB in 43 blocks") != NULL, "3958 B:\n%s", out);
    cr_expect(strstr(out, "Peak     1.15 KiB in 13 blocks (sum of each report's peak") != NULL,
              "1174 B:\n%s", out);
    cr_expect(strstr(out, "4 sites: 43 blocks") != NULL, "%s", out);
    free(out);
    free(err);
    /* a directory: its three reports, in name order */
    cr_assert_eq(hvt_run("--json " HVT_DATA "merge", &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"merged\":\t3") != NULL, "%s", out);
    cr_expect(strstr(out, "\"tb\":\t3958") != NULL);
    free(out);
    free(err);
    /* --check on the merged model */
    cr_expect_eq(hvt_run("--check --max-total-bytes 3958 " HVT_DATA "merge", NULL, NULL), 0);
    cr_expect_eq(hvt_run("--check --max-total-bytes 3957 " HVT_DATA "merge", NULL, NULL), 1);
}

Test(merge, cli_bad_report_is_one_line_and_exit_2)
{
    char *out, *err;
    cr_expect_eq(hvt_run(HVT_DATA "merge/m1.json " HVT_DATA "bad/empty.json " HVT_DATA
                                  "merge/m3.json",
                         &out, &err),
                 2);
    cr_expect_str_eq(out, "", "no partial merge");
    cr_expect_eq(hvt_count(err, "\n"), 1, "%s", err);
    cr_expect(strncmp(err, "heapview: " HVT_DATA "bad/empty.json: ", 39) == 0, "%s", err);
    free(out);
    free(err);
    /* reports in other time units: one line naming the one that differs */
    cr_expect_eq(hvt_run(HVT_DATA "merge " HVT_DATA "dhat-leaky.json", &out, &err), 2);
    cr_expect_str_eq(out, "");
    cr_expect_eq(hvt_count(err, "\n"), 1, "%s", err);
    cr_expect(strstr(err, "dhat-leaky.json: time unit 'instrs'") != NULL, "%s", err);
    free(out);
    free(err);
    /* a directory with no report in it */
    cr_expect_eq(hvt_run(HVT_DATA "src", &out, &err), 2);
    cr_expect(strstr(err, "no report in this directory") != NULL, "%s", err);
    free(out);
    free(err);
}

/* Copies file src to dst (no shell: the tests also run under the project's own leak gate,
 * where a shell utility's own leaks would fail them). */
static void copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    cr_assert(in && out, "copy %s -> %s", src, dst);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* A directory's *.json that does not load is skipped with one line naming it. */
Test(merge, cli_directory_skips_what_is_not_a_report)
{
    char dir[] = "/tmp/hvmerge.XXXXXX", cmd[512], p[4][600], *out, *err;
    cr_assert_not_null(mkdtemp(dir));
    snprintf(p[0], sizeof p[0], "%s/m1.json", dir);
    snprintf(p[1], sizeof p[1], "%s/m3.json", dir);
    snprintf(p[2], sizeof p[2], "%s/b.json", dir);
    snprintf(p[3], sizeof p[3], "%s/notes.txt", dir);
    copy_file(HVT_DATA "merge/m1.json", p[0]);
    copy_file(HVT_DATA "merge/m3.json", p[1]);
    copy_file(HVT_DATA "bad/empty.json", p[2]);
    FILE *f = fopen(p[3], "w");
    cr_assert_not_null(f);
    fputs("x\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "--json %s", dir);
    cr_expect_eq(hvt_run(cmd, &out, &err), 0);
    char line[256];
    snprintf(line, sizeof line, "heapview: %s/b.json: skipped, not a report\n", dir);
    cr_expect_str_eq(err, line);
    cr_expect(strstr(out, "\"merged\":\t2") != NULL, "%s", out);
    cr_expect(strstr(out, "\"tb\":\t1794") != NULL, "1264 + 530:\n%s", out);
    free(out);
    free(err);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(unlink(p[i]), 0);
    cr_expect_eq(rmdir(dir), 0);
}
