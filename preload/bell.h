/* bell.h - the doorbell of heapprof's own thread (worker.c): a futex word that producers (a
 * filled segment, agg.c) and the snapshot signal handler ring, and the thread sleeps on.
 * A ring costs one atomic increment and one load; the futex system call only when the thread
 * sleeps (or is about to), and then by one ringer only. */
#ifndef HP_BELL_H
#define HP_BELL_H

#include "hp.h"

/* Async-signal-safe (errno kept): wakes the thread if it sleeps; if it is awake, its next
 * hp_bell_wait returns at once. */
void hp_bell_ring(void);
/* The thread: the ring count to pass to hp_bell_wait, read before looking for work. */
uint32_t hp_bell_seen(void);
/* The thread: sleeps until a ring after `seen` was read, or timeout_ms passes (0: no timeout).
 * Returns at once if one came already. False: the timeout passed. */
bool hp_bell_wait(uint32_t seen, uint64_t timeout_ms);
/* Fork child: no thread sleeps here. */
void hp_bell_atfork_child(void);

#endif
