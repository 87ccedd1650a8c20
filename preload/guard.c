/* guard.c - the hook guard's slow paths: a thread's first hook, the orphan path, the end of a
 * hook that has work to do (a drain, deferred events), and thread exit.
 * Owns: hp_tls_v (the per-thread guard, state.h), the pthread key whose destructor marks a
 * thread's struct exited.
 * Threads: everything here is about the calling thread; the orphan struct is shared under
 * its lock (tlbuf.c). */
#include "state.h"

#include "agg.h"
#include "clock.h"
#include "leakcheck.h"

#include <pthread.h>

__thread hp_tls hp_tls_v __attribute__((tls_model("initial-exec")));

static pthread_key_t key;

static void thread_exit_cb(void *arg);

int hp_guard_init(void)
{
    return pthread_key_create(&key, thread_exit_cb);
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
        pthread_setspecific(key, l->t); /* runs thread_exit_cb at thread exit */
#ifdef HP_TEST_SKEW
        hp_clock_test_thread();
#endif
        /* Its stack is a root of the leak check, at exit (HEAPPROF_LEAK_CHECK) or whenever the
         * API asks (heapprof_check_leaks, any mode): noted always, two registers, no call. A
         * claimed struct held the previous owner's. */
        hp_leakcheck_thread_stack(&l->t->stack_lo, &l->t->stack_hi);
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
