/* sites.c - DHAT's per-site and global heap counters, with the lazy t-gmax snapshot.
 * Invariants: heap.curb == sum(site.curb); heap.maxb >= heap.curb;
 *             heap.pending => heap.curb == heap.maxb; snapshot rule in sites.h;
 *             tl_pending => heap.curb == the open timeline point's b, and no site changed
 *             since that point's moment (so curb is every site's value there);
 *             sid < nsid for every site ever touched; h[sid] parallels s[sid].
 * Threads: none of its own; agg.c serialises every call. */
#include "sites.h"

#include "arena.h"
#include "clock.h"
#include "timeline.h"

#include <string.h>

static struct {
    hp_site *s;
    hp_site_hist *h;
    uint32_t cap;
    uint32_t nsid; /* 1 + the largest sid touched */
    hp_heap_totals heap;
    uint32_t tl_snap;    /* timeline snapshots committed */
    uint64_t seen;       /* a site's seen word when it is up to date: gseen = heap.snap, tseen =
                          * tl_snap (kept by set_seen whenever either changes) */
    bool tl_pending;     /* the open point's maximum is not yet committed */
    uint64_t tl_events;  /* events since the last snapshot scan */
    uint64_t tl_skipped; /* points closed without a snapshot (scan budget) */
    double us_per_tick;
} si;

_Static_assert(sizeof(hp_site) == 128, "two cache lines, the hot fields in the first");

static void set_seen(void)
{
    hp_site x = {.gseen = si.heap.snap, .tseen = si.tl_snap};
    si.seen = x.seen;
}

int hp_sites_init(void)
{
    si.cap = 1024;
    si.s = hp_map(si.cap * sizeof(hp_site));
    si.h = hp_map(si.cap * sizeof(hp_site_hist));
    si.us_per_tick = 0.001;
    si.tl_snap = 1; /* a fresh site (tseen 0) is then "unchanged since": its value is curb */
    set_seen();
    if (!si.s || !si.h) return -1;
    return hp_timeline_init(hp_clock_start());
}

static HP_NOINLINE bool grow_slow(uint32_t sid)
{
    uint32_t cap = si.cap;
    while (cap <= sid)
        cap *= 2;
    hp_site *s = hp_map((size_t)cap * sizeof(hp_site));
    hp_site_hist *h = hp_map((size_t)cap * sizeof(hp_site_hist));
    if (!s || !h) {
        if (s) hp_unmap(s, (size_t)cap * sizeof(hp_site));
        if (h) hp_unmap(h, (size_t)cap * sizeof(hp_site_hist));
        return false;
    }
    memcpy(s, si.s, si.cap * sizeof(hp_site));
    memcpy(h, si.h, si.cap * sizeof(hp_site_hist));
    hp_unmap(si.s, si.cap * sizeof(hp_site));
    hp_unmap(si.h, si.cap * sizeof(hp_site_hist));
    si.s = s;
    si.h = h;
    si.cap = cap;
    return true;
}

/* A site's first change since the last snapshot (global or timeline): save its values there. */
static inline void save(hp_site *p)
{
    if (p->gseen != si.heap.snap) {
        p->gb = p->curb;
        p->gbk = p->curbk;
        p->gseen = si.heap.snap;
    }
    if (p->tseen != si.tl_snap) { /* the same for the timeline's open point */
        p->tlb = p->curb;
        p->tseen = si.tl_snap;
    }
}

/* A site accepted before (sid < nsid <= cap), about to change. */
static inline __attribute__((always_inline)) hp_site *site_known(uint32_t sid)
{
    hp_site *p = &si.s[sid];
    if (HP_UNLIKELY(p->seen != si.seen)) save(p);
    return p;
}

/* Any site, about to change; NULL if there is no memory for it. */
static inline __attribute__((always_inline)) hp_site *site(uint32_t sid)
{
    if (HP_UNLIKELY(sid >= si.cap) && !grow_slow(sid)) return NULL;
    if (HP_UNLIKELY(sid >= si.nsid)) si.nsid = sid + 1;
    return site_known(sid);
}

