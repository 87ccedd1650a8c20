/* test_sample.c - sampling mode (HEAPPROF_SAMPLE, docs/production.md) on programs whose
 * allocations are known by hand (tests/progs/sampled.c).
 * Tolerances: at rate R a site of N blocks of s bytes has an estimate whose standard error is
 * sqrt(N (w - 1)) blocks, w = 1 / (1 - e^(-s/R)) (Horvitz-Thompson; sample.h). Each bound below
 * is at least 5 standard errors wide (a false failure about once in 10^6 runs), and it is
 * written next to the computation. What must be exact is asserted exactly: a site whose blocks
 * were all freed has 0 bytes live at exit whatever was sampled (a sampled block's free subtracts
 * the multiplicity its allocation added), and blocks far above the rate are always sampled
 * with multiplicity 1. */
#include "itest.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R 65536.0

static cJSON *run(const char *mode, const char *rate, const char *const *extra, it_run *r,
                  int want_reports)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("sampled"), mode, NULL};
    char env0[64];
    snprintf(env0, sizeof env0, "HEAPPROF_SAMPLE=%s", rate);
    const char *env[8] = {env0};
    for (int i = 0; extra && extra[i] && i < 6; i++)
        env[i + 1] = extra[i];
    cr_assert_eq(it_exec_hp(argv, env, dir, r), 0);
    cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, "%s: status %d, stderr: %s",
              mode, r->status, r->err);
    char paths[4][512];
    cr_assert_eq(it_reports(dir, paths, 4), want_reports, "%s: reports", mode);
    cJSON *j = it_load(paths[want_reports - 1]);
    cr_assert_not_null(j);
    return j;
}

static double w(double s)
{
    return 1.0 / (1.0 - exp(-s / R));
}

/* |est - exact| <= k standard errors of a site of n blocks of s bytes (k >= 5). */
static void near(const char *what, double est, double exact, double n, double s, double k)
{
    double se = sqrt(n * (w(s) - 1.0)) / n * exact; /* relative SE x exact */
    cr_expect(fabs(est - exact) <= k * se + 1e-9, "%s: estimate %.0f, exact %.0f, %.1f SE off",
              what, est, exact, se > 0 ? fabs(est - exact) / se : 0.0);
}

static const cJSON *sample_obj(const cJSON *j)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "hp_sample");
    cr_assert(cJSON_IsObject(s), "hp_sample present");
    return s;
}

Test(sample, volume_estimates_each_site)
{
    it_run r;
    cJSON *j = run("volume", "64K", NULL, &r, 1);
    cr_expect_str_eq(r.out, "volume done\n", "the program's output is its own");
    it_run_free(&r);
    const cJSON *s = sample_obj(j);
    cr_expect_eq(it_u64(s, "rate"), 65536);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "hp_complete")));
    it_totals a, b, c, d, e;
    cr_assert(it_site(j, "site_a", &a, NULL, NULL));
    cr_assert(it_site(j, "site_b", &b, NULL, NULL));
    cr_assert(it_site(j, "site_c", &c, NULL, NULL));
    cr_assert(it_site(j, "site_d", &d, NULL, NULL));
    cr_assert(it_site(j, "site_e", &e, NULL, NULL));
    /* site_a: 1e6 x 1000 B; SE 0.81% -> 6 SE = 4.8% */
    near("site_a blocks", (double)a.tbk, 1e6, 1e6, 1000, 6);
    cr_expect_eq(a.tb, a.tbk * 1000, "one size: bytes = blocks x 1000");
    /* site_b: 8e6 x 100 B; SE 0.90% */
    near("site_b blocks", (double)b.tbk, 8e6, 8e6, 100, 6);
    cr_expect_eq(b.tb, b.tbk * 100);
    /* site_c: 4 MiB >> 64 KiB: always sampled, w - 1 = e^-64: exact */
    cr_expect_eq(c.tbk, 100);
    cr_expect_eq(c.tb, 100ull << 22);
    /* site_d: 20,000 x 4096 live at exit; SE 2.7% */
    near("site_d live blocks", (double)d.ebk, 20000, 20000, 4096, 6);
    cr_expect_eq(d.eb, d.ebk * 4096);
    cr_expect_eq(d.tbk, d.ebk, "none of site_d's blocks was freed");
    /* every freed site: exactly 0 live at exit */
    cr_expect_eq(a.eb + a.ebk + b.eb + b.ebk + c.eb + c.ebk + e.eb + e.ebk, 0);
    /* site_e: reallocs sampled as allocations of 1..64 KiB, 1,000 of each: sum of sizes
     * 1000 x 1024 x (64 x 65 / 2) = 2,129,920,000 B; the variance of the bytes estimate is
     * 1000 x sum_k (k KiB)^2 (w(k KiB) - 1) */
    double var = 0;
    for (int k = 1; k <= 64; k++)
        var += 1000.0 * (k * 1024.0) * (k * 1024.0) * (w(k * 1024.0) - 1.0);
    double se = sqrt(var), exact = 2129920000.0;
    cr_expect(fabs((double)e.tb - exact) <= 6 * se, "site_e bytes: %lu vs %.0f (SE %.0f)",
              (unsigned long)e.tb, exact, se);
    /* samples: E = sum over blocks of (1 - e^(-s/R)) = 1e6/w(1000) + 8e6/w(100) + 100 +
     * 20,000/w(4096) + 1000 x sum_k 1/w(k KiB) + 1000/w(1); Poisson-binomial SE <= sqrt(E) */
    double want = 1e6 / w(1000) + 8e6 / w(100) + 100 + 20000 / w(4096) + 1000 / w(1);
    for (int k = 1; k <= 64; k++)
        want += 1000 / w(k * 1024.0);
    double n = (double)it_u64(s, "samples");
    cr_expect(fabs(n - want) <= 6 * sqrt(want) + 20, "samples %.0f, expected %.0f", n, want);
    cJSON_Delete(j);
}

