/* fork.c - fork and its relatives: quiesce every event section and hold every heapprof lock
 * across fork(), reset them in the child; tell a vfork/posix_spawn/CLONE_VM child (shares our
 * memory: touch nothing) from a raw fork/clone child (its own copy: adopt it).
 * Owns: the fork-from-a-signal-handler flag.
 * Lock order at fork: agg -> unload (symbolize) -> stacktab -> arena, after every hook left
 * (tlbuf's quiesce). Threads: the forking thread; the child has only that one. */
#include "fork.h"

#include "state.h"

#include "agg.h"
#include "arena.h"
#include "log.h"
#include "report.h"
#include "sample.h"
#include "snapshot.h"
#include "stacktab.h"
#include "symbolize.h"
#include "worker.h"

#include <errno.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool fork_inside; /* fork() from a signal handler that interrupted heapprof on this thread */

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

/* In a child with its own copy of memory: every heapprof lock as new, the other threads'
 * structs claimable, the report's pid and name for this process. */
static void reset_in_child(void)
{
    hp_arena_atfork_child();
    hp_stacktab_atfork_child();
    hp_sym_atfork_child();
    hp_agg_atfork_child();
    hp_sample_atfork_child();
    hp_tlbuf_atfork_child(hp_tls_v.t);
    hp_report_atfork_child();
}

int hp_fork_init(void)
{
    return pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static void atfork_prepare(void)
{
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE) return;
    if (hp_tls_v.in_hook) {
        /* fork from a signal handler that interrupted a hook on this thread: that hook may hold
         * our locks and its busy mark would never clear. Take nothing; the child is not
         * profiled (atfork_child), the parent goes on with the interrupted hook. */
        fork_inside = true;
        return;
    }
    hp_tlbuf_fork_quiesce(hp_tls_v.t);
    hp_agg_atfork_prepare();
    hp_sample_atfork_prepare();
    hp_sym_atfork_prepare();
    hp_stacktab_atfork_prepare();
    hp_arena_atfork_prepare();
}

static void atfork_parent(void)
{
    if (fork_inside) {
        fork_inside = false;
        return;
    }
    if (hp_load_acquire(&hp_tlbuf_forking) == NULL) return;
    hp_arena_atfork_parent();
    hp_stacktab_atfork_parent();
    hp_sym_atfork_parent();
    hp_sample_atfork_parent();
    hp_agg_atfork_parent();
    hp_tlbuf_fork_release();
}

static void atfork_child(void)
{
    hp_pid = getpid();
    if (fork_inside) { /* our locks may be held by the interrupted hook's copy: hands off */
        fork_inside = false;
        hp_store_release(&hp_state, HP_ST_OFF);
        hp_log("fork from a signal handler that interrupted heapprof: the child is not profiled",
               NULL, NULL);
        return;
    }
    if (hp_load_acquire(&hp_tlbuf_forking) == NULL) return;
    reset_in_child();
    /* not for a raw fork child: that one is adopted in a hook, and drains inline */
    hp_snapshot_atfork_child();
    hp_worker_atfork_child();
}

/* A child made by a raw fork/clone system call (no CLONE_VM): no atfork handler ran, so our
 * locks are as the parent's threads held them at that instant. Reset them as atfork_child does
 * (without the parent's quiesce, so a lock another thread held mid-update is best effort). */
static void raw_fork_child(void)
{
    hp_pid = getpid();
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE) return;
    reset_in_child();
}

/* The rule: the pid is not the one our start-up or atfork_child recorded, so this process was
 * made by vfork, posix_spawn, or a raw clone/fork system call. It shares its parent's memory
 * (vfork, CLONE_VM) exactly if kcmp(KCMP_VM) says the parent's address space is ours; then it
 * must touch nothing. Otherwise it has its own copy: adopt it and profile it as a fork child.
 * If kcmp is not available (no CONFIG_KCMP, EPERM), assume shared memory: no report. */
bool hp_is_vfork_child(void)
{
    if (hp_pid == 0 || getpid() == hp_pid) return false;
    int saved = errno;
    long same = syscall(SYS_kcmp, (long)getpid(), (long)getppid(), KCMP_VM, 0L, 0L);
    errno = saved;
    if (same != 1 && same != 2 && same != 3) return true; /* 0: shared; -1: cannot tell */
    raw_fork_child();
    return false;
}
