/* scenarios.c - see scenarios.h. The pipeline scenario: several producer threads append events
 * through the hook protocol (begin, timestamp, push, end), free each other's blocks, while
 * drains run concurrently; the merged result must be exact. */
#include "scenarios.h"

#include "agg.h"
#include "clock.h"
#include "livetab.h"
#include "sites.h"
#include "stacktab.h"
#include "tlbuf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { THREADS = 4, PAIRS = 100000, SLOTS = 32 };

static _Atomic uintptr_t slot_addr[SLOTS];
static atomic_uintptr_t next_addr = 0x100000;

static void *producer(void *arg)
{
    uintptr_t me = (uintptr_t)arg;
    hp_thread *t = hp_tlbuf_attach();
    uintptr_t frames[2] = {0x1000 + me, 0x2000};
    uint32_t sid = hp_stacktab_intern(frames, 2);
    uint64_t r = me * 2654435761u + 7;
    for (int i = 0; i < PAIRS; i++) {
        /* "malloc": a fresh address, as the allocator would hand out; event after it */
        uintptr_t a = atomic_fetch_add(&next_addr, 16);
        hp_tlbuf_begin(t);
        hp_tlbuf_push(t, HP_EV_ALLOC, hp_clock_read(), a, 10 + (uint64_t)(i % 7), sid);
        hp_tlbuf_end(t);
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        uintptr_t old = atomic_exchange(&slot_addr[r % SLOTS], a);
        if (old) { /* "free" a block another thread may have allocated: event before release */
            hp_tlbuf_begin(t);
            hp_tlbuf_push(t, HP_EV_FREE, hp_clock_read_early(), old, 0, 0);
            hp_tlbuf_end(t);
        }
        if (t->want_drain) {
            t->want_drain = false;
            hp_agg_try_drain();
        }
    }
    hp_tlbuf_detach(t);
    return NULL;
}

static char msg[256];

const char *scenario_pipeline(void)
{
    hp_clock_init();
    hp_tlbuf_init();
    if (hp_stacktab_init() || hp_agg_init()) return "init failed";
    pthread_t th[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, producer, (void *)(i + 1));
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    hp_thread *t = hp_tlbuf_attach(); /* claims an exited struct: its buffer goes on */
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t a = atomic_exchange(&slot_addr[i], 0);
        if (!a) continue;
        hp_tlbuf_begin(t);
        hp_tlbuf_push(t, HP_EV_FREE, hp_clock_read_early(), a, 0, 0);
        hp_tlbuf_end(t);
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
    else if (h->maxbk > SLOTS + THREADS)
        bad = "more blocks live at the peak than can exist";
    hp_agg_unlock();
    if (bad)
        snprintf(msg, sizeof msg, "%s (tbk %lu tb %lu live %lu unknown %lu)", bad,
                 (unsigned long)h->tbk, (unsigned long)h->tb, (unsigned long)h->curbk,
                 (unsigned long)hp_agg_unknown_frees());
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
