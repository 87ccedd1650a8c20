/* stacktab.h - interned call stacks: equal frame arrays get one id, from any thread.
 * Ids are dense: 1, 2, 3, ... in order of first appearance; 0 means "none/lost". */
#ifndef HP_STACKTAB_H
#define HP_STACKTAB_H

#include "hp.h"

typedef struct hp_stack {
    uint32_t id;
    uint32_t hash;
    uint32_t n; /* frames */
    uint32_t pad;
    uintptr_t ips[]; /* innermost first */
} hp_stack;

int hp_stacktab_init(void);
/* Interns ips[0..n); equal frames give equal ids (>= 1) from any thread.
 * Returns 0 only if memory is exhausted (the caller books the "lost" site).
 * Safe inside a hook: never calls malloc; a lookup of a known stack takes no lock,
 * a new stack takes the insert lock (never held across anything that can block on us). */
uint32_t hp_stacktab_intern(const uintptr_t *ips, size_t n);
/* The same, with h == hp_stacktab_hash(chain of ips from ips[n - 1] in to ips[0], n) already
 * known (fastunwind keeps the chain of the outer frames of its last walk). */
uint32_t hp_stacktab_intern_hashed(const uintptr_t *ips, size_t n, uint32_t h);

/* The stack hash: a chain over the frames from the outermost in, then a finish with the count.
 * Each step is a bijection of the state for a given frame (xor, rotate, odd multiply), so two
 * stacks that differ in one frame differ in the state; the finish spreads the high bits down. */
#define HP_STACK_SEED 0x9E3779B97F4A7C15ull
static inline uint64_t hp_stacktab_chain(uint64_t h, uintptr_t pc)
{
    h ^= pc;
    h = (h << 27) | (h >> 37);
    return h * 0xff51afd7ed558ccdull;
}
static inline uint32_t hp_stacktab_hash(uint64_t h, size_t n)
{
    h ^= (uint64_t)n * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    return (uint32_t)h;
}

/* Number of ids handed out so far (ids are 1..count). */
uint32_t hp_stacktab_count(void);
/* The stack with this id (1..count), or NULL. Stacks are immutable and never freed. */
const hp_stack *hp_stacktab_get(uint32_t id);
/* Memory used by the table and its stacks, in bytes. */
size_t hp_stacktab_bytes(void);
void hp_stacktab_atfork_prepare(void);
void hp_stacktab_atfork_parent(void);
void hp_stacktab_atfork_child(void);

#endif
