/* hooks.c - the ONLY definitions of the malloc family, C++ new/delete and dlclose.
 * Every hook: guard (hp_enter), then the real call, then one event in this thread's buffer.
 * Order (docs/design.md): a block's allocation event is timestamped after the real allocator
 * returned it; a free event is timestamped and appended before the real free runs, so the
 * merged order never shows an address live twice. errno: preserved by our own work; the real
 * call's errno is what the caller sees. Semantics are glibc's (calloc overflow -> ENOMEM, ...).
 * Nested in a hook (guard HP_GUARD_HOOK, state.h): the call comes from a signal handler that
 * interrupted the hook. A free is stamped before the real free and an allocation after the
 * real call, both as deferred events (tlbuf.h); an allocation's stack is its caller's return
 * address alone (unwinding in a handler that may have interrupted the unwinder is not safe).
 * A nested realloc passes through unrecorded (its two events would interleave with the
 * interrupted realloc's); the consumer detects it if the address comes back (agg.c). */
#include "hooks.h"
#include "lkwatch.h"

#include "state.h"

#include "config.h"
#include "order.h"
#include "sample.h"
#include "stacktab.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- pass-through: the real functions, or the bootstrap buffer while dlsym runs ---- */

static void *pass_malloc(size_t n)
{
    if (HP_UNLIKELY(!hp_real.malloc)) return hp_boot_alloc(n, 16);
    return hp_real.malloc(n);
}

static void *pass_calloc(size_t a, size_t b)
{
    if (HP_UNLIKELY(!hp_real.calloc)) {
        size_t n;
        if (__builtin_mul_overflow(a, b, &n)) return NULL;
        return hp_boot_alloc(n, 16); /* static: already zero */
    }
    return hp_real.calloc(a, b);
}

static void *pass_memalign(size_t align, size_t n)
{
    if (HP_UNLIKELY(!hp_real.memalign)) return hp_boot_alloc(n, align);
    return hp_real.memalign(align, n);
}

/* ---- recording ---- */

/* The caller's stack as an interned id. errno is kept: libunwind may probe memory with
 * system calls that set it, and a successful malloc must leave errno alone. */
static inline __attribute__((always_inline)) uint32_t capture(hp_thread *t)
{
    uintptr_t ips[HP_MAX_DEPTH + HP_UNWIND_SKIP_MAX];
    int saved = errno;
    size_t first;
    if (HP_UNLIKELY(!t->uc)) t->uc = hp_fastunwind_cache_new();
    size_t n = hp_unwind(t->uc, ips, (size_t)hp_opt.DEPTH, &first);
    uint32_t id = hp_stacktab_intern(ips + first, n);
    errno = saved;
    return id;
}

/* Stamps (order.h) and appends one event on addr. */
static inline __attribute__((always_inline)) void
record(hp_thread *t, unsigned kind, const void *addr, uint64_t size, uint64_t aux)
{
    hp_tlbuf_record(t, kind, (uintptr_t)addr, size, aux);
}

/* A signal handler's free, nested in a hook of this thread: before the real free. */
static void nested_free(void *p)
{
    if (hp_sample_rate && !hp_sample_remove_try(p)) return;     /* not sampled, or set busy */
    hp_tlbuf_defer(hp_tls_v.t, HP_EV_FREE, (uintptr_t)p, 0, 0); /* full: passes through */
}

/* Allocation kinds sharing the one recorded path. */
enum { K_MALLOC, K_CALLOC, K_MEMALIGN, K_ALIGNED_ALLOC, K_POSIX_MEMALIGN, K_VALLOC, K_PVALLOC };

