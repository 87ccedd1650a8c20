/* lkwatch.c - frees noted while the leak check runs (lkwatch.h).
 * Invariants: slots [0, min(n, MAX)) are written at most once per watch; a reader skips a slot
 * still 0 (its writer has claimed it but not stored yet: that free is not yet done either).
 * Threads: writers claim a slot with one fetch-add; the reader runs under the agg lock. */
#include "lkwatch.h"

#include "sort.h"

#define MAX (1u << 16)

_Atomic bool hp_lkwatch_on;
static atomic_size_t n;
static _Atomic uintptr_t slot[MAX];

void hp_lkwatch_start(void)
{
    for (size_t i = 0; i < MAX && i < hp_load_relaxed(&n); i++)
        atomic_store_explicit(&slot[i], 0, memory_order_relaxed);
    atomic_store_explicit(&n, 0, memory_order_relaxed);
    hp_store_release(&hp_lkwatch_on, true);
}

void hp_lkwatch_stop(void)
{
    hp_store_release(&hp_lkwatch_on, false);
}

void hp_lkwatch_note_slow(uintptr_t p)
{
    size_t i = atomic_fetch_add_explicit(&n, 1, memory_order_relaxed);
    if (i < MAX) atomic_store_explicit(&slot[i], p, memory_order_release);
}

size_t hp_lkwatch_sorted(uintptr_t *out, size_t max)
{
    size_t k = atomic_load_explicit(&n, memory_order_acquire), m = 0;
    if (k > MAX) return SIZE_MAX;
    for (size_t i = 0; i < k && m < max; i++) {
        uintptr_t a = atomic_load_explicit(&slot[i], memory_order_acquire);
        if (a) out[m++] = a;
    }
    hp_sort_by_key(out, m, sizeof *out, 0);
    return m;
}
