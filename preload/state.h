/* state.h - the process-wide state of the preload and the per-thread hook guard: hp_state and
 * hp_pid (init.c), hp_real and the bootstrap buffer (real.c), hp_tls_v and its slow paths
 * (guard.c).
 * Hooks call hp_enter() first: it returns NULL when the call must pass straight through to the
 * real allocator (nested call from inside heapprof, not initialised, disabled, finished).
 * TLS is initial-exec: no allocation, no lock on access.
 * The guard (in_hook) tells who a nested call comes from:
 *   HP_GUARD_INTERNAL: heapprof itself may allocate here (dlsym at start-up, a thread's first
 *     hook, libunwind's slow path, libdw at report time, the API): the call passes through.
 *   HP_GUARD_HOOK: inside a hook's own code, which never calls the malloc family (check-nomalloc;
 *     the real allocator does not call back into it): a nested call there can only come from a
 *     signal handler that interrupted the hook. Its free/allocation is recorded as a deferred
 *     event (tlbuf.h, hp_tlbuf_defer), published by the interrupted hook's push or hp_leave,
 *     or by a later handler once half the array is full (outside the hook's stamp and push).
 * Invariant: in_hook == HP_GUARD_HOOK implies hp_tls_v.t != NULL and not orphan. */
#ifndef HP_STATE_H
#define HP_STATE_H

#include "tlbuf.h"

#include <sys/types.h>

enum { HP_ST_UNINIT = 0, HP_ST_INITIALIZING, HP_ST_ACTIVE, HP_ST_OFF };
/* hp_tls.in_hook; `true` (1) is HP_GUARD_INTERNAL: every guard set outside hooks.c is one. */
enum { HP_GUARD_OFF = 0, HP_GUARD_INTERNAL = 1, HP_GUARD_HOOK = 2 };

typedef struct hp_real_fns {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*memalign)(size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    int (*dlclose)(void *);
    /* the ends of an image (exits.c); any may be NULL: exits.c falls back to the system call */
    void (*_exit)(int);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    int (*execveat)(int, const char *, char *const[], char *const[], int);
    void *new_[8]; /* libstdc++'s operators new, indexed by HP_NEW_* (their types: hooks.c) */
} hp_real_fns;
enum {
    HP_NEW,
    HP_NEW_ARR,
    HP_NEW_NT,
    HP_NEW_ARR_NT,
    HP_NEW_AL,
    HP_NEW_ARR_AL,
    HP_NEW_AL_NT,
    HP_NEW_ARR_AL_NT
};

typedef struct hp_tls {
    hp_thread *t;
    uint8_t in_hook; /* guard: HP_GUARD_* while heapprof runs on this thread */
    bool orphan;     /* past this thread's exit destructor: use the shared orphan struct */
    bool resolving;
    unsigned paused;      /* heapprof_disable() depth: allocations pass through unrecorded */
    uint64_t sample_left; /* sampling mode: bytes to the next sample point; 0: not drawn yet */
    uint64_t sample_rng;  /* sampling mode: the thread's random stream (sample.c) */
} hp_tls;

extern hp_real_fns hp_real;
extern _Atomic int hp_state;
extern pid_t hp_pid;
extern __thread hp_tls hp_tls_v __attribute__((tls_model("initial-exec")));

hp_thread *hp_enter_slow(void);
void hp_leave_slow(hp_thread *t);

static inline hp_thread *hp_enter(void)
{
    hp_tls *l = &hp_tls_v;
    if (HP_UNLIKELY(l->in_hook)) return NULL;
    if (HP_UNLIKELY(hp_load_relaxed(&hp_state) != HP_ST_ACTIVE || !l->t || l->orphan))
        return hp_enter_slow();
    l->in_hook = HP_GUARD_HOOK;
    return l->t;
}

void hp_leave_flagged(hp_thread *t);

/* The guard is cleared first: from then on a signal handler's call is an ordinary hook, and
 * one that came before has set t->leave_flags (has_deferred), which is read after (the same
 * two tests as before: orphan, then the flags). */
static inline void hp_leave(hp_thread *t)
{
    if (HP_UNLIKELY(hp_tls_v.orphan)) {
        hp_leave_slow(t);
        return;
    }
    hp_tls_v.in_hook = HP_GUARD_OFF;
    atomic_signal_fence(memory_order_seq_cst);
    if (HP_UNLIKELY(t->leave_flags)) hp_leave_flagged(t);
}

/* Around heapprof's own calls that may allocate inside a hook (libunwind's slow path): nested
 * calls pass through unrecorded. */
static inline uint8_t hp_internal_begin(void)
{
    uint8_t g = hp_tls_v.in_hook;
    hp_tls_v.in_hook = HP_GUARD_INTERNAL;
    atomic_signal_fence(memory_order_seq_cst);
    return g;
}
static inline void hp_internal_end(uint8_t g)
{
    atomic_signal_fence(memory_order_seq_cst);
    hp_tls_v.in_hook = g;
}

/* Make sure the real functions are resolved (first call in the process). */
void hp_init(void);
/* Bootstrap buffer: serves the allocations made while dlsym resolves the real functions. */
void *hp_boot_alloc(size_t size, size_t align);
bool hp_boot_owns(const void *p);
size_t hp_boot_size(const void *p);

/* guard.c: the pthread key that marks a thread's struct exited at thread exit. */
int hp_guard_init(void);
/* real.c: fills hp_real from one table (dlsym RTLD_NEXT); false if a required one is missing. */
bool hp_real_resolve(void);
/* real.c: the object whose malloc the program calls when it is not heapprof's (another
 * allocator preloaded first, or the program's own), else NULL. Set by hp_real_resolve, which
 * then also points the malloc family of hp_real at that allocator. init.c stays inert. */
extern const char *hp_real_front_malloc;
/* real.c: *slot, resolved now if it was missing at start-up (a failure path only). */
void *hp_real_late(void **slot);

#endif
