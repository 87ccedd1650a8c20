/* test_defer.c - tlbuf.h's deferred events (a signal handler's free or allocation nested in a
 * hook) enter the queue in timestamp order wherever the handler interrupted the hook: before
 * the hook's stamp, between its stamp and its push, after its push. hp_tlbuf_defer is called
 * here from plain code at those points, as the handler would run there. */
#include "arena.h"
#include "order.h"
#include "tlbuf.h"

#include <criterion/criterion.h>

static hp_thread *t;

static void setup(void)
{
    hp_clock_init();
    cr_assert_eq(hp_tlbuf_init(), 0);
    t = hp_tlbuf_attach();
    cr_assert_not_null(t);
}

TestSuite(defer, .init = setup);

/* Raises addr's stripe far above the clock: the next stamp on addr is that far ahead. */
static void bump(uintptr_t addr)
{
    uint64_t ahead = hp_clock_read() + (UINT64_C(1) << 36);
    hp_order_stamp(&ahead, addr);
}

/* Every event of t, in queue order: non-decreasing ts; returns how many. */
static int drain_sorted(uintptr_t *addrs, int max)
{
    const hp_event *e;
    uint64_t prev = 0;
    int n = 0;
    while ((e = hp_tlbuf_peek(t))) {
        cr_expect_geq(e->ts, prev, "event %d (addr %#lx) goes back: %lu < %lu", n,
                      (unsigned long)e->addr, (unsigned long)e->ts, (unsigned long)prev);
        prev = e->ts;
        if (n < max) addrs[n] = e->addr;
        n++;
        hp_tlbuf_advance(t);
    }
    cr_expect_leq(prev, t->last_ts, "last_ts below the queue's tail");
    return n;
}

/* The hook's own event: stamp then push, in a section; the handler runs at point `at`. */
enum { BEFORE_STAMP, IN_STAMP, AFTER_PUSH };
static void hook_with_handler(int at, uintptr_t own, uintptr_t hfree)
{
    cr_assert(hp_tlbuf_begin(t));
    if (at == BEFORE_STAMP) cr_assert(hp_tlbuf_defer(t, HP_EV_FREE, hfree, 0, 0));
    uint64_t last = t->last_ts; /* IN_STAMP: the handler comes before `*last = ts` */
    uint64_t ts = hp_order_stamp(&last, own);
    if (at == IN_STAMP) cr_assert(hp_tlbuf_defer(t, HP_EV_FREE, hfree, 0, 0));
    t->last_ts = last;
    hp_tlbuf_push(t, HP_EV_ALLOC, ts, own, 8, 1);
    if (at == AFTER_PUSH) cr_assert(hp_tlbuf_defer(t, HP_EV_FREE, hfree, 0, 0));
    cr_expect_eq(hp_load_relaxed(&t->hold) != 0, t->has_deferred,
                 "hold must be set exactly while deferred events wait");
    hp_tlbuf_end(t);
    if (t->has_deferred) cr_assert(hp_tlbuf_flush_deferred(t, true)); /* hp_leave */
    cr_expect_not(t->has_deferred);
    cr_expect_eq(hp_load_relaxed(&t->hold), 0);
    cr_expect_eq(t->wlimit, HP_SEG_CAP);
}

/* The handler's stamp is far ahead of the hook's: it must come after the hook's event. */
Test(defer, handler_before_the_stamp_and_ahead)
{
    bump(0x7000000);
    hook_with_handler(BEFORE_STAMP, 0x1000000, 0x7000000);
    uintptr_t a[4];
    cr_assert_eq(drain_sorted(a, 4), 2);
    cr_expect_eq(a[0], 0x1000000);
    cr_expect_eq(a[1], 0x7000000);
}

/* The hook's stamp is far ahead: the handler's event goes first, at the hook's push. */
Test(defer, handler_before_the_stamp_and_behind)
{
    bump(0x2000000);
    hook_with_handler(BEFORE_STAMP, 0x2000000, 0x8000000);
    uintptr_t a[4];
    cr_assert_eq(drain_sorted(a, 4), 2);
    cr_expect_eq(a[0], 0x8000000);
}

/* Between the hook's stamp and its update of last_ts: the handler's stamp may be below the
 * hook's, which is not in the queue yet. */
Test(defer, handler_inside_the_stamp)
{
    bump(0x3000000);
    hook_with_handler(IN_STAMP, 0x3000000, 0x9000000);
    uintptr_t a[4];
    cr_assert_eq(drain_sorted(a, 4), 2);
    cr_expect_eq(a[0], 0x9000000);
}

Test(defer, handler_after_the_push)
{
    bump(0x4000000);
    hook_with_handler(AFTER_PUSH, 0x4000000, 0xa000000);
    uintptr_t a[4];
    cr_assert_eq(drain_sorted(a, 4), 2);
    cr_expect_eq(a[1], 0xa000000);
}

/* Nested handlers stamp in any order; while the owner is between its stamp and its push
 * (in_record) they may not append: past the struct's HP_DEFER_CAP they go to the overflow a
 * handler maps, and only a full overflow refuses (the caller passes through). */
Test(defer, many_handlers_sorted_and_bounded)
{
    cr_assert(hp_tlbuf_begin(t));
    t->in_record = true;
    int n = HP_DEFER_CAP + HP_DEFER_OVF;
    for (int i = 0; i < n; i++) {
        if (i % 3 == 0) bump(0x10000000 + (uintptr_t)i * 0x100000);
        cr_assert(hp_tlbuf_defer(t, HP_EV_FREE, 0x10000000 + (uintptr_t)i * 0x100000, 0, 0),
                  "slot %d refused", i);
    }
    cr_expect_not_null(t->ovf);
    cr_expect_not(hp_tlbuf_defer(t, HP_EV_FREE, 0x5000000, 0, 0));
    cr_expect_eq(hp_load_relaxed(&t->ndeferred), (uint32_t)n);
    t->in_record = false;
    hp_tlbuf_end(t);
    cr_assert(hp_tlbuf_flush_deferred(t, true));
    static uintptr_t a[HP_DEFER_CAP + HP_DEFER_OVF];
    cr_expect_eq(drain_sorted(a, n), n);
}

