/* test_exact.c - exact numbers under LD_PRELOAD, against hand-computed values and against
 * Valgrind DHAT run on the same binary (--run-libc-freeres=no: valgrind would otherwise free
 * libc's own buffers at exit, which a native run never does; docs/design.md). */
#include "itest.h"

#include <criterion/criterion.h>
#include <string.h>

static cJSON *run_one(const char *prog, const char *dir)
{
    const char *argv[] = {it_prog(prog), NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, NULL, dir, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: status %d, stderr: %s", prog,
              r.status, r.err);
    it_run_free(&r);
    char paths[4][512];
    cr_assert_eq(it_reports(dir, paths, 4), 1, "one report for one process");
    cJSON *j = it_load(paths[0]);
    cr_assert_not_null(j, "report parses as JSON");
    return j;
}

static void expect_site(const cJSON *rep, const char *fn, uint64_t tb, uint64_t tbk, uint64_t gb,
                        uint64_t gbk, uint64_t eb, uint64_t ebk, uint64_t mb)
{
    it_totals s;
    uint64_t m;
    cr_assert(it_site(rep, fn, &s, &m, NULL), "site %s present", fn);
    cr_expect_eq(s.tb, tb, "%s tb %lu != %lu", fn, s.tb, tb);
    cr_expect_eq(s.tbk, tbk, "%s tbk %lu != %lu", fn, s.tbk, tbk);
    cr_expect_eq(s.gb, gb, "%s gb %lu != %lu", fn, s.gb, gb);
    cr_expect_eq(s.gbk, gbk, "%s gbk", fn);
    cr_expect_eq(s.eb, eb, "%s eb %lu != %lu", fn, s.eb, eb);
    cr_expect_eq(s.ebk, ebk, "%s ebk", fn);
    cr_expect_eq(m, mb, "%s mb %lu != %lu", fn, m, mb);
}

Test(exact, basic_by_hand)
{
    cJSON *j = run_one("basic", it_tmpdir());
    it_totals t = it_sum(j);
    /* 100+200+(300+500+50)+64+256+32+10+1+100 */
    cr_expect_eq(t.tb, 1613);
    cr_expect_eq(t.tbk, 11);
    /* at the second maximum: every block but the freed ones, c at 50 */
    cr_expect_eq(t.gb, 813);
    cr_expect_eq(t.gbk, 9);
    cr_expect_eq(t.eb, 101);
    cr_expect_eq(t.ebk, 2);
    cr_expect_eq(it_u64(j, "hp_total_bytes"), 1613);
    cr_expect_eq(it_u64(j, "hp_gmax_bytes"), 813);
    cr_expect_eq(it_u64(j, "hp_end_bytes"), 101);
    expect_site(j, "site_malloc", 100, 1, 100, 1, 0, 0, 100);
    expect_site(j, "site_calloc", 200, 1, 200, 1, 0, 0, 200);
    expect_site(j, "site_realloc", 850, 3, 50, 1, 0, 0, 500);
    /* mb is DHAT's: the site's live bytes when it last brought the heap to its maximum,
     * so 0 for sites allocated while the heap was below its earlier maximum of 800. */
    expect_site(j, "site_posix_memalign", 64, 1, 64, 1, 0, 0, 0);
    expect_site(j, "site_aligned_alloc", 256, 1, 256, 1, 0, 0, 0);
    expect_site(j, "site_memalign", 32, 1, 32, 1, 0, 0, 0);
    expect_site(j, "site_valloc", 10, 1, 10, 1, 0, 0, 0);
    expect_site(j, "site_malloc0", 1, 1, 1, 1, 1, 1, 0);
    expect_site(j, "site_reallocarray", 100, 1, 100, 1, 100, 1, 100);
    it_totals s;
    cr_assert(it_site(j, "site_realloc", &s, NULL, NULL));
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "hp_complete")));
    cJSON_Delete(j);
}

Test(exact, peak_by_hand)
{
    cJSON *j = run_one("peak", it_tmpdir());
    it_totals t = it_sum(j);
    cr_expect_eq(t.tb, 5610);
    cr_expect_eq(t.tbk, 5);
    cr_expect_eq(t.gb, 4600);
    cr_expect_eq(t.gbk, 3);
    cr_expect_eq(t.eb, 0);
    /* two call sites each for s1 and s2 (sums): s1(100) raised the maximum to 4600 (mb 100),
     * s2(10) came at 2610, below it (mb 0). */
    expect_site(j, "s1", 1100, 2, 100, 1, 0, 0, 1100);
    expect_site(j, "s2", 2010, 2, 2000, 1, 0, 0, 2000);
    expect_site(j, "s3", 2500, 1, 2500, 1, 0, 0, 2500);
    cr_expect_lt(it_u64(j, "tg"), it_u64(j, "te") + 1);
    cJSON_Delete(j);
}

