/* tlbuf.h - per-thread event buffers: each thread appends its own events, without a lock
 * shared with other threads; one consumer at a time (agg.c, under its lock) reads them.
 *
 * An event's timestamp comes from order.h: per address, causally ordered (alloc -> free ->
 * alloc ...) whichever threads touch it; per thread, non-decreasing.
 * Horizon protocol: while a thread is inside a hook, t->busy holds a lower bound of the
 * timestamp of any event it may still append (its previous event's timestamp, which the next
 * stamp never goes below), stored before it stamps. A consumer raises the floor (order.h) to
 * N, then reads every busy; it may process all events with ts < min(N, every non-zero busy):
 * a thread it saw idle stamps >= N from then on (the floor), a busy one >= its busy.
 * Fork uses busy too (hp_tlbuf_fork_quiesce): there the busy store must be visible before the
 * thread reads hp_tlbuf_forking, made so by membarrier(PRIVATE_EXPEDITED) on the forking side
 * (an asymmetric fence: the hot path pays a plain store) or, where the kernel lacks it or a
 * seccomp filter denies it, a locked exchange on every hook entry.
 *
 * Deferred events (a signal handler's free or allocation nested in a hook of this thread,
 * state.h): the handler may have interrupted the owner anywhere, even inside a push, so it
 * never touches the queue. hp_tlbuf_defer stamps the event (order.h, with a copy of last_ts:
 * the interrupted code may be updating it) into t->deferred[] and makes the owner's next push
 * or hp_leave take the slow path, which appends them, signals blocked, in timestamp order:
 * a push of event E first appends the deferred ones with ts <= E.ts, then E; hp_leave the rest.
 * The owner may not run between two signals (a loaded machine: a 50 us interval timer whose
 * delivery costs about that much starves it, wherever it was, for hundreds of us): a handler
 * that leaves the array half full appends it itself, signals blocked, when the queue's tail is
 * not the owner's (t->in_record: between the owner's stamp and the end of its push the owner
 * holds an event not in the queue yet, and may be writing the tail; it allocates the segment
 * it will need before, hp_tlbuf_reserve, so the window is a few instructions), no other
 * handler of the thread is inside hp_tlbuf_defer (t->in_defer), and a segment is at hand if
 * one is needed (spare, returned, or mapped by the handler: hp_map_nowait, never the arena's
 * lock). Else they wait for the owner; past HP_DEFER_CAP, in an overflow the outermost
 * handler maps (t->ovf), which merge_deferred reads as slots HP_DEFER_CAP and up.
 * Invariants: every deferred ts >= t->last_ts as read by the handler, so the ones left after
 *             a push are > every event in the queue and the queue stays non-decreasing;
 *             a handler appends only outside in_record: no event of the owner is stamped and
 *             not yet in the queue, and its next stamp is >= the raised last_ts;
 *             t->hold != 0 while a deferred event is not in the queue, and hold <= its ts
 *             (stored before the stamp, like busy): the horizon also waits for it;
 *             has_deferred == (ndeferred > 0) == (wlimit == 0) outside a handler. */
#ifndef HP_TLBUF_H
#define HP_TLBUF_H

#include "hp.h"
#include "order.h"

enum hp_ev_kind {
    HP_EV_ALLOC = 0,  /* addr, size, aux = stack id */
    HP_EV_FREE = 1,   /* addr */
    HP_EV_RFREE = 2,  /* addr: first half of a realloc, before the real realloc */
    HP_EV_RALLOC = 3, /* addr = new block, size, aux = caller's return address */
    HP_EV_RFAIL = 4,  /* addr: the real realloc failed, the old block stays */
    HP_EV_RFREED = 5, /* addr: realloc(p, 0) freed the block (glibc) */
    HP_EV_SALLOC = 6, /* addr, size, aux = caller's return address: an allocation by a signal
                       * handler that interrupted a hook (no unwinding there); interned by agg.c */
};

typedef struct hp_event {
    uint64_t ts;
    uintptr_t addr;
    uint64_t aux;
    uint64_t size : 61;
    uint64_t kind : 3;
} hp_event;

#define HP_SEG_CAP   2046 /* a segment is 64 KiB */
#define HP_DEFER_CAP 32   /* deferred events held in the thread struct; then the overflow */
#define HP_DEFER_OVF 2048 /* the overflow, mapped by a handler when needed (64 KiB) */

typedef struct hp_seg {
    _Atomic uint32_t count;        /* events written; release by the owner */
    _Atomic(struct hp_seg *) next; /* set once by the owner when this one is full */
    struct hp_seg *free_next;      /* recycling lists */
    char pad[40];
    hp_event ev[HP_SEG_CAP];
} hp_seg;

typedef struct hp_block {
    uint64_t birth; /* ticks */
    uint64_t size;
    uint32_t sid;
    bool ignored; /* heapprof_ignore() */
} hp_block;

