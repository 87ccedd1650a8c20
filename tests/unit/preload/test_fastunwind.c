/* test_fastunwind.c - fastunwind.c against libunwind in the same process: walking from a known
 * frame gives exactly unw_backtrace's return addresses, through recursion, and a cache hit gives
 * the same answer as the miss that filled it. */
#include "fastunwind.h"

#include <criterion/criterion.h>
#include <string.h>

int unw_backtrace(void **, int);

static size_t fast_n, ref_n;
static uintptr_t fast[64], ref[64];

__attribute__((noinline)) static void capture(hp_ucache *uc)
{
    uintptr_t *fp = (uintptr_t *)__builtin_frame_address(0);
    fast_n =
        hp_fastunwind(uc, (uintptr_t)__builtin_return_address(0), (uintptr_t)(fp + 2), fp[0], 64);
    if (fast_n) memcpy(fast, hp_fastunwind_pcs(uc), fast_n * sizeof *fast);
    void *buf[65];
    int n = unw_backtrace(buf, 65);
    ref_n = 0;
    for (int i = 1; i < n; i++) /* buf[0] is inside capture() */
        ref[ref_n++] = (uintptr_t)buf[i];
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static int recurse(hp_ucache *uc, int d)
{
    if (d == 0) {
        capture(uc);
        return 0;
    }
    int r = recurse(uc, d - 1);
    __asm__ volatile("" : "+r"(r));
    return r + 1;
}

Test(fastunwind, equals_libunwind)
{
    hp_ucache *uc = hp_fastunwind_cache_new();
    cr_assert_not_null(uc);
    for (int round = 0; round < 2; round++) { /* cold cache, then warm */
        recurse(uc, 10);
        cr_assert_gt(fast_n, 10, "walked through the recursion (%zu frames)", fast_n);
        cr_expect_eq(fast_n, ref_n, "round %d: %zu frames vs libunwind's %zu", round, fast_n,
                     ref_n);
        cr_expect(memcmp(fast, ref, fast_n * sizeof *fast) == 0, "round %d: same addresses", round);
    }
}

/* Consecutive walks of one cache share frames: the second follows the first's record. Depths
 * change up and down, and the same depth repeats; every walk must still be libunwind's, and
 * hp_fastunwind_repeat must say exactly whether the frames equal the walk before. */
Test(fastunwind, reuse_equals_libunwind)
{
    hp_ucache *uc = hp_fastunwind_cache_new();
    cr_assert_not_null(uc);
    static const int depth[] = {10, 10, 12, 7, 7, 30, 3, 3, 3, 11, 10, 10, 0, 0, 25, 24};
    uintptr_t last[64];
    size_t last_n = 0;
    for (size_t k = 0; k < sizeof depth / sizeof *depth; k++) {
        recurse(uc, depth[k]);
        cr_expect_eq(fast_n, ref_n, "walk %zu: %zu frames vs libunwind's %zu", k, fast_n, ref_n);
        cr_expect(memcmp(fast, ref, fast_n * sizeof *fast) == 0, "walk %zu: same addresses", k);
        bool same = k > 0 && fast_n == last_n && memcmp(fast, last, fast_n * sizeof *fast) == 0;
        cr_expect_eq(hp_fastunwind_repeat(uc), same, "walk %zu: repeat says %d", k,
                     hp_fastunwind_repeat(uc));
        memcpy(last, fast, fast_n * sizeof *fast);
        last_n = fast_n;
    }
}

/* A cut walk (max frames) and a longer one after it: the record of a cut walk is followed only
 * where the new walk is cut too. Each walk against libunwind's (cut the same way). */
__attribute__((noinline)) static void capture_max(hp_ucache *uc, size_t max)
{
    uintptr_t *fp = (uintptr_t *)__builtin_frame_address(0);
    fast_n =
        hp_fastunwind(uc, (uintptr_t)__builtin_return_address(0), (uintptr_t)(fp + 2), fp[0], max);
    if (fast_n) memcpy(fast, hp_fastunwind_pcs(uc), fast_n * sizeof *fast);
    void *buf[65];
    int n = unw_backtrace(buf, 65);
    ref_n = 0;
    for (int i = 1; i < n && ref_n < max; i++)
        ref[ref_n++] = (uintptr_t)buf[i];
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static int recurse_max(hp_ucache *uc, int d, size_t max)
{
    if (d == 0) {
        capture_max(uc, max);
        return 0;
    }
    int r = recurse_max(uc, d - 1, max);
    __asm__ volatile("" : "+r"(r));
    return r + 1;
}

Test(fastunwind, reuse_cut)
{
    hp_ucache *uc = hp_fastunwind_cache_new();
    cr_assert_not_null(uc);
    static const struct {
        int d;
        size_t max;
    } w[] = {{20, 64}, {20, 8}, {20, 8}, {21, 8},  {19, 8},  {20, 8}, {3, 8},
             {6, 8},   {5, 8},  {20, 8}, {20, 64}, {20, 64}, {4, 64}, {20, 64}};
    for (size_t k = 0; k < sizeof w / sizeof *w; k++) {
        recurse_max(uc, w[k].d, w[k].max);
        cr_expect_eq(fast_n, ref_n, "walk %zu: %zu frames vs libunwind's %zu", k, fast_n, ref_n);
        cr_expect(memcmp(fast, ref, fast_n * sizeof *fast) == 0, "walk %zu: same addresses", k);
        if (w[k].d >= 8) cr_expect_eq(fast_n, w[k].max < 20 ? w[k].max : ref_n);
    }
}

/* A frame that reloads rbp where no frame above it reads rbp in the record (a "light" link: the
 * reload is left until the walk leaves the record), then a differing word above it, and above
 * that a caller whose CFA is rbp: leaving the record there must use the rbp that frame saved,
 * not the one the walk started with. lr_a saves rbp and runs with a useless rbp (0x10) when it
 * calls capture; lr_b is called from lr_y (saves rbp, no rbp CFA) and then from lr_x (alloca:
 * CFA from rbp) at the same sp, so the second walk joins the first at lr_a and leaves it at
 * lr_b's return address. */
static uintptr_t lr_sp;
#define LR_OPT __attribute__((noinline, optimize("omit-frame-pointer")))

LR_OPT static void lr_a(hp_ucache *uc)
{
    __asm__ volatile("mov $0x10, %%ebp" ::: "rbp", "memory");
    capture(uc);
    __asm__ volatile("" ::: "memory");
}

LR_OPT static void lr_b(hp_ucache *uc)
{
    __asm__ volatile("mov %%rsp, %0" : "=r"(lr_sp)); /* where lr_b runs (no frame pointer) */
    lr_a(uc);
    __asm__ volatile("" ::: "memory");
}

LR_OPT static void lr_y(hp_ucache *uc)
{
    volatile char big[512];
    big[0] = 0;
    __asm__ volatile("" ::"r"(big) : "rbp", "memory");
    lr_b(uc);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void lr_x(hp_ucache *uc, size_t pad)
{
    char *vla = __builtin_alloca(pad + 1);
    vla[0] = 0;
    __asm__ volatile("" ::"r"(vla) : "memory");
    lr_b(uc);
    __asm__ volatile("" ::: "memory");
}

Test(fastunwind, light_link_then_rbp_caller)
{
    hp_ucache *uc = hp_fastunwind_cache_new();
    cr_assert_not_null(uc);
    lr_x(uc, 16);
    uintptr_t at_pad16 = lr_sp;
    lr_y(uc);
    uintptr_t target = lr_sp;
    cr_assert_geq(at_pad16, target + 16, "lr_y's frame is deeper than lr_x's with 16 bytes");
    size_t pad = 16 + (at_pad16 - target);
    lr_x(uc, pad); /* calibrate: lr_b at the sp it had under lr_y */
    cr_assert_eq(lr_sp, target, "lr_b under lr_x at the same sp (pad %zu)", pad);
    for (int round = 0; round < 3; round++) {
        lr_y(uc);
        cr_expect_eq(fast_n, ref_n, "round %d, under lr_y: %zu frames vs %zu", round, fast_n,
                     ref_n);
        cr_expect(memcmp(fast, ref, fast_n * sizeof *fast) == 0, "round %d: same addresses", round);
        lr_x(uc, pad);
        cr_assert_eq(lr_sp, target);
        cr_expect_eq(fast_n, ref_n, "round %d, under lr_x: %zu frames vs %zu", round, fast_n,
                     ref_n);
        cr_expect(memcmp(fast, ref, fast_n * sizeof *fast) == 0, "round %d: same addresses", round);
    }
}

/* A frame that reloads a live rbp, at the same sp with the same return addresses as in the
 * record but another rbp: mb_b (alloca: CFA from rbp) is entered one recursion level higher
 * with more alloca, so mb_a lands at the sp it had, and mb_b's saved rbp (read in mb_a's frame)
 * differs. The walk must leave the record there, although every return address it read so far
 * equals the record's. */
static uintptr_t mb_sp;

LR_OPT static void mb_a(hp_ucache *uc)
{
    __asm__ volatile("mov %%rsp, %0" : "=r"(mb_sp));
    __asm__ volatile("mov $0x10, %%ebp" ::: "rbp", "memory");
    capture(uc);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void mb_b(hp_ucache *uc, size_t pad)
{
    char *p = __builtin_alloca(pad + 1);
    __asm__ volatile("" ::"r"(p) : "memory"); /* not written: stale frames stay below */
    mb_a(uc);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void mb_c(hp_ucache *uc, int d, size_t pad)
{
    if (d > 0)
        mb_c(uc, d - 1, pad);
    else
        mb_b(uc, pad);
    __asm__ volatile("" ::: "memory");
}

Test(fastunwind, live_rbp_reload_differs)
{
    hp_ucache *uc = hp_fastunwind_cache_new();
    cr_assert_not_null(uc);
    mb_c(uc, 1, 64);
    uintptr_t deep = mb_sp;
    mb_c(uc, 0, 64);
    cr_assert_gt(mb_sp, deep, "one level fewer: mb_a higher");
    size_t pad = 64 + (mb_sp - deep);
    mb_c(uc, 0, pad);
    cr_assert_eq(mb_sp, deep, "mb_a at the same sp with pad %zu", pad);
    for (int round = 0; round < 3; round++) {
        mb_c(uc, 1, 64);
        cr_expect_eq(fast_n, ref_n, "round %d, deep: %zu frames vs %zu", round, fast_n, ref_n);
        cr_expect(memcmp(fast, ref, fast_n * sizeof *fast) == 0, "round %d: same addresses", round);
        mb_c(uc, 0, pad);
        cr_assert_eq(mb_sp, deep);
        cr_expect_eq(fast_n, ref_n, "round %d, higher: %zu frames vs %zu", round, fast_n, ref_n);
        cr_expect(memcmp(fast, ref, fast_n * sizeof *fast) == 0, "round %d: same addresses", round);
    }
}
