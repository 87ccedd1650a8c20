/* init.c - start-up, the hook guard's slow paths, thread exit, fork, and the end of an image.
 * Owns: hp_state, hp_real, the TLS guard, the bootstrap buffer, the finished flag.
 * Life cycle: UNINIT -> INITIALIZING (first hook or constructor; dlsym recursion served by the
 * bootstrap buffer) -> ACTIVE -> OFF (finished, disabled, or a fault). exec: stays ACTIVE (report
 * under the agg lock). Threads: initialisation is one CAS; other threads spin until it is done. */
#include "state.h"

#include "agg.h"
#include "arena.h"
#include "clock.h"
#include "config.h"
#include "hooks.h"
#include "leakcheck.h"
#include "log.h"
#include "report.h"
#include "stacktab.h"
#include "symbolize.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>  /* fflush(NULL) before a leak exit: the stdio the program already uses */
#include <stdlib.h> /* at_quick_exit */
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

extern char **environ; /* the process environment (unistd.h declares it only with _GNU_SOURCE) */

hp_real_fns hp_real;
_Atomic int hp_state;
pid_t hp_pid;
__thread hp_tls hp_tls_v __attribute__((tls_model("initial-exec")));

static struct {
    pthread_key_t key;
    atomic_bool finished;
    _Alignas(16) char boot[256 << 10];
    atomic_size_t boot_used;
    bool fork_inside; /* fork() from a signal handler that interrupted heapprof on this thread */
} in;

/* ---- bootstrap buffer: [size_t size][pad to align][payload] ---- */

void *hp_boot_alloc(size_t size, size_t align)
{
    if (align < 16) align = 16;
    size_t need = size + align + 16;
    size_t at = atomic_fetch_add_explicit(&in.boot_used, need, memory_order_relaxed);
    if (at + need > sizeof in.boot) return NULL;
    uintptr_t p = ((uintptr_t)in.boot + at + 16 + align - 1) & ~(uintptr_t)(align - 1);
    ((size_t *)p)[-1] = size;
    return (void *)p;
}

bool hp_boot_owns(const void *p)
{
    return (const char *)p >= in.boot && (const char *)p < in.boot + sizeof in.boot;
}

size_t hp_boot_size(const void *p)
{
    return ((const size_t *)p)[-1];
}

/* ---- start-up ---- */

