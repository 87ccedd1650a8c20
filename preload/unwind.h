/* unwind.h - the one interface to the unwinder: the cached-CFI walker (fastunwind.c) first,
 * libunwind for any stack it cannot describe, both when verifying. hp_unwind gives the return
 * addresses of the calling thread's stack, the frames inside libheapprof.so dropped, so the first
 * one is in the caller of malloc/new/... Returns the number of frames (0 if the unwinder failed).
 * Never calls malloc itself; it must run with the hook guard set (libunwind may allocate on first
 * use; those calls pass through: the guard is HP_GUARD_INTERNAL around every call into libunwind,
 * state.h). */
#ifndef HP_UNWIND_H
#define HP_UNWIND_H

#include "hp.h"
#include "state.h"

#define HP_MAX_DEPTH 256

void hp_unwind_init(void);
#include "fastunwind.h"
#include "stacktab.h"

#include <string.h>

static inline size_t hp_unwind(hp_ucache *uc, uintptr_t *buf, size_t max, size_t *first);
/* dlclose unloaded an object: cached unwind information about it is dropped (fastunwind's
 * rules of every thread, libunwind's caches), so an object mapped at its address later is
 * unwound with its own CFI. Any thread, outside the hook guard; never calls malloc. */
void hp_unwind_forget_objects(void);
/* True if addr is inside libheapprof.so. */
bool hp_unwind_is_self(uintptr_t addr);

extern uintptr_t hp_unwind_self_lo, hp_unwind_self_hi;
/* libunwind's stack from the caller of this function up (unw_backtrace, or a unw_step loop
 * after an unload: unwind.c says why), the whole stack for any the cached walker cannot do. */
int hp_unwind_ref(uintptr_t *buf, int max);

#define HP_UNWIND_SKIP_MAX 4 /* our own frames above the user's: the hook, at most a helper */

extern bool hp_unwind_verify; /* HEAPPROF_VERIFY_UNWIND: check every fast walk against libunwind */
size_t hp_unwind_verify_slow(size_t fast_n, uintptr_t *buf, size_t max, size_t *first);

/* The cached walker from the caller of the function this is inlined in (always: down from the
 * hook, so __builtin_frame_address(0) is the hook's frame): its frame count (0: it could not),
 * the frames at hp_fastunwind_pcs. max is already at most HP_MAX_DEPTH. */
static inline __attribute__((always_inline)) size_t hp_unwind_fast(hp_ucache *uc, size_t max)
{
    uintptr_t *fp = (uintptr_t *)__builtin_frame_address(0);
    return hp_fastunwind(uc, (uintptr_t)__builtin_return_address(0), (uintptr_t)(fp + 2), fp[0],
                         max + HP_UNWIND_SKIP_MAX);
}

/* After hp_unwind_fast gave fast_n frames (0 when it could not or did not run): the frames in
 * buf, libunwind's if the walker could not, checked against libunwind when verifying; then our
 * own frames dropped (*first: where the caller's start). Inline (always) for the same reason. */
static inline __attribute__((always_inline)) size_t
hp_unwind_finish(hp_ucache *uc, size_t fast_n, uintptr_t *buf, size_t max, size_t *first)
{
    int n = (int)fast_n;
    if (n != 0) memcpy(buf, hp_fastunwind_pcs(uc), fast_n * sizeof *buf);
    if (HP_UNLIKELY(hp_unwind_verify) && uc != NULL) {
        uint8_t g = hp_internal_begin();
        n = (int)hp_unwind_verify_slow(fast_n, buf, max, first);
        hp_internal_end(g);
    }
    if (n == 0) {
        uint8_t g = hp_internal_begin();
        n = hp_unwind_ref(buf, (int)(max + HP_UNWIND_SKIP_MAX));
        hp_internal_end(g);
    }
    int i = 0;
    while (i < n && buf[i] >= hp_unwind_self_lo && buf[i] < hp_unwind_self_hi)
        i++;
    *first = (size_t)i;
    if (n - i > (int)max) n = i + (int)max;
    return n > i ? (size_t)(n - i) : 0;
}

/* Inline (always, down from the hook), so that __builtin_frame_address(0) is the hook's own
 * frame: the walk starts at the hook's caller. Fills buf (room for max + HP_UNWIND_SKIP_MAX
 * entries) and returns the number of the caller's frames; they start at buf[*first]. The
 * cached-CFI walker runs first; libunwind takes any stack it cannot describe. */
static inline __attribute__((always_inline)) size_t hp_unwind(hp_ucache *uc, uintptr_t *buf,
                                                              size_t max, size_t *first)
{
    if (max > HP_MAX_DEPTH) max = HP_MAX_DEPTH;
    size_t n = HP_LIKELY(uc != NULL) ? hp_unwind_fast(uc, max) : 0;
    return hp_unwind_finish(uc, n, buf, max, first);
}

/* Verification of a reused stack id: says MISMATCH once if it is not the interned one. */
void hp_unwind_verify_id(uint32_t reused, uint32_t interned);

/* hp_unwind, then the stack's id (hp_stacktab_intern). When the cached walker found exactly
 * the frames of this thread's previous walk, the id noted for that walk is reused: no hash, no
 * table; otherwise its frames are interned where it keeps them (no copy), with the hash of its
 * chain when none is dropped (HEAPPROF_VERIFY_UNWIND copies and interns anyway and checks that
 * the two ids agree). buf as for hp_unwind (used only for libunwind's stacks and verifying).
 * Returns 0 only if the stack table is out of memory. */
static inline __attribute__((always_inline)) uint32_t hp_unwind_intern(hp_ucache *uc,
                                                                       uintptr_t *buf, size_t max)
{
    if (max > HP_MAX_DEPTH) max = HP_MAX_DEPTH;
    size_t n = 0;
    if (HP_LIKELY(uc != NULL)) {
        n = hp_unwind_fast(uc, max);
        if (HP_LIKELY(n != 0) && HP_LIKELY(!hp_unwind_verify)) {
            uint32_t id = hp_fastunwind_repeat(uc) ? hp_fastunwind_id(uc) : 0;
            if (HP_LIKELY(id != 0)) return id;
            const uintptr_t *pcs = hp_fastunwind_pcs(uc);
            size_t i = 0;
            while (i < n && pcs[i] >= hp_unwind_self_lo && pcs[i] < hp_unwind_self_hi)
                i++;
            if (HP_LIKELY(i == 0 && n <= max))
                id =
                    hp_stacktab_intern_hashed(pcs, n, hp_stacktab_hash(hp_fastunwind_chain(uc), n));
            else
                id = hp_stacktab_intern(pcs + i, n - i < max ? n - i : max);
            hp_fastunwind_note_id(uc, id);
            return id;
        }
    }
    size_t first;
    bool fast = n != 0;
    n = hp_unwind_finish(uc, n, buf, max, &first);
    uint32_t id = hp_stacktab_intern(buf + first, n);
    if (fast) {
        uint32_t reused = hp_fastunwind_repeat(uc) ? hp_fastunwind_id(uc) : 0;
        if (HP_UNLIKELY(reused != 0)) hp_unwind_verify_id(reused, id);
        hp_fastunwind_note_id(uc, id);
    }
    return id;
}

#endif
