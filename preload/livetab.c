/* livetab.c - open addressing, linear probing, deletion by backward shift (no tombstones).
 * Invariants: every live key k sits at a slot reachable from home(k) without crossing an
 *             empty slot; count <= cap * 3/4; addr 0 marks an empty slot.
 * Threads: none of its own; the caller (agg.c) serialises every call. */
#include "livetab.h"

#include "arena.h"

typedef struct slot {
    uintptr_t addr;
    uint64_t birth;
    uint64_t size : 39;
    uint64_t ignored : 1; /* heapprof_ignore(): an intentional leak */
    uint64_t sid : 24;
} slot;

static struct {
    slot *s;
    size_t cap; /* power of two */
    size_t count;
    unsigned shift;
} lt;

static size_t home(uintptr_t a)
{
    return (size_t)(((uint64_t)(a >> 4) * 0x9E3779B97F4A7C15ull) >> lt.shift);
}

static bool alloc_table(size_t cap)
{
    slot *s = hp_map(cap * sizeof(slot));
    if (!s) return false;
    lt.s = s;
    lt.cap = cap;
    lt.shift = 64 - (unsigned)__builtin_ctzll(cap);
    return true;
}

int hp_livetab_init(void)
{
    return alloc_table(1 << 12) ? 0 : -1;
}

static void to_block(const slot *s, hp_block *b)
{
    b->birth = s->birth;
    b->size = s->size;
    b->sid = s->sid;
    b->ignored = s->ignored;
}

/* Puts addr; true if it was live (its old block then goes to *old, when old is not NULL). */
static bool put(uintptr_t addr, uint64_t birth, uint64_t size, uint32_t sid, bool ignored,
                hp_block *old)
{
    size_t i = home(addr);
    while (lt.s[i].addr && lt.s[i].addr != addr)
        i = (i + 1) & (lt.cap - 1);
    bool was = lt.s[i].addr != 0;
    if (was && old) to_block(&lt.s[i], old);
    if (!was) lt.count++;
    lt.s[i] = (slot){addr, birth, size, ignored, sid};
    return was;
}

static HP_NOINLINE bool grow(void)
{
    slot *old = lt.s;
    size_t oldcap = lt.cap;
    if (!alloc_table(oldcap * 2)) return false;
    lt.count = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].addr)
            put(old[i].addr, old[i].birth, old[i].size, old[i].sid, old[i].ignored, NULL);
    hp_unmap(old, oldcap * sizeof(slot));
    return true;
}

int hp_livetab_insert(uintptr_t addr, const hp_block *b, hp_block *old)
{
    if (HP_UNLIKELY(lt.count + 1 > lt.cap / 4 * 3) && !grow()) return HP_LIVE_NOMEM;
    return put(addr, b->birth, b->size, b->sid, b->ignored, old) ? HP_LIVE_REPLACED : HP_LIVE_NEW;
}

bool hp_livetab_contains(uintptr_t addr)
{
    if (!lt.cap) return false;
    size_t mask = lt.cap - 1, i = home(addr);
    while (lt.s[i].addr != addr) {
        if (!lt.s[i].addr) return false;
        i = (i + 1) & mask;
    }
    return true;
}

bool hp_livetab_remove(uintptr_t addr, hp_block *out)
{
    size_t mask = lt.cap - 1, i = home(addr);
    while (lt.s[i].addr != addr) {
        if (!lt.s[i].addr) return false;
        i = (i + 1) & mask;
    }
    to_block(&lt.s[i], out);
    /* Backward shift: pull later entries of the cluster into the hole when their home allows. */
    for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        if (!lt.s[j].addr) break;
        size_t h = home(lt.s[j].addr);
        /* move j to i if h is cyclically outside (i, j] */
        if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
            lt.s[i] = lt.s[j];
            i = j;
        }
    }
    lt.s[i].addr = 0;
    lt.count--;
    return true;
}

size_t hp_livetab_count(void)
{
    return lt.count;
}

bool hp_livetab_next(size_t *cursor, uintptr_t *addr, hp_block *b)
{
    for (size_t i = *cursor; i < lt.cap; i++) {
        if (lt.s[i].addr) {
            *addr = lt.s[i].addr;
            to_block(&lt.s[i], b);
            *cursor = i + 1;
            return true;
        }
    }
    return false;
}

size_t hp_livetab_bytes(void)
{
    return lt.cap * sizeof(slot);
}

void hp_livetab_prefetch(uintptr_t addr)
{
    __builtin_prefetch(&lt.s[home(addr)], 1);
}

bool hp_livetab_set_ignored(uintptr_t addr)
{
    size_t i = home(addr);
    for (; lt.s[i].addr; i = (i + 1) & (lt.cap - 1))
        if (lt.s[i].addr == addr) {
            lt.s[i].ignored = 1;
            return true;
        }
    return false;
}
