/* sites.h - DHAT's counters per call site (indexed by stack id) and for the whole heap.
 * Called by one thread at a time (agg.c, under its lock), in event-timestamp order.
 * The global peak (t-gmax) is a lazy snapshot, as in DHAT: a maximum reached (>=: the latest
 * of equal peaks wins) is "pending" until the heap next shrinks (or the run ends); then every
 * site's live bytes at that moment are its gb/gbk. Sites save their values lazily, so a snapshot
 * costs O(1), not O(sites): site.gseen == snap  =>  site.gb/gbk hold its live bytes/blocks at
 * snapshot `snap`; site.gseen != snap  =>  the site did not change since snapshot `snap`: gb =
 * curb.
 * The timeline (timeline.h) uses the same lazy rule with its own counter: site.tseen == tsnap
 * => site.tlb holds its live bytes at the open point's maximum; else they are curb. A point's
 * snapshot (the HP_TL_K sites with the most live bytes then) is taken when its interval ends,
 * by one scan of the sites, skipped (and counted) unless at least nsites/4 events were applied
 * since the last scan: the scans cost at most 4 site reads per event, amortised.
 * Histograms: per site, log2 buckets of request sizes (each allocation and each successful
 * realloc, so sum(hsize) == tbk) and of lifetimes in µs (each block freed before the end), in
 * uint32 counters that saturate at UINT32_MAX: 2 x HP_HIST_N x 4 = 320 bytes per site, in an
 * array of their own (the counters: 128 bytes a site, those every event changes in its first
 * cache line). */
#ifndef HP_SITES_H
#define HP_SITES_H

#include "hp.h"

typedef struct hp_site {
    /* Touched by every event of the site: the first cache line (the array is mapped, and
     * sizeof(hp_site) == 128). */
    uint64_t tb, tbk;     /* total bytes/blocks, reallocs included */
    uint64_t curb, curbk; /* live now */
    uint64_t tl;          /* sum of lifetimes of freed blocks, ticks */
    union {
        struct {
            uint32_t gseen;
            uint32_t tseen; /* timeline snapshot counter (see above) */
        };
        uint64_t seen; /* both: one test per event (sites.c) */
    };
    uint64_t tlb; /* live bytes at the timeline snapshot tseen */
    uint64_t rs;  /* reallocs */
    /* Touched by reallocs, maxima and snapshots. */
    uint64_t rsg;     /* bytes grown by reallocs */
    uint64_t mb, mbk; /* live at the last global maximum this site caused (DHAT) */
    uint64_t gb, gbk; /* live at the snapshot gseen */
    uint64_t pad[3];
} hp_site;

#define HP_HIST_N 40 /* buckets: i holds [2^i, 2^(i+1)); 0 also holds 0; the last, all above */

typedef struct hp_site_hist {
    uint32_t size[HP_HIST_N]; /* request sizes, bytes */
    uint32_t life[HP_HIST_N]; /* lifetimes, µs */
} hp_site_hist;

typedef struct hp_heap_totals {
    uint64_t tb, tbk, curb, curbk, maxb, maxbk;
    uint64_t tg;   /* ticks at the first moment curb == maxb */
    uint32_t snap; /* committed snapshots */
    bool pending;  /* a new maximum not yet snapshotted */
} hp_heap_totals;

int hp_sites_init(void);
/* False if memory for a new site is exhausted. */
/* k: how many blocks the event stands for (1 in exact mode; sampling mode: sample.h). */
bool hp_sites_alloc(uint32_t sid, uint64_t size, uint64_t ts, uint64_t k);
/* Free and resize: sid is a site hp_sites_alloc accepted (a live block's). */
void hp_sites_free(uint32_t sid, uint64_t size, uint64_t birth, uint64_t ts, uint64_t k);
void hp_sites_resize(uint32_t sid, uint64_t old_size, uint64_t new_size, uint64_t ts);
/* End of run: commits a pending peak and fixes every site's gb/gbk. Idempotent until the
 * next event. */
void hp_sites_finish(void);
/* Site sid or NULL (never allocated). */
const hp_site *hp_sites_get(uint32_t sid);
uint32_t hp_sites_count(void); /* sids are < this */
const hp_heap_totals *hp_sites_totals(void);
size_t hp_sites_bytes(void);
/* Histograms of site sid (NULL if none). */
const hp_site_hist *hp_sites_hist(uint32_t sid);
/* Log2 bucket of v (0 and 1 -> 0), capped at HP_HIST_N - 1. */
unsigned hp_hist_bucket(uint64_t v);
/* The tick rate used to put lifetimes in µs buckets (agg.c sets it before each drain from
 * clock.h's running estimate; 0.001 = nanosecond ticks until then). */
void hp_sites_set_rate(double us_per_tick);
/* Timeline: the snapshot of the open point (taken now if missing: call after
 * hp_sites_finish, which commits it). Points whose snapshot was skipped: counted here. */
void hp_sites_tl_snapshot_open(void);
uint64_t hp_sites_tl_skipped(void);

#endif