/* Totals and every named site against DHAT on the same binary. */
static void versus_dhat(const char *prog, const char *const *fns)
{
    const char *dir = it_tmpdir();
    cJSON *ours = run_one(prog, dir);
    const char *argv[] = {it_prog(prog), NULL};
    cJSON *dh = it_dhat(argv, dir);
    cr_assert_not_null(dh, "valgrind --tool=dhat ran and wrote its file");
    it_totals a = it_sum(ours), b = it_sum(dh);
    cr_expect_eq(a.tb, b.tb, "%s: total bytes %lu vs DHAT %lu", prog, a.tb, b.tb);
    cr_expect_eq(a.tbk, b.tbk, "%s: total blocks %lu vs DHAT %lu", prog, a.tbk, b.tbk);
    cr_expect_eq(a.gb, b.gb, "%s: t-gmax bytes %lu vs DHAT %lu", prog, a.gb, b.gb);
    cr_expect_eq(a.gbk, b.gbk, "%s: t-gmax blocks", prog);
    cr_expect_eq(a.eb, b.eb, "%s: t-end bytes %lu vs DHAT %lu", prog, a.eb, b.eb);
    cr_expect_eq(a.ebk, b.ebk, "%s: t-end blocks", prog);
    for (; *fns; fns++) {
        it_totals x, y;
        uint64_t xm, ym, xmk, ymk;
        cr_assert(it_site(ours, *fns, &x, &xm, &xmk), "%s: our site %s", prog, *fns);
        cr_assert(it_site(dh, *fns, &y, &ym, &ymk), "%s: DHAT site %s", prog, *fns);
        cr_expect(x.tb == y.tb && x.tbk == y.tbk && x.gb == y.gb && x.gbk == y.gbk &&
                      x.eb == y.eb && x.ebk == y.ebk && xm == ym && xmk == ymk,
                  "%s %s: ours tb=%lu tbk=%lu gb=%lu eb=%lu mb=%lu, DHAT tb=%lu tbk=%lu gb=%lu "
                  "eb=%lu mb=%lu",
                  prog, *fns, x.tb, x.tbk, x.gb, x.eb, xm, y.tb, y.tbk, y.gb, y.eb, ym);
    }
    cJSON_Delete(ours);
    cJSON_Delete(dh);
}

Test(exact, basic_vs_dhat, .timeout = 120)
{
    const char *fns[] = {
        "site_malloc",   "site_calloc", "site_realloc", "site_posix_memalign", "site_aligned_alloc",
        "site_memalign", "site_valloc", "site_malloc0", "site_reallocarray",   NULL};
    versus_dhat("basic", fns);
}

Test(exact, peak_vs_dhat, .timeout = 120)
{
    const char *fns[] = {"s1", "s2", "s3", NULL};
    versus_dhat("peak", fns);
}

Test(exact, cxx_vs_dhat, .timeout = 120)
{
    const char *fns[] = {"one()", "many()", "quiet()", "wide()", "wides()", NULL};
    versus_dhat("cxx", fns);
}

Test(exact, equal_peaks_vs_dhat, .timeout = 120)
{
    const char *fns[] = {"e1", "e2", "e3", NULL};
    versus_dhat("eqpeak", fns);
}

Test(exact, example_vs_dhat, .timeout = 120)
{
    const char *fns[] = {NULL};
    versus_dhat("demo", fns);
}

/* Frame 0 is the caller of the allocation function, symbolized with file:line. */
Test(exact, frames_symbolized)
{
    cJSON *j = run_one("basic", it_tmpdir());
    cr_expect(it_has_frame(j, ": site_malloc (basic.c:"), "file:line of the caller");
    cr_expect(it_has_frame(j, ": main (basic.c:"));
    cr_expect_not(it_has_frame(j, "libheapprof"), "no profiler frames in stacks");
    const cJSON *ftbl = cJSON_GetObjectItem(j, "ftbl");
    cr_expect_str_eq(cJSON_GetArrayItem(ftbl, 0)->valuestring, "[root]");
    cJSON_Delete(j);
}

Test(exact, cxx_frames_demangled)
{
    cJSON *j = run_one("cxx", it_tmpdir());
    cr_expect(it_has_frame(j, ": one() (cxx.cc:"), "demangled C++ function with file:line");
    cJSON_Delete(j);
}
