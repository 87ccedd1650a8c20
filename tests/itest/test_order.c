/* test_order.c - causal order through the real preload: threads hand blocks to each other
 * through one shared slot array (atomic_exchange; the other thread frees what it takes out) and
 * free everything before exit (tests/progs/threads.c). Exact totals, nothing live, a complete
 * report and leak-gate exit 0, on every run, with the release library and with the test build
 * whose threads' clocks are 50 us apart (HP_SKEW_LIB, clock.h). */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t bytes_per_thread(uint64_t n)
{
    uint64_t b = 0;
    for (uint64_t i = 0; i < n; i++)
        b += 16 + i % 64;
    return b;
}

static void handoff(const char *lib, int threads, long n, int runs)
{
    cr_assert_not_null(lib, "HP_SKEW_LIB unset (run through make itest)");
    char t[16], k[32];
    snprintf(t, sizeof t, "%d", threads);
    snprintf(k, sizeof k, "%ld", n);
    for (int run = 0; run < runs; run++) {
        const char *dir = it_tmpdir();
        const char *env[] = {"HEAPPROF_LEAK_CHECK=1", NULL};
        const char *argv[] = {it_prog("threads"), t, k, NULL};
        it_run r;
        cr_assert_eq(it_exec_lib(lib, argv, env, dir, 120, &r), 0);
        cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
                  "run %d: status %d (23: the leak gate failed a correct program): %s", run,
                  r.status, r.err);
        it_run_free(&r);
        char paths[2][512];
        cr_assert_eq(it_reports(dir, paths, 2), 1);
        cJSON *j = it_load(paths[0]);
        cr_assert_not_null(j);
        it_totals w;
        const char *missing = NULL;
        cr_assert(it_workers(j, &w, &missing), "site %s", missing);
        cr_expect_eq(w.tbk, (uint64_t)threads * (uint64_t)n, "run %d: blocks", run);
        cr_expect_eq(w.tb, (uint64_t)threads * bytes_per_thread((uint64_t)n), "run %d: bytes", run);
        cr_expect_eq(w.eb, 0, "run %d: %lu bytes live at exit that do not exist", run, w.eb);
        cJSON *errs = cJSON_GetObjectItem(j, "hp_errors");
        cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "hp_complete")), "run %d: incomplete: %s",
                  run, errs ? cJSON_PrintUnformatted(errs) : "?");
        cr_expect_eq(cJSON_GetArraySize(errs), 0);
        cJSON_Delete(j);
    }
}

Test(order, handoff_two_threads, .timeout = 600)
{
    handoff(it_lib(), 2, 200000, 5);
}

Test(order, handoff_four_threads, .timeout = 600)
{
    handoff(it_lib(), 4, 100000, 5);
}

Test(order, handoff_two_threads_clock_offset, .timeout = 600)
{
    handoff(getenv("HP_SKEW_LIB"), 2, 200000, 5);
}

Test(order, handoff_four_threads_clock_offset, .timeout = 600)
{
    handoff(getenv("HP_SKEW_LIB"), 4, 100000, 5);
}