/* The real call; *rc gets posix_memalign's result (the others leave it alone). */
static inline void *real_alloc(int kind, size_t a, size_t b, int *rc)
{
    switch (kind) {
    case K_MALLOC:
        return hp_real.malloc(a);
    case K_CALLOC:
        return hp_real.calloc(a, b);
    case K_MEMALIGN:
        return hp_real.memalign(a, b);
    case K_ALIGNED_ALLOC: /* glibc 2.36's aligned_alloc is memalign: keep the real one's checks */
        return hp_real.aligned_alloc ? hp_real.aligned_alloc(a, b) : hp_real.memalign(a, b);
    case K_POSIX_MEMALIGN: {
        void *p = NULL;
        *rc = hp_real.posix_memalign(&p, a, b);
        return *rc ? NULL : p;
    }
    case K_VALLOC:
        return hp_real.valloc(a);
    default:
        return hp_real.pvalloc(a);
    }
}

/* The one recorded allocation path; size is what the caller asked for. Inlined into each hook
 * so that the unwinder sees hook -> caller. errno after it is the real call's (a failed
 * posix_memalign leaves glibc's ENOMEM, as natively); heapprof's own work never changes it. */
static inline __attribute__((always_inline)) void *alloc_rec(hp_thread *t, int kind, size_t a,
                                                             size_t b, size_t size, int *rc)
{
    if (HP_UNLIKELY(hp_tls_v.paused || (hp_sample_rate && !hp_sample_take(size)) ||
                    !hp_tlbuf_begin(t))) { /* paused, not sampled, or fork on this thread */
        void *p = real_alloc(kind, a, b, rc);
        hp_leave(t);
        return p;
    }
    uint32_t sid = capture(t);
    void *p = real_alloc(kind, a, b, rc);
    int saved = errno;
    if (p && (!hp_sample_rate || hp_sample_insert(p))) record(t, HP_EV_ALLOC, p, size, sid);
    hp_tlbuf_end(t);
    hp_leave(t);
    errno = saved;
    return p;
}

/* A signal handler's allocation, nested in a hook of this thread: after the real call, at the
 * caller's return address ra. */
static inline void *nested_alloc(int kind, size_t a, size_t b, size_t size, int *rc, void *ra)
{
    void *p = real_alloc(kind, a, b, rc);
    if (p && !hp_tls_v.paused && !hp_sample_rate) { /* sampling mode: not sampled (sample.h) */
        int saved = errno;
        hp_tlbuf_defer(hp_tls_v.t, HP_EV_SALLOC, (uintptr_t)p, size, (uintptr_t)ra);
        errno = saved;
    }
    return p;
}

#define NESTED() HP_UNLIKELY(hp_tls_v.in_hook == HP_GUARD_HOOK)
#define RA()     __builtin_return_address(0)

/* hp_leave's slow path (state.h), guard off: deferred events, a drain. A handler that comes
 * while the guard is set again defers once more: loop until none is left. */
void hp_leave_flagged(hp_thread *t)
{
    for (;;) {
        hp_tls_v.in_hook = HP_GUARD_HOOK;
        atomic_signal_fence(memory_order_seq_cst);
        bool ok = !t->has_deferred || hp_tlbuf_flush_deferred(t, true);
        hp_leave_slow(t); /* drains if want_drain; guard off */
        atomic_signal_fence(memory_order_seq_cst);
        if (!ok || !t->leave_flags) return;
    }
}

/* Before the real free: once freed, p may be handed to another thread. */
static inline void free_rec(hp_thread *t, void *p)
{
    if (HP_LIKELY(hp_tlbuf_begin(t))) {
        if (!hp_sample_rate || hp_sample_remove(p)) record(t, HP_EV_FREE, p, 0, 0);
        hp_tlbuf_end(t);
    }
    hp_leave(t);
}

/* Sampling mode's fast paths (sample.h): an allocation that is not sampled and the free of a
 * block that certainly was not go straight to the real allocator; hp_real is resolved whenever
 * hp_sample_rate is set. */
#define SAMPLE_SKIP(n) hp_sample_skip(n)

/* The recording halves of the hottest hooks are functions of their own, so that the fast path
 * of sampling mode pays no prologue for their stack buffers; ra is the hook's return address
 * (a handler's allocation is attributed to it). The unwinder drops their frame with the
 * hook's (unwind.h: frames inside libheapprof.so). */
