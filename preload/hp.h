/* hp.h - macros shared by every preload module: visibility, atomics, likely/unlikely, checks.
 * Macros only; no state. Every atomic access names its order (STYLE P8). */
#ifndef HP_H
#define HP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HP_EXPORT        __attribute__((visibility("default")))
#define HP_CACHE_ALIGNED __attribute__((aligned(64)))
#define HP_NOINLINE      __attribute__((noinline))
#define HP_LIKELY(x)     __builtin_expect(!!(x), 1)
#define HP_UNLIKELY(x)   __builtin_expect(!!(x), 0)

#define hp_load_relaxed(p)     atomic_load_explicit((p), memory_order_relaxed)
#define hp_load_acquire(p)     atomic_load_explicit((p), memory_order_acquire)
#define hp_store_relaxed(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)
#define hp_store_release(p, v) atomic_store_explicit((p), (v), memory_order_release)
/* Full barrier store: a locked xchg on x86; used where a later load must not pass the store. */
#define hp_exchange_seqcst(p, v) atomic_exchange_explicit((p), (v), memory_order_seq_cst)
#define hp_cas_acqrel(p, exp, v)                                                                   \
    atomic_compare_exchange_strong_explicit((p), (exp), (v), memory_order_acq_rel,                 \
                                            memory_order_acquire)
#define hp_fetch_add_relaxed(p, v) atomic_fetch_add_explicit((p), (v), memory_order_relaxed)

#ifndef HP_DEBUG
#define HP_DEBUG 0
#endif

/* hp_check: always on. hp_assert: HP_DEBUG >= 1. Both end in hp_panic (log.c), which never mallocs.
 */
#define hp_check(c)                                                                                \
    do {                                                                                           \
        if (HP_UNLIKELY(!(c))) hp_panic(__FILE__, __LINE__, #c);                                   \
    } while (0)
#if HP_DEBUG >= 1
#define hp_assert(c) hp_check(c)
#else
#define hp_assert(c) ((void)0)
#endif

_Noreturn void hp_panic(const char *file, int line, const char *what);

#endif
