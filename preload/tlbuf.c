/* tlbuf.c - per-thread event queues: a linked list of 64 KiB segments, one producer (the
 * owner thread) and one consumer at a time (agg.c, under its lock).
 * Invariants: for each thread, events appear in the queue in the order of their timestamps;
 *             a segment is recycled only after the consumer moved past it, which it does only
 *             once the owner linked its successor (the owner never touches it again);
 *             t->r <= t->rseg->count <= HP_SEG_CAP;
 *             deferred events (tlbuf.h) enter the queue only from the owner's own code, with
 *             signals blocked, sorted, after the events whose ts is smaller.
 * Threads: the owner appends without locks; the registry only grows (CAS push); an exited
 * thread's struct is claimed by a new thread with a CAS on its state. In a fork child the
 * parent's other threads' structs are exited and inherited (their stacks stay leak roots)
 * until claimed. */
#include "tlbuf.h"

#include "arena.h"
#include "log.h"
#include "order.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

_Atomic(hp_thread *) hp_tlbuf_forking;
_Atomic bool hp_tlbuf_asym;

static volatile char *shootdown_page; /* for the fallback fence */

int hp_tlbuf_init(void)
{
    shootdown_page = hp_map(4096);
    if (!shootdown_page) return -1;
#ifdef __SANITIZE_THREAD__
    /* TSan cannot see membarrier's barrier: use the locked-exchange protocol it can model. */
    hp_store_relaxed(&hp_tlbuf_asym, false);
    return 0;
#endif
    long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    hp_store_relaxed(&hp_tlbuf_asym,
                     cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
                         syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) ==
                             0);
    return 0;
}

/* The fence when membarrier is refused: write-protecting a present, dirty page makes the
 * kernel flush it from the TLB of every CPU that runs a thread of this process, by an
 * interrupt, which serialises each such CPU (the technique folly's asymmetric barrier falls
 * back to). A thread not running has passed a context switch, itself a full barrier. */
static void fence_by_shootdown(void)
{
    if (mprotect((void *)shootdown_page, 4096, PROT_READ | PROT_WRITE) == 0) {
        shootdown_page[0]++;
        mprotect((void *)shootdown_page, 4096, PROT_READ);
    }
}

void hp_tlbuf_fence_all(void)
{
    if (hp_load_relaxed(&hp_tlbuf_asym) &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
        /* Refused after start-up (a seccomp filter): from now on hooks fence themselves. */
        if (hp_exchange_seqcst(&hp_tlbuf_asym, false))
            hp_log("membarrier refused; hooks now use a locked exchange (slower, still exact)",
                   NULL, NULL);
        fence_by_shootdown(); /* for the threads that entered a hook before the switch */
    }
    static _Atomic int fence_word;
    hp_exchange_seqcst(&fence_word, 0); /* our own full barrier (a fence TSan can model) */
}

static struct {
    _Atomic(hp_thread *) head;
    hp_thread *orphan;
    pthread_mutex_t orphan_lock;
} tb = {.orphan_lock = PTHREAD_MUTEX_INITIALIZER};

static hp_seg *seg_new(void)
{
    hp_seg *s = hp_arena_alloc(sizeof(hp_seg));
    return s;
}

static hp_thread *thread_new(void)
{
    hp_thread *t = hp_arena_alloc(sizeof *t);
    hp_seg *s = seg_new();
    if (!t || !s) return NULL;
    t->wseg = t->rseg = s;
    t->wlimit = HP_SEG_CAP;
    atomic_init(&t->state, HP_T_ACTIVE);
    hp_thread *h = hp_load_relaxed(&tb.head);
    do
        t->next = h;
    while (!atomic_compare_exchange_weak_explicit(&tb.head, &h, t, memory_order_release,
                                                  memory_order_relaxed));
    return t;
}

hp_thread *hp_tlbuf_attach(void)
{
    for (hp_thread *t = hp_load_acquire(&tb.head); t; t = t->next) {
        int exited = HP_T_EXITED;
        if (hp_load_relaxed(&t->state) == HP_T_EXITED &&
            hp_cas_acqrel(&t->state, &exited, HP_T_ACTIVE)) {
            /* acquire: sees the previous owner's last writes to its fields. An ancestor's
             * stack is no longer this struct's: the leak check scans the caller's. */
            hp_store_relaxed(&t->inherited, false); /* a flag alone: publishes nothing */
            return t;
        }
    }
    return thread_new();
}

