/* hooks.c - the ONLY definitions of the malloc family, C++ new/delete and dlclose.
 * Every hook: guard (hp_enter), then the real call, then one event in this thread's buffer.
 * Order (docs/design.md): a block's allocation event is timestamped after the real allocator
 * returned it; a free event is timestamped and appended before the real free runs, so the
 * merged order never shows an address live twice. errno: preserved by our own work; the real
 * call's errno is what the caller sees. Semantics are glibc's (calloc overflow -> ENOMEM, ...). */
#include "hooks.h"

#include "state.h"

#include "agg.h"
#include "clock.h"
#include "config.h"
#include "stacktab.h"
#include "symbolize.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
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

static inline void push(hp_thread *t, unsigned kind, uint64_t ts, const void *addr, uint64_t size,
                        uint64_t aux)
{
    hp_tlbuf_push(t, kind, ts, (uintptr_t)addr, size, aux);
}

/* Allocation kinds sharing one recorded path. */
enum { K_MALLOC, K_CALLOC, K_MEMALIGN, K_VALLOC, K_PVALLOC };

static void *real_alloc(int kind, size_t a, size_t b)
{
    switch (kind) {
    case K_MALLOC:
        return hp_real.malloc(a);
    case K_CALLOC:
        return hp_real.calloc(a, b);
    case K_MEMALIGN:
        return hp_real.memalign(a, b);
    case K_VALLOC:
        return hp_real.valloc(a);
    default:
        return hp_real.pvalloc(a);
    }
}

/* The recorded allocation path; size is what the caller asked for. Inlined into each hook so
 * that the unwinder sees hook -> caller. */
static inline __attribute__((always_inline)) void *alloc_rec(hp_thread *t, int kind, size_t a,
                                                             size_t b, size_t size)
{
    if (HP_UNLIKELY(hp_tls_v.paused || !hp_tlbuf_begin(t))) { /* paused, or fork on this thread */
        void *p = real_alloc(kind, a, b);
        hp_leave(t);
        return p;
    }
    uint32_t sid = capture(t);
    void *p = real_alloc(kind, a, b);
    int saved = errno;
    if (p) push(t, HP_EV_ALLOC, hp_clock_read(), p, size, sid);
    hp_tlbuf_end(t);
    hp_leave(t);
    errno = saved;
    return p;
}

static inline void free_rec(hp_thread *t, void *p)
{
    if (HP_LIKELY(hp_tlbuf_begin(t))) {
        push(t, HP_EV_FREE, hp_clock_read_early(), p, 0, 0);
        hp_tlbuf_end(t);
    }
    hp_leave(t);
}

HP_EXPORT void *malloc(size_t n)
{
    hp_thread *t = hp_enter();
    if (!t) return pass_malloc(n);
    return alloc_rec(t, K_MALLOC, n, 0, n);
}

HP_EXPORT void free(void *p)
{
    if (!p) return;
    if (HP_UNLIKELY(hp_boot_owns(p))) return; /* bootstrap memory is never given back */
    int saved = errno;
    hp_thread *t = hp_enter();
    if (t) free_rec(t, p); /* first: once freed, p may be handed to another thread */
    hp_real.free(p);
    errno = saved;
}

HP_EXPORT void *calloc(size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    hp_thread *t = hp_enter();
    if (!t) return pass_calloc(a, b);
    return alloc_rec(t, K_CALLOC, a, b, n);
}

