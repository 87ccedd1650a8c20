/* agg.c - the consumer: k-way merge of the per-thread queues by timestamp, then DHAT's
 * bookkeeping (livetab.c + sites.c).
 * Invariant: events are applied in non-decreasing timestamp order, and an event is applied
 *            only when no thread can still append one with a smaller timestamp (the horizon,
 *            tlbuf.h), except in the final drain, which applies whatever was appended.
 * Threads: everything here runs under ag.lock. Lock order: agg -> stacktab -> arena. */
#include "agg.h"

#include "arena.h"
#include "clock.h"
#include "livetab.h"
#include "sites.h"
#include "stacktab.h"
#include "tlbuf.h"

#include <pthread.h>

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
    _Atomic(hp_thread *) drainer; /* the thread that drained last */
} ag = {.lock = PTHREAD_MUTEX_INITIALIZER};

int hp_agg_init(void)
{
    if (hp_livetab_init() || hp_sites_init()) return -1;
    ag.heap_cap = 1024;
    ag.heap = hp_map(ag.heap_cap * sizeof(head));
    return ag.heap ? 0 : -1;
}

static void track(uintptr_t addr, const hp_block *b)
{
    if (!hp_livetab_insert(addr, b)) ag.lost_blocks++;
}

static void alloc_block(uintptr_t addr, uint64_t size, uint32_t sid, uint64_t ts)
{
    if (size == 0) size = 1; /* as DHAT: a zero-byte block counts as one byte */
    if (size > HP_LIVE_MAX_SIZE) size = HP_LIVE_MAX_SIZE;
    if (sid > HP_LIVE_MAX_SID) sid = 0;
    if (!hp_sites_alloc(sid, size, ts)) {
        ag.lost_blocks++;
        return;
    }
    track(addr, &(hp_block){.birth = ts, .size = size, .sid = sid});
}

static void apply(hp_thread *t, const hp_event *e)
{
    hp_block b;
    switch (e->kind) {
    case HP_EV_ALLOC:
        alloc_block(e->addr, e->size, (uint32_t)e->aux, e->ts);
        break;
    case HP_EV_FREE:
        if (hp_livetab_remove(e->addr, &b))
            hp_sites_free(b.sid, b.size, b.birth, e->ts);
        else
            ag.unknown_frees++;
        break;
    case HP_EV_RFREE:
        t->has_pending = hp_livetab_remove(e->addr, &t->pending);
        t->pending_addr = e->addr;
        break;
    case HP_EV_RALLOC:
        if (!t->has_pending) { /* realloc of a block we never saw: a new block at the caller */
            uintptr_t ra = (uintptr_t)e->aux;
            alloc_block(e->addr, e->size, hp_stacktab_intern(&ra, 1), e->ts);
            break;
        }
        t->has_pending = false;
        uint64_t size = e->size > HP_LIVE_MAX_SIZE ? HP_LIVE_MAX_SIZE : e->size;
        hp_sites_resize(t->pending.sid, t->pending.size, size, e->ts);
        t->pending.size = size;
        track(e->addr, &t->pending);
        break;
    case HP_EV_RFREED:
        if (t->has_pending) hp_sites_free(t->pending.sid, t->pending.size, t->pending.birth, e->ts);
        t->has_pending = false;
        break;
    case HP_EV_RFAIL:
        if (t->has_pending) track(t->pending_addr, &t->pending);
        t->has_pending = false;
        break;
    }
}

static uint64_t horizon(void)
{
    uint64_t h = hp_clock_read(); /* first: then the loads below (lfence in hp_clock_read) */
    hp_tlbuf_fence_all();
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next) {
        uint64_t b = hp_load_acquire(&t->busy);
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

/* Applies every event with ts < lim, in timestamp order. */
static void drain_locked(uint64_t lim)
{
    size_t n = 0;
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next) {
        const hp_event *e = hp_tlbuf_peek(t);
        if (!e || e->ts >= lim) continue;
        if (!heap_reserve(n + 1)) break; /* out of memory: the rest waits for the next drain */
        ag.heap[n++] = (head){e->ts, t};
    }
    if (n == 1) { /* one busy thread: no merge needed */
        hp_thread *t = ag.heap[0].t;
        const hp_event *e;
        while ((e = hp_tlbuf_peek(t)) && e->ts < lim) {
            if (t->r + 8 < t->rcount) /* only events already written */
                hp_livetab_prefetch(e[8].addr);
            apply(t, e);
            hp_tlbuf_advance(t);
        }
        return;
    }
    for (size_t i = n / 2; i-- > 0;)
        sift_down(ag.heap, n, i);
    while (n) {
        hp_thread *t = ag.heap[0].t;
        const hp_event *e = hp_tlbuf_peek(t);
        if (t->r + 8 < t->rcount) { /* written events only: hints for the lines needed soon */
            __builtin_prefetch(&e[16]);
            hp_livetab_prefetch(e[8].addr);
        }
        apply(t, e);
        hp_tlbuf_advance(t);
        e = hp_tlbuf_peek(t);
        if (e && e->ts < lim)
            ag.heap[0].ts = e->ts;
        else
            ag.heap[0] = ag.heap[--n];
        sift_down(ag.heap, n, 0);
    }
}

void hp_agg_try_drain(void)
{
    if (pthread_mutex_trylock(&ag.lock) != 0)
        return; /* another drain runs: it takes our events too */
    drain_locked(horizon());
    pthread_mutex_unlock(&ag.lock);
}

/* Backlog (segments) past which any thread drains, whoever drained last. */
#define TAKEOVER_SEGS 4

void hp_agg_segment_filled(hp_thread *t)
{
    hp_thread *d = hp_load_relaxed(&ag.drainer);
    if (d && d != t && hp_tlbuf_backlog(t) < TAKEOVER_SEGS) return;
    if (pthread_mutex_trylock(&ag.lock) != 0) return;
    hp_store_relaxed(&ag.drainer, t);
    drain_locked(horizon());
    pthread_mutex_unlock(&ag.lock);
}

void hp_agg_lock_and_drain(void)
{
    pthread_mutex_lock(&ag.lock);
    drain_locked(horizon());
}

void hp_agg_lock_and_drain_all(void)
{
    pthread_mutex_lock(&ag.lock);
    drain_locked(UINT64_MAX);
}

bool hp_agg_try_lock_and_drain(void)
{
    if (pthread_mutex_trylock(&ag.lock) != 0) return false;
    drain_locked(horizon());
    return true;
}

bool hp_agg_try_lock_and_drain_all(void)
{
    if (pthread_mutex_trylock(&ag.lock) != 0) return false;
    drain_locked(UINT64_MAX);
    return true;
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
}
