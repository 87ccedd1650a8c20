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
