/* test_timeline.c - the bounded timeline (timeline.c) against a brute-force recomputation: every
 * event is kept here, and each point must be the latest maximum of the events of its interval
 * at the final width; and the snapshots sites.c takes (sites.h), against hand-computed values. */
#include "sites.h"
#include "timeline.h"

#include <criterion/criterion.h>
#include <stdlib.h>

typedef struct ev {
    uint64_t ts, b;
} ev;

/* Feeds n events as sites.c does (ends/close before, note after) and checks the bound after
 * each one. */
static void feed(const ev *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (hp_timeline_ends(e[i].ts)) hp_timeline_close();
        (void)hp_timeline_note(e[i].ts, e[i].b, e[i].b / 8);
        size_t np;
        (void)hp_timeline_points(&np);
        cr_assert_leq(np, HP_TL_CAP, "at most %d points (event %zu)", HP_TL_CAP, i);
    }
}

/* Each point is the latest maximum of the events of its interval at the final width, every
 * interval with an event has exactly one point, and the ts ascend. */
static void check_against(const ev *e, size_t n, uint64_t t0)
{
    size_t np;
    const hp_tl_point *p = hp_timeline_points(&np);
    unsigned sh = hp_timeline_shift();
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        uint64_t k = (e[i].ts - t0) >> sh, best = 0, bts = 0;
        for (; i < n && (e[i].ts - t0) >> sh == k; i++)
            if (e[i].b >= best) best = e[i].b, bts = e[i].ts;
        cr_assert_lt(j, np, "a point for interval %lu", (unsigned long)k);
        cr_expect_eq(p[j].b, best, "point %zu: max %lu, got %lu", j, (unsigned long)best,
                     (unsigned long)p[j].b);
        cr_expect_eq(p[j].ts, bts, "point %zu: at the latest maximum", j);
        cr_expect_eq(p[j].bk, best / 8);
        if (j) cr_expect_gt(p[j].ts, p[j - 1].ts);
        j++;
    }
    cr_expect_eq(j, np, "one point per interval with an event");
}

Test(timeline, every_event_a_point_until_full)
{
    cr_assert_eq(hp_timeline_init(1000), 0);
    ev e[] = {{1001, 10}, {1002, 30}, {1002, 20}, {1005, 5}, {1009, 7}};
    feed(e, 5);
    size_t np;
    const hp_tl_point *p = hp_timeline_points(&np);
    cr_assert_eq(np, 4, "one tick wide intervals: 1001, 1002, 1005, 1009");
    cr_expect_eq(p[1].b, 30, "of two events in one tick, the larger");
    cr_expect_eq(p[1].ts, 1002);
    cr_expect_eq(p[3].b, 7);
    cr_expect_eq(hp_timeline_shift(), 0);
}

Test(timeline, coarsening_keeps_every_interval_max)
{
    uint64_t t0 = 1u << 20;
    cr_assert_eq(hp_timeline_init(t0), 0);
    size_t n = 300000;
    ev *e = calloc(n, sizeof *e);
    uint64_t ts = t0, b = 1000, x = 88172645463325252ull;
    size_t gmax = 0;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        ts += x % 3 == 0 ? 0 : x % 97;                                /* equal stamps too */
        b = x % 5 < 3 ? b + x % 4096 : (b > 3000 ? b - x % 3000 : b); /* rises and falls */
        e[i] = (ev){ts, b};
        if (b >= e[gmax].b) gmax = i;
    }
    feed(e, n);
    cr_expect_gt(hp_timeline_shift(), 0, "the buffer filled and coarsened");
    check_against(e, n, t0);
    size_t np;
    const hp_tl_point *p = hp_timeline_points(&np);
    bool found = false;
    for (size_t i = 0; i < np; i++)
        found |= p[i].ts == e[gmax].ts && p[i].b == e[gmax].b;
    cr_expect(found, "the global maximum (the latest of equal ones) is a point");
    free(e);
}

Test(timeline, a_coarsened_interval_reopens)
{
    /* 1999 one-tick points fill the buffer: the width doubles until <= 1000 remain; the next
     * event, in the last point's widened interval, must update that point, not add one. */
    cr_assert_eq(hp_timeline_init(0), 0);
    static ev e[2001];
    for (size_t i = 0; i < 2000; i++)
        e[i] = (ev){2 * i, 100 + i};
    e[2000] = (ev){2 * 1999 + 1, 5000};
    feed(e, 2001);
    check_against(e, 2001, 0);
}

