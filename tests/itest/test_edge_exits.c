/* test_edge_exits.c - the ends of an image that the usual paths miss: _exit, execve and fork
 * from a signal handler, small thread stacks, long execl argument lists, quick_exit, daemon,
 * raw fork/clone children, and a failed exec while other threads allocate.
 * Every run has a timeout: a hang fails the test instead of blocking it. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define HANG_TIMEOUT_S 20

/* Runs prog argv under the preload (reports in dir), with a timeout; fails on a hang. */
static it_run run_hp(const char *dir, const char *const *argv, const char *const *env)
{
    static char pre[600], out[600];
    const char *e[16];
    int n = 0;
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s/heapprof.%%p.json", dir);
    e[n++] = pre;
    e[n++] = out;
    for (const char *const *x = env; x && *x && n < 15; x++)
        e[n++] = *x;
    e[n] = NULL;
    it_run r;
    cr_assert_eq(it_exec(argv, e, NULL, HANG_TIMEOUT_S, &r), 0);
    return r;
}

static bool exited_with(const it_run *r, int code)
{
    return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

/* ---- 1. leaving from a signal handler that may have interrupted heapprof or malloc ---- */

static void from_handler(const char *mode, int want, int runs)
{
    int ok = 0;
    for (int i = 0; i < runs; i++) {
        const char *dir = it_tmpdir();
        char us[16];
        snprintf(us, sizeof us, "%d", 500 + 397 * i % 4000); /* vary where the signal lands */
        const char *argv[] = {it_prog("edge_sig"), mode, us, NULL};
        const char *env[] = {"HEAPPROF_QUIET=1", NULL};
        it_run r = run_hp(dir, argv, env);
        if (exited_with(&r, want))
            ok++;
        else
            cr_log_error("%s run %d: status 0x%x (a hang is killed: signal 9)", mode, i, r.status);
        it_run_free(&r);
    }
    cr_expect_eq(ok, runs, "%s from a signal handler: %d of %d runs exited %d", mode, ok, runs,
                 want);
}

Test(edge_exits, _exit_from_signal_handler, .timeout = 900)
{
    from_handler("_exit", 5, 30);
}

Test(edge_exits, execve_from_signal_handler, .timeout = 900)
{
    from_handler("execve", 6, 30);
}

Test(edge_exits, fork_from_signal_handler, .timeout = 900)
{
    from_handler("fork", 7, 30);
}

/* ---- 2. the real exec and _exit are resolved at start-up, never in the call ---- */

/* LD_DEBUG=bindings shows every symbol lookup, dlsym's included. After the program's "MARK",
 * libheapprof.so must look up none of the functions it forwards _exit and exec to. */
Test(edge_exits, exec_and__exit_resolved_at_start)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("edge_exit"), "late", NULL};
    const char *env[] = {"HEAPPROF_QUIET=1", "LD_DEBUG=bindings", NULL};
    it_run r = run_hp(dir, argv, env);
    cr_expect(exited_with(&r, 3), "status 0x%x", r.status);
    const char *mark = strstr(r.err, "MARK\n");
    cr_assert_not_null(mark);
    const char *names[] = {"`_exit'",  "`execve'",  "`execvpe'",
                           "`execvp'", "`fexecve'", "`execveat'"};
    for (const char *line = mark; (line = strchr(line, '\n')) != NULL;) {
        line++;
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *from = strstr(line, "binding file ");
        const char *me = from ? strstr(from, "libheapprof.so [0] to ") : NULL;
        if (!me || me - line > (long)len || me > line + len) continue;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            const char *n = strstr(me, names[i]);
            cr_expect(!n || n > line + len, "looked up after start-up: %.*s", (int)len, line);
        }
    }
    it_run_free(&r);
}

/* ---- 3. small thread stacks and long execl argument lists ---- */

static void small_stack(const char *kib, const char *how, int want, bool leak_check)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("edge_exit"), "stack", kib, how, NULL};
    const char *env[] = {"HEAPPROF_QUIET=1", leak_check ? "HEAPPROF_LEAK_CHECK=1" : NULL, NULL};
    it_run r = run_hp(dir, argv, env);
    /* With the leak check: nothing lost (42 bytes in a global, 77 on the thread's stack, which
     * the check must still scan from the program's frame), so the program's own status. */
    cr_expect(exited_with(&r, want), "%s KiB, %s: status 0x%x, want exit %d", kib, how, r.status,
              want);
    /* execl: the image that ends writes its report (leak42 in it); the "done" image allocates
     * nothing, so it writes none (docs/options.md, "Nothing recorded"): one report either way */
    char p[4][512];
    int n = it_reports(dir, p, 4), found = 0;
    cr_expect_eq(n, 1, "%s KiB, %s: %d reports", kib, how, n);
    for (int i = 0; i < n; i++) {
        cJSON *j = it_load(p[i]);
        cr_assert_not_null(j, "complete JSON");
        it_totals s;
        if (it_site(j, "leak42", &s, NULL, NULL) && s.tbk == 1) {
            found++;
            cJSON *lc = cJSON_GetObjectItem(j, "hp_leak_check");
            cr_expect(!leak_check || (lc && it_u64(lc, "reachable_blocks") >= 2),
                      "%s KiB, %s: the leak check ran and found the blocks reachable", kib, how);
        }
        cJSON_Delete(j);
    }
    cr_expect_eq(found, 1, "%s KiB, %s: leak42's site in one report", kib, how);
    it_run_free(&r);
}