/* The owner starved by its handlers (a loaded machine): they come, many more than the array
 * holds, while it is in a section but not in_record (unwinding, the real call), or outside any
 * (a drain). Past half full the handler appends them itself: none is refused, the queue stays
 * sorted, and once the last is in, hold is 0 and push's fast path open. */
static void starved(bool in_section)
{
    if (in_section) cr_assert(hp_tlbuf_begin(t));
    uint64_t before = hp_tlbuf_tail_ts(t);
    for (int i = 0; i < 10 * HP_DEFER_CAP; i++) {
        if (i % 5 == 0) bump(0x20000000 + (uintptr_t)i * 0x100000);
        cr_assert(hp_tlbuf_defer(t, HP_EV_FREE, 0x20000000 + (uintptr_t)i * 0x100000, 0, 0),
                  "deferred event %d refused", i);
        uint32_t nd = hp_load_relaxed(&t->ndeferred);
        cr_assert_lt(nd, HP_DEFER_CAP / 2, "%u events wait after a handler's defer", nd);
    }
    cr_expect_eq(hp_load_relaxed(&t->ndeferred), 0); /* 10 * CAP: a multiple of CAP / 2 */
    cr_expect_not(t->has_deferred);
    cr_expect_eq(hp_load_relaxed(&t->hold), 0);
    cr_expect_eq(t->wlimit, HP_SEG_CAP);
    cr_expect_geq(hp_tlbuf_tail_ts(t), before);
    /* busy: the owner's own while in a section, else back to 0 */
    cr_expect_eq(hp_load_relaxed(&t->busy) != 0, in_section);
    if (in_section) {
        uint64_t ts = hp_order_stamp(&t->last_ts, 0x1100000); /* the owner's event comes last */
        hp_tlbuf_push(t, HP_EV_ALLOC, ts, 0x1100000, 8, 1);
        hp_tlbuf_end(t);
    }
    uintptr_t a[512];
    int n = drain_sorted(a, 512);
    cr_expect_eq(n, 10 * HP_DEFER_CAP + in_section);
    if (in_section) cr_expect_eq(a[n - 1], 0x1100000);
}

Test(defer, starved_owner_in_a_section)
{
    starved(true);
}

Test(defer, starved_owner_outside_a_section)
{
    starved(false);
}

/* A handler never takes the arena's lock: with the tail segment full and none at hand (spare
 * or returned) it maps one itself (hp_map_nowait), and nothing waits. */
Test(defer, no_segment_at_hand)
{
    cr_assert(hp_tlbuf_begin(t));
    for (int i = 0; i < HP_SEG_CAP; i++) {
        uint64_t ts = hp_order_stamp(&t->last_ts, 0x30000000);
        hp_tlbuf_push(t, HP_EV_ALLOC, ts, 0x30000000, 8, 1);
    }
    cr_assert_eq(t->w, HP_SEG_CAP);
    cr_assert_null(t->spare);
    cr_assert_null(hp_load_relaxed(&t->returned));
    size_t mapped = hp_arena_mapped();
    for (int i = 0; i < HP_DEFER_CAP; i++)
        cr_assert(hp_tlbuf_defer(t, HP_EV_FREE, 0x40000000 + (uintptr_t)i * 0x100000, 0, 0));
    cr_expect_eq(t->w, HP_DEFER_CAP, "the handlers' events are in a new segment");
    cr_expect_eq(hp_arena_mapped(), mapped + sizeof(hp_seg));
    cr_expect(hp_arena_owns((uintptr_t)t->wseg, (uintptr_t)t->wseg + 1), "not registered");
    hp_tlbuf_end(t);
    cr_expect_not(t->has_deferred);
    uintptr_t a[4];
    cr_expect_eq(drain_sorted(a, 4), HP_SEG_CAP + HP_DEFER_CAP);
}

/* The owner's record reserves the segment it needs before its stamp (hp_tlbuf_reserve): a
 * handler coming then finds it, appends into it, and the owner's push follows them. */
Test(defer, reserved_segment)
{
    cr_assert(hp_tlbuf_begin(t));
    for (int i = 0; i < HP_SEG_CAP; i++)
        hp_tlbuf_record(t, HP_EV_ALLOC, 0x30000000, 8, 1);
    cr_assert_eq(t->w, HP_SEG_CAP);
    cr_assert_null(t->spare);
    hp_tlbuf_reserve(t);
    cr_assert_not_null(t->spare);
    for (int i = 0; i < HP_DEFER_CAP; i++)
        cr_assert(hp_tlbuf_defer(t, HP_EV_FREE, 0x40000000 + (uintptr_t)i * 0x100000, 0, 0));
    cr_expect_null(t->spare, "the handler did not take the reserved segment");
    cr_expect_eq(t->w, HP_DEFER_CAP, "the handlers' events are in the new segment");
    hp_tlbuf_record(t, HP_EV_ALLOC, 0x50000000, 8, 1);
    hp_tlbuf_end(t);
    uintptr_t a[HP_SEG_CAP + HP_DEFER_CAP + 1];
    cr_expect_eq(drain_sorted(a, HP_SEG_CAP + HP_DEFER_CAP + 1), HP_SEG_CAP + HP_DEFER_CAP + 1);
    cr_expect_eq(a[HP_SEG_CAP + HP_DEFER_CAP], 0x50000000);
}
