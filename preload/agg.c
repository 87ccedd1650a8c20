/* agg.c - the consumer: k-way merge of the per-thread queues by timestamp, then DHAT's
 * bookkeeping (livetab.c + sites.c).
 * Invariants: events are applied in non-decreasing timestamp order (asserted in debug builds),
 *            and an event is applied only when no thread can still append one with a smaller
 *            timestamp (the horizon, tlbuf.h), except in the final drain, which applies
 *            whatever was appended. With order.h's stamps that order is causal per address,
 *            so an allocation never meets a live address and a free never precedes its block's
 *            allocation, unless the program freed a block in a way no hook saw (a free inside
 *            an object opened with RTLD_DEEPBIND, a realloc in a signal handler that
 *            interrupted a hook, a handler's free while heapprof's own code runs (guard
 *            HP_GUARD_INTERNAL); a handler's free or malloc is otherwise recorded, tlbuf.h).
 *            Then the allocator handing the address out again is the proof: the old block
 *            is closed at that moment and counted in missed_frees, never overwritten.
 * Threads: everything here runs under ag.lock. Lock order: agg -> stacktab -> arena. */
#include "agg.h"

#include "arena.h"
#include "bell.h"
#include "clock.h"
#include "livetab.h"
#include "order.h"
#include "sample.h"
#include "sites.h"
#include "stacktab.h"
#include "state.h"
#include "tlbuf.h"

#include <pthread.h>
#include <sched.h>

typedef struct head {
    uint64_t ts;
    hp_thread *t;
} head;

static struct {
    pthread_mutex_t lock;
    head *heap;
    size_t heap_cap;
    uint64_t unknown_frees; /* frees of blocks we never saw allocated (before start, untracked) */
    uint64_t lost_blocks;   /* blocks not tracked for lack of memory */
    uint64_t missed_frees;  /* live blocks whose address the allocator handed out again */
    uint64_t samples;       /* sampling mode: sampled allocations applied */
    uint64_t last_applied;  /* timestamp of the last event applied (debug check) */
    _Atomic(hp_thread *) drainer; /* the thread that drained last */
    _Atomic bool on_thread;       /* this process's consumer is heapprof's thread (worker.c) */
    hp_thread *self;              /* draining from its own hook (segment_filled): see self_flush */
} ag = {.lock = PTHREAD_MUTEX_INITIALIZER};

int hp_agg_init(void)
{
    if (hp_livetab_init() || hp_sites_init()) return -1;
    ag.heap_cap = 1024;
    ag.heap = hp_map(ag.heap_cap * sizeof(head));
    return ag.heap ? 0 : -1;
}

/* How many blocks an event stands for (sample.h): 1 in exact mode, without a call. */
static HP_NOINLINE uint64_t sample_k(uint64_t size, uint64_t birth, uint32_t sid)
{
    return hp_sample_k(size, birth, sid);
}
static inline uint64_t mult(uint64_t size, uint64_t birth, uint32_t sid)
{
    return HP_LIKELY(!hp_sample_rate) ? 1 : sample_k(size, birth, sid);
}

static void track(uintptr_t addr, const hp_block *b, uint64_t ts)
{
    hp_block old;
    switch (hp_livetab_insert(addr, b, &old)) {
    case HP_LIVE_NOMEM:
        ag.lost_blocks++;
        break;
    case HP_LIVE_REPLACED: /* its free was not seen: it ended before the allocator reused it */
        hp_sites_free(old.sid, old.size, old.birth, ts, mult(old.size, old.birth, old.sid));
        ag.missed_frees++;
        break;
    }
}

/* sampled: sampling mode (a constant where apply inlines it, so exact mode's k is 1). */
static inline void alloc_block(uintptr_t addr, uint64_t size, uint32_t sid, uint64_t ts,
                               bool sampled)
{
    if (HP_UNLIKELY(size - 1 >= HP_LIVE_MAX_SIZE)) /* (one test for both ends) */
        size = size ? HP_LIVE_MAX_SIZE : 1; /* as DHAT: a zero-byte block counts as one byte */
    if (sid > HP_LIVE_MAX_SID) sid = 0;
    ag.samples++;
    if (!hp_sites_alloc(sid, size, ts, sampled ? sample_k(size, ts, sid) : 1)) {
        ag.lost_blocks++;
        return;
    }
    track(addr, &(hp_block){.birth = ts, .size = size, .sid = sid}, ts);
}

static inline void free_block(uintptr_t addr, uint64_t ts, bool sampled)
{
    hp_block b;
    if (hp_livetab_remove(addr, &b))
        hp_sites_free(b.sid, b.size, b.birth, ts, sampled ? sample_k(b.size, b.birth, b.sid) : 1);
    else
        ag.unknown_frees++;
}

