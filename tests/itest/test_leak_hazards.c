/* test_leak_hazards.c - the leak gate under conditions a program may legitimately create, each
 * of which fails on the scan of 2026-12 (issue 8, parts 3-4). The gate may do less in them, but
 * it must never change what the program does: its stdout, its exit status (the native one, or
 * 23 for a leak it really found), its signal handlers.
 *   - No descriptor left at exit (tests/progs/nofile.c): RLIMIT_NOFILE lowered to 3 (hard, or
 *     soft only), or every descriptor taken (EMFILE). /proc/self/maps cannot be opened.
 *   - Another thread's legitimate SIGSEGVs during the scan (tests/progs/segv_barrier.c): a
 *     write barrier that faults on purpose and fixes the page in its own handler.
 *   - A block freed behind the preload (tests/progs/libc_free.c): __libc_free unmaps it, the
 *     live table still lists it.
 *   - /proc not mounted (a private mount namespace with an empty tmpfs on /proc).
 * "Cannot check" is an accepted answer where stated: then exactly one stderr line containing
 * "leak check: cannot" says so and why, and the program's native status is kept. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define RUN_TIMEOUT 20 /* seconds per run: a hang is a failure, not a stuck suite */

static it_run gate_run(const char *const *argv, const char *const *extra)
{
    const char *env[6] = {"HEAPPROF_LEAK_CHECK=1"};
    int n = 1;
    for (; extra && *extra && n < 5; extra++)
        env[n++] = *extra;
    env[n] = NULL;
    it_run r;
    cr_assert_eq(it_exec_lib(it_lib(), argv, env, it_tmpdir(), RUN_TIMEOUT, &r), 0);
    return r;
}

/* Lines of err that contain s. */
static int lines_with(const char *err, const char *s)
{
    int n = 0;
    for (const char *l = err; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        const char *h = strstr(l, s);
        if (h && h + strlen(s) <= l + len) n++;
        l = e ? e + 1 : l + len;
    }
    return n;
}

/* The definitely lost bytes of the summary line "leak check: N bytes in ... definitely lost",
 * or -1 if there is none. */
static long definite_bytes(const char *err)
{
    const char *s = strstr(err, "leak check: ");
    unsigned long b, k;
    while (s) {
        if (sscanf(s, "leak check: %lu bytes in %lu block", &b, &k) == 2) return (long)b;
        s = strstr(s + 1, "leak check: ");
    }
    return -1;
}

/* The verdict on a program that leaks nothing: no "definitely lost" entry, and either a clean
 * summary (0 bytes definitely lost) or exactly one "leak check: cannot" line. */
static void expect_clean_or_cannot(const it_run *r, const char *what)
{
    int cannot = lines_with(r->err, "leak check: cannot");
    cr_expect_eq(lines_with(r->err, "definitely lost, allocated at:"), 0,
                 "%s: a false \"definitely lost\" entry; stderr:\n%s", what, r->err);
    cr_expect(cannot == 1 || (cannot == 0 && definite_bytes(r->err) == 0),
              "%s: neither a clean verdict nor one \"leak check: cannot\" line (%d); stderr:\n%s",
              what, cannot, r->err);
}

/* ---- 1. no descriptor left ---- */

/* nofile MODE keeps a 4096-byte block in a global and leaves one line in stdout's buffer.
 * Natively and under memcheck: exit 0, the line, no leak (memcheck refuses the hard limit of 3
 * for its own descriptors, so mode hard exits 2 there; the soft mode is its verdict). Today the
 * scan cannot open /proc/self/maps, so it scans no root: that block and stdout's buffer are
 * reported "definitely lost" with frames '???' (no descriptor for the symbols either), exit 23.
 * Required: exit 0, the line intact, clean verdict or one "leak check: cannot" line. */
static void nofile_clean(const char *mode)
{
    const char *argv[] = {it_prog("nofile"), mode, NULL};
    it_run r = gate_run(argv, NULL);
    char line[64];
    snprintf(line, sizeof line, "nofile %s: still buffered\n", mode);
    cr_expect_str_eq(r.out, line, "%s: stdout kept", mode);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
              "%s: status %d (exit %d), native exit 0; stderr:\n%s", mode, r.status,
              WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1, r.err);
    expect_clean_or_cannot(&r, mode);
    it_run_free(&r);
}

Test(leak_hazards, rlimit_nofile_3_hard, .timeout = 60)
{
    nofile_clean("hard");
}

Test(leak_hazards, rlimit_nofile_3_soft_only, .timeout = 60)
{
    nofile_clean("soft");
}

Test(leak_hazards, emfile_at_exit, .timeout = 60)
{
    nofile_clean("emfile");
}

/* nofile leak: as emfile, and a 777-byte block is dropped (memcheck: "777 bytes in 1 blocks
 * are definitely lost", in made_lost). Today: exit 23 with that block, but also the global's
 * 4096-byte block and stdout's buffer as definitely lost. Required: either the real leak alone
 * (exit 23, "777 bytes in 1 block definitely lost", no 4096-byte entry) or one "leak check:
 * cannot" line and the native exit 0; never a signal, never a hang; stdout intact. */
