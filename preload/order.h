/* order.h - event timestamps in causal order, whatever the clocks do (docs/design.md, "Why the
 * numbers are exact"). The consumer (agg.c) applies events in timestamp order; these stamps make
 * that order right without trusting the clock across CPUs:
 *
 *   stamp(t, a) = the smallest odd value >= max(clock, floor, t->last_ts) that is > S[a],
 *                 stored into S[a] with one CAS          (S: a stripe per address page)
 *
 * Invariants:
 *   per address: two events on one address a, e1 -> e2 in happens-before (the allocator's own
 *     synchronisation for a free then a reuse, the program's for a hand-off then a free), get
 *     ts(e1) < ts(e2): e1's CAS on S[a] happens before e2's, and S[a] only grows.
 *   per thread:  ts >= t->last_ts: a queue is non-decreasing across CPU migration and across the
 *     owners of a reused thread struct (last_ts stays in the struct).
 *   horizon:     an event stamped after the consumer raised the floor to F has ts >= F. The
 *     owner's busy store (tlbuf.h) comes before the CAS, a locked instruction that drains the
 *     store buffer, and the floor is loaded after it; the consumer raises the floor with a
 *     locked RMW before it reads busy. So either the consumer sees busy, or the stamp sees F
 *     (Dekker on x86-64's locked instructions, architectural, not a timing assumption).
 *
 * Cost: one CAS on a stripe line (4096 lines, 64 B each, indexed by a hash of the page number:
 * one thread's blocks share few lines, two threads' heaps rarely do) and one load of the floor
 * (written once per drain). The lfence before rdtsc is no longer needed: causality is carried by
 * the stripe, not by the instant the clock was read. */
#ifndef HP_ORDER_H
#define HP_ORDER_H

#include "clock.h"

#define HP_ORDER_STRIPES_LG 12

typedef struct hp_order_stripe {
    _Atomic uint64_t v;
    char pad[56];
} hp_order_stripe;

extern hp_order_stripe hp_order_stripes[1u << HP_ORDER_STRIPES_LG];
extern _Atomic uint64_t hp_order_floor;

static inline _Atomic uint64_t *hp_order_stripe_of(uintptr_t addr)
{
    uint64_t page = (uint64_t)addr >> 12;
    return &hp_order_stripes[(page * 0x9E3779B97F4A7C15ull) >> (64 - HP_ORDER_STRIPES_LG)].v;
}

/* A timestamp for an event on addr by the thread whose previous timestamp is *last (updated).
 * Call after the thread's busy store (tlbuf.h) and, for a malloc-like event, after the real
 * allocator returned addr; for a free-like event, before the real allocator gets it back. */
static inline uint64_t hp_order_stamp(uint64_t *last, uintptr_t addr)
{
    _Atomic uint64_t *s = hp_order_stripe_of(addr);
    uint64_t c = hp_clock_read();
    if (c < *last) c = *last;
    uint64_t v = hp_load_relaxed(s), ts;
    do
        ts = c > v ? c : v + 2;
    while (!atomic_compare_exchange_weak_explicit(s, &v, ts, memory_order_seq_cst,
                                                  memory_order_relaxed));
    uint64_t f = atomic_load_explicit(&hp_order_floor, memory_order_seq_cst);
    if (HP_UNLIKELY(f > ts)) {
        /* Raise ts to the floor; the stripe must follow (a later event on addr must exceed ts). */
        ts = f;
        v = hp_load_relaxed(s);
        while (v < ts && !atomic_compare_exchange_weak_explicit(s, &v, ts, memory_order_relaxed,
                                                                memory_order_relaxed))
            ;
    }
    *last = ts;
    /* a signal handler reads *last (tlbuf.h, deferred events): the store precedes what follows */
    atomic_signal_fence(memory_order_seq_cst);
    return ts;
}

/* Consumer: every event stamped from now on has ts >= f (after a full barrier: the RMW). */
void hp_order_raise_floor(uint64_t f);

#endif
