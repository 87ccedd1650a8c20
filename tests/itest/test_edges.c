/* test_edges.c - edges found by review (issue 7): start-up paths a hook can be reached from
 * (Rust's runtime, pthread_getattr_np before the first malloc), stack roots of the leak check,
 * stderr a closed pipe, a program that changes directory, a process killed while it writes
 * its report. Every run has a timeout, so a hang fails instead of blocking. */
#include "itest.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

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