Test(edge_exits, exit_on_16k_stack_leak_check)
{
    small_stack("16", "exit", 3, true);
}
Test(edge_exits, exit_on_128k_stack)
{
    small_stack("128", "exit", 3, false);
}
Test(edge_exits, _exit_on_16k_stack_leak_check)
{
    small_stack("16", "_exit", 3, true);
}
Test(edge_exits, _exit_on_128k_stack)
{
    small_stack("128", "_exit", 3, false);
}
Test(edge_exits, execl_on_16k_stack)
{
    small_stack("16", "execl", 6, false);
}
Test(edge_exits, execl_on_128k_stack)
{
    small_stack("128", "execl", 6, false);
}

Test(edge_exits, execl_10000_arguments)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("edge_exit"), "execl-many", NULL};
    const char *env[] = {"HEAPPROF_QUIET=1", NULL};
    it_run r = run_hp(dir, argv, env);
    cr_expect(exited_with(&r, 0), "status 0x%x", r.status);
    cr_expect_str_eq(r.out, "10002\n", "argc as the exec'd program saw it");
    it_run_free(&r);
}

/* ---- 4. exits that wrote nothing: quick_exit, daemon's parent, raw fork/clone children ---- */

Test(edge_exits, quick_exit_writes_report_and_checks_leaks)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("edge_exit"), "quick_exit", NULL};
    const char *env[] = {"HEAPPROF_QUIET=1", "HEAPPROF_LEAK_CHECK=1", NULL};
    it_run r = run_hp(dir, argv, env);
    cr_expect(exited_with(&r, 3), "status 0x%x", r.status); /* leak42 is in a global: no leak */
    char p[4][512];
    cr_assert_eq(it_reports(dir, p, 4), 1, "one report");
    cJSON *j = it_load(p[0]);
    cr_assert_not_null(j);
    it_totals s;
    cr_expect(it_site(j, "leak42", &s, NULL, NULL) && s.eb == 42);
    cr_expect_not_null(cJSON_GetObjectItem(j, "hp_leak_check"), "the leak check ran");
    cJSON_Delete(j);
    it_run_free(&r);
}

/* Two reports whose site fn has totals tb_a and tb_b (in either order), both leak-checked. */
/* Two reports: one whose site fn has tb_a bytes, one with tb_b; a_checked: whether the first
 * ran the leak check (the second always does). */
static void two_reports(const char *dir, const char *fn, uint64_t tb_a, uint64_t tb_b,
                        bool a_checked)
{
    char p[4][512];
    int n = it_reports(dir, p, 4);
    cr_assert_eq(n, 2, "parent and child: %d reports", n);
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        cJSON *j = it_load(p[i]);
        cr_assert_not_null(j, "complete JSON");
        it_totals s;
        cr_assert(it_site(j, fn, &s, NULL, NULL));
        if (s.tb == tb_a) seen |= 1;
        if (s.tb == tb_b) seen |= 2;
        bool checked = cJSON_GetObjectItem(j, "hp_leak_check") != NULL;
        cr_expect(checked == (s.tb == tb_b || a_checked), "%s: the leak check %s", p[i],
                  checked ? "ran" : "did not run");
        cJSON_Delete(j);
    }
    cr_expect_eq(seen, 3, "%s: one report with %lu bytes, one with %lu", fn, (unsigned long)tb_a,
                 (unsigned long)tb_b);
}

Test(edge_exits, daemon_parent_writes_report)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("edge_exit"), "daemon", NULL};
    const char *env[] = {"HEAPPROF_QUIET=1", "HEAPPROF_LEAK_CHECK=1", NULL};
    it_run r = run_hp(dir, argv, env); /* returns when the child closed our pipes: it exited */
    cr_expect(exited_with(&r, 0), "status 0x%x", r.status);
    /* parent: one block, no leak check (the program goes on in the child); child: inherited +
     * one more, checked */
    two_reports(dir, "leak42", 42, 84, false);
    it_run_free(&r);
}

static void raw(const char *mode)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("edge_exit"), mode, NULL};
    const char *env[] = {"HEAPPROF_QUIET=1", "HEAPPROF_LEAK_CHECK=1", NULL};
    it_run r = run_hp(dir, argv, env);
    cr_expect(exited_with(&r, 0), "%s: status 0x%x", mode, r.status);
    two_reports(dir, "mk", 1300, 1200, true); /* parent 1000 + 300; child inherits 1000, +200 */
    it_run_free(&r);
}

Test(edge_exits, raw_fork_child_writes_report)
{
    raw("rawfork");
}
Test(edge_exits, raw_clone_child_writes_report)
{
    raw("rawclone");
}

/* ---- 5. a failed exec loses no event of another thread ---- */

Test(edge_exits, failed_exec_loses_no_event)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("edge_exit"), "execfail", "200", NULL};
    const char *env[] = {"HEAPPROF_QUIET=1", NULL};
    it_run r = run_hp(dir, argv, env);
    cr_expect(exited_with(&r, 0), "status 0x%x", r.status);
    unsigned long made = strtoul(r.out, NULL, 10);
    cr_assert_gt(made, 0, "the thread allocated: %s", r.out);
    char p[4][512];
    cr_assert_eq(it_reports(dir, p, 4), 1, "the exit report replaces the failed exec's");
    cJSON *j = it_load(p[0]);
    cr_assert_not_null(j);
    it_totals s;
    cr_assert(it_site(j, "counted_alloc", &s, NULL, NULL));
    cr_expect_eq(s.tbk, made, "blocks recorded %lu, made %lu", (unsigned long)s.tbk, made);
    cr_expect_eq(s.tb, 64 * made);
    cr_expect_eq(s.eb, 0, "all freed");
    cJSON_Delete(j);
    it_run_free(&r);
}