/* The realloc events and a signal handler's allocations: rare, out of the hot path. */
static HP_NOINLINE void apply_rare(hp_thread *t, const hp_event *e)
{
    switch (e->kind) {
    case HP_EV_RFREE:
        t->has_pending = hp_livetab_remove(e->addr, &t->pending);
        t->pending_addr = e->addr;
        break;
    case HP_EV_RALLOC:
        if (!t->has_pending) { /* realloc of a block we never saw: a new block at the caller */
            uintptr_t ra = (uintptr_t)e->aux;
            alloc_block(e->addr, e->size, hp_stacktab_intern(&ra, 1), e->ts, hp_sample_rate);
            break;
        }
        t->has_pending = false;
        uint64_t size = e->size > HP_LIVE_MAX_SIZE ? HP_LIVE_MAX_SIZE : e->size;
        hp_sites_resize(t->pending.sid, t->pending.size, size, e->ts);
        t->pending.size = size;
        track(e->addr, &t->pending, e->ts);
        break;
    case HP_EV_RFREED:
        if (t->has_pending)
            hp_sites_free(t->pending.sid, t->pending.size, t->pending.birth, e->ts,
                          mult(t->pending.size, t->pending.birth, t->pending.sid));
        t->has_pending = false;
        break;
    case HP_EV_RFAIL:
        if (t->has_pending) track(t->pending_addr, &t->pending, e->ts);
        t->has_pending = false;
        break;
    case HP_EV_SALLOC: { /* in a signal handler: its caller's return address is the stack */
        uintptr_t ra = (uintptr_t)e->aux;
        alloc_block(e->addr, e->size, hp_stacktab_intern(&ra, 1), e->ts, hp_sample_rate);
        break;
    }
    }
}

/* Sampling mode's allocations and frees (k from sample.h); the tables' code is called. */
static HP_NOINLINE void apply_sampled(hp_thread *t, const hp_event *e)
{
    if (e->kind == HP_EV_ALLOC)
        alloc_block(e->addr, e->size, (uint32_t)e->aux, e->ts, true);
    else if (e->kind == HP_EV_FREE)
        free_block(e->addr, e->ts, true);
    else
        apply_rare(t, e);
}

/* One event. Exact mode's allocations and frees, nearly every event, run with the tables'
 * code inlined (flatten: the calls through livetab.c and sites.c and their register saves
 * were a fifth of the consumer's instructions) and k = 1 folded in; their slow paths stay
 * calls (HP_NOINLINE there). */
static __attribute__((flatten)) void apply(hp_thread *t, const hp_event *e, bool sampled)
{
#if HP_DEBUG >= 1
    hp_assert(e->ts >= ag.last_applied);
    ag.last_applied = e->ts;
#endif
    if (HP_UNLIKELY(sampled))
        apply_sampled(t, e);
    else if (HP_LIKELY(e->kind == HP_EV_ALLOC))
        alloc_block(e->addr, e->size, (uint32_t)e->aux, e->ts, false);
    else if (HP_LIKELY(e->kind == HP_EV_FREE))
        free_block(e->addr, e->ts, false);
    else
        apply_rare(t, e);
}

/* The horizon at n: every event with ts < the result is appended and visible. The floor goes
 * to n first (a locked RMW), then the busy words are read (tlbuf.h, order.h). */
static uint64_t horizon(uint64_t n)
{
    hp_order_raise_floor(n);
    uint64_t h = n;
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next) {
        uint64_t b = atomic_load_explicit(&t->busy, memory_order_seq_cst);
        if (b && b < h) h = b;
        b = atomic_load_explicit(&t->hold, memory_order_seq_cst); /* deferred events waiting */
        if (b && b < h) h = b;
    }
    return h;
}

static bool heap_reserve(size_t n)
{
    if (n <= ag.heap_cap) return true;
    size_t cap = ag.heap_cap * 2;
    while (cap < n)
        cap *= 2;
    head *h = hp_map(cap * sizeof(head));
    if (!h) return false;
    hp_unmap(ag.heap, ag.heap_cap * sizeof(head));
    ag.heap = h;
    ag.heap_cap = cap;
    return true;
}

static void sift_down(head *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && h[l].ts < h[m].ts) m = l;
        if (l + 1 < n && h[l + 1].ts < h[m].ts) m = l + 1;
        if (m == i) return;
        head tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

/* A drain runs inside the draining thread's hook, where its signal handlers defer their
 * events (tlbuf.h); a long one would fill the deferred array. They are appended every 64
 * events applied: all are >= lim (their hold was seen by horizon(), or they were stamped after
 * the floor went to it), so this drain leaves them for the next. */