static void *realloc_impl(void *p, size_t n)
{
    if (HP_UNLIKELY(p && hp_boot_owns(p))) { /* bootstrap block: move it to the real heap */
        size_t old = hp_boot_size(p);
        void *q = malloc(n ? n : 1);
        if (q) memcpy(q, p, old < n ? old : n);
        return q;
    }
    hp_thread *t = hp_enter();
    if (!t) return hp_real.realloc(p, n);
    if (!p) return alloc_rec(t, K_MALLOC, n, 0, n);
    if (HP_UNLIKELY(!hp_tlbuf_begin(t))) {
        void *q = hp_real.realloc(p, n);
        hp_leave(t);
        return q;
    }
    push(t, HP_EV_RFREE, hp_clock_read_early(), p, 0, 0);
    hp_tlbuf_end(t);
    void *q = hp_real.realloc(p, n);
    int saved = errno;
    if (HP_LIKELY(hp_tlbuf_begin(t))) {
        uint64_t ts = hp_clock_read();
        if (q)
            push(t, HP_EV_RALLOC, ts, q, n, (uintptr_t)__builtin_return_address(0));
        else if (n == 0)
            push(t, HP_EV_RFREED, ts, p, 0, 0); /* glibc: realloc(p, 0) frees p */
        else
            push(t, HP_EV_RFAIL, ts, p, 0, 0);
        hp_tlbuf_end(t);
    }
    hp_leave(t);
    errno = saved;
    return q;
}

HP_EXPORT void *realloc(void *p, size_t n)
{
    return realloc_impl(p, n);
}

HP_EXPORT void *reallocarray(void *p, size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc_impl(p, n);
}

HP_EXPORT void *memalign(size_t align, size_t n)
{
    hp_thread *t = hp_enter();
    if (!t) return pass_memalign(align, n);
    return alloc_rec(t, K_MEMALIGN, align, n, n);
}

HP_EXPORT void *aligned_alloc(size_t align, size_t n)
{
    /* glibc 2.36's aligned_alloc is memalign (it accepts any size); keep the real one's checks */
    hp_thread *t = hp_enter();
    if (!t)
        return hp_real.aligned_alloc ? hp_real.aligned_alloc(align, n) : pass_memalign(align, n);
    if (HP_UNLIKELY(!hp_tlbuf_begin(t))) {
        void *p = hp_real.aligned_alloc(align, n);
        hp_leave(t);
        return p;
    }
    uint32_t sid = capture(t);
    void *p = hp_real.aligned_alloc(align, n);
    int saved = errno;
    if (p) push(t, HP_EV_ALLOC, hp_clock_read(), p, n, sid);
    hp_tlbuf_end(t);
    hp_leave(t);
    errno = saved;
    return p;
}

HP_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    hp_thread *t = hp_enter();
    if (!t) {
        if (hp_real.posix_memalign) return hp_real.posix_memalign(out, align, n);
        void *p = hp_boot_alloc(n, align);
        if (!p) return ENOMEM;
        *out = p;
        return 0;
    }
    int saved = errno;
    if (HP_UNLIKELY(!hp_tlbuf_begin(t))) {
        int r = hp_real.posix_memalign(out, align, n);
        hp_leave(t);
        return r;
    }
    uint32_t sid = capture(t);
    int r = hp_real.posix_memalign(out, align, n);
    if (r == 0) push(t, HP_EV_ALLOC, hp_clock_read(), *out, n, sid);
    hp_tlbuf_end(t);
    hp_leave(t);
    errno = saved;
    return r;
}

HP_EXPORT void *valloc(size_t n)
{
    hp_thread *t = hp_enter();
    if (!t) return hp_real.valloc ? hp_real.valloc(n) : hp_boot_alloc(n, 4096);
    return alloc_rec(t, K_VALLOC, n, 0, n);
}

HP_EXPORT void *pvalloc(size_t n)
{
    hp_thread *t = hp_enter();
    if (!t) return hp_real.pvalloc ? hp_real.pvalloc(n) : hp_boot_alloc(n, 4096);
    return alloc_rec(t, K_PVALLOC, n, 0, n);
}

HP_EXPORT size_t malloc_usable_size(void *p)
{
    if (!p) return 0;
    if (hp_boot_owns(p)) return hp_boot_size(p);
    hp_init();
    return hp_real.malloc_usable_size ? hp_real.malloc_usable_size(p) : 0;
}

