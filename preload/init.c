/* init.c - start-up, the hook guard's slow paths, thread exit, fork, and the end of an image.
 * Owns: hp_state, hp_real, the TLS guard, the bootstrap buffer, the finished flag.
 * Life cycle: UNINIT -> INITIALIZING (first hook or constructor; dlsym recursion served by the
 * bootstrap buffer) -> ACTIVE -> OFF (finished, disabled, or a fault). exec failure: OFF -> ACTIVE.
 * Threads: initialisation is one CAS; other threads spin until it is done. */
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
#include <pthread.h>
#include <sched.h>
#include <stdio.h> /* fflush(NULL) before a leak exit: the stdio the program already uses */
#include <string.h>
#include <sys/syscall.h>
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

__attribute__((constructor)) static void hp_ctor(void)
{
    hp_init();
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
    hp_tlbuf_fork_quiesce(hp_tls_v.t);
    hp_agg_atfork_prepare();
    hp_sym_atfork_prepare();
    hp_stacktab_atfork_prepare();
    hp_arena_atfork_prepare();
}

static void atfork_parent(void)
{
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
    if (hp_load_acquire(&hp_tlbuf_forking) == NULL) return;
    hp_arena_atfork_child();
    hp_stacktab_atfork_child();
    hp_sym_atfork_child();
    hp_agg_atfork_child();
    hp_tlbuf_atfork_child(hp_tls_v.t);
    hp_report_atfork_child();
}

/* ---- end of an image ---- */

bool hp_is_vfork_child(void)
{
    return hp_pid != 0 && getpid() != hp_pid;
}

int hp_finish(int why, uintptr_t caller_sp, const void *regs, size_t regs_size)
{
    if (hp_is_vfork_child()) return 0; /* shares the parent's memory: touch nothing */
    if (atomic_exchange_explicit(&in.finished, true, memory_order_acq_rel)) return 0;
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE) return 0;
    int saved = errno, code = 0;
    bool was = hp_tls_v.in_hook;
    hp_tls_v.in_hook = true; /* libdw and friends allocate: pass those through */
    hp_store_release(&hp_state, HP_ST_OFF);
    hp_agg_lock_and_drain_all();
    bool check = why != HP_FIN_EXEC && strcmp(hp_opt.LEAK_CHECK, "0") != 0;
    if (check && hp_leakcheck_run(caller_sp, regs, regs_size) == 0) {
        hp_leakcheck_print(strcmp(hp_opt.LEAK_CHECK, "full") == 0);
        const hp_leak_totals *t = hp_leakcheck_totals();
        if (t->dbk + t->ibk) code = (int)hp_opt.EXITCODE;
    }
    hp_report_write(NULL, code);
    hp_agg_unlock();
    hp_tls_v.in_hook = was;
    errno = saved;
    return code;
}

void hp_resume(void)
{
    hp_store_release(&hp_state, HP_ST_ACTIVE);
    atomic_store_explicit(&in.finished, false, memory_order_release);
}
