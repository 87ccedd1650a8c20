/* scenarios.c - see scenarios.h. The pipeline scenario: several producer threads append events
 * through the hook protocol (begin, timestamp, push, end), free each other's blocks, while
 * drains run concurrently; the merged result must be exact. */
#include "scenarios.h"

#include "agg.h"
#include "bell.h"
#include "clock.h"
#include "livetab.h"
#include "order.h"
#include "sites.h"
#include "stacktab.h"
#include "state.h"
#include "tlbuf.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

/* The unit build links no guard.c (no hooks): the thread state the sampling countdown keeps
 * (sample.c) is defined here. */
__thread hp_tls hp_tls_v __attribute__((tls_model("initial-exec")));

enum { THREADS = 4, PAIRS = 100000, SLOTS = 32, POOL = 1 << 16 };

static _Atomic uintptr_t slot_addr[SLOTS];
static atomic_uintptr_t next_addr = 0x100000;
static struct {
    bool reuse;
    int64_t skew;
    bool thread;          /* the consumer is a thread of its own (worker.c's loop) */
    bool flip;            /* ... whose place flips, thread <-> inline, at every wake (auto) */
    _Atomic bool stop;    /* the producers are done: the consumer thread ends */
    pthread_mutex_t lock; /* the "allocator's" lock: its release/acquire orders free -> reuse */
    uintptr_t free[POOL];
    size_t nfree;
} sc = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The "allocator": the most recently freed address first (as tcache and arenas do), so a
 * block freed by one thread is reused by another within nanoseconds. */
static uintptr_t fake_malloc(void)
{
    uintptr_t a = 0;
    if (sc.reuse) {
        pthread_mutex_lock(&sc.lock);
        if (sc.nfree) a = sc.free[--sc.nfree];
        pthread_mutex_unlock(&sc.lock);
    }
    return a ? a : atomic_fetch_add(&next_addr, 16);
}

static void fake_free(uintptr_t a)
{
    if (!sc.reuse) return;
    pthread_mutex_lock(&sc.lock);
    if (sc.nfree < POOL) sc.free[sc.nfree++] = a;
    pthread_mutex_unlock(&sc.lock);
}

static void rec(hp_thread *t, unsigned kind, uintptr_t a, uint64_t size, uint64_t aux)
{
    hp_tlbuf_begin(t);
    hp_tlbuf_push(t, kind, hp_order_stamp(&t->last_ts, a), a, size, aux);
    hp_tlbuf_end(t);
}

static void *producer(void *arg)
{
    uintptr_t me = (uintptr_t)arg;
    /* Odd threads' clocks run ahead, even ones' behind: every hand-off between them is an
     * inversion of the raw clocks. */
    hp_clock_test_skew = me & 1 ? sc.skew : -sc.skew;
    hp_thread *t = hp_tlbuf_attach();
    uintptr_t frames[2] = {0x1000 + me, 0x2000};
    uint32_t sid = hp_stacktab_intern(frames, 2);
    uint64_t r = me * 2654435761u + 7;
    for (int i = 0; i < PAIRS; i++) {
        /* malloc: the event after the allocator returned the address */
        uintptr_t a = fake_malloc();
        rec(t, HP_EV_ALLOC, a, 10 + (uint64_t)(i % 7), sid);
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        uintptr_t old = atomic_exchange(&slot_addr[r % SLOTS], a);
        if (old) { /* free a block another thread may have allocated: event before release */
            rec(t, HP_EV_FREE, old, 0, 0);
            fake_free(old);
        }
        if (t->want_drain) {
            t->want_drain = false;
            if (sc.thread)
                hp_agg_segment_filled(t); /* rings the bell; waits only under backpressure */
            else
                hp_agg_try_drain();
        }
    }
    hp_tlbuf_detach(t);
    return NULL;
}

/* worker.c's loop without the snapshots and the stack wipe: read the bell, drain, sleep */
static void *consumer(void *arg)
{
    (void)arg;
    while (!atomic_load(&sc.stop)) {
        uint32_t rung = hp_bell_seen();
        bool on = hp_agg_on_thread(), left = false;
        if (on) {
            hp_agg_lock();
            left = hp_agg_consume_locked();
            hp_agg_unlock();
        }
        if (sc.flip) hp_agg_set_thread(!on); /* producers drain inline until it flips back */
        hp_bell_wait(rung, left || sc.flip ? 1 : 0);
    }
    return NULL;
}

static char msg[256];

const char *scenario_pipeline(bool reuse, int64_t skew)
{
    sc.reuse = reuse;
    sc.skew = skew;
    hp_clock_init();
    hp_tlbuf_init();
    if (hp_stacktab_init() || hp_agg_init()) return "init failed";
    pthread_t th[THREADS], ct;
    if (sc.thread) {
        hp_agg_set_thread(true);
        pthread_create(&ct, NULL, consumer, NULL);
    }
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, producer, (void *)(i + 1));
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    if (sc.thread) {
        atomic_store(&sc.stop, true);
        hp_bell_ring();
        pthread_join(ct, NULL);
    }
    hp_thread *t = hp_tlbuf_attach(); /* claims an exited struct: its buffer goes on */
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t a = atomic_exchange(&slot_addr[i], 0);
        if (a) rec(t, HP_EV_FREE, a, 0, 0);
    }
    hp_agg_lock_and_drain_all();
    const hp_heap_totals *h = hp_sites_totals();
    uint64_t per_thread = 0;
    for (int i = 0; i < PAIRS; i++)
        per_thread += 10 + (uint64_t)(i % 7);
    const char *bad = NULL;
    if (h->tbk != (uint64_t)THREADS * PAIRS)
        bad = "total blocks";
    else if (h->tb != THREADS * per_thread)
        bad = "total bytes";
    else if (h->curbk != 0 || hp_livetab_count() != 0)
        bad = "blocks left live: a free was lost or applied before its allocation";
    else if (hp_agg_unknown_frees() != 0)
        bad = "free of an unknown block: events misordered";
    else if (hp_agg_missed_frees() != 0)
        bad = "an address allocated while live: a free applied after the reuse";
    else if (h->maxbk > SLOTS + THREADS)
        bad = "more blocks live at the peak than can exist";
    if (bad)
        snprintf(msg, sizeof msg, "%s (tbk %lu tb %lu live %lu unknown %lu missed %lu)", bad,
                 (unsigned long)h->tbk, (unsigned long)h->tb, (unsigned long)h->curbk,
                 (unsigned long)hp_agg_unknown_frees(), (unsigned long)hp_agg_missed_frees());
    hp_agg_unlock();
    return bad ? msg : NULL;
}

static uint32_t ids[4][5000];

static void *intern_many(void *arg)
{
    uint32_t *out = arg;
    for (uintptr_t i = 0; i < 5000; i++) {
        uintptr_t f[3] = {i, 42, i ^ 0x5555};
        out[i] = hp_stacktab_intern(f, 3);
    }
    return NULL;
}

const char *scenario_stacktab(void)
{
    if (hp_stacktab_init()) return "init failed";
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, intern_many, ids[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int k = 0; k < 5000; k++)
        for (int i = 1; i < 4; i++)
            if (ids[i][k] != ids[0][k]) return "two threads got different ids for one stack";
    return hp_stacktab_count() == 5000 ? NULL : "not exactly 5000 ids";
}

const char *scenario_pipeline_thread(bool reuse, int64_t skew)
{
    sc.thread = true;
    return scenario_pipeline(reuse, skew);
}

const char *scenario_pipeline_flip(bool reuse, int64_t skew)
{
    sc.flip = true;
    return scenario_pipeline_thread(reuse, skew);
}