Test(leak_hazards, emfile_with_real_leak, .timeout = 60)
{
    const char *argv[] = {it_prog("nofile"), "leak", NULL};
    it_run r = gate_run(argv, NULL);
    cr_expect_str_eq(r.out, "nofile leak: still buffered\n", "stdout kept");
    cr_assert(WIFEXITED(r.status), "status %d: a signal or a hang; stderr:\n%s", r.status, r.err);
    int cannot = lines_with(r.err, "leak check: cannot");
    if (cannot) {
        cr_expect_eq(cannot, 1, "one line:\n%s", r.err);
        cr_expect_eq(WEXITSTATUS(r.status), 0, "could not check: native exit 0; stderr:\n%s",
                     r.err);
        cr_expect_eq(lines_with(r.err, "definitely lost, allocated at:"), 0, "%s", r.err);
    } else {
        cr_expect_eq(WEXITSTATUS(r.status), 23, "the leak is reported; stderr:\n%s", r.err);
        cr_expect(strstr(r.err, "777 bytes in 1 block definitely lost") != NULL, "%s", r.err);
        cr_expect_eq(lines_with(r.err, "4096 bytes in 1 block definitely lost"), 0,
                     "reachable blocks reported lost:\n%s", r.err);
        cr_expect_eq(definite_bytes(r.err), 777, "%s", r.err);
    }
    it_run_free(&r);
}

/* ---- 2. another thread's legitimate SIGSEGV during the scan ---- */

#define BARRIER_RUNS 30

/* Runs segv_barrier MODE BARRIER_RUNS times; returns how many runs did not exit 0, and
 * describes the first failure in first[]. */
static int barrier_failures(const char *mode, const char *const *env, char *first, size_t cap)
{
    int fails = 0;
    first[0] = 0;
    for (int i = 0; i < BARRIER_RUNS; i++) {
        const char *argv[] = {it_prog("segv_barrier"), mode, NULL};
        it_run r;
        cr_assert_eq(it_exec_lib(it_lib(), argv, env, it_tmpdir(), RUN_TIMEOUT, &r), 0);
        if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
            if (!fails++)
                snprintf(first, cap, "run %d: %s %d; stderr:\n%.2000s", i,
                         WIFSIGNALED(r.status) ? "signal" : "exit",
                         WIFSIGNALED(r.status) ? WTERMSIG(r.status) : WEXITSTATUS(r.status), r.err);
        }
        it_run_free(&r);
    }
    return fails;
}

/* segv_barrier exit: the check at exit runs while the worker faults without pause. Natively
 * and under memcheck: exit 0, no leak. Today the scan installs its own SIGSEGV handler around
 * guarded reads, and that handler resets SIGSEGV to SIG_DFL on a fault that is not its own: the
 * worker's next fault kills the process (measured on 2026-12-02, --jobs 2: 15, 19 and 18
 * of 30 runs died of SIGSEGV). Required: 30 of
 * 30 runs exit 0. */
Test(leak_hazards, other_threads_sigsegv_during_exit_check, .timeout = 600)
{
    char first[2200];
    const char *env[] = {"HEAPPROF_LEAK_CHECK=1", NULL};
    int fails = barrier_failures("exit", env, first, sizeof first);
    cr_expect_eq(fails, 0, "%d of %d runs failed; first: %s", fails, BARRIER_RUNS, first);
}

/* segv_barrier api: heapprof_check_leaks() while the worker faults (HEAPPROF_LEAK_CHECK unset,
 * so only the API's check runs), then main faults on its own page, which only the program's
 * handler can fix. Natively: exit 0. Today: the same SIGSEGV deaths (measured: 14, 18 and 14 of
 * 30). Required: 30 of 30 runs exit 0 (the check found no leak, the program's handler is still
 * installed afterwards). */
Test(leak_hazards, other_threads_sigsegv_during_api_check, .timeout = 600)
{
    char first[2200];
    int fails = barrier_failures("api", NULL, first, sizeof first);
    cr_expect_eq(fails, 0, "%d of %d runs failed; first: %s", fails, BARRIER_RUNS, first);
}

/* ---- 3. a free the preload did not see ---- */

/* libc_free MODE [dangling]: a large block freed with __libc_free. Natively: exit 0 and the
 * line; memcheck: no leak (mode unmapped; under memcheck's allocator mode reserved cannot
 * reserve the range and exits 3). Today the scan reads the block's unmapped (or PROT_NONE)
 * pages and the process dies of SIGSEGV at exit, with stdout's buffered line lost. Required:
 * no signal, stdout intact, no "definitely lost" entry (the block was freed), and exit 0 or one
 * "leak check: cannot" line. */
