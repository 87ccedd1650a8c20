/* unwind.c - call stacks with libunwind's local-only fast path (unw_backtrace).
 * Owns: the address range of libheapprof.so, used to drop profiler frames.
 * Invariant: self_lo <= self_hi; every frame returned is outside [self_lo, self_hi).
 * Threads: read-only after hp_unwind_init. libunwind keeps a per-thread frame cache. */
#define UNW_LOCAL_ONLY
#include "unwind.h"

#include <link.h>
#include <libunwind.h>


uintptr_t hp_unwind_self_lo, hp_unwind_self_hi;

static int find_self_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    uintptr_t me = (uintptr_t)data, lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < lo)
            lo = a;
        if (a + ph->p_memsz > hi)
            hi = a + ph->p_memsz;
    }
    if (me >= lo && me < hi) {
        hp_unwind_self_lo = lo;
        hp_unwind_self_hi = hi;
        return 1;
    }
    return 0;
}

void hp_unwind_init(void)
{
    dl_iterate_phdr(find_self_cb, (void *)(uintptr_t)&hp_unwind_init);
    /* Per-thread caches: no lock shared between threads on a cache hit. */
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

bool hp_unwind_is_self(uintptr_t addr)
{
    return addr >= hp_unwind_self_lo && addr < hp_unwind_self_hi;
}
