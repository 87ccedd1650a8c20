/* snapshot.h - live snapshots of a running image (snapshot.c): on HEAPPROF_DUMP_SIGNAL and/or
 * every HEAPPROF_INTERVAL seconds, a complete report numbered <HEAPPROF_OUT stem>.<K>.json,
 * written by a thread of heapprof's own while the program runs on (docs/production.md). */
#ifndef HP_SNAPSHOT_H
#define HP_SNAPSHOT_H

#include "hp.h"

/* At start-up (our constructor, state ACTIVE): if an option asks for snapshots, starts the
 * snapshot thread and installs the signal handler. A bad value: one line, no snapshots. */
void hp_snapshot_init(void);
/* Fork child (atfork_child, after the locks are reset): the parent's thread does not exist
 * here; starts this process's own, numbering from 1 again. */
void hp_snapshot_atfork_child(void);
/* HEAPPROF_DUMP_SIGNAL's value -> a signal number: "" or "0": 0 (off); a name with or without
 * SIG (any case, as sigabbrev_np spells it) or a number; -1 if it is none of these or a signal
 * that cannot or must not be caught (KILL, STOP; SEGV, BUS, ILL, FPE, TRAP: faults). */
int hp_snapshot_parse_signal(const char *s);

#endif