/* sites.c's snapshots: at each point, the sites with the most live bytes at its moment. */
Test(timeline, snapshot_is_the_moment_of_the_max)
{
    cr_assert_eq(hp_sites_init(), 0); /* t0 = 0: the clock is not started in unit tests */
    /* interval = 1 tick. ts 10: s1 +100; ts 10: s2 +50 (max 150); ts 10: free s1 (50). */
    hp_sites_alloc(1, 100, 10, 1);
    hp_sites_alloc(2, 50, 10, 1);
    hp_sites_free(1, 100, 10, 10, 1);
    /* ts 20: s3 +10 (max 60), then s2 grows to 80 (max 90) */
    hp_sites_alloc(3, 10, 20, 1);
    hp_sites_resize(2, 50, 80, 20);
    hp_sites_free(3, 10, 20, 30, 1);
    hp_sites_finish();
    hp_sites_tl_snapshot_open();
    size_t np;
    const hp_tl_point *p = hp_timeline_points(&np);
    cr_assert_eq(np, 3);
    cr_expect_eq(p[0].b, 150);
    cr_assert_eq(p[0].ntop, 2, "s1 100, s2 50 at the maximum, not after the free");
    cr_expect_eq(p[0].sid[0], 1);
    cr_expect_eq(p[0].top[0], 100);
    cr_expect_eq(p[0].sid[1], 2);
    cr_expect_eq(p[0].top[1], 50);
    cr_expect_eq(p[1].b, 90);
    cr_assert_eq(p[1].ntop, 2);
    cr_expect_eq(p[1].sid[0], 2);
    cr_expect_eq(p[1].top[0], 80);
    cr_expect_eq(p[1].sid[1], 3);
    cr_expect_eq(p[1].top[1], 10);
    cr_expect_eq(p[2].b, 80);
    cr_assert_eq(p[2].ntop, 1);
    cr_expect_eq(p[2].top[0], 80);
}

Test(timeline, snapshot_keeps_the_16_largest)
{
    cr_assert_eq(hp_sites_init(), 0);
    for (uint32_t s = 1; s <= 20; s++)
        hp_sites_alloc(s, 1000 + s, 5, 1); /* one tick: one point */
    hp_sites_finish();
    hp_sites_tl_snapshot_open();
    size_t np;
    const hp_tl_point *p = hp_timeline_points(&np);
    cr_assert_eq(np, 1);
    cr_assert_eq(p[0].ntop, HP_TL_K);
    for (uint32_t i = 0; i < HP_TL_K; i++) {
        cr_expect_eq(p[0].sid[i], 20 - i, "largest first");
        cr_expect_eq(p[0].top[i], 1000 + 20 - i);
    }
}

Test(sites, histograms)
{
    cr_assert_eq(hp_sites_init(), 0);
    hp_sites_set_rate(0.001);                   /* ticks are ns */
    hp_sites_alloc(1, 0, 1, 1);                 /* bucket 0 (as 0 and 1) */
    hp_sites_alloc(1, 24, 1, 1);                /* [16, 32): 4 */
    hp_sites_alloc(1, 5000, 1, 1);              /* [4096, 8192): 12 */
    hp_sites_resize(1, 24, 32, 2);              /* [32, 64): 5 */
    hp_sites_free(1, 32, 1, 1 + 1999, 1);       /* 1.999 µs: 0 */
    hp_sites_free(1, 5000, 1, 1 + 20000000, 1); /* 20 ms = 20000 µs: [16384, 32768): 14 */
    const hp_site_hist *h = hp_sites_hist(1);
    cr_assert(h);
    cr_expect_eq(h->size[0], 1);
    cr_expect_eq(h->size[4], 1);
    cr_expect_eq(h->size[5], 1);
    cr_expect_eq(h->size[12], 1);
    cr_expect_eq(h->life[0], 1);
    cr_expect_eq(h->life[14], 1);
    uint32_t ns = 0, nl = 0;
    for (int i = 0; i < HP_HIST_N; i++)
        ns += h->size[i], nl += h->life[i];
    cr_expect_eq(ns, 4, "one per allocation and realloc (tbk)");
    cr_expect_eq(nl, 2);
    cr_expect_eq(hp_hist_bucket(1ull << 50), HP_HIST_N - 1, "capped");
    cr_expect_eq(hp_hist_bucket(2), 1);
    cr_expect_eq(hp_hist_bucket(3), 1);
}
