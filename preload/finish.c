/* finish.c - the end of an image: exit, _exit, quick_exit, exec. Drains every queue, runs the
 * leak check, writes the report - on a stack of heapprof's own, never waiting for ever.
 * Owns: the finished flag, the end-of-run stack and context.
 * Invariant: at most one finish runs at a time (finished is exchanged first); a finish never
 * blocks when it may come from a signal handler (_exit, exec): bounded trylock, no report.
 * Threads: the thread that ends the image; other threads may still be running. */
#include "finish.h"

#include "fork.h"
#include "state.h"

#include "agg.h"
#include "arena.h"
#include "config.h"
#include "leakcheck.h"
#include "lkwatch.h"
#include "log.h"
#include "report.h"
#include "sample.h"
#include "sites.h"
#include "symbolize.h"
#include "unwind.h"

#include <errno.h>
#include <stdio.h>  /* fflush(NULL) before a leak exit: the stdio the program already uses */
#include <stdlib.h> /* at_quick_exit */
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* Which thread's finish runs (&its hp_tls_v), NULL if none: taken by exchange, given back only
 * by the same thread (hp_resume after its failed exec). */
static _Atomic(void *) finisher;
static _Atomic int finisher_why; /* its reason (HP_FIN_*) */

/* quick_exit runs the at_quick_exit handlers, last registered first, then glibc's internal
 * _exit (not interposable): ours is registered in our constructor, so it runs after the
 * program's. Like exit's, it imposes the leak status. */
static void quick_exit_cb(void)
{
    int code = hp_finish(HP_FIN__EXIT, 0, NULL, 0);
    if (code) syscall(SYS_exit_group, code); /* quick_exit flushes nothing either */
}

void hp_finish_init(void)
{
    if (at_quick_exit(quick_exit_cb) != 0)
        hp_log("cannot register at quick_exit: quick_exit will write no report", NULL, NULL);
}

__attribute__((destructor)) static void hp_dtor(void)
{
    int code = hp_finish(HP_FIN_EXIT, 0, NULL, 0);
    if (code) {
        /* Leaks: leave with the leak status, after flushing stdio exactly as exit would have
         * (the program's buffered output is its own); later destructors are skipped, as
         * LeakSanitizer skips them. */
        fflush(NULL);
        syscall(SYS_exit_group, code);
    }
}

/* True if the calling thread runs a signal handler: a frame on its stack returns to glibc's
 * x86-64 signal trampoline __restore_rt (mov $15, %rax; syscall), as libunwind recognises it.
 * libunwind's local unwinder does not call malloc. */
static bool in_signal_handler(void)
{
    static const unsigned char restore_rt[] = {0x48, 0xc7, 0xc0, 0x0f, 0x00,
                                               0x00, 0x00, 0x0f, 0x05};
    uintptr_t ips[64];
    int n = hp_unwind_ref(ips, 64);
    for (int i = 0; i < n; i++)
        if (ips[i] && memcmp((const void *)ips[i], restore_rt, sizeof restore_rt) == 0) return true;
    return false;
}

/* The final drain under the agg lock. exit() waits for the lock (another thread's drain ends).
 * _exit and exec are async-signal-safe, so they may come from a handler that interrupted a
 * drain, or the program's malloc while another thread's heapprof_dump waits for that malloc:
 * they try for a bounded time and give up rather than hang. */
#define FINISH_LOCK_TRY_S 2
static bool finish_lock_and_drain(int why)
{
    if (why == HP_FIN_EXIT) {
        hp_agg_lock_and_drain_all();
        return true;
    }
    struct timespec t0, now, nap = {0, 100 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        /* exec: the other threads keep recording (the exec may fail), so only what is ordered
         * (the horizon); _exit: everything appended, as at exit */
        if (why == HP_FIN_EXEC ? hp_agg_try_lock_and_drain() : hp_agg_try_lock_and_drain_all())
            return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > FINISH_LOCK_TRY_S) return false;
        nanosleep(&nap, NULL);
    }
}

/* The end-of-run work (drain, leak check, report, libdw) needs tens of KiB of stack; the
 * program may end from a thread with a 16 KiB one. It runs on a stack of heapprof's own: mmap'ed
 * on demand (never at start-up), a guard page below, entered with swapcontext (glibc's is
 * assembly: no allocation, one rt_sigprocmask). Used by one finish at a time (finisher). */
#define FINISH_STACK (1u << 20)
#define GUARD_PAGE   4096u

/* One finish's context: it lives after the top of the finish's own stack mapping (never on the
 * caller's stack, which may be small), and this thread finds it through fin_cur. */
typedef struct fin_call {
    ucontext_t caller, work;
    int why, code;
    bool handler;
    uintptr_t caller_sp;
    const void *regs;
    size_t regs_size;
} fin_call;
static __thread fin_call *fin_cur __attribute__((tls_model("initial-exec")));

static int finish_work(int why, bool handler, uintptr_t caller_sp, const void *regs,
                       size_t regs_size)
{
    int code = 0;
    if (!finish_lock_and_drain(why)) {
        hp_log("the image ends while another thread holds heapprof's lock: no report", NULL, NULL);
        return 0;
    }
    if (handler) {
        hp_log("the image ends in a signal handler: frames are not symbolized", NULL, NULL);
        hp_sym_set_offline(true);
    }
    bool check = why != HP_FIN_EXEC && why != HP_FIN_DAEMON && strcmp(hp_opt.LEAK_CHECK, "0") != 0;
    if (check && hp_leakcheck_run(hp_tls_v.t, caller_sp, regs, regs_size) == 0) {
        hp_leakcheck_print(strcmp(hp_opt.LEAK_CHECK, "full") == 0);
        if (hp_leakcheck_failed()) code = (int)hp_opt.EXITCODE;
    }
    /* No allocation seen: a line instead of an empty report marked complete (docs/options.md);
     * before an exec, nothing at all (the next image reports). Sampling mode: a run whose
     * allocations were all left unsampled still gets its report (it says "0 samples"). */
    hp_sites_finish();
    if (hp_sites_totals()->tbk || (hp_sample_rate && why != HP_FIN_EXEC))
        hp_report_write(NULL, code);
    else if (why != HP_FIN_EXEC)
        hp_report_none();
    hp_sym_set_offline(false);
    hp_agg_unlock();
    return code;
}

