/* lkalloc.c - the allocator's own memory and pointers, for the leak check (lkalloc.h).
 * glibc's layout (malloc/malloc.c, stable since glibc 2.26 on 64-bit): a block's chunk header is
 * the 16 bytes below it, its size word (flags in the low 3 bits; 2 = IS_MMAPPED) at lo - 8 and,
 * for an mmapped chunk, the offset from the mapping's start at lo - 16. A secondary arena's
 * heap starts at a multiple of 64 MiB with struct heap_info {arena, prev, size, mprotect_size,
 * pagesize}: used part [base, base + mprotect_size), the rest of the 64 MiB reserved
 * PROT_NONE. Every read goes through lkread: nothing here can fault.
 * Threads: one check at a time. */
#include "lkalloc.h"

#include "lkread.h"
#include "state.h"

#include <dlfcn.h>
#include <string.h>

static bool glibc;

void hp_lkalloc_begin(void)
{
    Dl_info di;
    glibc = hp_real.malloc && dladdr((void *)hp_real.malloc, &di) && di.dli_fname &&
            strstr(di.dli_fname, "/libc.so") != NULL;
}

bool hp_lkalloc_is_glibc(void)
{
    return glibc;
}

static bool word(uintptr_t a, uintptr_t *v)
{
    return hp_lkread(a, v, sizeof *v) == sizeof *v;
}

bool hp_lkalloc_is_next_header(uintptr_t lo, uintptr_t hi, uintptr_t w)
{
    if (w == lo || hi - w > 16) return false;
    if (glibc) {
        uintptr_t size;
        return word(lo - 8, &size) && !(size & 2) && w == lo - 16 + (size & ~(uintptr_t)7);
    }
    /* another allocator: its usable size comes from its own tables, never from the block */
    if (!hp_real.malloc_usable_size) return false;
    return w == lo + hp_real.malloc_usable_size((void *)lo) - 8;
}

bool hp_lkalloc_mmapped_chunk(uintptr_t lo, uintptr_t *clo, uintptr_t *chi)
{
    uintptr_t size, off;
    if (!glibc || !word(lo - 8, &size) || !(size & 2) || !word(lo - 16, &off)) return false;
    size &= ~(uintptr_t)7;
    if (off > lo - 16 || size > (1ull << 46)) return false;
    *clo = lo - 16 - off;
    *chi = lo - 16 + size;
    return *chi > lo;
}

bool hp_lkalloc_arena_heap(uintptr_t base, uintptr_t *hi)
{
    uintptr_t h[5]; /* arena, prev, size, mprotect_size, pagesize */
    if (!glibc || base % HP_LKALLOC_HEAP_MAX || hp_lkread(base, h, sizeof h) != sizeof h)
        return false;
    uintptr_t page = HP_LKREAD_PAGE;
    bool ok = h[0] && h[2] && h[2] <= h[3] && h[3] <= HP_LKALLOC_HEAP_MAX && h[2] % page == 0 &&
              h[3] % page == 0 && (h[1] == 0 || h[1] % HP_LKALLOC_HEAP_MAX == 0) &&
              (h[4] == page || h[4] == 0 || h[4] % page == 0);
    if (!ok) return false;
    /* the arena's malloc_state: right after heap_info in its first heap, else in another heap
     * or in libc (the main arena is never in one of these) */
    uintptr_t probe;
    if (!word(h[0], &probe)) return false;
    *hi = base + h[3];
    return true;
}
