/* fastunwind.h - the hot path's unwinder: cached DWARF CFI rules (fastunwind.c says why).
 * Only unwind.h calls it; libunwind remains the fallback and the reference. */
#ifndef HP_FASTUNWIND_H
#define HP_FASTUNWIND_H

#include "hp.h"

typedef struct hp_ucache hp_ucache;

/* A zeroed per-thread rule cache (64 KiB, mmap), or NULL. */
hp_ucache *hp_fastunwind_cache_new(void);
/* Walks the stack from a frame whose caller state is (pc: return address, sp: the frame's CFA,
 * bp: rbp in the caller), at most max frames. Returns the count n, the return addresses then at
 * hp_fastunwind_pcs (pc first), or 0 if some frame needs libunwind (then the caller must use it
 * for the whole stack). Reads only stack slots that the CFI designates. Never calls malloc.
 * Frames shared with the previous successful walk of this cache are followed without rule
 * lookups (fastunwind.c). */
size_t hp_fastunwind(hp_ucache *uc, uintptr_t pc, uintptr_t sp, uintptr_t bp, size_t max);
/* After a walk that returned n > 0: its n return addresses, valid until the next walk. */
const uintptr_t *hp_fastunwind_pcs(const hp_ucache *uc);

/* True if the last hp_fastunwind returned exactly the frames of the successful walk before it
 * (the stack did not change between the two allocations). */
bool hp_fastunwind_repeat(const hp_ucache *uc);
/* After a walk that returned n > 0: hp_stacktab_chain over its n return addresses, from the
 * outermost in (stacktab.h), so that interning them needs no hash of its own. */
uint64_t hp_fastunwind_chain(const hp_ucache *uc);
/* After a walk that returned n > 0: n. */
size_t hp_fastunwind_depth(const hp_ucache *uc);
/* The stack id the caller noted for the last successful walk (0: none noted since the frames
 * last changed). The cache keeps it for hp_fastunwind_repeat's case: no hash, no table. */
uint32_t hp_fastunwind_id(const hp_ucache *uc);
void hp_fastunwind_note_id(hp_ucache *uc, uint32_t id);

/* An object was unloaded: every thread's cache is emptied before its next walk. Any thread. */
void hp_fastunwind_forget(void);
/* How many times hp_fastunwind_forget ran (0: no object was ever unloaded). */
unsigned hp_fastunwind_unloads(void);

#endif