static void finish_entry(void)
{
    fin_call *f = fin_cur;
    f->code = finish_work(f->why, f->handler, f->caller_sp, f->regs, f->regs_size);
} /* returns through uc_link to f->caller */

static int finish_on_own_stack(int why, bool handler, uintptr_t caller_sp, const void *regs,
                               size_t regs_size)
{
    size_t ctx = (sizeof(fin_call) + GUARD_PAGE - 1) / GUARD_PAGE * GUARD_PAGE;
    size_t len = GUARD_PAGE + FINISH_STACK + ctx;
    /* hp_map: registered as heapprof's, so the leak check never takes it for the program's */
    char *base = hp_map(len);
    fin_call *f = !base ? NULL : (fin_call *)(base + GUARD_PAGE + FINISH_STACK);
    if (!f || mprotect(base, GUARD_PAGE, PROT_NONE) != 0 || getcontext(&f->work) != 0) {
        if (f) hp_unmap(base, len);
        return finish_work(why, handler, caller_sp, regs, regs_size); /* the caller's stack */
    }
    f->why = why;
    f->handler = handler;
    f->caller_sp = caller_sp;
    f->regs = regs;
    f->regs_size = regs_size;
    f->work.uc_stack.ss_sp = base + GUARD_PAGE;
    f->work.uc_stack.ss_size = FINISH_STACK;
    f->work.uc_link = &f->caller;
    makecontext(&f->work, finish_entry, 0);
    fin_call *outer = fin_cur;
    fin_cur = f;
    int code;
    if (swapcontext(&f->caller, &f->work) != 0)
        code = finish_work(why, handler, caller_sp, regs, regs_size);
    else
        code = f->code;
    fin_cur = outer;
    hp_unmap(base, len);
    return code;
}

/* Takes the finish for this thread. Another thread's exec report in progress: wait for it (the
 * exec replaces the process, or fails and gives the finish back), up to FINISH_LOCK_TRY_S; any
 * other finish in progress (or done): the process is ending with that one's report. */
static bool take_finish(int why)
{
    void *me = &hp_tls_v, *none = NULL;
    struct timespec t0, now, nap = {0, 100 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_compare_exchange_strong_explicit(&finisher, &none, me, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            hp_store_relaxed(&finisher_why, why);
            return true;
        }
        if (none == me || hp_load_relaxed(&finisher_why) != HP_FIN_EXEC) return false;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > FINISH_LOCK_TRY_S) return false;
        nanosleep(&nap, NULL);
        none = NULL;
    }
}

int hp_finish(int why, uintptr_t caller_sp, const void *regs, size_t regs_size)
{
    if (hp_is_vfork_child()) return 0; /* shares the parent's memory: touch nothing */
    if (hp_tls_v.in_hook) {
        /* A signal handler interrupted heapprof on this thread (a hook, a drain): its locks and
         * half-done updates are ours. No report; the real _exit/exec goes ahead. */
        if (hp_load_acquire(&hp_state) == HP_ST_ACTIVE)
            hp_log("the image ends in a signal handler that interrupted heapprof: no report", NULL,
                   NULL);
        return 0;
    }
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE || !take_finish(why)) return 0;
    int saved = errno;
    bool was = hp_tls_v.in_hook;
    hp_tls_v.in_hook = true; /* libdw and friends allocate: pass those through */
    /* From a signal handler the program's own malloc may be interrupted on this thread: then
     * libdw (dlopen, its tables) would wait for ever on malloc's lock. Write raw addresses. */
    bool handler = why != HP_FIN_EXIT && in_signal_handler();
    /* The leak check's roots start at the program's frame; find it while on its stack. */
    if (why != HP_FIN_EXEC && why != HP_FIN_DAEMON && !caller_sp &&
        strcmp(hp_opt.LEAK_CHECK, "0") != 0) {
        caller_sp = hp_leakcheck_exit_caller_sp();
        if (!caller_sp) caller_sp = (uintptr_t)__builtin_frame_address(0);
    }
    /* exit/_exit: later events are outside the run. exec: recording goes on (other threads'
     * events are kept, in their queues, for the report of a failed exec's image). */
    if (why != HP_FIN_EXEC && why != HP_FIN_DAEMON && strcmp(hp_opt.LEAK_CHECK, "0") != 0)
        hp_lkwatch_start(); /* frees the other threads make from now on: not leaks (lkwatch.h) */
    if (why != HP_FIN_EXEC) hp_store_release(&hp_state, HP_ST_OFF);
    int code = finish_on_own_stack(why, handler, caller_sp, regs, regs_size);
    hp_tls_v.in_hook = was;
    errno = saved;
    return code;
}

void hp_resume(void)
{
    void *me = &hp_tls_v; /* only the thread whose exec report took the finish gives it back */
    atomic_compare_exchange_strong_explicit(&finisher, &me, NULL, memory_order_acq_rel,
                                            memory_order_relaxed);
}
