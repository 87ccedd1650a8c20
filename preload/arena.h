/* arena.h - heapprof's own memory, from mmap, never from the interposed malloc.
 * hp_arena_alloc: small, permanent objects (bump allocated, zeroed, 16-byte aligned).
 * hp_map/hp_unmap: large zeroed regions (tables) that may be released. All return NULL on
 * failure; the caller records the loss (the report then says it is incomplete). */
#ifndef HP_ARENA_H
#define HP_ARENA_H

#include "hp.h"

void *hp_arena_alloc(size_t size);
void *hp_map(size_t size);
void hp_unmap(void *p, size_t size);
/* hp_map for a signal handler (async-signal-safe, no lock held across the call): NULL also if
 * the registry stayed busy (its holder may be the interrupted code). */
void *hp_map_nowait(size_t size);
/* True if [lo, hi) overlaps memory heapprof mapped (or if it cannot tell). */
bool hp_arena_owns(uintptr_t lo, uintptr_t hi);
/* Copies up to max of heapprof's own mappings into lo[]/hi[]; returns how many there are
 * (SIZE_MAX if the registry overflowed: then any of them may be unlisted). */
size_t hp_arena_ranges(uintptr_t *lo, uintptr_t *hi, size_t max);
/* Bytes obtained from the OS so far (for the report and the benchmarks). */
size_t hp_arena_mapped(void);
/* Fork: the lock is held across fork by the forking thread, then reset in both processes. */
void hp_arena_atfork_prepare(void);
void hp_arena_atfork_parent(void);
void hp_arena_atfork_child(void);

#endif