static HP_NOINLINE void *malloc_rec(size_t n, void *ra)
{
    hp_thread *t = hp_enter();
    if (!t) return NESTED() ? nested_alloc(K_MALLOC, n, 0, n, NULL, ra) : pass_malloc(n);
    return alloc_rec(t, K_MALLOC, n, 0, n, NULL);
}

HP_EXPORT void *malloc(size_t n)
{
    if (SAMPLE_SKIP(n)) return hp_real.malloc(n);
    return malloc_rec(n, RA());
}

static HP_NOINLINE void free_slow(void *p)
{
    if (!p) return;
    if (HP_UNLIKELY(hp_boot_owns(p))) return; /* bootstrap memory is never given back */
    int saved = errno;
    hp_thread *t = hp_enter();
    if (t)
        free_rec(t, p);
    else if (NESTED())
        nested_free(p);
    else
        hp_lkwatch_note(p); /* recording stopped: a free during the exit's leak check */
    hp_real.free(p);
    errno = saved;
}

/* Sampling mode: a block the filter rules out goes straight back (NULL included: free(NULL)
 * does nothing; bootstrap blocks are marked in the filter, real.c, so they never come here). */
HP_EXPORT void free(void *p)
{
    if (HP_UNLIKELY(hp_sample_rate) && !hp_sample_maybe(p)) {
        hp_real.free(p);
        return;
    }
    free_slow(p);
}

static HP_NOINLINE void *calloc_rec(size_t a, size_t b, size_t n, void *ra)
{
    hp_thread *t = hp_enter();
    if (!t) return NESTED() ? nested_alloc(K_CALLOC, a, b, n, NULL, ra) : pass_calloc(a, b);
    return alloc_rec(t, K_CALLOC, a, b, n, NULL);
}

HP_EXPORT void *calloc(size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    if (SAMPLE_SKIP(n)) return hp_real.calloc(a, b);
    return calloc_rec(a, b, n, RA());
}

/* Sampling mode's realloc (sample.h): the old block's free, if it was sampled, and the new one
 * as a fresh allocation of n bytes at the realloc's stack, sampled by the countdown like any
 * other (as tcmalloc and jemalloc profile it). A sampled old block: RFREE before the real call
 * (its address may be handed out as soon as the call returns, so it leaves the set first), then
 * RFAIL (it stays: back in the set) or RFREED. */
static inline __attribute__((always_inline)) void *realloc_sampled(hp_thread *t, void *p, size_t n)
{
    bool had = false, take = !hp_tls_v.paused && hp_sample_take(n);
    uint32_t sid = 0;
    if (HP_LIKELY(hp_tlbuf_begin(t))) {
        had = hp_sample_maybe(p) && hp_sample_remove(p);
        if (had) record(t, HP_EV_RFREE, p, 0, 0);
        if (take) sid = capture(t);
        hp_tlbuf_end(t);
    } else {
        take = false; /* fork on this thread */
    }
    void *q = hp_real.realloc(p, n);
    int saved = errno;
    if (had && HP_LIKELY(hp_tlbuf_begin(t))) {
        if (!q && n) {
            record(t, HP_EV_RFAIL, p, 0, 0);
            if (!hp_sample_insert(p)) record(t, HP_EV_RFREED, p, 0, 0); /* no memory: drop it */
        } else {
            record(t, HP_EV_RFREED, p, 0, 0);
        }
        hp_tlbuf_end(t);
    }
    if (q && take && HP_LIKELY(hp_tlbuf_begin(t))) {
        if (hp_sample_insert(q)) record(t, HP_EV_ALLOC, q, n, sid);
        hp_tlbuf_end(t);
    }
    hp_leave(t);
    errno = saved;
    return q;
}

/* realloc is two events: RFREE p before the real call (p may be handed out again as soon as it
 * returns) and RALLOC q / RFAIL / RFREED after it. While recording is paused the block leaves
 * the record (RFREE, then RFREED) and the new one is not recorded, as any paused allocation. */
