/* sites.c - DHAT's per-site and global heap counters, with the lazy t-gmax snapshot.
 * Invariants: heap.curb == sum(site.curb); heap.maxb >= heap.curb;
 *             heap.pending => heap.curb == heap.maxb; snapshot rule in sites.h.
 * Threads: none of its own; agg.c serialises every call. */
#include "sites.h"

#include "arena.h"

#include <string.h>

static struct {
    hp_site *s;
    uint32_t cap;
    hp_heap_totals heap;
} si;

int hp_sites_init(void)
{
    si.cap = 1024;
    si.s = hp_map(si.cap * sizeof(hp_site));
    return si.s ? 0 : -1;
}

static HP_NOINLINE bool grow_slow(uint32_t sid)
{
    uint32_t cap = si.cap;
    while (cap <= sid)
        cap *= 2;
    hp_site *s = hp_map((size_t)cap * sizeof(hp_site));
    if (!s) return false;
    memcpy(s, si.s, si.cap * sizeof(hp_site));
    hp_unmap(si.s, si.cap * sizeof(hp_site));
    si.s = s;
    si.cap = cap;
    return true;
}

static inline __attribute__((always_inline)) hp_site *site(uint32_t sid)
{
    if (HP_UNLIKELY(sid >= si.cap) && !grow_slow(sid)) return NULL;
    hp_site *p = &si.s[sid];
    if (p->gseen != si.heap.snap) { /* first change since the last snapshot: save it */
        p->gb = p->curb;
        p->gbk = p->curbk;
        p->gseen = si.heap.snap;
    }
    return p;
}

/* Before the heap shrinks: a pending maximum becomes the snapshot. */
static void before_shrink(void)
{
    if (si.heap.pending) {
        si.heap.snap++;
        si.heap.pending = false;
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

bool hp_sites_alloc(uint32_t sid, uint64_t size, uint64_t ts)
{
    hp_site *p = site(sid);
    if (!p) return false;
    p->tb += size;
    p->tbk++;
    p->curb += size;
    p->curbk++;
    si.heap.tb += size;
    si.heap.tbk++;
    si.heap.curb += size;
    si.heap.curbk++;
    maybe_peak(p, ts);
    return true;
}

void hp_sites_free(uint32_t sid, uint64_t size, uint64_t birth, uint64_t ts)
{
    before_shrink();
    hp_site *p = site(sid);
    p->curb -= size;
    p->curbk--;
    p->tl += ts > birth ? ts - birth : 0;
    si.heap.curb -= size;
    si.heap.curbk--;
}

void hp_sites_resize(uint32_t sid, uint64_t old_size, uint64_t new_size, uint64_t ts)
{
    if (new_size < old_size) before_shrink();
    hp_site *p = site(sid);
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
}

void hp_sites_finish(void)
{
    before_shrink();
    for (uint32_t i = 0; i < si.cap; i++)
        (void)site(i); /* brings every gb/gbk up to the last snapshot */
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
    return si.cap * sizeof(hp_site);
}
