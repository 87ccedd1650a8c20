/* test_threads.c - concurrency: 8 threads, cross-thread frees, immediate address reuse.
 * Exact expectations computed from the program's loop (tests/progs/threads.c). */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>

static uint64_t bytes_per_thread(uint64_t n)
{
    uint64_t b = 0;
    for (uint64_t i = 0; i < n; i++)
        b += 16 + i % 64;
    return b;
}

static void stress(int threads, long n)
{
    const char *dir = it_tmpdir();
    char t[16], k[32];
    snprintf(t, sizeof t, "%d", threads);
    snprintf(k, sizeof k, "%ld", n);
    const char *argv[] = {it_prog("threads"), t, k, NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, NULL, dir, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d: %s", r.status, r.err);
    it_run_free(&r);
    char paths[2][512];
    cr_assert_eq(it_reports(dir, paths, 2), 1);
    cJSON *j = it_load(paths[0]);
    cr_assert_not_null(j);
    /* Only the worker sites a0..a3: thread creation allocates a little too (stacks' TLS). */
    uint64_t tb = 0, tbk = 0, eb = 0, gbk = 0;
    const char *fns[] = {"a0", "a1", "a2", "a3"};
    for (int i = 0; i < 4; i++) {
        it_totals s;
        cr_assert(it_site(j, fns[i], &s, NULL, NULL), "site %s", fns[i]);
        cr_expect_eq(s.tbk, (uint64_t)threads * (uint64_t)n / 4, "%s blocks", fns[i]);
        tb += s.tb;
        tbk += s.tbk;
        eb += s.eb;
        gbk += s.gbk;
    }
    cr_expect_eq(tbk, (uint64_t)threads * (uint64_t)n, "every allocation counted once");
    cr_expect_eq(tb, (uint64_t)threads * bytes_per_thread((uint64_t)n), "bytes exact");
    cr_expect_eq(eb, 0, "every block freed: no free lost or misordered (got %lu live)", eb);
    /* At any instant: at most 64 slots plus one block in flight per thread. */
    cr_expect_leq(gbk, 64 + (uint64_t)threads, "live blocks at the peak %lu", gbk);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "hp_complete")));
    cJSON_Delete(j);
}

Test(threads, eight_threads_cross_frees, .timeout = 300)
{
    stress(8, 250000); /* 2 million malloc/free pairs */
}

Test(threads, two_threads_many, .timeout = 300)
{
    stress(2, 1000000);
}

Test(threads, many_short_threads, .timeout = 300)
{
    /* 64 threads: structs of exited threads are claimed again; nothing lost. */
    stress(64, 20000);
}
