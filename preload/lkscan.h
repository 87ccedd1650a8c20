/* lkscan.h - the leak check's one scan: every word of a region or a block is read (lkread.h,
 * never faulting) and a word that points to the start or the interior of an unreached live
 * block marks it; marked blocks are scanned in turn (flood). Every range scanned is a named
 * region of a root class, so a verdict can be explained: HEAPPROF_LEAK_LOG=1 logs each region
 * (class, name, range, bytes read and unreadable, blocks it reached), and each block keeps the
 * region or block that first reached it (lkblocks.h). One check at a time (the agg lock). */
#ifndef HP_LKSCAN_H
#define HP_LKSCAN_H

#include "hp.h"

/* Root classes (docs/leak-check.md has the table). */
typedef enum {
    LKR_BLOCK,      /* not a root: inside a heap block */
    LKR_REGISTERS,  /* the calling thread's callee-saved registers */
    LKR_STACK,      /* the calling thread's stack, from its caller's frame up */
    LKR_TLS,        /* the calling thread's static TLS and thread control block */
    LKR_GLOBALS,    /* a loaded object's writable segments */
    LKR_THREAD,     /* another thread's stack, TLS and descriptor */
    LKR_ANON,       /* memory the program mapped itself (private or shared, anonymous) */
    LKR_FILEMAP,    /* a writable file mapping that is not a loaded object */
    LKR_IGNORED,    /* blocks passed to heapprof_ignore_block() */
    LKR_SUPPRESSED, /* blocks whose site a suppression matches (LeakSanitizer's rule) */
    LKR_NCLASSES
} hp_lkr_class;

const char *hp_lkscan_class_name(hp_lkr_class c);
/* Starts a check (log from HEAPPROF_LEAK_LOG); -1 if memory ran out. */
int hp_lkscan_begin(bool log);
void hp_lkscan_end(void);
/* Registers a region of class c named name (copied; may be NULL) and scans [lo, hi) as a root:
 * what it points to becomes reachable. Returns the region's number. */
uint16_t hp_lkscan_root(hp_lkr_class c, const char *name, uintptr_t lo, uintptr_t hi);
/* Notes a mapping that is not scanned and why (logged only). */
void hp_lkscan_skip(const char *why, const char *name, uintptr_t lo, uintptr_t hi);
/* Marks block i with state as a root of class c (ignored, suppressed blocks). */
void hp_lkscan_root_block(size_t i, hp_lkr_class c, uint8_t state);
/* Scans the marked blocks until none is left; what they reach gets state. */
void hp_lkscan_flood(uint8_t state);
/* Scans block i (not a root): the unreached blocks it points to get state (then flood). */
void hp_lkscan_block(size_t i, uint8_t state);
/* Region names, for the why-log. */
const char *hp_lkscan_region_name(uint16_t r);
hp_lkr_class hp_lkscan_region_class(uint16_t r);
void hp_lkscan_region_range(uint16_t r, uintptr_t *lo, uintptr_t *hi);
/* Bytes that could not be read in root regions (logged; a stack or mapping that vanished). */
uint64_t hp_lkscan_unreadable(void);

#endif
