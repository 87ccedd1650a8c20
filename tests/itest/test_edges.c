/* test_edges.c - edges found by review (issue 7): start-up paths a hook can be reached from
 * (Rust's runtime, pthread_getattr_np before the first malloc), stack roots of the leak check,
 * stderr a closed pipe, a program that changes directory, a process killed while it writes
 * its report. Every run has a timeout, so a hang fails instead of blocking. */
#include "itest.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_S 60

/* Runs argv under the preload, reports in dir, with extra env; never longer than TIMEOUT_S. */
static it_run run_hp(const char *const *argv, const char *dir, const char *const *extra)
{
    static char pre[600], out[600];
    const char *env[16];
    int n = 0;
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s/heapprof.%%p.json", dir);
    env[n++] = pre;
    env[n++] = out;
    for (; extra && *extra && n < 15; extra++)
        env[n++] = *extra;
    env[n] = NULL;
    it_run r;
    cr_assert_eq(it_exec(argv, env, NULL, TIMEOUT_S, &r), 0);
    cr_assert(!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGKILL,
              "%s: killed after %d s: it hung; stderr:\n%s", argv[0], TIMEOUT_S, r.err);
    return r;
}

static int status_of(const it_run *r)
{
    return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 1000 + WTERMSIG(r->status);
}

static const char *const GATE[] = {"HEAPPROF_LEAK_CHECK=1", NULL};

/* ---- start-up: nothing a hook reaches may wait for a lock held around malloc ---- */

Test(startup, rust_program_without_gate)
{
    const char *argv[] = {it_prog("rust_start"), NULL};
    it_run r = run_hp(argv, it_tmpdir(), NULL);
    cr_expect_eq(status_of(&r), 0, "stderr:\n%s", r.err);
    cr_expect_str_eq(r.out, "rust: 100 keys, worker made 50\n");
    it_run_free(&r);
}

Test(startup, rust_program_under_gate_finds_the_forgotten_vec)
{
    const char *argv[] = {it_prog("rust_start"), NULL};
    it_run r = run_hp(argv, it_tmpdir(), GATE);
    cr_expect_eq(status_of(&r), 23, "stderr:\n%s", r.err);
    cr_expect_str_eq(r.out, "rust: 100 keys, worker made 50\n");
    const char *d = strstr(r.err, "4321 bytes in 1 block definitely lost, allocated at:");
    cr_expect(d && strstr(d, "forget_one"), "the Vec, named:\n%s", r.err);
    /* memcheck: 4,321 bytes definitely lost, nothing indirect (the runtime's blocks reachable) */
    cr_expect(strstr(r.err, "leak check: 4321 bytes in 1 block definitely lost, 0 bytes in 0 "
                            "blocks indirectly lost") != NULL,
              "nothing else lost:\n%s", r.err);
    it_run_free(&r);
}

Test(startup, getattr_before_first_malloc)
{
    const char *argv[] = {it_prog("getattr_first"), NULL};
    it_run r = run_hp(argv, it_tmpdir(), GATE);
    cr_expect_eq(status_of(&r), 23, "stderr:\n%s", r.err);
    cr_expect_str_eq(r.out, "stack known\n");
    const char *d = strstr(r.err, "777 bytes in 1 block definitely lost, allocated at:");
    cr_expect(d && strstr(d, "leak_getattr"), "%s", r.err);
    it_run_free(&r);
    r = run_hp(argv, it_tmpdir(), NULL);
    cr_expect_eq(status_of(&r), 0, "stderr:\n%s", r.err);
    it_run_free(&r);
}

/* The stack bounds of other threads are now found at check time: a pointer held only in a
 * running thread's frame still makes its block reachable. */