/* ---- C++: every operator new/delete libstdc++ exports. A failed allocation falls back to
 * libstdc++'s own operator (new_handler, std::bad_alloc), outside our guard. ---- */

typedef void *(*new_fn)(size_t);
typedef void *(*new_al_fn)(size_t, size_t);

static void *new_failed(const char *sym, size_t n, size_t align, bool aligned)
{
    void *f = dlsym(RTLD_NEXT, sym);
    if (!f) return NULL;
    return aligned ? ((new_al_fn)f)(n, align) : ((new_fn)f)(n);
}

static inline __attribute__((always_inline)) void *new_impl(size_t n, size_t align,
                                                            const char *fallback)
{
    hp_thread *t = hp_enter();
    void *p;
    if (!t) {
        p = align ? pass_memalign(align, n ? n : 1) : pass_malloc(n ? n : 1);
    } else {
        p = align ? alloc_rec(t, K_MEMALIGN, align, n ? n : 1, n)
                  : alloc_rec(t, K_MALLOC, n ? n : 1, 0, n);
    }
    if (HP_UNLIKELY(!p && fallback)) p = new_failed(fallback, n, align, align != 0);
    return p;
}

#define NEW_PLAIN(sym)                                                                             \
    HP_EXPORT void *sym(size_t n)                                                                  \
    {                                                                                              \
        return new_impl(n, 0, #sym);                                                               \
    }
#define NEW_NOTHROW(sym)                                                                           \
    HP_EXPORT void *sym(size_t n, const void *nt)                                                  \
    {                                                                                              \
        (void)nt;                                                                                  \
        return new_impl(n, 0, NULL);                                                               \
    }
#define NEW_ALIGN(sym)                                                                             \
    HP_EXPORT void *sym(size_t n, size_t al)                                                       \
    {                                                                                              \
        return new_impl(n, al, #sym);                                                              \
    }
#define NEW_ALIGN_NOTHROW(sym)                                                                     \
    HP_EXPORT void *sym(size_t n, size_t al, const void *nt)                                       \
    {                                                                                              \
        (void)nt;                                                                                  \
        return new_impl(n, al, NULL);                                                              \
    }
NEW_PLAIN(_Znwm)
NEW_PLAIN(_Znam)
NEW_NOTHROW(_ZnwmRKSt9nothrow_t)
NEW_NOTHROW(_ZnamRKSt9nothrow_t)
NEW_ALIGN(_ZnwmSt11align_val_t)
NEW_ALIGN(_ZnamSt11align_val_t)
NEW_ALIGN_NOTHROW(_ZnwmSt11align_val_tRKSt9nothrow_t)
NEW_ALIGN_NOTHROW(_ZnamSt11align_val_tRKSt9nothrow_t)

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

/* ---- dlclose: name the frames of an object before it goes away ---- */

typedef int (*dlclose_fn)(void *);

typedef struct range_q {
    uintptr_t base;
    const char *name;
    uintptr_t lo, hi;
} range_q;

static int find_range_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    range_q *q = data;
    if (info->dlpi_addr != q->base || !info->dlpi_name || strcmp(info->dlpi_name, q->name))
        return 0;
    q->lo = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < q->lo) q->lo = a;
        if (a + ph->p_memsz > q->hi) q->hi = a + ph->p_memsz;
    }
    return 1;
}

HP_EXPORT int dlclose(void *handle)
{
    static dlclose_fn real;
    if (!real) real = (dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
    struct link_map *lm = NULL;
    hp_thread *t = hp_enter();
    if (t) {
        if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name && lm->l_name[0]) {
            range_q q = {.base = lm->l_addr, .name = lm->l_name};
            if (dl_iterate_phdr(find_range_cb, &q) && q.hi > q.lo)
                hp_sym_before_unload(lm->l_name, lm->l_addr, q.lo, q.hi);
        }
        hp_leave(t);
    }
    return real(handle);
}
