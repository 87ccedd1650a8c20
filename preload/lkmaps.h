/* lkmaps.h - the process's mappings at the check (/proc/self/maps), each classified as the
 * leak check needs it. The file is read with read(2) into mmap'd memory (no stdio, no malloc);
 * names point into that text, kept until hp_lkmaps_release(). */
#ifndef HP_LKMAPS_H
#define HP_LKMAPS_H

#include "hp.h"

typedef enum {
    LKM_OTHER,  /* not readable, or nothing the program stores pointers in (text, vdso) */
    LKM_ANON,   /* anonymous memory (private or shared, named by prctl or not) */
    LKM_FILE,   /* a writable mapping of a regular file */
    LKM_HEAP,   /* [heap]: the brk area, glibc's main arena */
    LKM_STACK,  /* [stack]: the main thread's stack */
    LKM_DEVICE, /* a device (/dev/...): never read */
} hp_lkm_kind;

typedef struct hp_lkmap {
    uintptr_t lo, hi;
    uint8_t kind;
    bool readable, writable;
    const char *name; /* "" for plain anonymous memory */
} hp_lkmap;

/* Keeps /proc/self/maps open from start-up (HEAPPROF_LEAK_CHECK): a program that used up its
 * descriptors can still be checked. Placed at a high descriptor number, so the program's own
 * numbering is unchanged; not kept if that is impossible. */
void hp_lkmaps_reserve(void);
/* Reads the mappings. 0, or an errno value (the reason it could not). */
int hp_lkmaps_load(void);
void hp_lkmaps_release(void);
size_t hp_lkmaps_count(void);
const hp_lkmap *hp_lkmaps_at(size_t i);
/* The readable mapping holding a, or NULL. */
const hp_lkmap *hp_lkmaps_of(uintptr_t a);

#endif
