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

/* The sizes sort.c specialises (8, 16, 24 bytes) and one it does not (40), keys at every
 * offset they use: each record's other words carry a check of its key, so a record torn by a
 * move would show, and the output must be the sorted input, nothing lost. */
static void sorted_by_key(size_t words, size_t keyw)
{
    enum { N = 3001 };
    static uintptr_t v[N * 5];
    uint64_t r = 0x9E3779B97F4A7C15ull, sum = 0;
    for (size_t i = 0; i < N; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        uintptr_t k = (uintptr_t)(r % 100000);
        for (size_t w = 0; w < words; w++)
            v[i * words + w] = w == keyw ? k : k * 31 + w;
        sum += k;
    }
    hp_sort_by_key(v, N, words * sizeof(uintptr_t), keyw * sizeof(uintptr_t));
    uint64_t after = 0;
    for (size_t i = 0; i < N; i++) {
        uintptr_t k = v[i * words + keyw];
        after += k;
        if (i) cr_assert_leq(v[(i - 1) * words + keyw], k, "size %zu: order at %zu", words * 8, i);
        for (size_t w = 0; w < words; w++)
            if (w != keyw)
                cr_assert_eq(v[i * words + w], k * 31 + w, "size %zu: record %zu torn", words * 8,
                             i);
    }
    cr_expect_eq(after, sum, "size %zu: a permutation", words * 8);
}

Test(sort, specialised_sizes)
{
    sorted_by_key(1, 0);
    sorted_by_key(2, 0);
    sorted_by_key(2, 1);
    sorted_by_key(3, 0);
    sorted_by_key(3, 2);
    sorted_by_key(5, 3);
}
