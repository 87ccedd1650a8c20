/* timeline.c - the bounded heap-over-time buffer (timeline.h).
 * Owns: pt[0..HP_TL_CAP), mapped once; pt[0..n) are closed points, pt[n] the open one (if open).
 * Invariants: n <= HP_TL_CAP - 1, so n + open <= HP_TL_CAP (the bound);
 *             k(p) = (p.ts - t0) >> shift is strictly increasing over pt[0..n] (the open one
 *             included: an event in the last closed point's interval, which a coarsening can
 *             widen, reopens that point);
 *             pt[i].b == max of the live bytes after each event of interval k(pt[i]), and
 *             pt[i].ts is the latest event reaching it.
 * Why the maximum of every interval survives: a point is only ever replaced by one of its own
 * interval whose b is >= (note, and the merges of close and coarsen keep the larger b, the
 * later of equal ones). So after any number of coarsenings, each point is the latest maximum of
 * its (now wider) interval, and the global maximum of the run — the latest event with the
 * largest b, which is what sites.c calls t-gmax — is always one of the points: inside its
 * interval nothing later is >= it, and every merge it takes part in it wins.
 * Coarsening: when the closed points reach HP_TL_CAP - 1, the interval doubles (shift + 1) and
 * neighbours now in one interval merge, repeated until n <= HP_TL_CAP / 2; each step is O(n),
 * and at least HP_TL_CAP / 2 closes separate two coarsenings, so a close is O(1) amortised.
 * Threads: none of its own; sites.c (under the agg lock) is the only caller. */
#include "timeline.h"

#include "arena.h"

#include <string.h>

_Static_assert(sizeof(hp_tl_point) == 224, "docs/report-format.md states the bound in bytes");

static struct {
    hp_tl_point *pt;
    size_t n;     /* closed points */
    bool open;    /* pt[n] holds the open point */
    uint64_t ok;  /* k of the open point */
    uint64_t end; /* first tick past its interval; UINT64_MAX while none is open */
    uint64_t ob;  /* its b (kept here: the hot path reads no point); 0 while none is open */
    uint64_t t0;  /* time origin */
    unsigned sh;  /* interval width: 2^sh ticks */
} tl;

int hp_timeline_init(uint64_t t0)
{
    if (!tl.pt) tl.pt = hp_map(HP_TL_CAP * sizeof(hp_tl_point));
    tl.n = 0;
    tl.open = false;
    tl.end = UINT64_MAX;
    tl.ob = 0;
    tl.t0 = t0;
    tl.sh = 0; /* one tick: every event is a point until the buffer first fills */
    return tl.pt ? 0 : -1;
}

static inline uint64_t kof(uint64_t ts)
{
    uint64_t rel = ts > tl.t0 ? ts - tl.t0 : 0; /* (a thread's clock may read below t0) */
    return tl.sh < 64 ? rel >> tl.sh : 0;
}

bool hp_timeline_ends(uint64_t ts)
{
    /* open && ts >= end (== kof(ts) != tl.ok, ts never below the open point's) in one test:
     * end is UINT64_MAX while none is open (a stamp that large would only make the caller
     * close no point). */
    return ts >= tl.end;
}

/* A new maximum of the open interval, or the first event of a new one. */
static HP_NOINLINE bool note_slow(uint64_t ts, uint64_t b, uint64_t bk)
{
    if (HP_UNLIKELY(!tl.pt)) return false;
    hp_tl_point *p = &tl.pt[tl.n];
    if (!tl.open) {
        tl.open = true;
        tl.ok = kof(ts);
        tl.end = tl.sh < 64 && tl.ok + 1 <= (UINT64_MAX - tl.t0) >> tl.sh
                     ? tl.t0 + ((tl.ok + 1) << tl.sh)
                     : UINT64_MAX;
        if (tl.n > 0 && kof(tl.pt[tl.n - 1].ts) == tl.ok) { /* coarsened into the last one */
            p = &tl.pt[--tl.n];
            tl.ob = p->b;
            if (b < p->b) return false; /* it stays, snapshot and all */
        }
    }
    p->ts = ts;
    p->b = tl.ob = b;
    p->bk = bk;
    p->ntop = HP_TL_PENDING; /* its snapshot is taken by the caller at close */
    return true;
}

bool hp_timeline_note(uint64_t ts, uint64_t b, uint64_t bk)
{
    if (b < tl.ob) return false; /* the common case: below the maximum (ob == 0: none open) */
    return note_slow(ts, b, bk);
}

hp_tl_point *hp_timeline_open_point(void)
{
    return tl.open ? &tl.pt[tl.n] : NULL;
}

/* Doubles the interval until at most half the buffer is used; merges keep the larger b (the
 * later of equal ones, which comes second in ts order). */
static void coarsen(void)
{
    hp_assert(!tl.open);
    while (tl.n > HP_TL_CAP / 2) {
        tl.sh++;
        size_t j = 0;
        for (size_t i = 0; i < tl.n; i++) {
            if (j > 0 && kof(tl.pt[j - 1].ts) == kof(tl.pt[i].ts)) {
                if (tl.pt[i].b >= tl.pt[j - 1].b) tl.pt[j - 1] = tl.pt[i];
                continue;
            }
            if (j != i) tl.pt[j] = tl.pt[i];
            j++;
        }
        tl.n = j;
    }
}

void hp_timeline_close(void)
{
    if (!tl.open) return;
    tl.open = false;
    tl.end = UINT64_MAX;
    tl.ob = 0;
    hp_assert(tl.n == 0 || kof(tl.pt[tl.n - 1].ts) < kof(tl.pt[tl.n].ts));
    tl.n++;
    if (tl.n >= HP_TL_CAP - 1) coarsen();
    hp_assert(tl.n < HP_TL_CAP);
}

const hp_tl_point *hp_timeline_points(size_t *n)
{
    *n = tl.pt ? tl.n + tl.open : 0;
    return tl.pt;
}

unsigned hp_timeline_shift(void)
{
    return tl.sh;
}
