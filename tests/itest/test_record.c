/* test_record.c - the edges of exact recording through the real preload (tests/progs/edges.c,
 * newhandler.cc): frees no hook sees, a seccomp filter refusing membarrier, the API seeing
 * every completed allocation whatever the clocks, heapprof_disable() honoured by every
 * allocation function, and C/C++ semantics identical to the native run. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs prog args natively and under lib; both must exit 0 with the same stdout. */
static void same_as_native(const char *lib, const char *const *argv)
{
    it_run nat, hp;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &nat), 0);
    const char *env[] = {"HEAPPROF_QUIET=1", NULL};
    cr_assert_eq(it_exec_lib(lib, argv, env, it_tmpdir(), 60, &hp), 0);
    cr_assert(WIFEXITED(nat.status) && WEXITSTATUS(nat.status) == 0, "native: %s", nat.err);
    cr_expect_eq(hp.status, nat.status, "status %d, native %d: %s", hp.status, nat.status, hp.err);
    cr_expect_str_eq(hp.out, nat.out);
    it_run_free(&nat);
    it_run_free(&hp);
}

/* operator new(std::nothrow) (plain and aligned) calls the new_handler, which frees a reserve:
 * the allocation succeeds, as natively (it returned NULL without calling the handler). */
Test(record, nothrow_new_calls_the_new_handler)
{
    const char *argv[] = {it_prog("newhandler"), NULL};
    same_as_native(it_lib(), argv);
}

Test(record, posix_memalign_errno_and_out_as_native)
{
    const char *argv[] = {it_prog("edges"), "memalign", NULL};
    same_as_native(it_lib(), argv);
}

static cJSON *run_one(const char *const *argv, const char *const *env, it_run *r)
{
    const char *dir = it_tmpdir();
    cr_assert_eq(it_exec_hp(argv, env, dir, r), 0);
    cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, "status %d: %s", r->status,
              r->err);
    char paths[4][512];
    cr_assert_geq(it_reports(dir, paths, 4), 1);
    cJSON *j = it_load(paths[0]);
    cr_assert_not_null(j);
    return j;
}

/* Every allocation function skips recording while disabled (aligned_alloc and posix_memalign
 * used to run a copy of the path that recorded anyway); a recorded block resized while
 * disabled leaves the record instead of staying live forever. */
Test(record, disable_is_honoured_by_every_allocation_function)
{
    const char *argv[] = {it_prog("edges"), "disable", NULL};
    it_run r;
    cJSON *j = run_one(argv, NULL, &r);
    it_totals s;
    cr_expect_not(it_site(j, "disabled_allocs", &s, NULL, NULL),
                  "a site inside disabled_allocs was recorded (%lu blocks)", s.tbk);
    cr_assert(it_site(j, "enabled_alloc", &s, NULL, NULL));
    cr_expect_eq(s.tbk, 1);
    cr_expect_eq(s.tb, 20);
    cr_expect_eq(s.ebk, 0, "the block realloc'ed while disabled is not live in the record");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "hp_complete")));
    cJSON_Delete(j);
    it_run_free(&r);
}

/* Frees inside an RTLD_DEEPBIND object bind to libc's free: no hook sees them. The allocator
 * hands the address out again, which proves the free: the old block is closed then (never
 * overwritten, never live twice), counted in hp_errors, and hp_complete is false. */
Test(record, frees_no_hook_sees_are_detected_and_counted)
{
    const long n = 1000;
    const char *argv[] = {it_prog("edges"), "deepbind", "1000", NULL};
    it_run r;
    cJSON *j = run_one(argv, NULL, &r);
    cr_expect_str_eq(r.out, "live 0\n");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(j, "hp_complete")), "a repair must be said");
    cJSON *errs = cJSON_GetObjectItem(j, "hp_errors");
    cr_assert_eq(cJSON_GetArraySize(errs), 1);
    const char *e = cJSON_GetArrayItem(errs, 0)->valuestring;
    const char *num = strrchr(e, ' ');
    cr_assert(strstr(e, "frees not seen") && num, "%s", e);
    long missed = atol(num + 1);
    /* glibc's tcache hands the 100-byte chunk straight back: (nearly) every round repairs */
    cr_expect_geq(missed, n * 9 / 10, "%ld repairs", missed);
    it_totals s;
    cr_assert(it_site(j, "deep_rounds", &s, NULL, NULL));
    cr_expect_eq(s.tbk, 2 * (uint64_t)n);
    cr_expect_eq(s.eb, 100 * (uint64_t)(n - missed),
                 "live at exit: only the blocks whose unseen free was never proven");
    cJSON_Delete(j);
    it_run_free(&r);
}

/* A seccomp filter makes membarrier fail after start-up; the fork protocol needs a fence: the
 * library falls back (says so once) instead of aborting the program (it died with rc 134). */
Test(record, membarrier_refused_after_start_up_falls_back)
{
    const char *argv[] = {it_prog("edges"), "seccomp", NULL};
    it_run r;
    cJSON *j = run_one(argv, NULL, &r);
    cr_expect_str_eq(r.out, "forked 20\n");
    const char *m = strstr(r.err, "membarrier refused");
    cr_expect(!m || !strstr(m + 1, "membarrier refused"), "said more than once: %s", r.err);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "hp_complete")));
    cJSON_Delete(j);
    it_run_free(&r);
}

/* heapprof_stats() counts every allocation completed before the call, in any thread, while
 * another thread is always inside a hook, and with the two threads' clocks 100 us apart (the
 * test build): the worker's block, signalled through an atomic, is always in the figures. */
Test(record, stats_see_every_completed_allocation_whatever_the_clocks)
{
    const char *libs[] = {it_lib(), getenv("HP_SKEW_LIB")};
    cr_assert_not_null(libs[1], "HP_SKEW_LIB unset (run through make itest)");
    for (int i = 0; i < 2; i++) {
        const char *env[] = {"HEAPPROF_QUIET=1", NULL};
        const char *argv[] = {it_prog("edges"), "stats", "300", NULL};
        it_run r;
        cr_assert_eq(it_exec_lib(libs[i], argv, env, it_tmpdir(), 60, &r), 0);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "stats missed 0 of 300\n", "%s", libs[i]);
        it_run_free(&r);
    }
}