Test(sample, threads_cross_thread_frees_leave_nothing_live)
{
    it_run r;
    cJSON *j = run("threads", "64K", NULL, &r, 1);
    unsigned long blocks = 0, bytes = 0;
    cr_assert_eq(sscanf(r.out, "blocks=%lu bytes=%lu", &blocks, &bytes), 2, "%s", r.out);
    it_run_free(&r);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "hp_complete")),
              "no repair, nothing lost");
    it_totals t;
    cr_assert(it_site(j, "site_t", &t, NULL, NULL));
    cr_expect_eq(t.eb, 0, "every sampled block's free was seen, in whichever thread");
    cr_expect_eq(t.ebk, 0);
    /* sizes 16..4111 B uniform; blocks: SE = sqrt(sum (w(s) - 1)) ~ sqrt(1e6 x 31) ~ 5,600
     * (0.56%); bytes ~ 0.6%: 4% is over 6 SE for both */
    cr_expect(fabs((double)t.tbk - (double)blocks) <= 0.04 * blocks, "blocks %lu vs %lu",
              (unsigned long)t.tbk, blocks);
    cr_expect(fabs((double)t.tb - (double)bytes) <= 0.04 * bytes, "bytes %lu vs %lu",
              (unsigned long)t.tb, bytes);
    cJSON_Delete(j);
}

Test(sample, fork_child_and_parent_each_report)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("sampled"), "fork", NULL};
    const char *env[] = {"HEAPPROF_SAMPLE=64K", NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, env, dir, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s", r.err);
    cr_expect_str_eq(r.out, "child 0\n");
    it_run_free(&r);
    /* a report each, even the parent's, whose only allocation (stdout's buffer) may well be
     * unsampled: a sampled run always reports */
    char paths[3][512];
    cr_assert_eq(it_reports(dir, paths, 3), 2);
    int child = 0;
    for (int i = 0; i < 2; i++) {
        cJSON *j = it_load(paths[i]);
        cr_assert_not_null(j);
        sample_obj(j);
        it_totals a;
        if (it_site(j, "site_a", &a, NULL, NULL)) {
            child++;
            near("child's site_a blocks", (double)a.tbk, 1e6, 1e6, 1000, 6);
            cr_expect_eq(a.eb, 0);
        }
        cJSON_Delete(j);
    }
    cr_expect_eq(child, 1, "the child's blocks are in one report");
}

