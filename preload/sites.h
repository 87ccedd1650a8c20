/* sites.h - DHAT's counters per call site (indexed by stack id) and for the whole heap.
 * Called by one thread at a time (agg.c, under its lock), in event-timestamp order.
 * The global peak (t-gmax) is a lazy snapshot, as in DHAT: a maximum reached (>=: the latest
 * of equal peaks wins) is "pending" until the heap next shrinks (or the run ends); then every
 * site's live bytes at that moment are its gb/gbk. Sites save their values lazily, so a snapshot
 * costs O(1), not O(sites): site.gseen == snap  =>  site.gb/gbk hold its live bytes/blocks at
 * snapshot `snap`; site.gseen != snap  =>  the site did not change since snapshot `snap`: gb =
 * curb. */
#ifndef HP_SITES_H
#define HP_SITES_H

#include "hp.h"

typedef struct hp_site {
    uint64_t tb, tbk;     /* total bytes/blocks, reallocs included */
    uint64_t tl;          /* sum of lifetimes of freed blocks, ticks */
    uint64_t mb, mbk;     /* live at the last global maximum this site caused (DHAT) */
    uint64_t gb, gbk;     /* live at the snapshot gseen */
    uint64_t curb, curbk; /* live now */
    uint64_t rs, rsg;     /* reallocs, bytes grown by reallocs */
    uint32_t gseen;
} hp_site;

typedef struct hp_heap_totals {
    uint64_t tb, tbk, curb, curbk, maxb, maxbk;
    uint64_t tg;   /* ticks at the first moment curb == maxb */
    uint32_t snap; /* committed snapshots */
    bool pending;  /* a new maximum not yet snapshotted */
} hp_heap_totals;

int hp_sites_init(void);
/* False if memory for a new site is exhausted. */
bool hp_sites_alloc(uint32_t sid, uint64_t size, uint64_t ts);
void hp_sites_free(uint32_t sid, uint64_t size, uint64_t birth, uint64_t ts);
void hp_sites_resize(uint32_t sid, uint64_t old_size, uint64_t new_size, uint64_t ts);
/* End of run: commits a pending peak and fixes every site's gb/gbk. Idempotent until the
 * next event. */
void hp_sites_finish(void);
/* Site sid or NULL (never allocated). */
const hp_site *hp_sites_get(uint32_t sid);
uint32_t hp_sites_count(void); /* sids are < this */
const hp_heap_totals *hp_sites_totals(void);
size_t hp_sites_bytes(void);

#endif