void hp_tlbuf_detach(hp_thread *t)
{
    hp_store_release(&t->state, HP_T_EXITED);
}

hp_thread *hp_tlbuf_orphan(void)
{
    if (!tb.orphan) {
        hp_thread *t = thread_new();
        if (t) hp_store_release(&t->state, 0); /* never claimable */
        tb.orphan = t;
    }
    return tb.orphan;
}

void hp_tlbuf_orphan_lock(void)
{
    pthread_mutex_lock(&tb.orphan_lock);
}

void hp_tlbuf_orphan_unlock(void)
{
    pthread_mutex_unlock(&tb.orphan_lock);
}

hp_thread *hp_tlbuf_first(void)
{
    return hp_load_acquire(&tb.head);
}

void hp_tlbuf_next_segment(hp_thread *t)
{
    hp_seg *s = t->spare;
    if (s) {
        t->spare = s->free_next;
    } else {
        s = atomic_exchange_explicit(&t->returned, NULL, memory_order_acquire);
        if (s)
            t->spare = s->free_next;
        else
            s = seg_new();
    }
    if (!s) return;
    hp_store_relaxed(&s->count, 0);
    hp_store_relaxed(&s->next, NULL);
    s->free_next = NULL;
    hp_store_release(&t->wseg->next, s); /* consumer may now move past wseg */
    t->wseg = s;
    t->w = 0;
    t->segs_made++;
    t->want_drain = true;
}

void hp_tlbuf_reserve(hp_thread *t)
{
    if (t->spare || hp_load_relaxed(&t->returned)) return; /* next_segment takes one of those */
    hp_seg *s = seg_new();
    if (!s) return;                              /* the push counts the loss */
    for (size_t o = 0; o < sizeof *s; o += 4096) /* its page faults now, not in in_record */
        ((volatile char *)s)[o] = 0;
    t->in_record = true; /* a handler may take the spare list (handler_flush) */
    atomic_signal_fence(memory_order_seq_cst);
    s->free_next = t->spare;
    t->spare = s;
    atomic_signal_fence(memory_order_seq_cst);
    t->in_record = false;
}

/* Appends at the tail, in a new segment if this one is full. */
static void append(hp_thread *t, unsigned kind, uint64_t ts, uintptr_t addr, uint64_t size,
                   uint64_t aux)
{
    if (t->w >= HP_SEG_CAP) {
        hp_tlbuf_next_segment(t);
        if (HP_UNLIKELY(t->w >= HP_SEG_CAP)) { /* no memory for a new segment */
            t->lost++;
            return;
        }
    }
    hp_tlbuf_write(t, kind, ts, addr, size, aux);
}

/* Signals blocked (no handler can add one meanwhile): appends the deferred events with
 * ts <= lim in timestamp order and keeps the others. The last one out clears hold, after
 * the events are visible (release), and reopens push's fast path. In a handler (!may_alloc)
 * a new segment, when none is at hand, is mapped without a lock (the owner may be starved or
 * blocked for thousands of signals: its queue's consumer waits for its busy); if even that
 * fails it stops: the rest, all later, stay. */
/* Deferred slot i: the struct's array, then the overflow. */
static inline hp_event *dslot(hp_thread *t, uint32_t i)
{
    return i < HP_DEFER_CAP ? &t->deferred[i] : &t->ovf[i - HP_DEFER_CAP];
}
#define D(i) (*dslot(t, (i)))

static void merge_deferred(hp_thread *t, uint64_t lim, bool may_alloc)
{
    uint32_t n = hp_load_relaxed(&t->ndeferred), keep = 0;
    if (n > HP_DEFER_CAP + HP_DEFER_OVF) n = HP_DEFER_CAP + HP_DEFER_OVF;
    for (uint32_t i = 1; i < n; i++) { /* insertion sort: nested handlers may stamp out of order */
        hp_event x = D(i);
        uint32_t j = i;
        for (; j > 0 && D(j - 1).ts > x.ts; j--)
            D(j) = D(j - 1);
        D(j) = x;
    }
    for (uint32_t i = 0; i < n; i++) {
        hp_event *d = dslot(t, i);
        if (d->ts > lim) {
            D(keep++) = *d;
            continue;
        }
        if (!may_alloc && t->w >= HP_SEG_CAP && !t->spare && !hp_load_relaxed(&t->returned)) {
            t->spare = hp_map_nowait(sizeof(hp_seg)); /* zeroed: free_next == NULL */
            if (!t->spare) {
                lim = 0; /* keeps this one and the rest, in order */
                D(keep++) = *d;
                continue;
            }
        }
        append(t, d->kind, d->ts, d->addr, d->size, d->aux);
        if (d->ts > t->last_ts) t->last_ts = d->ts;
    }
    hp_store_relaxed(&t->ndeferred, keep);
    if (keep) return;
    t->has_deferred = false;
    t->wlimit = HP_SEG_CAP;
    hp_store_release(&t->hold, 0);
}