static HP_NOINLINE void *realloc_impl(void *p, size_t n, void *ra)
{
    if (HP_UNLIKELY(p && hp_boot_owns(p))) { /* bootstrap block: move it to the real heap */
        size_t old = hp_boot_size(p);
        void *q = malloc(n ? n : 1);
        if (q) memcpy(q, p, old < n ? old : n);
        return q;
    }
    hp_thread *t = hp_enter();
    if (!t) {
        if (!NESTED()) hp_lkwatch_note(p);
        return hp_real.realloc(p, n);
    }
    if (!p) return alloc_rec(t, K_MALLOC, n, 0, n, NULL);
    if (HP_UNLIKELY(hp_sample_rate)) return realloc_sampled(t, p, n);
    if (HP_UNLIKELY(!hp_tlbuf_begin(t))) {
        void *q = hp_real.realloc(p, n);
        hp_leave(t);
        return q;
    }
    record(t, HP_EV_RFREE, p, 0, 0);
    hp_tlbuf_end(t);
    void *q = hp_real.realloc(p, n);
    int saved = errno;
    if (HP_LIKELY(hp_tlbuf_begin(t))) {
        if (!q)
            record(t, n == 0 ? HP_EV_RFREED : HP_EV_RFAIL, p, 0,
                   0); /* glibc: realloc(p, 0) frees */
        else if (HP_UNLIKELY(hp_tls_v.paused))
            record(t, HP_EV_RFREED, p, 0, 0);
        else
            record(t, HP_EV_RALLOC, q, n, (uintptr_t)ra);
        hp_tlbuf_end(t);
    }
    hp_leave(t);
    errno = saved;
    return q;
}

/* Sampling mode: an unsampled block resized into an unsampled one goes straight through. */
#define SAMPLE_SKIP_REALLOC(p, n)                                                                  \
    (HP_UNLIKELY(hp_sample_rate) && (!(p) || (!hp_sample_maybe(p) && !hp_boot_owns(p))) &&         \
     hp_sample_skip(n))

HP_EXPORT void *realloc(void *p, size_t n)
{
    if (SAMPLE_SKIP_REALLOC(p, n)) return hp_real.realloc(p, n);
    return realloc_impl(p, n, RA());
}

HP_EXPORT void *reallocarray(void *p, size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    if (SAMPLE_SKIP_REALLOC(p, n)) return hp_real.realloc(p, n);
    return realloc_impl(p, n, RA());
}

static HP_NOINLINE void *memalign_rec(size_t align, size_t n, void *ra)
{
    hp_thread *t = hp_enter();
    if (!t)
        return NESTED() ? nested_alloc(K_MEMALIGN, align, n, n, NULL, ra) : pass_memalign(align, n);
    return alloc_rec(t, K_MEMALIGN, align, n, n, NULL);
}

HP_EXPORT void *memalign(size_t align, size_t n)
{
    if (SAMPLE_SKIP(n)) return hp_real.memalign(align, n);
    return memalign_rec(align, n, RA());
}

static HP_NOINLINE void *aligned_alloc_rec(size_t align, size_t n, void *ra)
{
    hp_thread *t = hp_enter();
    if (!t && NESTED()) return nested_alloc(K_ALIGNED_ALLOC, align, n, n, NULL, ra);
    if (!t)
        return hp_real.aligned_alloc ? hp_real.aligned_alloc(align, n) : pass_memalign(align, n);
    return alloc_rec(t, K_ALIGNED_ALLOC, align, n, n, NULL);
}

HP_EXPORT void *aligned_alloc(size_t align, size_t n)
{
    if (SAMPLE_SKIP(n))
        return hp_real.aligned_alloc ? hp_real.aligned_alloc(align, n) : hp_real.memalign(align, n);
    return aligned_alloc_rec(align, n, RA());
}

