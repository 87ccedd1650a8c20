/* lkalloc.h - what the leak check knows about the allocator under heapprof: which memory is
 * the allocator's own (its free chunks keep stale pointers: scanning them would hide leaks),
 * and which pointers are its bookkeeping. glibc's malloc is known in detail (its chunk header,
 * its mmapped chunks, the heaps of its secondary arenas); any other allocator (jemalloc,
 * tcmalloc) is known only through its live blocks: a mapping that holds one is its. */
#ifndef HP_LKALLOC_H
#define HP_LKALLOC_H

#include "hp.h"

/* Once per check: is the real malloc glibc's? */
void hp_lkalloc_begin(void);
bool hp_lkalloc_is_glibc(void);
/* Is w, a pointer into the last 16 bytes of the live block [lo, hi), the allocator's pointer to
 * the header of the chunk that follows it? */
bool hp_lkalloc_is_next_header(uintptr_t lo, uintptr_t hi, uintptr_t w);
/* glibc: the whole mapping of the block at lo if malloc mmapped it for this block alone. */
bool hp_lkalloc_mmapped_chunk(uintptr_t lo, uintptr_t *clo, uintptr_t *chi);
/* glibc: if a heap of a secondary arena starts at base (aligned to its maximum size), its
 * used part [base, *hi). */
bool hp_lkalloc_arena_heap(uintptr_t base, uintptr_t *hi);
/* glibc's maximum heap size of a secondary arena, the alignment of every such heap. */
#define HP_LKALLOC_HEAP_MAX (64ull << 20)

#endif
