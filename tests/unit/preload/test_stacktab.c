/* test_stacktab.c - stacktab.c through its header: interning is a function of the frames. */
#include "stacktab.h"

#include <criterion/criterion.h>

static void setup(void)
{
    cr_assert_eq(hp_stacktab_init(), 0);
}

TestSuite(stacktab, .init = setup);

Test(stacktab, equal_frames_equal_id)
{
    uintptr_t a[] = {0x401000, 0x402000, 0x403000};
    uintptr_t b[] = {0x401000, 0x402000, 0x403000};
    uint32_t x = hp_stacktab_intern(a, 3), y = hp_stacktab_intern(b, 3);
    cr_expect_geq(x, 1);
    cr_expect_eq(x, y);
    const hp_stack *s = hp_stacktab_get(x);
    cr_assert_not_null(s);
    cr_expect_eq(s->n, 3);
    cr_expect_eq(s->ips[2], 0x403000);
}

Test(stacktab, different_frames_or_depth_differ)
{
    uintptr_t a[] = {1, 2, 3}, b[] = {1, 2, 4}, c[] = {3, 2, 1};
    uint32_t x = hp_stacktab_intern(a, 3), y = hp_stacktab_intern(b, 3),
             z = hp_stacktab_intern(c, 3), w = hp_stacktab_intern(a, 2);
    cr_expect(x != y && x != z && y != z && w != x);
    cr_expect_eq(hp_stacktab_count(), 4, "ids are dense");
    cr_expect_null(hp_stacktab_get(5));
    cr_expect_null(hp_stacktab_get(0));
}

Test(stacktab, grows_past_initial_size)
{
    enum { N = 20000 };
    for (uintptr_t i = 0; i < N; i++) {
        uintptr_t f[2] = {i, i * 7};
        cr_assert_eq(hp_stacktab_intern(f, 2), i + 1);
    }
    for (uintptr_t i = 0; i < N; i += 997) { /* still found after several resizes */
        uintptr_t f[2] = {i, i * 7};
        cr_assert_eq(hp_stacktab_intern(f, 2), i + 1);
    }
    cr_expect_eq(hp_stacktab_count(), N);
}