Test(startup, other_threads_stacks_are_roots)
{
    const char *modes[] = {"worker", "main"};
    for (int i = 0; i < 2; i++) {
        const char *argv[] = {it_prog("stack_roots"), modes[i], NULL};
        it_run r = run_hp(argv, it_tmpdir(), GATE);
        cr_expect_eq(status_of(&r), 0, "%s: stderr:\n%s", modes[i], r.err);
        cr_expect(strstr(r.err, "leak check: 0 bytes in 0 blocks definitely lost") != NULL,
                  "%s: %s", modes[i], r.err);
        it_run_free(&r);
    }
}

/* ---- stderr a pipe nobody reads: heapprof's lines must not kill the program ---- */

/* Runs argv (extra env, may be NULL) with stderr a pipe whose read end is already closed (so
 * every write to it fails with EPIPE and raises SIGPIPE, default action), stdout captured. */
static void run_stderr_closed(const char *const *argv, const char *const *env, char *out,
                              size_t cap, int *status)
{
    int po[2], pe[2];
    cr_assert_eq(pipe2(po, O_CLOEXEC), 0);
    cr_assert_eq(pipe(pe), 0);
    close(pe[0]); /* before the fork: no reader exists anywhere */
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL); /* whatever the test runner set, the default: death */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(pe[1]);
        for (const char *const *e = env; e && *e; e++)
            putenv((char *)*e);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t n = 0;
    struct pollfd pf = {po[0], POLLIN, 0};
    while (n + 1 < cap && poll(&pf, 1, TIMEOUT_S * 1000) > 0) {
        ssize_t k = read(po[0], out + n, cap - 1 - n);
        if (k <= 0) break;
        n += (size_t)k;
    }
    out[n] = 0;
    close(po[0]);
    if (waitpid(pid, status, WNOHANG) == 0) { /* stdout closed or timed out: wait, bounded */
        for (int i = 0; i < TIMEOUT_S * 10 && waitpid(pid, status, WNOHANG) == 0; i++)
            usleep(100000);
        if (kill(pid, 0) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
        }
    }
}

static void closed_stderr_case(const char *gate, int want_status)
{
    const char *argv[] = {it_prog("leaks"), "stdout", NULL};
    char native[256], under[256];
    int st_native, st_under;
    run_stderr_closed(argv, NULL, native, sizeof native, &st_native);
    cr_assert(WIFEXITED(st_native) && WEXITSTATUS(st_native) == 0, "native run: %d", st_native);
    char pre[600], outv[600];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    snprintf(outv, sizeof outv, "HEAPPROF_OUT=%s/heapprof.%%p.json", it_tmpdir());
    const char *env[] = {pre, outv, gate, NULL};
    run_stderr_closed(argv, env, under, sizeof under, &st_under);
    cr_expect(!WIFSIGNALED(st_under), "%s: killed by signal %d", gate,
              WIFSIGNALED(st_under) ? WTERMSIG(st_under) : 0);
    cr_expect(WIFEXITED(st_under) && WEXITSTATUS(st_under) == want_status, "%s: status %d", gate,
              st_under);
    cr_expect_str_eq(under, native, "%s: the program's stdout is intact", gate);
}

Test(stderr_pipe, closed_reader_no_gate)
{
    closed_stderr_case("HEAPPROF_LEAK_CHECK=0", 0);
}

Test(stderr_pipe, closed_reader_leak_gate)
{
    closed_stderr_case("HEAPPROF_LEAK_CHECK=1", 23);
}

/* ---- a program that changes directory keeps its report where it started ---- */

