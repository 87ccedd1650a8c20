/* test_signal.c - frees and allocations made by a signal handler that interrupted one of
 * heapprof's hooks (tests/progs/sigfree.c). They are recorded (deferred events, docs/design.md
 * "Never silently wrong"): the report is complete and exact at every site, the program's output
 * is the native one. Every run is bounded by it_exec's timeout: a hang fails. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL 3000

static void run_sigfree(const char *lib, const char *mode)
{
    const char *argv[] = {it_prog("sigfree"), mode, NULL};
    it_run nat, hp;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &nat), 0);
    cr_assert(WIFEXITED(nat.status) && WEXITSTATUS(nat.status) == 0, "native: %s", nat.err);

    const char *dir = it_tmpdir();
    const char *env[] = {"HEAPPROF_QUIET=1", NULL};
    cr_assert_eq(it_exec_lib(lib, argv, env, dir, 60, &hp), 0);
    cr_assert(WIFEXITED(hp.status) && WEXITSTATUS(hp.status) == 0, "status %d: %s", hp.status,
              hp.err);
    cr_expect_str_eq(hp.out, nat.out);

    unsigned long churn = 0, halloc = 0;
    const char *c = strstr(hp.err, "churn=");
    cr_assert(c && sscanf(c, "churn=%lu halloc=%lu", &churn, &halloc) == 2, "%s", hp.err);

    char paths[4][512];
    cr_assert_eq(it_reports(dir, paths, 4), 1);
    cJSON *j = it_load(paths[0]);
    cr_assert_not_null(j);
    cJSON *errs = cJSON_GetObjectItem(j, "hp_errors");
    char *e = errs ? cJSON_PrintUnformatted(errs) : NULL;
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "hp_complete")), "hp_errors: %s", e);
    free(e);

    it_totals s;
    cr_assert(it_site(j, "pool_fill", &s, NULL, NULL));
    cr_expect_eq(s.tbk, POOL);
    cr_expect_eq(s.tb, 24 * POOL);
    cr_expect_eq(s.ebk, 0, "pool blocks live at exit: %lu (the handler freed all)", s.ebk);
    cr_expect_eq(s.eb, 0);
    cr_assert(it_site(j, "churn", &s, NULL, NULL));
    cr_expect_eq(s.tbk, churn);
    cr_expect_eq(s.ebk, 0);
    if (strcmp(mode, "alloc") == 0) {
        cr_expect_gt(halloc, 0);
        it_totals h = {0};
        cr_expect(it_site(j, "handler_alloc", &h, NULL, NULL) || halloc == 0,
                  "no site for the handler's allocations");
        cr_expect_eq(h.tbk, halloc, "handler allocations recorded: %lu of %lu", h.tbk, halloc);
        cr_expect_eq(h.tb, 88 * halloc);
        cr_expect_eq(h.ebk, 0);
    }
    cJSON_Delete(j);
    it_run_free(&nat);
    it_run_free(&hp);
}

/* The handler frees pool blocks, often while the main thread is inside malloc or free. */
Test(signal, frees_in_a_handler_are_recorded, .timeout = 120)
{
    run_sigfree(it_lib(), "free");
}

/* With a per-thread clock offset (the skew build): the deferred events keep their order. */
Test(signal, frees_in_a_handler_are_recorded_skew, .timeout = 120)
{
    const char *skew = getenv("HP_SKEW_LIB");
    if (!skew) cr_skip_test("HP_SKEW_LIB not set");
    run_sigfree(skew, "free");
}

/* Three threads churn; the signal interrupts any of them, which frees a block main allocated:
 * the horizon waits for deferred events (t->hold) while other threads drain. */
Test(signal, frees_in_handlers_of_several_threads, .timeout = 120)
{
    run_sigfree(it_lib(), "threads");
}

Test(signal, frees_in_handlers_of_several_threads_skew, .timeout = 120)
{
    const char *skew = getenv("HP_SKEW_LIB");
    if (!skew) cr_skip_test("HP_SKEW_LIB not set");
    run_sigfree(skew, "threads");
}

/* The handler also mallocs and frees: recorded at the handler's call site. */
Test(signal, allocations_in_a_handler_are_recorded, .timeout = 120)
{
    run_sigfree(it_lib(), "alloc");
}