void hp_tlbuf_push_slow(hp_thread *t, unsigned kind, uint64_t ts, uintptr_t addr, uint64_t size,
                        uint64_t aux)
{
    if (HP_LIKELY(!t->has_deferred)) {
        append(t, kind, ts, addr, size, aux);
        return;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    merge_deferred(t, ts, true); /* the ones stamped <= ts go first; the rest are > ts */
    append(t, kind, ts, addr, size, aux);
    t->in_record = false; /* the tail is at rest: a signal pending at the unblock may append */
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

bool hp_tlbuf_flush_deferred(hp_thread *t, bool may_wait)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    /* busy = last_ts, <= every deferred ts (tlbuf.h): a section like any hook's */
    bool ok;
    if (may_wait) {
        ok = hp_tlbuf_begin(t);
    } else { /* under the agg lock, which a forking thread waits for: never wait for it */
        hp_exchange_seqcst(&t->busy, t->last_ts | 1);
        ok = hp_load_relaxed(&hp_tlbuf_forking) == NULL;
        if (!ok) hp_store_release(&t->busy, 0);
    }
    if (ok) {
        merge_deferred(t, UINT64_MAX, true);
        hp_tlbuf_end(t);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

/* In a handler, signals blocked, outside the owner's in_record and any other handler's defer:
 * appends the deferred events itself (tlbuf.h). The owner is interrupted: no event of its own
 * is stamped and not in the queue, and its tail and last_ts are at rest, as in merge_deferred
 * from the owner. busy: the owner's if it is in a section (<= every deferred ts), else one of
 * our own, like hp_tlbuf_flush_deferred's, which also keeps us out of a fork under way. */
static void handler_flush(hp_thread *t)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (*(volatile uint32_t *)&t->in_defer == 1 && !*(volatile bool *)&t->in_record) {
        bool own = hp_load_relaxed(&t->busy) == 0;
        bool ok = true;
        if (own) {
            hp_exchange_seqcst(&t->busy, t->last_ts | 1);
            ok = hp_load_relaxed(&hp_tlbuf_forking) == NULL;
        }
        if (ok) merge_deferred(t, UINT64_MAX, false);
        if (own) hp_store_release(&t->busy, 0);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static bool defer(hp_thread *t, unsigned kind, uintptr_t addr, uint64_t size, uint64_t aux);

bool hp_tlbuf_defer(hp_thread *t, unsigned kind, uintptr_t addr, uint64_t size, uint64_t aux)
{
    volatile uint32_t *in = &t->in_defer;
    *in = *in + 1;
    atomic_signal_fence(memory_order_seq_cst);
    bool ok = defer(t, kind, addr, size, aux);
    if (hp_load_relaxed(&t->ndeferred) >= HP_DEFER_CAP / 2 && *in == 1 &&
        !*(volatile bool *)&t->in_record)
        handler_flush(t);
    atomic_signal_fence(memory_order_seq_cst);
    *in = *in - 1;
    return ok;
}

static bool defer(hp_thread *t, unsigned kind, uintptr_t addr, uint64_t size, uint64_t aux)
{
    uint32_t i = atomic_fetch_add_explicit(&t->ndeferred, 1, memory_order_relaxed);
    /* The overflow is mapped by the outermost handler only (in_defer == 1): a nested one
     * cannot race it for the pointer. */
    if (i >= HP_DEFER_CAP && !t->ovf && *(volatile uint32_t *)&t->in_defer == 1)
        t->ovf = hp_map_nowait(HP_DEFER_OVF * sizeof(hp_event));
    if (i >= HP_DEFER_CAP + HP_DEFER_OVF || (i >= HP_DEFER_CAP && !t->ovf)) {
        atomic_fetch_sub_explicit(&t->ndeferred, 1, memory_order_relaxed);
        return false;
    }
    /* The owner writes last_ts with one aligned store and cannot run until we return: this
     * copy is its value before or after the interrupted stamp. Nested handlers read the same
     * one, so the first hold stored is a lower bound for all of them. */
    uint64_t last = *(volatile uint64_t *)&t->last_ts;
    if (hp_load_relaxed(&t->hold) == 0) hp_store_relaxed(&t->hold, last | 1);
    atomic_signal_fence(memory_order_seq_cst); /* hold before the stamp's CAS (order.h) */
    uint64_t ts = hp_order_stamp(&last, addr);
    hp_event *e = dslot(t, i);
    e->ts = ts;
    e->addr = addr;
    e->aux = aux;
    e->size = size;
    e->kind = kind;
    atomic_signal_fence(memory_order_seq_cst);
    t->has_deferred = true;
    t->wlimit = 0;
    atomic_signal_fence(memory_order_seq_cst);
    return true;
}

static void recycle(hp_thread *t, hp_seg *s)
{
    hp_seg *h = hp_load_relaxed(&t->returned);
    do
        s->free_next = h;
    while (!atomic_compare_exchange_weak_explicit(&t->returned, &h, s, memory_order_release,
                                                  memory_order_relaxed));
}

const hp_event *hp_tlbuf_peek_slow(hp_thread *t)
{
    for (;;) {
        uint32_t c = hp_load_acquire(&t->rseg->count); /* pairs with release in push */
        t->rcount = c;
        if (t->r < c) return &t->rseg->ev[t->r];
        if (t->r < HP_SEG_CAP) return NULL;
        hp_seg *n = hp_load_acquire(&t->rseg->next);
        if (!n) return NULL;
        hp_seg *done = t->rseg;
        t->rseg = n;
        t->r = 0;
        t->rcount = 0;
        recycle(t, done);
        hp_store_relaxed(&t->segs_done, hp_load_relaxed(&t->segs_done) + 1);
    }
}

uint64_t hp_tlbuf_tail_ts(hp_thread *t)
{
    uint64_t ts = 0;
    for (hp_seg *s = t->rseg; s; s = hp_load_acquire(&s->next)) {
        uint32_t c = hp_load_acquire(&s->count);
        if (c) ts = s->ev[c - 1].ts;
    }
    return ts;
}

uint64_t hp_tlbuf_lost(void)
{
    uint64_t n = 0;
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next)
        n += t->lost;
    return n;
}

bool hp_tlbuf_fork_wait_slow(hp_thread *t)
{
    hp_thread *f = hp_load_acquire(&hp_tlbuf_forking);
    hp_store_release(&t->busy, 0);
    if (f == t) return false; /* the forking thread itself: pass through */
    while (hp_load_acquire(&hp_tlbuf_forking) != NULL)
        sched_yield();
    return hp_tlbuf_begin(t);
}

void hp_tlbuf_fork_quiesce(hp_thread *self)
{
    /* The marker must be non-NULL even for a thread that never allocated. */
    static hp_thread none;
    /* The orphan lock first: a thread past its exit destructor holds it for its whole hook, and
     * would wait for the fork inside that hook if the marker were up before (a deadlock). */
    pthread_mutex_lock(&tb.orphan_lock);
    hp_exchange_seqcst(&hp_tlbuf_forking, self ? self : &none);
    hp_tlbuf_fence_all();
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next)
        while (hp_load_acquire(&t->busy) != 0)
            sched_yield();
}

void hp_tlbuf_fork_release(void)
{
    pthread_mutex_unlock(&tb.orphan_lock);
    hp_store_release(&hp_tlbuf_forking, NULL);
}

void hp_tlbuf_atfork_child(hp_thread *self)
{
    pthread_mutex_init(&tb.orphan_lock, NULL);
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next) {
        hp_store_relaxed(&t->busy, 0);
        if (t != self && t != tb.orphan) {
            /* a handler of a thread that is gone: its deferred events stay with the parent */
            hp_store_relaxed(&t->ndeferred, 0);
            t->in_defer = 0;
            t->in_record = false;
            t->has_deferred = false;
            t->wlimit = HP_SEG_CAP;
            hp_store_relaxed(&t->hold, 0);
            /* Running at the fork: the thread is gone, its stack is not (leakcheck.c). An
             * ancestor's that was inherited already stays so. */
            if (hp_load_relaxed(&t->state) == HP_T_ACTIVE) hp_store_relaxed(&t->inherited, true);
            hp_store_release(&t->state, HP_T_EXITED);
        }
    }
    hp_store_release(&hp_tlbuf_forking, NULL);
}