static HP_NOINLINE int posix_memalign_rec(void **out, size_t align, size_t n, void *ra)
{
    hp_thread *t = hp_enter();
    if (!t && NESTED()) {
        int rc = 0;
        void *p = nested_alloc(K_POSIX_MEMALIGN, align, n, n, &rc, ra);
        if (rc == 0) *out = p;
        return rc;
    }
    if (!t) {
        if (hp_real.posix_memalign) return hp_real.posix_memalign(out, align, n);
        void *p = hp_boot_alloc(n, align);
        if (!p) return ENOMEM;
        *out = p;
        return 0;
    }
    int rc = 0;
    void *p = alloc_rec(t, K_POSIX_MEMALIGN, align, n, n, &rc);
    if (rc == 0) *out = p; /* on failure *out is left alone, as glibc does */
    return rc;
}

HP_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (hp_real.posix_memalign && SAMPLE_SKIP(n)) return hp_real.posix_memalign(out, align, n);
    return posix_memalign_rec(out, align, n, RA());
}

HP_EXPORT void *valloc(size_t n)
{
    if (hp_real.valloc && SAMPLE_SKIP(n)) return hp_real.valloc(n);
    hp_thread *t = hp_enter();
    if (!t && NESTED()) return nested_alloc(K_VALLOC, n, 0, n, NULL, RA());
    if (!t) return hp_real.valloc ? hp_real.valloc(n) : hp_boot_alloc(n, 4096);
    return alloc_rec(t, K_VALLOC, n, 0, n, NULL);
}

HP_EXPORT void *pvalloc(size_t n)
{
    if (hp_real.pvalloc && SAMPLE_SKIP(n)) return hp_real.pvalloc(n);
    hp_thread *t = hp_enter();
    if (!t && NESTED()) return nested_alloc(K_PVALLOC, n, 0, n, NULL, RA());
    if (!t) return hp_real.pvalloc ? hp_real.pvalloc(n) : hp_boot_alloc(n, 4096);
    return alloc_rec(t, K_PVALLOC, n, 0, n, NULL);
}

HP_EXPORT size_t malloc_usable_size(void *p)
{
    if (!p) return 0;
    if (hp_boot_owns(p)) return hp_boot_size(p);
    hp_init();
    return hp_real.malloc_usable_size ? hp_real.malloc_usable_size(p) : 0;
}

/* ---- C++: every operator new/delete libstdc++ exports. A failed allocation goes to
 * libstdc++'s own operator (resolved at start-up, real.c), outside our guard: it runs
 * the new_handler loop (whose malloc calls come back here and are recorded) and throws
 * std::bad_alloc, or, for the nothrow forms, returns NULL - exactly as natively. ---- */

typedef void *(*new_fn)(size_t);
typedef void *(*new_nt_fn)(size_t, const void *);
typedef void *(*new_al_fn)(size_t, size_t);
typedef void *(*new_al_nt_fn)(size_t, size_t, const void *);

/* libstdc++'s operator: resolved at start-up (real.c); if libstdc++ came later (dlopen'ed by a
 * C program), on the first failure, which is no hot path. */
static void *new_fallback(int which, size_t n, size_t align, const void *nt)
{
    void *f = hp_real.new_[which];
    if (!f) f = hp_real_late(&hp_real.new_[which]);
    if (!f) return NULL;
    switch (which) {
    case HP_NEW:
    case HP_NEW_ARR:
        return ((new_fn)f)(n);
    case HP_NEW_NT:
    case HP_NEW_ARR_NT:
        return ((new_nt_fn)f)(n, nt);
    case HP_NEW_AL:
    case HP_NEW_ARR_AL:
        return ((new_al_fn)f)(n, align);
    default:
        return ((new_al_nt_fn)f)(n, align, nt);
    }
}

static HP_NOINLINE void *new_rec(size_t n, size_t align, int which, const void *nt, void *ra)
{
    void *p;
    hp_thread *t = hp_enter();
    if (!t && NESTED()) {
        p = align ? nested_alloc(K_MEMALIGN, align, n ? n : 1, n, NULL, ra)
                  : nested_alloc(K_MALLOC, n ? n : 1, 0, n, NULL, ra);
    } else if (!t) {
        p = align ? pass_memalign(align, n ? n : 1) : pass_malloc(n ? n : 1);
    } else {
        p = align ? alloc_rec(t, K_MEMALIGN, align, n ? n : 1, n, NULL)
                  : alloc_rec(t, K_MALLOC, n ? n : 1, 0, n, NULL);
    }
    if (HP_UNLIKELY(!p)) p = new_fallback(which, n, align, nt);
    return p;
}

