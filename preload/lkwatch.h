/* lkwatch.h - frees made by other threads while the end-of-run leak check runs. At exit
 * heapprof stops recording (later events are outside the run), but the program's other threads
 * keep running: a block one of them frees meanwhile — held until then only in its registers,
 * like a thread state that an exiting thread frees after waking its joiner — is not a leak. The
 * hooks note such frees here (a bounded lock-free list), and the check leaves those blocks out.
 * Threads: any thread notes; the checker reads under the agg lock. */
#ifndef HP_LKWATCH_H
#define HP_LKWATCH_H

#include "hp.h"

/* Starts watching (before recording stops) / stops. */
void hp_lkwatch_start(void);
void hp_lkwatch_stop(void);
/* A free (or realloc) of p that was not recorded: noted while watching. */
void hp_lkwatch_note_slow(uintptr_t p);
extern _Atomic bool hp_lkwatch_on;
static inline void hp_lkwatch_note(const void *p)
{
    if (HP_UNLIKELY(p && hp_load_relaxed(&hp_lkwatch_on))) hp_lkwatch_note_slow((uintptr_t)p);
}
/* The addresses noted so far, sorted, into out (up to max); returns how many, or SIZE_MAX if
 * the list overflowed (then any block may have been freed: nothing can be left out safely). */
size_t hp_lkwatch_sorted(uintptr_t *out, size_t max);

#endif