static void *resolve(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static void thread_exit_cb(void *arg);
static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

/* Reachable from a hook (the first one may run inside any libc function that allocates, and a
 * thread's first one in hp_enter_slow): nothing here may wait for a lock that libc or the
 * program can hold around an allocation. Checked (glibc 2.36):
 *   config parse: strcmp/strcpy on environ, write(2) - no lock; getpid; getcwd into a static
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
    if (hp_opt.DISABLE) {
        hp_store_release(&hp_state, HP_ST_OFF);
        return;
    }
    hp_report_init();
    hp_clock_init();
    hp_unwind_init();
    hp_unwind_verify = hp_opt.VERIFY_UNWIND;
    hp_hooks_init();
    if (hp_tlbuf_init() || hp_stacktab_init() || hp_agg_init() ||
        pthread_key_create(&in.key, thread_exit_cb) ||
        pthread_atfork(atfork_prepare, atfork_parent, atfork_child)) {
        hp_log("out of memory at start-up; profiling disabled", NULL, NULL);
        hp_store_release(&hp_state, HP_ST_OFF);
        return;
    }
    hp_store_release(&hp_state, HP_ST_ACTIVE);
}

void hp_init(void)
{
    int s = HP_ST_UNINIT;
    if (hp_cas_acqrel(&hp_state, &s, HP_ST_INITIALIZING)) {
        int saved = errno;
        hp_tls_v.resolving = true;
        hp_tls_v.in_hook = true; /* everything below passes through (or to the bootstrap buffer) */
        hp_real.malloc = resolve("malloc");
        hp_real.free = resolve("free");
        hp_real.calloc = resolve("calloc");
        hp_real.realloc = resolve("realloc");
        hp_real.memalign = resolve("memalign");
        hp_real.posix_memalign = resolve("posix_memalign");
        hp_real.aligned_alloc = resolve("aligned_alloc");
        hp_real.valloc = resolve("valloc");
        hp_real.pvalloc = resolve("pvalloc");
        hp_real.malloc_usable_size = resolve("malloc_usable_size");
        hp_real.dlclose = resolve("dlclose");
        hp_real._exit = resolve("_exit");
        hp_real.execve = resolve("execve");
        hp_real.execvpe = resolve("execvpe");
        hp_real.fexecve = resolve("fexecve");
        hp_real.execveat = resolve("execveat");
        hp_tls_v.resolving = false;
        if (!hp_real.malloc || !hp_real.free || !hp_real.calloc || !hp_real.realloc) {
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

/* quick_exit runs the at_quick_exit handlers, last registered first, then glibc's internal
 * _exit (not interposable): ours is registered in our constructor, so it runs after the
 * program's. Like exit's, it imposes the leak status. */
static void quick_exit_cb(void)
{
    int code = hp_finish(HP_FIN__EXIT, 0, NULL, 0);
    if (code) syscall(SYS_exit_group, code); /* quick_exit flushes nothing either */
}

__attribute__((constructor)) static void hp_ctor(void)
{
    hp_init();
    if (hp_load_acquire(&hp_state) == HP_ST_ACTIVE && at_quick_exit(quick_exit_cb) != 0)
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

/* ---- the guard's slow paths ---- */

hp_thread *hp_enter_slow(void)
{
    hp_tls *l = &hp_tls_v;
    int s = hp_load_acquire(&hp_state);
    if (s == HP_ST_UNINIT || s == HP_ST_INITIALIZING) {
        hp_init();
        s = hp_load_acquire(&hp_state);
    }
    if (s != HP_ST_ACTIVE || l->in_hook) return NULL;
    l->in_hook = true;
    if (l->orphan) {
        hp_tlbuf_orphan_lock();
        hp_thread *o = hp_tlbuf_orphan();
        if (!o)
            hp_tlbuf_orphan_unlock();
        else
            return o;
        l->in_hook = false;
        return NULL;
    }
    if (!l->t) {
        l->t = hp_tlbuf_attach();
        if (!l->t) {
            l->in_hook = false;
            return NULL;
        }
        pthread_setspecific(in.key, l->t); /* runs thread_exit_cb at thread exit */
#ifdef HP_TEST_SKEW
        hp_clock_test_thread();
#endif
        if (strcmp(hp_opt.LEAK_CHECK, "0") != 0) /* its stack is a root of the leak check: */
            hp_leakcheck_thread_stack(&l->t->stack_lo, &l->t->stack_hi); /* sp and tp, no call */
    }
    return l->t;
}

void hp_leave_slow(hp_thread *t)
{
    if (t->want_drain) {
        t->want_drain = false;
        hp_agg_segment_filled(t);
    }
    if (hp_tls_v.orphan) hp_tlbuf_orphan_unlock();
    hp_tls_v.in_hook = false;
}

/* Thread exit (pthread key destructor). Later destructors of the same thread may still free
 * blocks: they are recorded through the shared orphan struct, so this one can be reused. */
static void thread_exit_cb(void *arg)
{
    hp_thread *t = arg;
    hp_tls_v.orphan = true;
    hp_tls_v.t = NULL;
    hp_tlbuf_detach(t);
}

/* ---- fork: quiesce every event section, hold every lock, reset them in the child ---- */

static void atfork_prepare(void)
{
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE) return;
    if (hp_tls_v.in_hook) {
        /* fork from a signal handler that interrupted a hook on this thread: that hook may hold
         * our locks and its busy mark would never clear. Take nothing; the child is not
         * profiled (atfork_child), the parent goes on with the interrupted hook. */
        in.fork_inside = true;
        return;
    }
    hp_tlbuf_fork_quiesce(hp_tls_v.t);
    hp_agg_atfork_prepare();
    hp_sym_atfork_prepare();
    hp_stacktab_atfork_prepare();
    hp_arena_atfork_prepare();
}

static void atfork_parent(void)
{
    if (in.fork_inside) {
        in.fork_inside = false;
        return;
    }
    if (hp_load_acquire(&hp_tlbuf_forking) == NULL) return;
    hp_arena_atfork_parent();
    hp_stacktab_atfork_parent();
    hp_sym_atfork_parent();
    hp_agg_atfork_parent();
    hp_tlbuf_fork_release();
}

static void atfork_child(void)
{
    hp_pid = getpid();
    if (in.fork_inside) { /* our locks may be held by the interrupted hook's copy: hands off */
        in.fork_inside = false;
        hp_store_release(&hp_state, HP_ST_OFF);
        hp_log("fork from a signal handler that interrupted heapprof: the child is not profiled",
               NULL, NULL);
        return;
    }
    if (hp_load_acquire(&hp_tlbuf_forking) == NULL) return;
    hp_arena_atfork_child();
    hp_stacktab_atfork_child();
    hp_sym_atfork_child();
    hp_agg_atfork_child();
    hp_tlbuf_atfork_child(hp_tls_v.t);
    hp_report_atfork_child();
}

/* ---- end of an image ---- */

/* A child made by a raw fork/clone system call (no CLONE_VM): no atfork handler ran, so our
 * locks are as the parent's threads held them at that instant. Reset them as atfork_child does
 * (without the parent's quiesce, so a lock another thread held mid-update is best effort). */
static void raw_fork_child(void)
{
    hp_pid = getpid();
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE) return;
    hp_arena_atfork_child();
    hp_stacktab_atfork_child();
    hp_agg_atfork_child();
    hp_tlbuf_atfork_child(hp_tls_v.t);
    hp_report_atfork_child();
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
 * assembly: no allocation, one rt_sigprocmask). Used by one finish at a time (in.finished). */
#define FINISH_STACK (1u << 20)
#define GUARD_PAGE   4096u

static struct {
    ucontext_t caller, work;
    int why, code;
    bool handler;
    uintptr_t caller_sp;
    const void *regs;
    size_t regs_size;
} fin;

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
    bool check = why != HP_FIN_EXEC && strcmp(hp_opt.LEAK_CHECK, "0") != 0;
    if (check && hp_leakcheck_run(caller_sp, regs, regs_size) == 0) {
        hp_leakcheck_print(strcmp(hp_opt.LEAK_CHECK, "full") == 0);
        const hp_leak_totals *t = hp_leakcheck_totals();
        if (t->dbk + t->ibk) code = (int)hp_opt.EXITCODE;
    }
    hp_report_write(NULL, code);
    hp_sym_set_offline(false);
    hp_agg_unlock();
    return code;
}

