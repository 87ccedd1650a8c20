/* livetab.h - the live blocks: address -> (site, size, birth). Used by one thread at a time
 * (agg.c, under its lock). Memory: 24 bytes a slot, at most 4/3 and at least 8/3 slots a
 * block once grown (32..64 bytes a live block), from mmap. */
#ifndef HP_LIVETAB_H
#define HP_LIVETAB_H

#include "tlbuf.h"

#define HP_LIVE_MAX_SID  ((1u << 24) - 1)
#define HP_LIVE_MAX_SIZE ((1ull << 39) - 1)

int hp_livetab_init(void);
enum { HP_LIVE_NEW, HP_LIVE_REPLACED, HP_LIVE_NOMEM };
/* Inserts addr. HP_LIVE_REPLACED: addr was live (the allocator handed it out again, so its
 * free was not seen); the old block is in *old and the caller accounts for it.
 * HP_LIVE_NOMEM: memory is exhausted (the block is then not tracked). */
int hp_livetab_insert(uintptr_t addr, const hp_block *b, hp_block *old);
/* Removes addr; true and *out filled if it was live. */
bool hp_livetab_remove(uintptr_t addr, hp_block *out);
/* Is a block live at addr? */
bool hp_livetab_contains(uintptr_t addr);
size_t hp_livetab_count(void);
/* Iteration: *cursor starts at 0; returns false at the end. The table must not change meanwhile. */
bool hp_livetab_next(size_t *cursor, uintptr_t *addr, hp_block *b);
size_t hp_livetab_bytes(void);
/* Marks the live block starting at addr as an intentional leak; false if there is none. */
bool hp_livetab_set_ignored(uintptr_t addr);
/* A hint: the slot for addr will be needed soon. */
void hp_livetab_prefetch(uintptr_t addr);

#endif
