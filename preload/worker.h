/* worker.h - heapprof's own thread (worker.c): the consumer of every thread's events when the
 * process may run on two CPUs or more (HEAPPROF_CONSUMER), and the writer of live snapshots
 * (snapshot.c) when asked. One thread for both; none when neither is wanted. */
#ifndef HP_WORKER_H
#define HP_WORKER_H

#include "hp.h"

/* At start-up (our constructor, state ACTIVE, after hp_snapshot_init): starts the thread if
 * the consumer goes there or snapshots were asked for. True if a thread runs. */
bool hp_worker_start(void);
/* Fork child (atfork_child, after the locks are reset): the parent's thread does not exist
 * here; starts this process's own if the parent had one. */
void hp_worker_atfork_child(void);

#endif
