/* lkblocks.h - the leak check's block set: every live block at the check, sorted by address,
 * with its state, and how it was reached (for HEAPPROF_LEAK_WHY), plus the mark stack of the
 * flood. Memory: mmap only, 24 bytes + 8 (what reached it) + 4 (mark stack) per live block; the
 * sorted array stays at 24 bytes an entry, as sorting a million of them dominates the check's
 * time. One check at a time
 * (the agg lock). */
#ifndef HP_LKBLOCKS_H
#define HP_LKBLOCKS_H

#include "hp.h"

enum {
    LK_UNREACHED = 0, /* not (yet) reached: definitely lost at the end */
    LK_REACHABLE,     /* reached from a root */
    LK_SUPPRESSED,    /* its site is suppressed, or reached only from such a block */
    LK_INDIRECT,      /* reached only from lost blocks */
    LK_UNREADABLE,    /* its memory cannot be read: freed where heapprof could not see it */
};

typedef struct hp_lkblk {
    uintptr_t lo, hi;
    uint32_t sid;    /* its allocation site */
    uint8_t state;   /* LK_* */
    uint8_t ignored; /* heapprof_ignore_block() */
    uint16_t region; /* the region that reached it (lkscan.h), when from is not in a block */
} hp_lkblk;

/* Loads the live blocks (livetab). -1 if memory ran out. */
int hp_lkb_load(void);
void hp_lkb_release(void);
size_t hp_lkb_count(void);
hp_lkblk *hp_lkb_at(size_t i);
/* Index of the block containing address w, or SIZE_MAX. */
size_t hp_lkb_find(uintptr_t w);
/* Index of the first block with lo >= a (count() if none). */
size_t hp_lkb_first_from(uintptr_t a);
/* The address of the word that first reached block i (0: a root class itself, or unreached). */
uintptr_t hp_lkb_from(size_t i);
/* Marks block i with state and pushes it on the mark stack (once per state change). */
void hp_lkb_mark(size_t i, uint8_t state, uintptr_t from, uint16_t region);
/* Pops a block to scan; false when the stack is empty. */
bool hp_lkb_pop(size_t *i);

#endif
