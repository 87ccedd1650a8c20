/* stacktab.c - stack interning: open-addressing table of pointers to immutable hp_stack.
 * Lookups are lock-free: a slot goes from NULL to a stack exactly once (release store), and a
 * table is replaced, never modified in place, when it grows; old tables stay mapped, so a
 * reader holding one sees a consistent, older set and re-checks under the lock on a miss.
 * Invariants: count(tab) <= tab->mask * 3/4; byid[i]->id == i for 1 <= i <= count;
 *             a stack is reachable from every table published after its insertion.
 * Threads: lookup from any thread without locks; inserts under st.lock. */
#include "stacktab.h"

#include "arena.h"

#include <pthread.h>
#include <string.h>

typedef struct table {
    size_t mask;
    _Atomic(hp_stack *) slot[];
} table;

static struct {
    _Atomic(table *) tab;
    pthread_mutex_t lock;
    _Atomic(hp_stack **) byid; /* byid[1..count] */
    size_t byid_cap;
    _Atomic uint32_t count;
    size_t bytes;
} st = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The chain of stacktab.h from the outermost frame in: a caller that already has the chain of
 * a stack's outer frames (fastunwind's record) hashes only its inner ones. */
static uint32_t hash_ips(const uintptr_t *ips, size_t n)
{
    uint64_t h = HP_STACK_SEED;
    for (size_t i = n; i-- > 0;)
        h = hp_stacktab_chain(h, ips[i]);
    return hp_stacktab_hash(h, n);
}

static table *table_new(size_t slots)
{
    size_t sz = sizeof(table) + slots * sizeof(hp_stack *);
    table *t = hp_map(sz);
    if (t) {
        t->mask = slots - 1;
        st.bytes += sz;
    }
    return t;
}

int hp_stacktab_init(void)
{
    table *t = table_new(4096);
    hp_stack **b = hp_map(4096 * sizeof(hp_stack *));
    if (!t || !b) return -1;
    st.byid_cap = 4096;
    hp_store_release(&st.byid, b);
    hp_store_release(&st.tab, t);
    return 0;
}

static hp_stack *probe(table *t, uint32_t h, const uintptr_t *ips, size_t n, size_t *free_slot)
{
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        hp_stack *s = hp_load_acquire(&t->slot[i]); /* pairs with the release in insert */
        if (!s) {
            if (free_slot) *free_slot = i;
            return NULL;
        }
        if (s->hash == h && s->n == n && memcmp(s->ips, ips, n * sizeof *ips) == 0) return s;
    }
}

static bool grow_locked(void)
{
    table *old = hp_load_relaxed(&st.tab);
    table *t = table_new((old->mask + 1) * 2);
    if (!t) return false;
    for (size_t i = 0; i <= old->mask; i++) {
        hp_stack *s = hp_load_relaxed(&old->slot[i]);
        if (!s) continue;
        size_t j = s->hash & t->mask;
        while (hp_load_relaxed(&t->slot[j]))
            j = (j + 1) & t->mask;
        hp_store_relaxed(&t->slot[j], s);
    }
    hp_store_release(&st.tab, t); /* old stays mapped for readers that still hold it */
    return true;
}

static bool byid_reserve_locked(uint32_t id)
{
    if (id < st.byid_cap) return true;
    hp_stack **old = hp_load_relaxed(&st.byid);
    hp_stack **b = hp_map(st.byid_cap * 2 * sizeof *b);
    if (!b) return false;
    memcpy(b, old, st.byid_cap * sizeof *b);
    hp_store_release(&st.byid, b);
    st.bytes += st.byid_cap * 2 * sizeof *b;
    st.byid_cap *= 2;
    return true;
}

static uint32_t insert_slow(uint32_t h, const uintptr_t *ips, size_t n)
{
    uint32_t id = 0;
    pthread_mutex_lock(&st.lock);
    table *t = hp_load_relaxed(&st.tab);
    size_t slot;
    hp_stack *s = probe(t, h, ips, n, &slot);
    if (s) {
        id = s->id;
        goto out;
    }
    uint32_t next = hp_load_relaxed(&st.count) + 1;
    if (next > t->mask / 4 * 3) {
        if (!grow_locked()) goto out;
        t = hp_load_relaxed(&st.tab);
        probe(t, h, ips, n, &slot);
    }
    if (!byid_reserve_locked(next)) goto out;
    s = hp_arena_alloc(sizeof *s + n * sizeof *ips);
    if (!s) goto out;
    s->id = next;
    s->hash = h;
    s->n = (uint32_t)n;
    memcpy(s->ips, ips, n * sizeof *ips);
    st.bytes += sizeof *s + n * sizeof *ips;
    hp_load_relaxed(&st.byid)[next] = s;
    hp_store_release(&st.count, next);
    hp_store_release(&t->slot[slot], s); /* publishes s->ips to lock-free readers */
    id = next;
out:
    pthread_mutex_unlock(&st.lock);
    return id;
}

uint32_t hp_stacktab_intern_hashed(const uintptr_t *ips, size_t n, uint32_t h)
{
    hp_assert(h == hash_ips(ips, n));
    hp_stack *s = probe(hp_load_acquire(&st.tab), h, ips, n, NULL);
    if (HP_LIKELY(s != NULL)) return s->id;
    return insert_slow(h, ips, n);
}

uint32_t hp_stacktab_intern(const uintptr_t *ips, size_t n)
{
    return hp_stacktab_intern_hashed(ips, n, hash_ips(ips, n));
}

uint32_t hp_stacktab_count(void)
{
    return hp_load_acquire(&st.count);
}

const hp_stack *hp_stacktab_get(uint32_t id)
{
    if (id == 0 || id > hp_load_acquire(&st.count)) return NULL;
    return hp_load_acquire(&st.byid)[id];
}

size_t hp_stacktab_bytes(void)
{
    return st.bytes;
}

void hp_stacktab_atfork_prepare(void)
{
    pthread_mutex_lock(&st.lock);
}

void hp_stacktab_atfork_parent(void)
{
    pthread_mutex_unlock(&st.lock);
}

void hp_stacktab_atfork_child(void)
{
    pthread_mutex_init(&st.lock, NULL);
}
