/* state.h - the process-wide state of the preload and the per-thread hook guard.
 * Hooks call hp_enter() first: it returns NULL when the call must pass straight through to the
 * real allocator (nested call from inside heapprof, not initialised, disabled, finished).
 * TLS is initial-exec: no allocation, no lock on access. */
#ifndef HP_STATE_H
#define HP_STATE_H

#include "tlbuf.h"

#include <sys/types.h>

enum { HP_ST_UNINIT = 0, HP_ST_INITIALIZING, HP_ST_ACTIVE, HP_ST_OFF };

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
    /* the ends of an image (exits.c); any may be NULL: exits.c falls back to the system call */
    void (*_exit)(int);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    int (*execveat)(int, const char *, char *const[], char *const[], int);
} hp_real_fns;

typedef struct hp_tls {
    hp_thread *t;
    bool in_hook; /* guard: set while heapprof runs on this thread */
    bool orphan;  /* past this thread's exit destructor: use the shared orphan struct */
    bool resolving;
    unsigned paused; /* heapprof_disable() depth: allocations pass through unrecorded */
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
    l->in_hook = true;
    return l->t;
}

static inline void hp_leave(hp_thread *t)
{
    if (HP_UNLIKELY(t->want_drain || hp_tls_v.orphan)) {
        hp_leave_slow(t);
        return;
    }
    hp_tls_v.in_hook = false;
}

/* Make sure the real functions are resolved (first call in the process). */
void hp_init(void);
/* Bootstrap buffer: serves the allocations made while dlsym resolves the real functions. */
void *hp_boot_alloc(size_t size, size_t align);
bool hp_boot_owns(const void *p);
size_t hp_boot_size(const void *p);

/* End of this image: drain, write the report (and the leak check). Idempotent. */
enum { HP_FIN_EXIT, HP_FIN__EXIT, HP_FIN_EXEC };
/* why: HP_FIN_EXIT (exit, return from main), HP_FIN__EXIT (_exit), HP_FIN_EXEC (before exec: no
 * leak check, the process goes on). Returns the exit status the leak check imposes, or 0. */
int hp_finish(int why, uintptr_t caller_sp, const void *regs, size_t regs_size);
/* After a failed exec: the image goes on (recording never stopped: HP_FIN_EXEC leaves the state
 * ACTIVE); its exit report will replace the exec's. */
void hp_resume(void);
/* True in a vfork child (or a raw clone) that shares the parent's memory. */
bool hp_is_vfork_child(void);

#endif