static void freed_behind(const char *mode, const char *dangling)
{
    const char *argv[] = {it_prog("libc_free"), mode, dangling, NULL};
    it_run r = gate_run(argv, NULL);
    const char *what = dangling ? "dangling" : "dropped";
    cr_expect(!WIFSIGNALED(r.status), "%s %s: killed by signal %d; stderr:\n%s", mode, what,
              WIFSIGNALED(r.status) ? WTERMSIG(r.status) : 0, r.err);
    cr_expect_str_eq(r.out, "freed behind heapprof's back\n", "%s %s: stdout kept", mode, what);
    cr_expect_eq(lines_with(r.err, "definitely lost, allocated at:"), 0,
                 "%s %s: the freed block reported lost; stderr:\n%s", mode, what, r.err);
    cr_expect((WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) ||
                  lines_with(r.err, "leak check: cannot") == 1,
              "%s %s: status %d without a \"leak check: cannot\" line; stderr:\n%s", mode, what,
              r.status, r.err);
    it_run_free(&r);
}

Test(leak_hazards, libc_free_unmapped, .timeout = 60)
{
    freed_behind("unmapped", NULL);
}

Test(leak_hazards, libc_free_unmapped_dangling_pointer, .timeout = 60)
{
    freed_behind("unmapped", "dangling");
}

Test(leak_hazards, libc_free_then_reserved_prot_none, .timeout = 60)
{
    freed_behind("reserved", NULL);
}

Test(leak_hazards, libc_free_then_reserved_dangling_pointer, .timeout = 60)
{
    freed_behind("reserved", "dangling");
}

/* ---- 4. /proc not mounted ---- */

/* nofile plain (a global keeps a block; natively exit 0, the line) in a private mount
 * namespace whose /proc is an empty tmpfs. Today: /proc/self/maps cannot be opened, no root is
 * scanned, both live blocks are "definitely lost", exit 23. Required: exit 0, the line, and one
 * "leak check: cannot" line (without /proc the gate cannot know what is mapped). Skipped where
 * unshare -m or the mount is not allowed (needs root or user namespaces). */
Test(leak_hazards, proc_not_mounted, .timeout = 60)
{
    const char *probe[] = {"unshare",
                           "-m",
                           "--propagation",
                           "private",
                           "sh",
                           "-c",
                           "mount -t tmpfs none /proc && test ! -e /proc/self/maps",
                           NULL};
    it_run r;
    cr_assert_eq(it_exec(probe, NULL, NULL, RUN_TIMEOUT, &r), 0);
    bool can = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
    it_run_free(&r);
    if (!can) cr_skip_test("unshare -m with a tmpfs on /proc is not allowed here");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "mount -t tmpfs none /proc && exec env LD_PRELOAD=%s HEAPPROF_LEAK_CHECK=1 "
             "HEAPPROF_OUT=%s/heapprof.%%p.json %s plain",
             it_lib(), it_tmpdir(), it_prog("nofile"));
    const char *argv[] = {"unshare", "-m", "--propagation", "private", "sh", "-c", cmd, NULL};
    cr_assert_eq(it_exec(argv, NULL, NULL, RUN_TIMEOUT, &r), 0);
    cr_expect_str_eq(r.out, "nofile plain: still buffered\n", "stdout kept");
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
              "status %d (exit %d), native exit 0; stderr:\n%s", r.status,
              WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1, r.err);
    cr_expect_eq(lines_with(r.err, "definitely lost, allocated at:"), 0, "%s", r.err);
    cr_expect_eq(lines_with(r.err, "leak check: cannot"), 1, "says it cannot check:\n%s", r.err);
    it_run_free(&r);
}

/* Small thread ids: in a new pid namespace the program is pid 1 and its threads 2, 3, ... (and
 * where pid_max is 32768 the counter wraps to small numbers too). The leak in an exited thread
 * ("leaks thread": memcheck names lost_block) must still be found: the exited thread's stack,
 * cached by glibc, holds a stale copy of the pointer, and must be told from a live thread's by
 * its tid. Before glibc's _thread_db_pthread_tid was used, a tid below 1000 made every cached
 * stack count as live: 0 bytes lost, exit 0. Skipped where unshare --pid is not allowed. */
Test(leak_hazards, small_tids_in_a_pid_namespace, .timeout = 60)
{
    const char *probe[] = {"unshare", "--pid", "--fork", "--mount-proc", "true", NULL};
    it_run r;
    cr_assert_eq(it_exec(probe, NULL, NULL, RUN_TIMEOUT, &r), 0);
    bool can = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
    it_run_free(&r);
    if (!can) cr_skip_test("unshare --pid is not allowed here");
    char pre[1200], out[1200];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s/heapprof.%%p.json", it_tmpdir());
    for (int i = 0; i < 3; i++) {
        const char *argv[] = {
            "unshare", "--pid", "--fork",         "--mount-proc", "env", "HEAPPROF_LEAK_CHECK=1",
            pre,       out,     it_prog("leaks"), "thread",       NULL};
        cr_assert_eq(it_exec(argv, NULL, NULL, RUN_TIMEOUT, &r), 0);
        const char *d = strstr(r.err, "definitely lost, allocated at:");
        cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 23 && d &&
                      strstr(d, "lost_block"),
                  "run %d: status %d, memcheck's 23 naming lost_block:\n%s", i, r.status, r.err);
        it_run_free(&r);
    }
}