Test(sample, leak_gate_refuses_sampling_mode)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("leaks"), "definite", NULL};
    const char *env[] = {"HEAPPROF_LEAK_CHECK=1", "HEAPPROF_SAMPLE=512K", NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, env, dir, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
              "the program's own status, not the gate's: %d", r.status);
    cr_expect_not_null(
        strstr(r.err, "HEAPPROF_LEAK_CHECK refuses sampling mode (HEAPPROF_SAMPLE=512K)"),
        "one line says why: %s", r.err);
    cr_expect_null(strstr(r.err, "definitely lost"), "no verdict on samples");
    it_run_free(&r);
    char paths[2][512];
    cr_assert_eq(it_reports(dir, paths, 2), 1);
    cJSON *j = it_load(paths[0]);
    cr_assert_not_null(j);
    cr_expect_null(cJSON_GetObjectItemCaseSensitive(j, "hp_leak_check"));
    cr_expect_not_null(cJSON_GetObjectItemCaseSensitive(j, "hp_sample"));
    cJSON_Delete(j);
    /* the same program and gate without sampling fails: the refusal is what changed it */
    const char *env2[] = {"HEAPPROF_LEAK_CHECK=1", NULL};
    cr_assert_eq(it_exec_hp(argv, env2, it_tmpdir(), &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 23, "exact mode: %d", r.status);
    it_run_free(&r);
}

Test(sample, bad_rate_is_one_line_and_exact_mode)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("sampled"), "fork", NULL};
    const char *env[] = {"HEAPPROF_SAMPLE=lots", NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, env, dir, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    cr_expect_not_null(strstr(r.err, "HEAPPROF_SAMPLE: expected bytes between samples"), "%s",
                       r.err);
    it_run_free(&r);
    char paths[3][512];
    int n = it_reports(dir, paths, 3);
    cr_assert_geq(n, 1);
    for (int i = 0; i < n; i++) {
        cJSON *j = it_load(paths[i]);
        cr_assert_not_null(j);
        cr_expect_null(cJSON_GetObjectItemCaseSensitive(j, "hp_sample"), "exact mode");
        cJSON_Delete(j);
    }
}

/* Real programs at a small rate (many samples, a busy set): the same output and status as
 * natively, a report that is complete and whose every site's live blocks are consistent. */
static void same_as_native(const char *const *argv)
{
    it_run nat, hp;
    cr_assert_eq(it_exec(argv, NULL, NULL, 120, &nat), 0);
    const char *dir = it_tmpdir();
    const char *env[] = {"HEAPPROF_SAMPLE=4K", NULL};
    cr_assert_eq(it_exec_hp(argv, env, dir, &hp), 0);
    cr_expect_eq(hp.status, nat.status, "%s: status %d vs native %d", argv[0], hp.status,
                 nat.status);
    cr_expect_str_eq(hp.out, nat.out, "%s: stdout differs", argv[0]);
    it_run_free(&nat);
    it_run_free(&hp);
    char paths[8][512];
    int n = it_reports(dir, paths, 8);
    cr_assert_geq(n, 1, "%s: a report", argv[0]);
    if (n > 8) n = 8;
    for (int i = 0; i < n; i++) {
        cJSON *j = it_load(paths[i]);
        cr_assert_not_null(j, "%s: %s parses", argv[0], paths[i]);
        sample_obj(j);
        cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "hp_complete")), "%s: %s",
                  argv[0], paths[i]);
        it_totals t = it_sum(j);
        cr_expect_leq(t.eb, t.tb, "%s: live at exit <= allocated", argv[0]);
        cr_expect_eq(t.tb, it_u64(j, "hp_total_bytes"), "%s: totals are the sums", argv[0]);
        cJSON_Delete(j);
    }
}

Test(sample, real_programs_unchanged)
{
    same_as_native((const char *const[]){
        "/usr/bin/python3", "-c",
        "import json,threading\n"
        "def w(): [json.dumps({'k': list(range(i % 50))}) for i in range(20000)]\n"
        "t=[threading.Thread(target=w) for _ in range(3)]\n"
        "[x.start() for x in t]; [x.join() for x in t]; print('ok')",
        NULL});
    same_as_native((const char *const[]){
        "perl", "-e", "my %h; $h{$_}=[1..($_%30)] for 1..20000; print 1;", NULL});
    same_as_native((const char *const[]){"sort", "/etc/services", NULL});
    same_as_native((const char *const[]){it_prog("cxx"), NULL});
}