unsigned hp_hist_bucket(uint64_t v)
{
    if (v < 2) return 0;
    unsigned b = 63u - (unsigned)__builtin_clzll(v);
    return b < HP_HIST_N ? b : HP_HIST_N - 1;
}

static inline void hist_add(uint32_t *c, uint64_t k)
{
    if (k == 1) { /* (exact mode: agg.c passes a constant) */
        *c += *c != UINT32_MAX;
        return;
    }
    uint64_t v = (uint64_t)*c + k;
    *c = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; /* saturates */
}

/* hp_hist_bucket((uint64_t)(life * us_per_tick)), read from the product's binary exponent:
 * for x >= 2, floor(x) has x's exponent (flooring never crosses a power of two), and x < 2
 * floors to 0 or 1, bucket 0. (x >= 2^64, where the conversion is undefined, would need
 * 584,000 years of lifetime.) */
static inline unsigned life_bucket(uint64_t life)
{
    double x = (double)life * si.us_per_tick;
    if (!(x >= 2.0)) return 0;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    unsigned e = (unsigned)(bits >> 52) - 1023; /* x is positive and normal */
    return e < HP_HIST_N ? e : HP_HIST_N - 1;
}

/* ---- timeline (sites.h: the lazy rule with tseen/tlb) ---- */

static void tl_commit(void)
{
    if (si.tl_pending) {
        si.tl_snap++;
        si.tl_pending = false;
        set_seen();
    }
}

/* The sites with the most live bytes at the open point's moment, largest first (of equal ones,
 * the smaller sid). Unless forced, only if the scan budget allows it (sites.h). */
static void tl_snapshot(hp_tl_point *p, bool force)
{
    if (!p || p->ntop != HP_TL_PENDING) return; /* (a reopened point keeps its own) */
    if (!force && si.tl_events * 4 < si.nsid) {
        si.tl_skipped++;
        p->ntop = HP_TL_SKIPPED;
        return;
    }
    si.tl_events = 0;
    uint32_t n = 0;
    for (uint32_t sid = 0; sid < si.nsid; sid++) {
        const hp_site *s = &si.s[sid];
        uint64_t v = s->tseen == si.tl_snap ? s->tlb : s->curb;
        if (!v || (n == HP_TL_K && v <= p->top[n - 1])) continue;
        uint32_t i = n < HP_TL_K ? n++ : n - 1;
        for (; i > 0 && p->top[i - 1] < v; i--) {
            p->top[i] = p->top[i - 1];
            p->sid[i] = p->sid[i - 1];
        }
        p->top[i] = v;
        p->sid[i] = sid;
    }
    p->ntop = n;
}

/* The open point's interval has ended: its snapshot, then the point is closed. */
static HP_NOINLINE void tl_close(void)
{
    tl_commit();
    tl_snapshot(hp_timeline_open_point(), false);
    hp_timeline_close();
}

/* Before an event at ts (shrink: it lowers the live bytes). */
static inline void tl_before(uint64_t ts, bool shrink)
{
    si.tl_events++;
    if (HP_UNLIKELY(hp_timeline_ends(ts)))
        tl_close();
    else if (shrink)
        tl_commit();
}

static inline void tl_after(uint64_t ts)
{
    if (hp_timeline_note(ts, si.heap.curb, si.heap.curbk)) si.tl_pending = true;
}

void hp_sites_tl_snapshot_open(void)
{
    tl_commit();
    tl_snapshot(hp_timeline_open_point(), true);
}

uint64_t hp_sites_tl_skipped(void)
{
    return si.tl_skipped;
}

void hp_sites_set_rate(double us_per_tick)
{
    si.us_per_tick = us_per_tick;
}