static void finish_entry(void)
{
    fin.code = finish_work(fin.why, fin.handler, fin.caller_sp, fin.regs, fin.regs_size);
} /* returns through uc_link to fin.caller */

static int finish_on_own_stack(int why, bool handler, uintptr_t caller_sp, const void *regs,
                               size_t regs_size)
{
    size_t len = FINISH_STACK + GUARD_PAGE;
    char *base = mmap(NULL, len, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED || mprotect(base, GUARD_PAGE, PROT_NONE) != 0 ||
        getcontext(&fin.work) != 0) {
        if (base != MAP_FAILED) munmap(base, len);
        return finish_work(why, handler, caller_sp, regs, regs_size); /* the caller's stack */
    }
    fin.why = why;
    fin.handler = handler;
    fin.caller_sp = caller_sp;
    fin.regs = regs;
    fin.regs_size = regs_size;
    fin.work.uc_stack.ss_sp = base + GUARD_PAGE;
    fin.work.uc_stack.ss_size = FINISH_STACK;
    fin.work.uc_link = &fin.caller;
    makecontext(&fin.work, finish_entry, 0);
    if (swapcontext(&fin.caller, &fin.work) != 0) {
        munmap(base, len);
        return finish_work(why, handler, caller_sp, regs, regs_size);
    }
    munmap(base, len);
    return fin.code;
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
    if (atomic_exchange_explicit(&in.finished, true, memory_order_acq_rel)) return 0;
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE) return 0;
    int saved = errno;
    bool was = hp_tls_v.in_hook;
    hp_tls_v.in_hook = true; /* libdw and friends allocate: pass those through */
    /* From a signal handler the program's own malloc may be interrupted on this thread: then
     * libdw (dlopen, its tables) would wait for ever on malloc's lock. Write raw addresses. */
    bool handler = why != HP_FIN_EXIT && in_signal_handler();
    /* The leak check's roots start at the program's frame; find it while on its stack. */
    if (why != HP_FIN_EXEC && !caller_sp && strcmp(hp_opt.LEAK_CHECK, "0") != 0) {
        caller_sp = hp_leakcheck_exit_caller_sp();
        if (!caller_sp) caller_sp = (uintptr_t)__builtin_frame_address(0);
    }
    /* exit/_exit: later events are outside the run. exec: recording goes on (other threads'
     * events are kept, in their queues, for the report of a failed exec's image). */
    if (why != HP_FIN_EXEC) hp_store_release(&hp_state, HP_ST_OFF);
    int code = finish_on_own_stack(why, handler, caller_sp, regs, regs_size);
    hp_tls_v.in_hook = was;
    errno = saved;
    return code;
}

void hp_resume(void)
{
    atomic_store_explicit(&in.finished, false, memory_order_release);
}
