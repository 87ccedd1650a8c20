/* interpose.c - the interpose-only floor of `make bench`: a preload that defines every
 * allocation function heapprof's preload/hooks.c defines (malloc ... pvalloc, reallocarray,
 * malloc_usable_size, the eight operators new and twelve operators delete) and does nothing
 * but forward each call to the real function, found once with dlsym(RTLD_NEXT). What it costs
 * over native is what any interposer pays before it does any work: the extra call through a
 * pointer and the PLT. A sampling profiler cannot go below it.
 * Shape: the same as heapprof's hooks, so that the floor is the floor of *that* design:
 * operator new calls the real malloc (memalign for the aligned forms) and only on failure the
 * real libstdc++ operator (which runs the new_handler loop and throws bad_alloc); operator
 * delete calls free.
 * Owns: the table of real functions (`real`), the bootstrap buffer. Invariant: once
 * real.done is set every required slot is non-NULL; a pointer inside `boot` was never
 * returned by the real allocator (free ignores it, realloc copies out of it).
 * Threads: resolution runs in the constructor (one thread) or, if an allocation comes first,
 * in whichever thread makes it; dlsym returns the same values to every thread, so a race
 * only resolves twice. `resolving` is per thread: dlsym's own calloc on this thread is served
 * from the bootstrap buffer, another thread's allocation never is. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT      __attribute__((visibility("default")))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static struct {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*memalign)(size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    atomic_int done;
} real;

static __thread int resolving __attribute__((tls_model("initial-exec")));

/* dlsym's allocations while the table is filled: a bump allocator over static memory,
 * a 16-byte header holding the size (for realloc and malloc_usable_size). */
static _Alignas(16) char boot[1 << 16];
static atomic_size_t boot_used;

static int boot_owns(const void *p)
{
    return (const char *)p >= boot && (const char *)p < boot + sizeof boot;
}

static void *boot_alloc(size_t n)
{
    size_t need = 16 + ((n + 15) & ~(size_t)15);
    size_t at = atomic_fetch_add(&boot_used, need);
    if (need > sizeof boot || at > sizeof boot - need) return NULL;
    *(size_t *)(boot + at) = n;
    return boot + at + 16; /* static storage: already zero, as calloc needs */
}

static size_t boot_size(const void *p)
{
    return *(const size_t *)((const char *)p - 16);
}

static void resolve(void)
{
    resolving = 1;
#define R(f) *(void **)&real.f = dlsym(RTLD_NEXT, #f)
    R(malloc);
    R(free);
    R(calloc);
    R(realloc);
    R(memalign);
    R(posix_memalign);
    R(aligned_alloc);
    R(valloc);
    R(pvalloc);
    R(malloc_usable_size);
#undef R
    resolving = 0;
    atomic_store(&real.done, 1);
}

__attribute__((constructor)) static void interpose_init(void)
{
    if (!atomic_load(&real.done)) resolve();
}

/* true: serve this call from the bootstrap buffer (dlsym is allocating on this thread) */
static inline int booting(void)
{
    if (UNLIKELY(!atomic_load_explicit(&real.done, memory_order_acquire))) {
        if (resolving) return 1;
        resolve();
    }
    return 0;
}

EXPORT void *malloc(size_t n)
{
    if (UNLIKELY(booting())) return boot_alloc(n);
    return real.malloc(n);
}

EXPORT void free(void *p)
{
    if (UNLIKELY(boot_owns(p))) return;
    if (UNLIKELY(booting())) return; /* dlsym freeing on this thread mid-resolution: keep it */
    real.free(p);
}

EXPORT void *calloc(size_t a, size_t b)
{
    if (UNLIKELY(booting())) {
        size_t n;
        if (__builtin_mul_overflow(a, b, &n)) return NULL;
        return boot_alloc(n);
    }
    return real.calloc(a, b);
}

