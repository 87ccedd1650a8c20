/* test_defer.c - tlbuf.h's deferred events (a signal handler's free or allocation nested in a
 * hook) enter the queue in timestamp order wherever the handler interrupted the hook: before
 * the hook's stamp, between its stamp and its push, after its push. hp_tlbuf_defer is called
 * here from plain code at those points, as the handler would run there. */
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

/* Nested handlers stamp in any order; a full array refuses (the caller passes through). */
Test(defer, many_handlers_sorted_and_bounded)
{
    cr_assert(hp_tlbuf_begin(t));
    for (int i = 0; i < HP_DEFER_CAP; i++) {
        if (i % 3 == 0) bump(0x10000000 + (uintptr_t)i * 0x100000);
        cr_assert(hp_tlbuf_defer(t, HP_EV_FREE, 0x10000000 + (uintptr_t)i * 0x100000, 0, 0));
    }
    cr_expect_not(hp_tlbuf_defer(t, HP_EV_FREE, 0x5000000, 0, 0));
    hp_tlbuf_end(t);
    cr_assert(hp_tlbuf_flush_deferred(t, true));
    uintptr_t a[64];
    cr_expect_eq(drain_sorted(a, 64), HP_DEFER_CAP);
}
