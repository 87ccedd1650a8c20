/* livetab.c - open addressing, linear probing, deletion by backward shift (no tombstones).
 * Invariants: every live key k sits at a slot reachable from home(k) without crossing an
 *             empty slot; count <= limit == cap * 3/4; addr 0 marks an empty slot.
 * Memory (issue 12's goal: at most 48 bytes a live block): a slot is 24 bytes and the table
 * grows by half (not doubles) when 3/4 full, so it holds 1/2 to 3/4 of its slots: 32 to 48
 * bytes a live block. A home is the hash scaled to the capacity (the high half of hash x cap,
 * no power-of-two mask), which keeps homes in the hash's order at every capacity: growing
 * reads the old table in order and writes the new one in nearly the same order, so each old
 * page read is given back at once (madvise) and the peak while growing is about the new table,
 * not old + new.
 * Memory (issue 12's goal: at most 48 bytes a live block): a slot is 24 bytes and the table
 * grows by half (not doubles) when 3/4 full, so it holds 1/2 to 3/4 of its slots: 32 to 48
 * bytes a live block. A home is the hash scaled to any capacity (the high half of hash x cap,
 * not a power-of-two mask), which also keeps homes in the hash's order at every capacity:
 * growing reads the old table in order and writes the new one in nearly the same order, so
 * each old page read is given back at once (madvise) and the peak while growing is about the
 * new table, not old + new (perl with 1.6 M blocks live: 100 MB of table at once, 150 before).
 * The hot paths (insert of a new address, remove of a live one) are inlined into agg.c's
 * apply (flatten there); growing is the one call out of line.
 * Threads: none of its own; the caller (agg.c) serialises every call. */
#include "livetab.h"

#include "arena.h"

#include <sys/mman.h>

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
    size_t cap;
    size_t count;
    size_t limit; /* cap * 3/4: grow before an insert would pass it */
} lt;

static inline size_t home(uintptr_t a, size_t cap)
{
    uint64_t h = (uint64_t)(a >> 4) * 0x9E3779B97F4A7C15ull;
    return (size_t)(((unsigned __int128)h * cap) >> 64);
}

static inline size_t next(size_t i, size_t cap)
{
    return i + 1 == cap ? 0 : i + 1;
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
    size_t cap = lt.cap, i = home(addr, cap);
    while (s[i].addr && s[i].addr != addr)
        i = next(i, cap);
    bool was = s[i].addr != 0;
    if (HP_UNLIKELY(was)) {
        if (old) to_block(&s[i], old);
    } else {
        lt.count++;
    }
    s[i] = (slot){addr, birth, meta};
    return was;
}

#define RELEASE_BYTES (256u << 10) /* the old table is given back in steps of this while read */
#define PAGE_BYTES    4096u        /* x86-64's base page: madvise's unit */

static HP_NOINLINE bool grow(void)
{
    slot *old = lt.s;
    size_t oldcap = lt.cap;
    /* a multiple of 4 (limit exactly 3/4 of it), at most 1.5 x: at least half full after */
    if (!alloc_table((oldcap + oldcap / 2) & ~(size_t)3)) return false;
    lt.count = 0;
    uintptr_t done = (uintptr_t)old; /* old pages below this are read and given back */
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].addr) put(old[i].addr, old[i].birth, old[i].meta, NULL);
        uintptr_t read = (uintptr_t)&old[i + 1] & ~(uintptr_t)(PAGE_BYTES - 1);
        if (read - done >= RELEASE_BYTES) {
            madvise((void *)done, read - done, MADV_DONTNEED);
            done = read;
        }
    }
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
    size_t cap = lt.cap, i = home(addr, cap);
    while (lt.s[i].addr != addr) {
        if (!lt.s[i].addr) return false;
        i = next(i, cap);
    }
    return true;
}

bool hp_livetab_remove(uintptr_t addr, hp_block *out)
{
    slot *s = lt.s;
    size_t cap = lt.cap, i = home(addr, cap);
    while (s[i].addr != addr) {
        if (!s[i].addr) return false;
        i = next(i, cap);
    }
    to_block(&s[i], out);
    /* Backward shift: pull later entries of the cluster into the hole when their home allows,
     * i.e. when the hole lies cyclically between their home and them. */
    for (size_t j = next(i, cap); s[j].addr; j = next(j, cap)) {
        size_t h = home(s[j].addr, cap);
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
    __builtin_prefetch(&lt.s[home(addr, lt.cap)], 1);
}

bool hp_livetab_set_ignored(uintptr_t addr)
{
    size_t i = home(addr, lt.cap);
    for (; lt.s[i].addr; i = next(i, lt.cap))
        if (lt.s[i].addr == addr) {
            lt.s[i].meta |= META_IGNORED;
            return true;
        }
    return false;
}
