/* unwind.h - the one interface to the unwinder (libunwind today; a faster one can replace it).
 * hp_unwind gives the return addresses of the calling thread's stack, the frames inside
 * libheapprof.so dropped, so the first one is in the caller of malloc/new/...
 * Returns the number of frames (0 if the unwinder failed). Never calls malloc itself; it must
 * run with the hook guard set (libunwind may allocate on first use; those calls pass through). */
#ifndef HP_UNWIND_H
#define HP_UNWIND_H

#include "hp.h"

#define HP_MAX_DEPTH 256

void hp_unwind_init(void);
static inline size_t hp_unwind(uintptr_t *buf, size_t max, size_t *first);
/* True if addr is inside libheapprof.so. */
bool hp_unwind_is_self(uintptr_t addr);

extern uintptr_t hp_unwind_self_lo, hp_unwind_self_hi;
int unw_backtrace(void **, int); /* libunwind's, declared here to keep its header local */

#define HP_UNWIND_SKIP_MAX 4 /* our own frames above the user's: the hook, at most a helper */

/* Inline, so that the hook is the only profiler frame the unwinder walks. Fills buf (which has
 * room for max + HP_UNWIND_SKIP_MAX entries) and returns the number of the caller's frames;
 * they start at buf[*first] (no copying: the profiler's own frames are skipped in place). */
static inline __attribute__((always_inline)) size_t hp_unwind(uintptr_t *buf, size_t max,
                                                             size_t *first)
{
    if (max > HP_MAX_DEPTH)
        max = HP_MAX_DEPTH;
    int n = unw_backtrace((void **)buf, (int)(max + HP_UNWIND_SKIP_MAX));
    int i = 0;
    while (i < n && buf[i] >= hp_unwind_self_lo && buf[i] < hp_unwind_self_hi)
        i++;
    *first = (size_t)i;
    if (n - i > (int)max)
        n = i + (int)max;
    return n > i ? (size_t)(n - i) : 0;
}

#endif
