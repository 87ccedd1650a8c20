/* snapshot.h - live snapshots of a running image (snapshot.c): on HEAPPROF_DUMP_SIGNAL and/or
 * every HEAPPROF_INTERVAL seconds, a complete report numbered <HEAPPROF_OUT stem>.<K>.json,
 * written by heapprof's own thread (worker.c) while the program runs on (docs/production.md). */
#ifndef HP_SNAPSHOT_H
#define HP_SNAPSHOT_H

#include "hp.h"

/* At start-up (our constructor, state ACTIVE), before hp_worker_start: reads the options. A bad
 * value: one line, no snapshots on a signal. */
void hp_snapshot_init(void);
/* After hp_worker_start: installs the signal handler if a thread runs (thread); without one,
 * no snapshots. */
void hp_snapshot_arm(bool thread);
bool hp_snapshot_wanted(void);
long hp_snapshot_interval_s(void);
/* heapprof's thread: true (and *seen updated) if a signal came since *seen. */
bool hp_snapshot_requested(uint32_t *seen);
/* heapprof's thread, with the agg lock, after a drain: writes the next numbered snapshot unless
 * the image's end has begun or nothing was allocated yet. */
void hp_snapshot_write_locked(void);
/* Fork child (atfork_child, after the locks are reset, before hp_worker_atfork_child): numbers
 * from 1 again, serves this process's signals. */
void hp_snapshot_atfork_child(void);
/* HEAPPROF_DUMP_SIGNAL's value -> a signal number: "" or "0": 0 (off); a name with or without
 * SIG (any case, as sigabbrev_np spells it) or a number; -1 if it is none of these or a signal
 * that cannot or must not be caught (KILL, STOP; SEGV, BUS, ILL, FPE, TRAP: faults). */
int hp_snapshot_parse_signal(const char *s);

#endif
