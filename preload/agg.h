/* agg.h - aggregation: merges every thread's events in timestamp order and applies them to
 * the live table and the site counters. One consumer at a time (agg lock). Drains happen in
 * batches: when a thread filled a segment (try-lock, skipped if another drain runs), and in
 * full before a report. */
#ifndef HP_AGG_H
#define HP_AGG_H

#include "tlbuf.h"

int hp_agg_init(void);
/* Drains what can be ordered now, if no other drain is running. Never waits. */
void hp_agg_try_drain(void);
/* Called by a thread that filled a segment, at the end of its hook. Consumer on heapprof's
 * thread: rings its bell. Inline: drains if it is the thread that drained last (so the tables
 * stay in one core's cache), or if its own backlog grew past a few segments (the last drainer
 * is busy elsewhere or gone). Either way it waits for the lock only under backpressure (its
 * backlog past BACKPRESSURE_SEGS, agg.c). */
void hp_agg_segment_filled(hp_thread *t);
/* Where this process's consumer runs: on heapprof's own thread (worker.c) or inline, in the
 * hook of whichever thread filled a segment. On the thread, a filled segment only rings the
 * bell (bell.h), unless the producer's backlog passed BACKPRESSURE_SEGS: then it waits for
 * the lock and drains. A fork child starts inline (hp_agg_atfork_child). */
void hp_agg_set_thread(bool on);
bool hp_agg_on_thread(void);
/* The consumer thread: with the lock (hp_agg_lock), applies what the horizon allows; true if
 * events are left in some queue (above the horizon, or appended meanwhile). Never inlined: its
 * frames are below the caller's, which wipes them (the leak check scans that thread's stack). */
bool hp_agg_consume_locked(void);
void hp_agg_lock(void);
/* Takes the agg lock and drains every event appended before the call, waiting (up to a
 * second) for hooks in flight at the call to append theirs (the API: stats, dump, leak check). */
void hp_agg_lock_and_drain(void);
/* Final: takes the lock and drains every event already appended, ignoring busy threads. */
void hp_agg_lock_and_drain_all(void);
/* As hp_agg_lock_and_drain, but never waits: false (nothing done, lock not held) if the lock
 * is taken. For a report while the other threads keep recording (exec). */
bool hp_agg_try_lock_and_drain(void);
/* As hp_agg_lock_and_drain_all, but never waits: false (nothing done, lock not held) if the
 * lock is taken, e.g. by the very drain a signal handler interrupted. */
bool hp_agg_try_lock_and_drain_all(void);
void hp_agg_unlock(void);
/* With the lock held: drains every event already appended (the leak check, after it gave other
 * threads a moment to free what they were freeing). */
void hp_agg_drain_all_locked(void);
/* Counters, valid under the agg lock. */
uint64_t hp_agg_unknown_frees(void);
uint64_t hp_agg_lost_blocks(void);
/* Live blocks closed because the allocator handed their address out again (a free no hook saw). */
uint64_t hp_agg_missed_frees(void);
/* Sampling mode: the sampled allocations applied so far (0 in exact mode). */
uint64_t hp_agg_samples(void);
void hp_agg_atfork_prepare(void);
void hp_agg_atfork_parent(void);
void hp_agg_atfork_child(void);

#endif
