/* livetab.c - open addressing, linear probing, deletion by backward shift (no tombstones).
 * Invariants: every live key k sits at a slot reachable from home(k) without crossing an
 *             empty slot; count <= limit == cap * 3/4; addr 0 marks an empty slot.
 * The hot paths (insert of a new address, remove of a live one) are inlined into agg.c's
 * apply (flatten there); growing is the one call out of line.
 * Threads: none of its own; the caller (agg.c) serialises every call. */
#include "livetab.h"

#include "arena.h"

/* meta: size in bits 0..38, ignored (heapprof_ignore(): an intentional leak) bit 39, sid in
 * bits 40..63. One word, written and read whole (bit-fields cost a read-modify-write). */
typedef struct slot {
    uintptr_t addr;
    uint64_t birth;
    uint64_t meta;
} slot;

#define META_IGNORED (1ull << 39)
_Static_assert(HP_LIVE_MAX_SIZE == META_IGNORED - 1 && HP_LIVE_MAX_SID == (1u << 24) - 1,
               "size in bits 0..38, sid in bits 40..63");

static struct {
    slot *s;
    size_t cap; /* power of two */
    size_t count;
    size_t limit; /* cap * 3/4: grow before an insert would pass it */
    unsigned shift;
} lt;

static inline size_t home(uintptr_t a, unsigned shift)
{
    return (size_t)(((uint64_t)(a >> 4) * 0x9E3779B97F4A7C15ull) >> shift);
}

/* (Truncated to the fields' widths, as bit-fields would: agg.c caps both before.) */
static inline uint64_t meta_of(const hp_block *b)
{
    return (b->size & HP_LIVE_MAX_SIZE) | (b->ignored ? META_IGNORED : 0) |
           (uint64_t)(b->sid & HP_LIVE_MAX_SID) << 40;
}

static inline void to_block(const slot *s, hp_block *b)
{
    b->birth = s->birth;
    b->size = s->meta & (META_IGNORED - 1);
    b->sid = (uint32_t)(s->meta >> 40);
    b->ignored = (s->meta & META_IGNORED) != 0;
}

static bool alloc_table(size_t cap)
{
    slot *s = hp_map(cap * sizeof(slot));
    if (!s) return false;
    lt.s = s;
    lt.cap = cap;
    lt.limit = cap / 4 * 3;
    lt.shift = 64 - (unsigned)__builtin_ctzll(cap);
    return true;
}

int hp_livetab_init(void)
{
    return alloc_table(1 << 12) ? 0 : -1;
}

/* Puts addr; true if it was live (its old block then goes to *old, when old is not NULL). */
static inline bool put(uintptr_t addr, uint64_t birth, uint64_t meta, hp_block *old)
{
    slot *s = lt.s;
    size_t mask = lt.cap - 1, i = home(addr, lt.shift);
    while (s[i].addr && s[i].addr != addr)
        i = (i + 1) & mask;
    bool was = s[i].addr != 0;
    if (HP_UNLIKELY(was)) {
        if (old) to_block(&s[i], old);
    } else {
        lt.count++;
    }
    s[i] = (slot){addr, birth, meta};
    return was;
}

static HP_NOINLINE bool grow(void)
{
    slot *old = lt.s;
    size_t oldcap = lt.cap;
    if (!alloc_table(oldcap * 2)) return false;
    lt.count = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].addr) put(old[i].addr, old[i].birth, old[i].meta, NULL);
    hp_unmap(old, oldcap * sizeof(slot));
    return true;
}

int hp_livetab_insert(uintptr_t addr, const hp_block *b, hp_block *old)
{
    if (HP_UNLIKELY(lt.count >= lt.limit) && !grow()) return HP_LIVE_NOMEM;
    return put(addr, b->birth, meta_of(b), old) ? HP_LIVE_REPLACED : HP_LIVE_NEW;
}

bool hp_livetab_contains(uintptr_t addr)
{
    if (!lt.cap) return false;
    size_t mask = lt.cap - 1, i = home(addr, lt.shift);
    while (lt.s[i].addr != addr) {
        if (!lt.s[i].addr) return false;
        i = (i + 1) & mask;
    }
    return true;
}

bool hp_livetab_remove(uintptr_t addr, hp_block *out)
{
    slot *s = lt.s;
    unsigned shift = lt.shift;
    size_t mask = lt.cap - 1, i = home(addr, shift);
    while (s[i].addr != addr) {
        if (!s[i].addr) return false;
        i = (i + 1) & mask;
    }
    to_block(&s[i], out);
    /* Backward shift: pull later entries of the cluster into the hole when their home allows,
     * i.e. when the hole lies cyclically between their home and them. */
    for (size_t j = (i + 1) & mask; s[j].addr; j = (j + 1) & mask) {
        size_t h = home(s[j].addr, shift);
        if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
            s[i] = s[j];
            i = j;
        }
    }
    s[i].addr = 0;
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
    __builtin_prefetch(&lt.s[home(addr, lt.shift)], 1);
}

bool hp_livetab_set_ignored(uintptr_t addr)
{
    size_t i = home(addr, lt.shift);
    for (; lt.s[i].addr; i = (i + 1) & (lt.cap - 1))
        if (lt.s[i].addr == addr) {
            lt.s[i].meta |= META_IGNORED;
            return true;
        }
    return false;
}
