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
    fast_n = hp_fastunwind(uc, (uintptr_t)__builtin_return_address(0), (uintptr_t)(fp + 2), fp[0],
                           fast, 64);
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