static it_run run_in(const char *cwd, const char *const *argv, const char *out)
{
    char pre[600], outv[600];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    snprintf(outv, sizeof outv, "HEAPPROF_OUT=%s", out ? out : "");
    const char *env[] = {pre, out ? outv : NULL, NULL};
    unsetenv("HEAPPROF_OUT"); /* the default name, unless out */
    it_run r;
    cr_assert_eq(it_exec(argv, env, cwd, TIMEOUT_S, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d: %s", r.status, r.err);
    return r;
}

static int reports_in(const char *dir, const char *sub)
{
    char d[600], p[4][512];
    snprintf(d, sizeof d, "%s%s", dir, sub);
    return it_reports(d, p, 4);
}

Test(chdir, default_name_in_start_directory)
{
    const char *start = it_tmpdir(), *other = it_tmpdir();
    const char *argv[] = {it_prog("chdir_exit"), other, NULL};
    it_run r = run_in(start, argv, NULL);
    cr_expect_eq(reports_in(start, ""), 1, "the report is where the program started: %s", r.err);
    cr_expect_eq(reports_in(other, ""), 0, "not where it went");
    it_run_free(&r);
}

Test(chdir, relative_out_in_start_directory)
{
    const char *start = it_tmpdir(), *other = it_tmpdir();
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/sub", start);
    snprintf(b, sizeof b, "%s/sub", other);
    cr_assert_eq(mkdir(a, 0755), 0);
    cr_assert_eq(mkdir(b, 0755), 0);
    const char *argv[] = {it_prog("chdir_exit"), other, NULL};
    it_run r = run_in(start, argv, "sub/heapprof.%p.json");
    cr_expect_eq(reports_in(start, "/sub"), 1, "%s", r.err);
    cr_expect_eq(reports_in(other, "/sub"), 0);
    it_run_free(&r);
}

Test(chdir, forked_child_too)
{
    const char *start = it_tmpdir(), *other = it_tmpdir();
    const char *argv[] = {it_prog("chdir_exit"), other, "fork", NULL};
    it_run r = run_in(start, argv, NULL);
    cr_expect_eq(reports_in(start, ""), 2, "parent's and child's: %s", r.err);
    cr_expect_eq(reports_in(other, ""), 0);
    it_run_free(&r);
}

/* ---- a process killed while it writes its report leaves nothing behind ---- */

static int entries(const char *dir)
{
    const char *ls[] = {"sh", "-c", "ls -A \"$0\" | wc -l", dir, NULL};
    it_run l;
    cr_assert_eq(it_exec(ls, NULL, NULL, 30, &l), 0);
    int n = atoi(l.out);
    it_run_free(&l);
    return n;
}

Test(killed, while_writing_the_report_leaves_nothing)
{
    const char *probe[] = {"strace", "-qq", "-o", "/dev/null", "true", NULL};
    it_run r;
    cr_assert_eq(it_exec(probe, NULL, NULL, 30, &r), 0);
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
        it_run_free(&r);
        cr_skip_test("strace cannot trace here");
    }
    it_run_free(&r);
    /* many_sites makes no write(2) of its own: the report's third 64 KiB write is SIGKILLed by
     * strace's fault injection (not a timing: that exact system call). */
    const char *dir = it_tmpdir();
    char pre[600], out[600];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s/heapprof.%%p.json", dir);
    const char *argv[] = {"strace",
                          "-qq",
                          "-o",
                          "/dev/null",
                          "-E",
                          pre,
                          "-E",
                          out,
                          "-e",
                          "trace=write",
                          "-e",
                          "inject=write:signal=KILL:when=3",
                          it_prog("many_sites"),
                          NULL};
    cr_assert_eq(it_exec(argv, NULL, NULL, TIMEOUT_S, &r), 0);
    cr_expect((WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL) ||
                  (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 128 + SIGKILL),
              "killed in its third write: status %d; %s", r.status, r.err);
    cr_expect_eq(entries(dir), 0, "no report, no temporary file, nothing partial");
    it_run_free(&r);
    /* the same run, not killed: one complete report (so the kill above hit the report) */
    const char *dir2 = it_tmpdir();
    const char *argv2[] = {it_prog("many_sites"), NULL};
    r = run_hp(argv2, dir2, NULL);
    char p[2][512];
    cr_assert_eq(it_reports(dir2, p, 2), 1);
    cJSON *j = it_load(p[0]);
    cr_expect(j && it_sum(j).sites >= 4096, "complete, every site");
    cr_expect_eq(entries(dir2), 1, "nothing else");
    cJSON_Delete(j);
    it_run_free(&r);
}