static inline void self_flush(unsigned *k)
{
    if (HP_UNLIKELY((++*k & 63) == 0) && ag.self && *(volatile bool *)&ag.self->has_deferred)
        hp_tlbuf_flush_deferred(ag.self, false);
}

/* Applies every event with ts < lim, in timestamp order. */
static void drain_locked(uint64_t lim)
{
    unsigned k = 0;
    size_t n = 0;
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next) {
        const hp_event *e = hp_tlbuf_peek(t);
        if (!e || e->ts >= lim) continue;
        if (!heap_reserve(n + 1)) break; /* out of memory: the rest waits for the next drain */
        ag.heap[n++] = (head){e->ts, t};
    }
    if (!n) return;
    double rate = hp_clock_us_per_tick_now(); /* lifetimes in µs for the histograms (sites.h) */
    if (rate > 0) hp_sites_set_rate(rate);
    bool sampled = hp_sample_rate != 0; /* (set once at start-up) */
    head *h = ag.heap;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(h, n, i);
    while (n) {
        /* The top thread's run: its events up to the next thread's first. A tie stays with the
         * top, as sift_down leaves it, so the order is the event-by-event merge's. */
        hp_thread *t = h[0].t;
        uint64_t next = n > 1 ? h[1].ts : UINT64_MAX;
        if (n > 2 && h[2].ts < next) next = h[2].ts;
        uint64_t stop = next < lim ? next + 1 : lim; /* apply while ts < stop */
        const hp_event *e = hp_tlbuf_peek(t), *end;
        do {
            /* [e, end): the written events of t's current segment (peek moves to the next
             * one, or reads a new count, when they are used up). r is advanced once. */
            const hp_event *first = e;
            end = e + (t->rcount - t->r);
            do {
                if (e + 8 < end) { /* hints for the lines needed soon */
                    __builtin_prefetch(&e[16]);
                    hp_livetab_prefetch(e[8].addr);
                }
                apply(t, e, sampled);
                self_flush(&k);
            } while (++e < end && e->ts < stop);
            t->r += (uint32_t)(e - first);
        } while (e == end && (e = hp_tlbuf_peek(t)) && e->ts < stop);
        /* e: t's next event (== hp_tlbuf_peek(t)), or NULL */
        if (e && e->ts < lim)
            h[0].ts = e->ts;
        else
            h[0] = h[--n];
        sift_down(h, n, 0);
    }
}

void hp_agg_try_drain(void)
{
    if (pthread_mutex_trylock(&ag.lock) != 0)
        return; /* another drain runs: it takes our events too */
    drain_locked(horizon(hp_clock_read()));
    pthread_mutex_unlock(&ag.lock);
}

/* Backlog (segments) past which any thread drains, whoever drained last. */
#define TAKEOVER_SEGS 4
/* Backlog past which a thread waits for the lock instead of carrying on: backpressure. Without
 * it, producers faster than the one consumer (4 threads on 2 CPUs, a drainer preempted while
 * it holds the lock) queue events without bound: 64 segments = 4 MiB of events a thread. The
 * thread waits outside any event section (busy == 0: no drain waits for it) and holds no other
 * lock of ours (an orphan, which holds the orphan lock here, never waits). */
#define BACKPRESSURE_SEGS 64

/* With the consumer on its thread, the backlog that makes a producer wait: lower than inline,
 * where the backlog is bounded by the drains themselves. A thread that keeps up leaves one or
 * two segments behind; one the machine does not run (every CPU busy, until the consumer's
 * place is moved inline: worker.c) would otherwise leave 4 MiB of segments a producer, kept
 * for reuse after. 16 segments are 3-6 ms of a producer's events. */
#define THREAD_BACKPRESSURE_SEGS 16

/* The lock taken in t's hook: drains (t's signal handlers' events appended meanwhile by
 * self_flush) and lets the lock go. */
static void drain_from_hook_locked(hp_thread *t)
{
    ag.self = t;
    drain_locked(horizon(hp_clock_read()));
    ag.self = NULL;
    pthread_mutex_unlock(&ag.lock);
}

/* The consumer is heapprof's thread: it is woken (if it sleeps; a ring is an atomic increment
 * otherwise), and the producer drains only under backpressure. The drain there is the one
 * below, so its deferred events are handled as in any drain from a hook (self_flush). */
static void filled_thread_mode(hp_thread *t)
{
    hp_bell_ring();
    if (hp_tlbuf_backlog(t) < THREAD_BACKPRESSURE_SEGS || hp_tls_v.orphan) return;
    pthread_mutex_lock(&ag.lock);
    drain_from_hook_locked(t);
}

