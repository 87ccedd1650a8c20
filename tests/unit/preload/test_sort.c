/* test_sort.c - sort.c: records of any size up to 64 bytes, sorted by their key field. */
#include "sort.h"

#include <criterion/criterion.h>
#include <stddef.h>

typedef struct rec {
    uint32_t tag;
    uintptr_t key;
    char pad[13];
} rec;

Test(sort, random_records_by_key)
{
    enum { N = 5000 };
    static rec v[N];
    uint64_t r = 88172645463325252ull;
    uint64_t sum = 0;
    for (int i = 0; i < N; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        v[i] = (rec){.tag = (uint32_t)i, .key = (uintptr_t)(r % 1000)};
        sum += v[i].key;
    }
    hp_sort_by_key(v, N, sizeof(rec), offsetof(rec, key));
    uint64_t after = 0;
    for (int i = 0; i < N; i++) {
        after += v[i].key;
        if (i) cr_assert_leq(v[i - 1].key, v[i].key, "order at %d", i);
    }
    cr_expect_eq(after, sum, "a permutation: nothing lost or duplicated");
}

Test(sort, empty_and_single)
{
    rec one = {.key = 7};
    hp_sort_by_key(&one, 0, sizeof one, offsetof(rec, key));
    hp_sort_by_key(&one, 1, sizeof one, offsetof(rec, key));
    cr_expect_eq(one.key, 7);
}
