/* test_dlclose.c - dlclose and unloaded objects under the preload: concurrent dlclose
 * (dlstress.c), dlclose is no cancellation point (dlcancel.c), and an object mapped where an
 * unloaded one was gets its own frame names and CFI rules (unl.c, unl_lib.S). Every run has a
 * timeout, so a hang fails instead of blocking. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* argv under the preload, reports in dir, extra variables in env (NULL-terminated, may be NULL) */
static void run_hp(const char *const *argv, const char *const *env, const char *dir, int timeout,
                   it_run *r)
{
    static char pre[600], out[600];
    const char *e[8];
    int n = 0;
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s/heapprof.%%p.json", dir);
    e[n++] = pre;
    e[n++] = out;
    for (const char *const *x = env; x && *x && n < 7; x++)
        e[n++] = *x;
    e[n] = NULL;
    cr_assert_eq(it_exec(argv, e, NULL, timeout, r), 0);
}

static cJSON *only_report(const char *dir)
{
    char p[4][512];
    int n = it_reports(dir, p, 4);
    cr_assert_eq(n, 1, "exactly one report, got %d", n);
    cJSON *j = it_load(p[0]);
    cr_assert_not_null(j, "complete JSON");
    return j;
}

/* ---- task: concurrent dlopen -> alloc -> free -> dlclose ---- */

static void stress(int threads, long iters)
{
    char t[16], k[32];
    snprintf(t, sizeof t, "%d", threads);
    snprintf(k, sizeof k, "%ld", iters);
    const char *argv[] = {it_prog("dlstress"), it_prog("libdlhelper.so"), t, k, NULL};
    it_run nat, hp;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &nat), 0);
    cr_assert(WIFEXITED(nat.status) && WEXITSTATUS(nat.status) == 0, "native status %d",
              nat.status);
    const char *dir = it_tmpdir();
    run_hp(argv, NULL, dir, 120, &hp);
    cr_assert_eq(hp.status, nat.status, "status under the preload %d (native %d): %s", hp.status,
                 nat.status, hp.err);
    cJSON *j = only_report(dir);
    cr_expect(it_has_frame(j, "dl_alloc (dlhelper.c:"), "the unloaded object's function named");
    it_totals s;
    cr_assert(it_site(j, "dl_alloc", &s, NULL, NULL));
    cr_expect_eq(s.tbk, (uint64_t)threads * (uint64_t)iters, "every allocation counted");
    cr_expect_eq(s.tb, (uint64_t)threads * (uint64_t)iters * 24);
    cr_expect_eq(s.eb, 0);
    cJSON_Delete(j);
    it_run_free(&nat);
    it_run_free(&hp);
}

Test(dlclose, concurrent_two_threads, .timeout = 200)
{
    stress(2, 3000);
}

Test(dlclose, concurrent_four_threads, .timeout = 200)
{
    stress(4, 2000);
}

/* ---- dlclose is not a cancellation point ---- */

Test(dlclose, not_a_cancellation_point, .timeout = 100)
{
    const char *argv[] = {it_prog("dlcancel"), it_prog("libdlhelper.so"), NULL};
    it_run nat, hp;
    cr_assert_eq(it_exec(argv, NULL, NULL, 30, &nat), 0);
    cr_assert(WIFEXITED(nat.status) && WEXITSTATUS(nat.status) == 0, "native: %s", nat.out);
    const char *dir = it_tmpdir();
    run_hp(argv, NULL, dir, 60, &hp);
    cr_expect_eq(hp.status, nat.status, "under the preload: %s%s", hp.out, hp.err);
    cr_expect_str_eq(hp.out, nat.out);
    cJSON *j = only_report(dir);
    cr_expect(it_has_frame(j, "dl_alloc (dlhelper.c:"));
    cJSON_Delete(j);
    it_run_free(&nat);
    it_run_free(&hp);
}

/* ---- another object at the address of an unloaded one ---- */