static inline __attribute__((always_inline)) void *new_impl(size_t n, size_t align, int which,
                                                            const void *nt, void *ra)
{
    if (SAMPLE_SKIP(n)) {
        void *p = align ? hp_real.memalign(align, n ? n : 1) : hp_real.malloc(n ? n : 1);
        return HP_LIKELY(p) ? p : new_fallback(which, n, align, nt);
    }
    return new_rec(n, align, which, nt, ra);
}

#define NEW_PLAIN(sym, which)                                                                      \
    HP_EXPORT void *sym(size_t n)                                                                  \
    {                                                                                              \
        return new_impl(n, 0, which, NULL, RA());                                                  \
    }
#define NEW_NOTHROW(sym, which)                                                                    \
    HP_EXPORT void *sym(size_t n, const void *nt)                                                  \
    {                                                                                              \
        return new_impl(n, 0, which, nt, RA());                                                    \
    }
#define NEW_ALIGN(sym, which)                                                                      \
    HP_EXPORT void *sym(size_t n, size_t al)                                                       \
    {                                                                                              \
        return new_impl(n, al, which, NULL, RA());                                                 \
    }
#define NEW_ALIGN_NOTHROW(sym, which)                                                              \
    HP_EXPORT void *sym(size_t n, size_t al, const void *nt)                                       \
    {                                                                                              \
        return new_impl(n, al, which, nt, RA());                                                   \
    }
NEW_PLAIN(_Znwm, HP_NEW)
NEW_PLAIN(_Znam, HP_NEW_ARR)
NEW_NOTHROW(_ZnwmRKSt9nothrow_t, HP_NEW_NT)
NEW_NOTHROW(_ZnamRKSt9nothrow_t, HP_NEW_ARR_NT)
NEW_ALIGN(_ZnwmSt11align_val_t, HP_NEW_AL)
NEW_ALIGN(_ZnamSt11align_val_t, HP_NEW_ARR_AL)
NEW_ALIGN_NOTHROW(_ZnwmSt11align_val_tRKSt9nothrow_t, HP_NEW_AL_NT)
NEW_ALIGN_NOTHROW(_ZnamSt11align_val_tRKSt9nothrow_t, HP_NEW_ARR_AL_NT)

#define DELETE1(sym)                                                                               \
    HP_EXPORT void sym(void *p)                                                                    \
    {                                                                                              \
        free(p);                                                                                   \
    }
#define DELETE2(sym, T)                                                                            \
    HP_EXPORT void sym(void *p, T x)                                                               \
    {                                                                                              \
        (void)x;                                                                                   \
        free(p);                                                                                   \
    }
#define DELETE3(sym, T, U)                                                                         \
    HP_EXPORT void sym(void *p, T x, U y)                                                          \
    {                                                                                              \
        (void)x;                                                                                   \
        (void)y;                                                                                   \
        free(p);                                                                                   \
    }
DELETE1(_ZdlPv)
DELETE1(_ZdaPv)
DELETE2(_ZdlPvm, size_t)
DELETE2(_ZdaPvm, size_t)
DELETE2(_ZdlPvRKSt9nothrow_t, const void *)
DELETE2(_ZdaPvRKSt9nothrow_t, const void *)
DELETE2(_ZdlPvSt11align_val_t, size_t)
DELETE2(_ZdaPvSt11align_val_t, size_t)
DELETE3(_ZdlPvmSt11align_val_t, size_t, size_t)
DELETE3(_ZdaPvmSt11align_val_t, size_t, size_t)
DELETE3(_ZdlPvSt11align_val_tRKSt9nothrow_t, size_t, const void *)
DELETE3(_ZdaPvSt11align_val_tRKSt9nothrow_t, size_t, const void *)
