/* init.c - start-up: the state machine of the preload and its modules' initialisation.
 * Owns: hp_state, hp_pid.
 * Life cycle: UNINIT -> INITIALIZING (first hook or constructor; dlsym recursion served by the
 * bootstrap buffer, real.c) -> ACTIVE -> OFF (finished, disabled, or a fault). exec: stays ACTIVE
 * (report under the agg lock, finish.c). The other concerns of the process's life have their
 * own files: real.c (real functions, bootstrap), guard.c (the hook guard, thread exit), fork.c,
 * finish.c (the end of an image).
 * Threads: initialisation is one CAS; other threads spin until it is done. */
#include "state.h"

#include "agg.h"
#include "clock.h"
#include "config.h"
#include "finish.h"
#include "fork.h"
#include "lkmaps.h"
#include "log.h"
#include "report.h"
#include "sample.h"
#include "select.h"
#include "snapshot.h"
#include "stacktab.h"
#include "unwind.h"
#include "worker.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

extern char **environ; /* the process environment (unistd.h declares it only with _GNU_SOURCE) */

_Atomic int hp_state;
pid_t hp_pid;

/* Reachable from a hook (the first one may run inside any libc function that allocates, and a
 * thread's first one in hp_enter_slow): nothing here may wait for a lock that libc or the
 * program can hold around an allocation. Checked (glibc 2.36):
 *   config parse: strcmp/strcpy on environ, write(2) - no lock; HEAPPROF_ONLY: readlink and
 *     read of /proc/self (select.c) - system calls; getpid; getcwd into a static
 *     buffer (one system call); clock (open/read of sysfs, vDSO clock_gettime); tlbuf
 *     (membarrier); arena/stacktab/agg (mmap, their own mutexes);
 *   dlsym (hp_init), dl_iterate_phdr (unwinder init, CFI cache misses): ld.so's recursive
 *     locks, so a hook reached inside the program's own dlopen/dl_iterate_phdr re-enters them;
 *     dlsym's allocations go to the bootstrap buffer;
 *   pthread_key_create (lock-free), pthread_setspecific (may calloc its second-level array,
 *     with no lock held: the nested call passes through);
 *   pthread_atfork takes glibc's atfork lock and allocates under it after 48 handlers: a first
 *     hook inside the program's 49th pthread_atfork, before our constructor, would self-deadlock
 *     (not handled: only ld.so's, libc's and our dependencies' constructors run before ours);
 *   pthread_getattr_np holds the thread's lock while it allocates: never called from a hook
 *     (hp_leakcheck_thread_stack only reads registers; bounds are found at check time). */
static void init_modules(void)
{
    hp_config_parse(environ);
    hp_pid = getpid();
    /* Not selected by HEAPPROF_ONLY: inert as with DISABLE, silently (select.h) */
    if (hp_opt.DISABLE || !hp_select_this_process(hp_opt.ONLY)) {
        hp_store_release(&hp_state, HP_ST_OFF);
        return;
    }
    if (hp_real_front_malloc) { /* we would see a sliver of the heap: say so, record nothing */
        hp_log("malloc is served by ", hp_real_front_malloc,
               ", loaded before libheapprof.so: nothing recorded, no report; put libheapprof.so "
               "first in LD_PRELOAD");
        hp_store_release(&hp_state, HP_ST_OFF);
        return;
    }
    if (hp_sample_init()) {
        hp_log("out of memory at start-up; profiling disabled", NULL, NULL);
        hp_store_release(&hp_state, HP_ST_OFF);
        return;
    }
    if (hp_sample_rate && strcmp(hp_opt.LEAK_CHECK, "0") != 0) { /* docs/production.md */
        hp_log("HEAPPROF_LEAK_CHECK refuses sampling mode (HEAPPROF_SAMPLE=", hp_sample_rate_text(),
               "): a leak verdict needs every allocation; no leak check in this run, the gate "
               "does not fail; unset HEAPPROF_SAMPLE to check for leaks");
        strcpy(hp_opt.LEAK_CHECK, "0");
    }
    hp_report_init();
    hp_clock_init();
    hp_unwind_init();
    hp_unwind_verify = hp_opt.VERIFY_UNWIND;
    if (hp_tlbuf_init() || hp_stacktab_init() || hp_agg_init() || hp_guard_init() ||
        hp_fork_init()) {
        hp_log("out of memory at start-up; profiling disabled", NULL, NULL);
        hp_store_release(&hp_state, HP_ST_OFF);
        return;
    }
    if (strcmp(hp_opt.LEAK_CHECK, "0") != 0) hp_lkmaps_reserve(); /* docs/leak-check.md */
    hp_store_release(&hp_state, HP_ST_ACTIVE);
}

void hp_init(void)
{
    int s = HP_ST_UNINIT;
    if (hp_cas_acqrel(&hp_state, &s, HP_ST_INITIALIZING)) {
        int saved = errno;
        hp_tls_v.resolving = true;
        hp_tls_v.in_hook = true; /* everything below passes through (or to the bootstrap buffer) */
        bool ok = hp_real_resolve();
        hp_tls_v.resolving = false;
        if (!ok) {
            hp_log("cannot find the real malloc; giving up", NULL, NULL);
            _exit(127);
        }
        init_modules();
        hp_tls_v.in_hook = false;
        errno = saved;
        return;
    }
    if (hp_tls_v.resolving) return;
    while (hp_load_acquire(&hp_state) == HP_ST_INITIALIZING)
        sched_yield();
}

__attribute__((constructor)) static void hp_ctor(void)
{
    hp_init();
    if (hp_load_acquire(&hp_state) == HP_ST_ACTIVE) {
        hp_finish_init();
        /* a thread, a signal handler: here, never from a first hook */
        hp_snapshot_init();
        hp_snapshot_arm(hp_worker_start());
    }
}