typedef struct hp_thread {
    /* Written by the owner, read by consumers and by fork. */
    _Atomic uint64_t busy HP_CACHE_ALIGNED;
    /* Owner only (and signal handlers on the owner thread: hp_tlbuf_defer). */
    hp_seg *wseg;
    uint32_t w;
    uint32_t wlimit; /* HP_SEG_CAP, or 0 while deferred events wait: push's one slow test */
    union {          /* hp_leave's one test: leave_flags != 0 */
        struct {
            bool want_drain;
            bool has_deferred; /* set by a handler (hp_tlbuf_defer) */
        };
        uint16_t leave_flags;
    };
    bool in_record;     /* the owner holds a stamped event not yet in the queue, or is changing its
                         * tail or spare list (hp_tlbuf_record, hp_tlbuf_reserve) */
    uint64_t segs_made; /* segments linked by the owner */
    uint64_t last_ts;   /* the last stamp (order.h): the queue never goes below it */
    hp_seg *spare;
    struct hp_ucache *uc; /* the unwinder's rule cache (fastunwind.c), created on first use */
    uint64_t lost;        /* events dropped for lack of memory (after uc: uc in busy's line) */
    uintptr_t stack_lo, stack_hi; /* a stack address and the thread pointer (leakcheck.h) */
    /* Consumer only (agg.c, under its lock). */
    hp_seg *rseg HP_CACHE_ALIGNED;
    uint32_t r;
    uint32_t rcount;  /* rseg->count as last read: the producer's line is read once per batch */
    bool has_pending; /* a realloc between its RFREE and RALLOC/RFAIL */
    hp_block pending;
    uintptr_t pending_addr;
    /* Shared. */
    _Atomic(hp_seg *) returned; /* consumed segments given back to the owner */
    _Atomic int state;          /* HP_T_ACTIVE or HP_T_EXITED */
    /* In a fork child: a thread of the parent (an ancestor) that was running at the fork. Its
     * stack is still mapped here (fork copies the address space), so the leak check keeps it a
     * root; cleared when a thread of this process claims the struct. */
    _Atomic bool inherited;
    _Atomic uint64_t segs_done; /* segments the consumer moved past */
    struct hp_thread *next;     /* registry; immutable once published */
    _Atomic uint64_t hold; /* owner: lower bound of the deferred events' ts while any wait, or 0 */
    /* Owner's signal handlers (hp_tlbuf_defer) and owner; cold, apart from the hot lines. */
    _Atomic uint32_t ndeferred HP_CACHE_ALIGNED; /* slots reserved (nested handlers: fetch_add) */
    uint32_t in_defer; /* handlers inside hp_tlbuf_defer (nested ones: other signals) */
    hp_event deferred[HP_DEFER_CAP];
    hp_event *ovf; /* HP_DEFER_OVF more slots; mapped once, by a handler (hp_map_nowait) */
} hp_thread;

enum { HP_T_ACTIVE = 1, HP_T_EXITED = 2 };

/* A struct for the calling thread: an exited thread's (its buffer continues) or a new one.
 * NULL when out of memory. The caller notes its stack (hp_leakcheck_thread_stack): a claimed
 * struct still holds the previous owner's. */
hp_thread *hp_tlbuf_attach(void);
/* The calling thread is exiting: its struct may be claimed by a new thread. */
void hp_tlbuf_detach(hp_thread *t);
/* The shared struct for threads past their exit destructor; use under hp_tlbuf_orphan_lock. */
hp_thread *hp_tlbuf_orphan(void);
void hp_tlbuf_orphan_lock(void);
void hp_tlbuf_orphan_unlock(void);
/* First registered struct (then ->next). */
hp_thread *hp_tlbuf_first(void);

/* Owner: begin an event section. Returns false if a fork is under way: the caller must not
 * record (it passes the call straight through). */
static inline bool hp_tlbuf_begin(hp_thread *t);
/* Owner: append (after hp_tlbuf_begin). The event is written in place: no copy through the
 * stack (a 16-byte reload of two 8-byte stores stalls store forwarding). */
void hp_tlbuf_next_segment(hp_thread *t);
/* A full segment, or deferred events waiting (wlimit == 0). */
void hp_tlbuf_push_slow(hp_thread *t, unsigned kind, uint64_t ts, uintptr_t addr, uint64_t size,
                        uint64_t aux);
static inline void hp_tlbuf_write(hp_thread *t, unsigned kind, uint64_t ts, uintptr_t addr,
                                  uint64_t size, uint64_t aux)
{
    hp_assert(t->w < HP_SEG_CAP);
    hp_assert(t->w == 0 || t->wseg->ev[t->w - 1].ts <= ts); /* the queue is non-decreasing */
    hp_event *e = &t->wseg->ev[t->w];
    e->ts = ts;
    e->addr = addr;
    e->aux = aux;
    e->size = size;
    e->kind = kind;
    t->w++;
    hp_store_release(&t->wseg->count, t->w); /* pairs with acquire in hp_tlbuf_peek */
}
static inline void hp_tlbuf_push(hp_thread *t, unsigned kind, uint64_t ts, uintptr_t addr,
                                 uint64_t size, uint64_t aux)
{
    if (HP_UNLIKELY(t->w >= t->wlimit)) {
        hp_tlbuf_push_slow(t, kind, ts, addr, size, aux);
        return;
    }
    hp_tlbuf_write(t, kind, ts, addr, size, aux);
}
/* Owner, outside in_record: a segment for the next push to switch to (spare), allocated here
 * and touched, so that in_record never waits for the arena's lock, an mmap or a page fault. */
