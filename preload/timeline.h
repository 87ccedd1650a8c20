/* timeline.h - the heap over time: at most HP_TL_CAP points, each the maximum of the live bytes
 * within its time interval, coarsened by doubling the interval when the buffer is full.
 * Fed by sites.c (one thread at a time, under the agg lock, in event-timestamp order); read by
 * report.c. Each point may carry a snapshot of the HP_TL_K sites with the most live bytes at
 * its moment, which sites.c computes (timeline.c only stores and moves it).
 * Bound: HP_TL_CAP points of sizeof(hp_tl_point) bytes, mapped once: 2,000 x 224 bytes =
 * 438 KiB (asserted in timeline.c). */
#ifndef HP_TIMELINE_H
#define HP_TIMELINE_H

#include "hp.h"

#define HP_TL_CAP 2000 /* points, the open one included */
#define HP_TL_K   16   /* sites per snapshot */

typedef struct hp_tl_point {
    uint64_t ts;    /* ticks (absolute) of the maximum within the interval (latest of equal) */
    uint64_t b, bk; /* live bytes / blocks then */
    uint32_t ntop;  /* sites in the snapshot (largest first), or HP_TL_PENDING / HP_TL_SKIPPED */
    uint32_t sid[HP_TL_K];
    uint64_t top[HP_TL_K]; /* live bytes of sid[i] at ts */
} hp_tl_point;

#define HP_TL_PENDING UINT32_MAX       /* a new maximum: the snapshot is due at close */
#define HP_TL_SKIPPED (UINT32_MAX - 1) /* none was taken (sites.h: the scan budget) */

/* t0: the time origin (ticks); intervals are [t0 + k*2^shift, t0 + (k+1)*2^shift). */
int hp_timeline_init(uint64_t t0);
/* Before an event at ts: true if ts lies past the open point's interval, which is then
 * complete: the caller fills its snapshot (hp_timeline_open_point) and calls
 * hp_timeline_close before applying the event. */
bool hp_timeline_ends(uint64_t ts);
/* After an event at ts that left b/bk live: true if it is the open interval's new maximum
 * (>=, so the latest of equal maxima wins, as for t-gmax); then its snapshot is pending. */
bool hp_timeline_note(uint64_t ts, uint64_t b, uint64_t bk);
/* The open point (NULL if none: no event yet in its interval); its snapshot may be written
 * (only while ntop == HP_TL_PENDING: a reopened point keeps the one it has). */
hp_tl_point *hp_timeline_open_point(void);
/* Moves the open point into the buffer, coarsening first when full (see timeline.c). */
void hp_timeline_close(void);
/* The points so far (closed ones, then the open one), ascending in ts; *n set to the count. */
const hp_tl_point *hp_timeline_points(size_t *n);
/* Interval width, log2 ticks (tests). */
unsigned hp_timeline_shift(void);

#endif
