/* test_ends.c - ends of an image racing with other threads (tests/progs/ends.c): two finishes
 * at once, the exec report's own events, fork against an exiting thread, vfork + execl, the
 * parent side of daemon(). Each failed before its fix (see the commit). */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run(const char *lib, const char *mode, const char *extra_env, const char *dir,
                it_run *r)
{
    const char *env[] = {"HEAPPROF_QUIET=1", extra_env, NULL};
    const char *argv[] = {it_prog("ends"), mode, NULL};
    cr_assert_eq(it_exec_lib(lib, argv, env, dir, 60, r), 0);
}

/* main execs while another thread's execs keep failing: the failing thread must not give back
 * the finish main took (its context was overwritten: SIGSEGV in 2 of 15 runs). */
Test(ends, exec_while_another_thread_fails_to_exec, .timeout = 300)
{
    for (int i = 0; i < 15; i++) {
        it_run r;
        run(it_lib(), "exec_race", NULL, it_tmpdir(), &r);
        cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "run %d: status %d: %s", i,
                  r.status, r.err);
        cr_expect_str_eq(r.out, "exec ok\n");
        it_run_free(&r);
    }
}

/* The exec report holds every event the exec'ing thread completed, even when another thread's
 * drain raised the floor above its clock (the test build's offsets make that happen): 1000
 * blocks allocated and freed, none live (it showed 212 live, 173 live, complete). */
Test(ends, exec_report_has_the_execing_threads_events, .timeout = 300)
{
    const char *libs[] = {it_lib(), getenv("HP_SKEW_LIB")};
    cr_assert_not_null(libs[1], "HP_SKEW_LIB unset (run through make itest)");
    for (int i = 0; i < 10; i++) {
        const char *dir = it_tmpdir();
        it_run r;
        run(libs[i % 2], "exec_own", NULL, dir, &r);
        cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s", r.err);
        it_run_free(&r);
        char paths[4][512];
        int n = it_reports(dir, paths, 4);
        bool seen = false;
        for (int k = 0; k < n; k++) {
            cJSON *j = it_load(paths[k]);
            cr_assert_not_null(j);
            const cJSON *cmd = cJSON_GetObjectItem(j, "cmd");
            if (cJSON_IsString(cmd) && strstr(cmd->valuestring, "exec_own")) {
                it_totals s;
                cr_assert(it_site(j, "main_work", &s, NULL, NULL), "run %d", i);
                cr_expect_eq(s.tbk, 1000, "run %d (%s)", i, libs[i % 2]);
                cr_expect_eq(s.ebk, 0, "run %d (%s): %lu blocks live that were freed", i,
                             libs[i % 2], s.ebk);
                seen = true;
            }
            cJSON_Delete(j);
        }
        cr_expect(seen, "no report of the image that exec'ed");
    }
}

/* A thread past its exit destructor holds the orphan lock for its whole hook; fork must not
 * wait for it while it waits for the fork (the whole process hung: timeout). */
Test(ends, fork_while_threads_record_after_their_exit_destructor, .timeout = 120)
{
    it_run r;
    run(it_lib(), "orphan_fork", NULL, it_tmpdir(), &r);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, "done\n");
    it_run_free(&r);
}

/* execl in a vfork child builds argv without leaving memory in the parent (4 KiB a spawn). */
Test(ends, vfork_execl_leaves_nothing_in_the_parent, .timeout = 120)
{
    it_run r;
    run(it_lib(), "vfork_execl", NULL, it_tmpdir(), &r);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "grew less than 1 MiB\n");
    it_run_free(&r);
}

/* The parent side of daemon() is not the end of the program: its status stays 0 under the
 * leak gate (it was 23), and only the child (the program's end) runs the leak check. */
Test(ends, daemon_parent_keeps_its_status_under_the_gate)
{
    const char *dir = it_tmpdir();
    it_run r;
    run(it_lib(), "daemon", "HEAPPROF_LEAK_CHECK=1", dir, &r);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d: %s", r.status, r.err);
    const char *first = strstr(r.err, "leak check:");
    cr_expect(first && !strstr(first + 1, "leak check:"), "one leak check (the child's): %s",
              r.err);
    it_run_free(&r);
}