void hp_agg_segment_filled(hp_thread *t)
{
    if (hp_load_relaxed(&ag.on_thread)) {
        filled_thread_mode(t);
        return;
    }
    uint64_t backlog = hp_tlbuf_backlog(t);
    hp_thread *d = hp_load_relaxed(&ag.drainer);
    if (d && d != t && backlog < TAKEOVER_SEGS) return;
    if (pthread_mutex_trylock(&ag.lock) != 0) {
        if (backlog < BACKPRESSURE_SEGS || hp_tls_v.orphan) return;
        pthread_mutex_lock(&ag.lock);
    }
    hp_store_relaxed(&ag.drainer, t);
    drain_from_hook_locked(t);
}

void hp_agg_set_thread(bool on)
{
    hp_store_relaxed(&ag.on_thread, on);
}

bool hp_agg_on_thread(void)
{
    return hp_load_relaxed(&ag.on_thread);
}

void hp_agg_lock(void)
{
    pthread_mutex_lock(&ag.lock);
}

HP_NOINLINE bool hp_agg_consume_locked(void)
{
    drain_locked(horizon(hp_clock_read()));
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next)
        if (hp_tlbuf_peek(t)) return true;
    return false;
}

/* How long a caller of the API waits for hooks that were in flight when it called. */
#define API_WAIT_NS 1000000000ull

/* Above every event already appended anywhere (visible after a fence), whatever the clock of
 * the CPU that stamped it, above every stamp the floor may have lifted, and above our clock. */
static uint64_t target_locked(void)
{
    uint64_t m = hp_clock_read(), f = hp_load_relaxed(&hp_order_floor);
    if (f > m) m = f;
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next) {
        uint64_t tail = hp_tlbuf_tail_ts(t);
        if (tail > m) m = tail;
    }
    return m + 2;
}

/* With the agg lock: drains until the horizon reaches m (the hooks in flight now have appended
 * their events), for up to API_WAIT_NS. Between tries the lock is let go (a hook in flight may
 * want to drain); try: take it back with trylock only (false: not taken, the caller gave up). */
static bool drain_to_locked(uint64_t m, bool try)
{
    uint64_t deadline = hp_clock_mono_ns() + API_WAIT_NS;
    for (;;) {
        uint64_t h = horizon(m);
        drain_locked(h);
        if (h >= m || hp_clock_mono_ns() > deadline) return true; /* (a hook stuck for 1 s) */
        pthread_mutex_unlock(&ag.lock);
        sched_yield();
        if (!try) {
            pthread_mutex_lock(&ag.lock);
            continue;
        }
        while (pthread_mutex_trylock(&ag.lock) != 0) {
            if (hp_clock_mono_ns() > deadline) return false;
            sched_yield();
        }
    }
}

void hp_agg_lock_and_drain(void)
{
    /* The floor goes to the target, so the horizon can reach it as soon as the hooks in flight
     * now have appended their events. */
    hp_tlbuf_fence_all();
    pthread_mutex_lock(&ag.lock);
    drain_to_locked(target_locked(), false);
}

void hp_agg_lock_and_drain_all(void)
{
    pthread_mutex_lock(&ag.lock);
    drain_locked(UINT64_MAX);
}

bool hp_agg_try_lock_and_drain(void)
{
    if (pthread_mutex_trylock(&ag.lock) != 0) return false;
    return drain_to_locked(target_locked(), true); /* the caller's own events are below it */
}

bool hp_agg_try_lock_and_drain_all(void)
{
    if (pthread_mutex_trylock(&ag.lock) != 0) return false;
    drain_locked(UINT64_MAX);
    return true;
}

void hp_agg_drain_all_locked(void)
{
    drain_locked(UINT64_MAX);
}

void hp_agg_unlock(void)
{
    pthread_mutex_unlock(&ag.lock);
}

uint64_t hp_agg_unknown_frees(void)
{
    return ag.unknown_frees;
}

uint64_t hp_agg_lost_blocks(void)
{
    return ag.lost_blocks;
}

uint64_t hp_agg_samples(void)
{
    return hp_sample_rate ? ag.samples : 0;
}

uint64_t hp_agg_missed_frees(void)
{
    return ag.missed_frees;
}

void hp_agg_atfork_prepare(void)
{
    pthread_mutex_lock(&ag.lock);
}

void hp_agg_atfork_parent(void)
{
    pthread_mutex_unlock(&ag.lock);
}

void hp_agg_atfork_child(void)
{
    pthread_mutex_init(&ag.lock, NULL);
    hp_store_relaxed(&ag.on_thread, false); /* the thread is the parent's: drains inline here */
}