static void remap(const char *mode, bool verify)
{
    const char *argv[] = {it_prog("unl"), it_prog("libunlA.so"), it_prog("libunlB.so"), mode, NULL};
    const char *env[] = {verify ? "HEAPPROF_VERIFY_UNWIND=1" : "HEAPPROF_VERIFY_UNWIND=0", NULL};
    it_run nat, hp;
    cr_assert_eq(it_exec(argv, NULL, NULL, 30, &nat), 0);
    if (WIFEXITED(nat.status) && WEXITSTATUS(nat.status) == 77)
        cr_skip_test("libunlB.so was not mapped at libunlA.so's address: %s", nat.out);
    cr_assert(WIFEXITED(nat.status) && WEXITSTATUS(nat.status) == 0, "native %d", nat.status);
    const char *dir = it_tmpdir();
    run_hp(argv, env, dir, 60, &hp);
    if (WIFEXITED(hp.status) && WEXITSTATUS(hp.status) == 77)
        cr_skip_test("under the preload libunlB.so was not mapped at libunlA.so's address: %s",
                     hp.out);
    cr_assert(WIFEXITED(hp.status) && WEXITSTATUS(hp.status) == 0, "status %d: %s", hp.status,
              hp.err);
    cJSON *j = only_report(dir);
    it_totals a, b;
    cr_expect(it_site(j, "a_alloc", &a, NULL, NULL), "a_alloc named (the unloaded object)");
    cr_expect(it_site(j, "b_alloc", &b, NULL, NULL), "b_alloc named (the object mapped after)");
    cr_expect_eq(a.tb, 100, "a_alloc: only A's allocation");
    cr_expect_eq(b.tb, 200, "b_alloc: only B's allocation");
    cr_expect(it_has_frame(j, "use_a"), "A's caller in the stack");
    cr_expect(it_has_frame(j, "use_b"), "B's caller in the stack (no stale CFI rule of A)");
    cr_expect(strstr(hp.err, "MISMATCH") == NULL, "unwind verify: %s", hp.err);
    cJSON_Delete(j);
    it_run_free(&nat);
    it_run_free(&hp);
}

Test(dlclose, remapped_object_named_b_kept)
{
    remap("keep", false);
}

Test(dlclose, remapped_object_named_b_closed)
{
    remap("close", false);
}

Test(dlclose, remapped_object_verify_unwind)
{
    remap("keep", true);
}

/* The same object unloaded twice from one address: its record is extended, and the frames of
 * the stacks recorded since the first unload are named too. */
Test(dlclose, same_object_unloaded_twice)
{
    const char *argv[] = {it_prog("unl"), it_prog("libunlA.so"), it_prog("libunlB.so"), "again",
                          NULL};
    it_run hp;
    const char *dir = it_tmpdir();
    run_hp(argv, NULL, dir, 60, &hp);
    if (WIFEXITED(hp.status) && WEXITSTATUS(hp.status) == 77)
        cr_skip_test("libunlA.so was mapped elsewhere the second time: %s", hp.out);
    cr_assert(WIFEXITED(hp.status) && WEXITSTATUS(hp.status) == 0, "status %d: %s", hp.status,
              hp.err);
    cJSON *j = only_report(dir);
    it_totals a, more;
    cr_expect(it_site(j, "a_alloc", &a, NULL, NULL), "first load's site named");
    cr_expect(it_site(j, "a_more", &more, NULL, NULL), "second load's site named");
    cr_expect_eq(a.tb, 100);
    cr_expect_eq(more.tb, 300);
    cr_expect(it_has_frame(j, "use_a ("));
    cr_expect(it_has_frame(j, "use_a_again"));
    cr_expect(!it_has_frame(j, "??? (in "), "no unnamed frame");
    cJSON_Delete(j);
    it_run_free(&hp);
}

/* ---- dlclose inside dlclose (a destructor's), with the loader lock held ---- */

Test(dlclose, nested_in_destructor_threads, .timeout = 200)
{
    const char *argv[] = {it_prog("dlnestmain"),
                          it_prog("libdlnest.so"),
                          it_prog("libdlhelper.so"),
                          "4",
                          "1500",
                          NULL};
    it_run nat, hp;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &nat), 0);
    cr_assert(WIFEXITED(nat.status) && WEXITSTATUS(nat.status) == 0, "native %d: %s", nat.status,
              nat.err);
    const char *dir = it_tmpdir();
    run_hp(argv, NULL, dir, 120, &hp);
    cr_assert_eq(hp.status, nat.status,
                 "under the preload %d (native %d; 9: killed by the "
                 "timeout, a deadlock): %s",
                 hp.status, nat.status, hp.err);
    cJSON *j = only_report(dir);
    cr_expect(it_has_frame(j, "dl_alloc (dlhelper.c:"));
    cr_expect(it_has_frame(j, "nest_init (dlnest.c:"), "the constructor's frame, named");
    cJSON_Delete(j);
    it_run_free(&nat);
    it_run_free(&hp);
}