const hp_site_hist *hp_sites_hist(uint32_t sid)
{
    return hp_sites_get(sid) ? &si.h[sid] : NULL;
}

/* Before the heap shrinks: a pending maximum becomes the snapshot. */
static void before_shrink(void)
{
    if (si.heap.pending) {
        si.heap.snap++;
        si.heap.pending = false;
        set_seen();
    }
}

/* DHAT's rule (dh_main.c): when the heap reaches or passes its maximum (>=, so the latest of
 * equal peaks wins), the maximum moves here, and the site that caused it records its own live
 * bytes as its "max" (mb/mbk). A site's mb is therefore its live bytes at the last global
 * maximum it caused, not its own maximum: heapprof keeps DHAT's definition so the numbers
 * compare equal (docs/report-format.md). */
static void maybe_peak(hp_site *p, uint64_t ts)
{
    if (si.heap.curb >= si.heap.maxb) {
        si.heap.maxb = si.heap.curb;
        si.heap.maxbk = si.heap.curbk;
        si.heap.tg = ts;
        si.heap.pending = true;
        p->mb = p->curb;
        p->mbk = p->curbk;
    }
}

bool hp_sites_alloc(uint32_t sid, uint64_t size, uint64_t ts, uint64_t k)
{
    tl_before(ts, false);
    hp_site *p = site(sid);
    if (!p) return false;
    hist_add(&si.h[sid].size[hp_hist_bucket(size)], k);
    uint64_t bytes = size * k;
    p->tb += bytes;
    p->tbk += k;
    p->curb += bytes;
    p->curbk += k;
    si.heap.tb += bytes;
    si.heap.tbk += k;
    si.heap.curb += bytes;
    si.heap.curbk += k;
    maybe_peak(p, ts);
    tl_after(ts);
    return true;
}

void hp_sites_free(uint32_t sid, uint64_t size, uint64_t birth, uint64_t ts, uint64_t k)
{
    before_shrink();
    tl_before(ts, true);
    hp_site *p = site_known(sid);
    uint64_t life = ts > birth ? ts - birth : 0;
    p->curb -= size * k;
    p->curbk -= k;
    p->tl += life * k;
    hist_add(&si.h[sid].life[life_bucket(life)], k);
    si.heap.curb -= size * k;
    si.heap.curbk -= k;
    tl_after(ts);
}

void hp_sites_resize(uint32_t sid, uint64_t old_size, uint64_t new_size, uint64_t ts)
{
    if (new_size < old_size) before_shrink();
    tl_before(ts, new_size < old_size);
    hp_site *p = site_known(sid);
    hist_add(&si.h[sid].size[hp_hist_bucket(new_size)], 1);
    p->tb += new_size;
    p->tbk++;
    p->rs++;
    si.heap.tb += new_size;
    si.heap.tbk++;
    if (new_size >= old_size) {
        p->rsg += new_size - old_size;
        p->curb += new_size - old_size;
        si.heap.curb += new_size - old_size;
    } else {
        p->curb -= old_size - new_size;
        si.heap.curb -= old_size - new_size;
    }
    maybe_peak(p, ts); /* DHAT checks after any resize, a same-size one included */
    tl_after(ts);
}

void hp_sites_finish(void)
{
    before_shrink();
    tl_commit();
    for (uint32_t i = 0; i < si.nsid; i++) /* (beyond nsid: never touched, all zero) */
        (void)site_known(i);               /* brings every gb/gbk up to the last snapshot */
}

const hp_site *hp_sites_get(uint32_t sid)
{
    return sid < si.cap && si.s[sid].tbk ? &si.s[sid] : NULL;
}

uint32_t hp_sites_count(void)
{
    return si.cap;
}

const hp_heap_totals *hp_sites_totals(void)
{
    return &si.heap;
}

size_t hp_sites_bytes(void)
{
    return si.cap * (sizeof(hp_site) + sizeof(hp_site_hist));
}