EXPORT void *realloc(void *p, size_t n)
{
    if (UNLIKELY(booting())) return boot_alloc(n); /* dlsym never reallocs: not reached */
    if (UNLIKELY(boot_owns(p))) {
        void *q = real.malloc(n);
        if (q) memcpy(q, p, boot_size(p) < n ? boot_size(p) : n);
        return q;
    }
    return real.realloc(p, n);
}

EXPORT void *reallocarray(void *p, size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n);
}

EXPORT void *memalign(size_t align, size_t n)
{
    booting();
    return real.memalign(align, n);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    booting();
    return real.posix_memalign(out, align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    booting();
    return real.aligned_alloc(align, n);
}

EXPORT void *valloc(size_t n)
{
    booting();
    return real.valloc(n);
}

EXPORT void *pvalloc(size_t n)
{
    booting();
    return real.pvalloc(n);
}

EXPORT size_t malloc_usable_size(void *p)
{
    if (!p) return 0;
    if (boot_owns(p)) return boot_size(p);
    booting();
    return real.malloc_usable_size(p);
}

/* ---- C++. On failure, libstdc++'s own operator: it runs the new_handler loop and throws
 * std::bad_alloc (or returns NULL for the nothrow forms), exactly as natively. Resolved on
 * that path only, which is no hot path. ---- */
static void *real_new(const char *sym, size_t n, size_t align, int nothrow)
{
    void *f = dlsym(RTLD_NEXT, sym);
    if (!f) return NULL;
    static const int nt_tag = 0; /* std::nothrow_t is empty: any address will do */
    if (align)
        return nothrow ? ((void *(*)(size_t, size_t, const void *))f)(n, align, &nt_tag)
                       : ((void *(*)(size_t, size_t))f)(n, align);
    return nothrow ? ((void *(*)(size_t, const void *))f)(n, &nt_tag) : ((void *(*)(size_t))f)(n);
}

#define NEW(sym, nothrow)                                                                          \
    EXPORT void *sym(size_t n)                                                                     \
    {                                                                                              \
        void *p = malloc(n ? n : 1);                                                               \
        return UNLIKELY(!p) ? real_new(#sym, n, 0, nothrow) : p;                                   \
    }
#define NEW_NT(sym)                                                                                \
    EXPORT void *sym(size_t n, const void *nt)                                                     \
    {                                                                                              \
        (void)nt;                                                                                  \
        void *p = malloc(n ? n : 1);                                                               \
        return UNLIKELY(!p) ? real_new(#sym, n, 0, 1) : p;                                         \
    }
#define NEW_AL(sym)                                                                                \
    EXPORT void *sym(size_t n, size_t al)                                                          \
    {                                                                                              \
        void *p = memalign(al, n ? n : 1);                                                         \
        return UNLIKELY(!p) ? real_new(#sym, n, al, 0) : p;                                        \
    }
#define NEW_AL_NT(sym)                                                                             \
    EXPORT void *sym(size_t n, size_t al, const void *nt)                                          \
    {                                                                                              \
        (void)nt;                                                                                  \
        void *p = memalign(al, n ? n : 1);                                                         \
        return UNLIKELY(!p) ? real_new(#sym, n, al, 1) : p;                                        \
    }
NEW(_Znwm, 0)
NEW(_Znam, 0)
NEW_NT(_ZnwmRKSt9nothrow_t)
NEW_NT(_ZnamRKSt9nothrow_t)
NEW_AL(_ZnwmSt11align_val_t)
NEW_AL(_ZnamSt11align_val_t)
NEW_AL_NT(_ZnwmSt11align_val_tRKSt9nothrow_t)
NEW_AL_NT(_ZnamSt11align_val_tRKSt9nothrow_t)

#define DELETE1(sym)                                                                               \
    EXPORT void sym(void *p)                                                                       \
    {                                                                                              \
        free(p);                                                                                   \
    }
#define DELETE2(sym, T)                                                                            \
    EXPORT void sym(void *p, T x)                                                                  \
    {                                                                                              \
        (void)x;                                                                                   \
        free(p);                                                                                   \
    }
#define DELETE3(sym, T, U)                                                                         \
    EXPORT void sym(void *p, T x, U y)                                                             \
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
