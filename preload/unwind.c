/* unwind.c - call stacks with libunwind's local-only fast path (unw_backtrace).
 * Owns: the address range of libheapprof.so, used to drop profiler frames.
 * Invariant: self_lo <= self_hi; every frame returned is outside [self_lo, self_hi).
 * Threads: read-only after hp_unwind_init. libunwind keeps a per-thread frame cache. */
#define UNW_LOCAL_ONLY
#include "unwind.h"

#include <libunwind.h>
#include <link.h>
#include <string.h>

#include "fmt.h"
#include "log.h"

uintptr_t hp_unwind_self_lo, hp_unwind_self_hi;

static int find_self_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    uintptr_t me = (uintptr_t)data, lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < lo) lo = a;
        if (a + ph->p_memsz > hi) hi = a + ph->p_memsz;
    }
    if (me >= lo && me < hi) {
        hp_unwind_self_lo = lo;
        hp_unwind_self_hi = hi;
        return 1;
    }
    return 0;
}

void hp_unwind_init(void)
{
    dl_iterate_phdr(find_self_cb, (void *)(uintptr_t)&hp_unwind_init);
    /* Per-thread caches: no lock shared between threads on a cache hit. */
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

/* unw_flush_cache bumps the address space's cache generation (atomically) and frees its
 * .debug_frame list, which only builds with --enable-debug-frame fill (off on x86-64). */
void hp_unwind_forget_objects(void)
{
    hp_fastunwind_forget();
    unw_flush_cache(unw_local_addr_space, 0, 0);
}

bool hp_unwind_is_self(uintptr_t addr)
{
    return addr >= hp_unwind_self_lo && addr < hp_unwind_self_hi;
}

bool hp_unwind_verify;

/* libunwind's answer, from the caller's frame up. unw_backtrace keeps a per-thread trace cache
 * keyed by address that nothing invalidates (not even unw_flush_cache), so once an object was
 * unloaded, another one mapped at its address would be walked with the old object's frame
 * layout: then a unw_step loop, whose register-state cache follows unw_flush_cache
 * (hp_unwind_forget_objects). Slower, and only in processes that unloaded something. */
static inline __attribute__((always_inline)) int ref_backtrace(uintptr_t *buf, int max)
{
    if (HP_LIKELY(hp_fastunwind_unloads() == 0)) return unw_backtrace((void **)buf, max);
    unw_context_t ctx;
    unw_cursor_t c;
    int n = 0;
    if (unw_getcontext(&ctx) != 0 || unw_init_local(&c, &ctx) != 0) return 0;
    do {
        unw_word_t ip;
        if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0) break;
        buf[n++] = (uintptr_t)ip;
    } while (n < max && unw_step(&c) > 0);
    return n;
}

HP_NOINLINE int hp_unwind_ref(uintptr_t *buf, int max)
{
    return ref_backtrace(buf, max);
}

/* Verification: the same stack from libunwind; on a difference, say so once (first differing
 * frame) and keep libunwind's. Slow by design; tests run with it. */
size_t hp_unwind_verify_slow(size_t fast_n, uintptr_t *buf, size_t max, size_t *first)
{
    static atomic_int said;
    uintptr_t ref[HP_MAX_DEPTH + HP_UNWIND_SKIP_MAX];
    int n = ref_backtrace(ref, (int)(max + HP_UNWIND_SKIP_MAX));
    (void)first;
    /* both start inside libheapprof.so at different depths: compare the callers' frames */
    size_t a = 0, b = 0;
    while (a < fast_n && hp_unwind_is_self(buf[a]))
        a++;
    while (b < (size_t)n && hp_unwind_is_self(ref[b]))
        b++;
    size_t la = fast_n - a, lb = (size_t)n - b;
    /* only the first max frames are kept; a longer stack is cut at max either way */
    size_t cmp = la < lb ? la : lb;
    if (cmp > max) cmp = max;
    bool same_len = la == lb || cmp == max;
    char num[24];
    bool differ = fast_n != 0 && (!same_len || memcmp(buf + a, ref + b, cmp * sizeof *buf) != 0);
    if (differ && hp_load_relaxed(&said) == 0) { /* the two stacks, once, for the bug report */
        for (size_t i = 0; i < 8 && i < (size_t)n; i++) {
            char x[24], y[24];
            hp_fmt_u64(x, i < fast_n ? buf[i] : 0);
            hp_fmt_u64(y, ref[i]);
            hp_log("unwind verify: fast ", x, y);
        }
    }
    /* fast_n == 0: the walker handed this stack to libunwind, as designed (no FDE, signal
     * frame, CFA expression...): nothing to compare. */
    if (differ) {
        size_t k = 0;
        while (k < cmp && buf[a + k] == ref[b + k])
            k++;
        hp_fmt_u64(num, k);
        hp_log_once(&said, "unwind verify: MISMATCH with libunwind at frame ", num, NULL);
    }
    memcpy(buf, ref, (size_t)n * sizeof *buf);
    return (size_t)n;
}

void hp_unwind_verify_id(uint32_t reused, uint32_t interned)
{
    static atomic_int said;
    if (reused == interned) return;
    char a[24], b[24];
    hp_fmt_u64(a, reused);
    hp_fmt_u64(b, interned);
    hp_log_once(&said, "unwind verify: MISMATCH: reused stack id ", a, b);
}
