/* order.c - the shared state of causal timestamps (order.h): the address stripes and the
 * floor. Both only grow; both are zero at start, so the first stamp is the clock's.
 * Threads: any thread stamps (CAS on a stripe); consumers raise the floor (CAS max). */
#include "order.h"

hp_order_stripe hp_order_stripes[1u << HP_ORDER_STRIPES_LG] HP_CACHE_ALIGNED;
_Atomic uint64_t hp_order_floor;

void hp_order_raise_floor(uint64_t f)
{
    f |= 1;
    uint64_t v = hp_load_relaxed(&hp_order_floor);
    /* a failed CAS is a locked instruction too: the barrier holds on every path */
    while (v < f && !atomic_compare_exchange_weak_explicit(
                        &hp_order_floor, &v, f, memory_order_seq_cst, memory_order_relaxed))
        ;
    if (v >= f) atomic_fetch_add_explicit(&hp_order_floor, 0, memory_order_seq_cst);
}
