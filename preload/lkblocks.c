/* lkblocks.c - the leak check's block set (lkblocks.h).
 * Invariants: v[0..n) sorted by lo, disjoint; a block is pushed at most once per state change,
 * so the mark stack never holds more than n entries per phase. */
#include "lkblocks.h"

#include "arena.h"
#include "livetab.h"
#include "sort.h"

#include <stddef.h>

static struct {
    hp_lkblk *v;
    size_t n, vbytes;
    uint32_t *stack;
    size_t top, sbytes;
    uintptr_t *from; /* by index, filled as blocks are marked */
    size_t fbytes;
} b;

void hp_lkb_release(void)
{
    hp_unmap(b.v, b.vbytes);
    hp_unmap(b.stack, b.sbytes);
    hp_unmap(b.from, b.fbytes);
    b.v = NULL;
    b.stack = NULL;
    b.from = NULL;
    b.n = b.top = 0;
}

int hp_lkb_load(void)
{
    hp_lkb_release();
    size_t n = hp_livetab_count();
    b.vbytes = (n + 1) * sizeof(hp_lkblk);
    b.sbytes = (n + 1) * sizeof(uint32_t);
    b.fbytes = (n + 1) * sizeof(uintptr_t);
    b.v = hp_map(b.vbytes);
    b.stack = hp_map(b.sbytes);
    b.from = hp_map(b.fbytes);
    if (!b.v || !b.stack || !b.from) {
        hp_lkb_release();
        return -1;
    }
    size_t cur = 0;
    uintptr_t addr;
    hp_block k;
    while (b.n < n && hp_livetab_next(&cur, &addr, &k))
        b.v[b.n++] =
            (hp_lkblk){.lo = addr, .hi = addr + k.size, .sid = k.sid, .ignored = k.ignored};
    hp_sort_by_key(b.v, b.n, sizeof(hp_lkblk), offsetof(hp_lkblk, lo));
    return 0;
}

size_t hp_lkb_count(void)
{
    return b.n;
}

hp_lkblk *hp_lkb_at(size_t i)
{
    return &b.v[i];
}

size_t hp_lkb_find(uintptr_t w)
{
    if (!b.n || w < b.v[0].lo || w >= b.v[b.n - 1].hi) return SIZE_MAX;
    size_t lo = 0, hi = b.n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (b.v[mid].lo <= w)
            lo = mid;
        else
            hi = mid;
    }
    return w < b.v[lo].hi ? lo : SIZE_MAX;
}

size_t hp_lkb_first_from(uintptr_t a)
{
    size_t lo = 0, hi = b.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b.v[mid].lo < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void hp_lkb_mark(size_t i, uint8_t state, uintptr_t from, uint16_t region)
{
    b.v[i].state = state;
    b.from[i] = from;
    b.v[i].region = region;
    if (b.top < b.n) b.stack[b.top++] = (uint32_t)i;
}

uintptr_t hp_lkb_from(size_t i)
{
    return b.from[i];
}

bool hp_lkb_pop(size_t *i)
{
    if (!b.top) return false;
    *i = b.stack[--b.top];
    return true;
}
