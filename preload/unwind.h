/* unwind.h - the one interface to the unwinder (libunwind today; a faster one can replace it).
 * hp_unwind fills ips[0..max) with the return addresses of the calling thread's stack, the
 * frames inside libheapprof.so dropped, so ips[0] is in the caller of malloc/new/...
 * Returns the number of frames (0 if the unwinder failed). Never calls malloc itself; it must
 * run with the hook guard set (libunwind may allocate on first use; those calls pass through). */
#ifndef HP_UNWIND_H
#define HP_UNWIND_H

#include "hp.h"

#define HP_MAX_DEPTH 256

void hp_unwind_init(void);
size_t hp_unwind(uintptr_t *ips, size_t max);
/* True if addr is inside libheapprof.so. */
bool hp_unwind_is_self(uintptr_t addr);

#endif