void hp_tlbuf_reserve(hp_thread *t);
/* Owner, in an event section: stamps (order.h) and appends one event on addr, marked in_record
 * for the owner's signal handlers (they leave the queue's tail alone meanwhile). */
static inline void hp_tlbuf_record(hp_thread *t, unsigned kind, uintptr_t addr, uint64_t size,
                                   uint64_t aux)
{
    if (HP_UNLIKELY(t->w >= HP_SEG_CAP)) hp_tlbuf_reserve(t);
    t->in_record = true;
    atomic_signal_fence(memory_order_seq_cst); /* before the stamp reads last_ts */
    uint64_t ts = hp_order_stamp(&t->last_ts, addr);
    hp_tlbuf_push(t, kind, ts, addr, size, aux);
    atomic_signal_fence(memory_order_seq_cst);
    t->in_record = false;
}
/* In a signal handler nested in a hook of the calling thread (state.h): stamps an event on
 * addr now (a free: before the real free; an allocation: after the real call) and leaves it
 * in t->deferred[] for the owner; past half full, appends them when it may (above).
 * Async-signal-safe: a CAS on the address stripe, plain stores, a fetch_add, sigprocmask;
 * an mmap at times; never a lock. False if every slot is taken (deferred[], then the
 * overflow: the owner inside in_record for HP_DEFER_CAP + HP_DEFER_OVF events, or no memory):
 * the caller passes through. */
bool hp_tlbuf_defer(hp_thread *t, unsigned kind, uintptr_t addr, uint64_t size, uint64_t aux);
/* Owner, outside an event section, at hp_leave: appends every deferred event (in a section of
 * its own, signals blocked). False if it could not (this thread is forking, or another one and
 * !may_wait): they wait. */
bool hp_tlbuf_flush_deferred(hp_thread *t, bool may_wait);
static inline void hp_tlbuf_end(hp_thread *t)
{
    hp_store_release(&t->busy, 0);
}

/* Fork: wait until no thread is inside an event section, and keep new ones out, except the
 * forking thread (which must not record while fork holds the profiler's locks). */
extern _Atomic(hp_thread *) hp_tlbuf_forking;
extern _Atomic bool hp_tlbuf_asym; /* membarrier works: producers need no fence */
/* The forking side of the asymmetric fence: every thread's earlier stores become visible.
 * If membarrier fails after start-up (a seccomp filter), it says so once, switches producers
 * to the locked exchange and fences this time with a TLB shoot-down (mprotect on a page of
 * ours: the kernel interrupts every CPU running one of our threads). */
void hp_tlbuf_fence_all(void);
int hp_tlbuf_init(void);
bool hp_tlbuf_fork_wait_slow(hp_thread *t);
static inline bool hp_tlbuf_begin(hp_thread *t)
{
    /* The busy store must be visible before this thread reads the clock or looks at
     * hp_tlbuf_forking (Dekker with horizon() and hp_tlbuf_fork_quiesce): membarrier on the
     * other side, or a full barrier here. */
    if (HP_LIKELY(hp_load_relaxed(&hp_tlbuf_asym))) {
        hp_store_relaxed(&t->busy, t->last_ts | 1);
        atomic_signal_fence(memory_order_seq_cst);
    } else {
        hp_exchange_seqcst(&t->busy, t->last_ts | 1);
    }
    if (HP_UNLIKELY(hp_load_relaxed(&hp_tlbuf_forking) != NULL)) return hp_tlbuf_fork_wait_slow(t);
    return true;
}
void hp_tlbuf_fork_quiesce(hp_thread *self);
void hp_tlbuf_fork_release(void);
/* In the child: every other thread is gone; their structs become claimable. */
void hp_tlbuf_atfork_child(hp_thread *self);

/* Consumer (one at a time): the next unconsumed event of t, or NULL. */
const hp_event *hp_tlbuf_peek_slow(hp_thread *t);
static inline const hp_event *hp_tlbuf_peek(hp_thread *t)
{
    if (HP_LIKELY(t->r < t->rcount)) return &t->rseg->ev[t->r];
    return hp_tlbuf_peek_slow(t);
}
static inline void hp_tlbuf_advance(hp_thread *t)
{
    hp_assert(t->r < t->rcount && t->rcount <= HP_SEG_CAP); /* only written events are read */
    t->r++;
}
/* Consumer: the timestamp of t's last visible event (0 if none). */
uint64_t hp_tlbuf_tail_ts(hp_thread *t);
/* Segments of t's events not yet drained (an estimate, for the owner). */
static inline uint64_t hp_tlbuf_backlog(const hp_thread *t)
{
    return t->segs_made - hp_load_relaxed(&t->segs_done);
}
/* Events dropped for lack of memory, over all threads. */
uint64_t hp_tlbuf_lost(void);

#endif
