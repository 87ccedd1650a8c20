/* sort.c - heapsort for the report's and the leak check's tables (sort.h). Records are swapped
 * through a small stack buffer, so size must not exceed SORT_MAX_RECORD. */
#include "sort.h"

#include <string.h>

#define SORT_MAX_RECORD 64

/* The helpers are always inlined into sort_sized, so that each record size below gets its own
 * copy whose memcpy calls are moves of a known size: the report's symbol tables (24-byte
 * records, 10^4-10^5 of them for a large binary) sorted about twice as fast as through a
 * variable-size memcpy call per move. */
static inline __attribute__((always_inline)) uintptr_t key(const char *base, size_t size,
                                                           size_t off, size_t i)
{
    uintptr_t k;
    memcpy(&k, base + i * size + off, sizeof k);
    return k;
}

static inline __attribute__((always_inline)) void swap(char *base, size_t size, size_t i, size_t j)
{
    char t[SORT_MAX_RECORD];
    memcpy(t, base + i * size, size);
    memcpy(base + i * size, base + j * size, size);
    memcpy(base + j * size, t, size);
}

static inline __attribute__((always_inline)) void sift(char *base, size_t n, size_t size,
                                                       size_t off, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && key(base, size, off, l) > key(base, size, off, m)) m = l;
        if (l + 1 < n && key(base, size, off, l + 1) > key(base, size, off, m)) m = l + 1;
        if (m == i) return;
        swap(base, size, i, m);
        i = m;
    }
}

static inline __attribute__((always_inline)) void sort_sized(char *b, size_t n, size_t size,
                                                             size_t off)
{
    for (size_t i = n / 2; i-- > 0;)
        sift(b, n, size, off, i);
    for (size_t k = n; k > 1; k--) {
        swap(b, size, 0, k - 1);
        sift(b, k - 1, size, off, 0);
    }
}

static HP_NOINLINE void sort_8(char *b, size_t n, size_t off)
{
    sort_sized(b, n, 8, off);
}

static HP_NOINLINE void sort_16(char *b, size_t n, size_t off)
{
    sort_sized(b, n, 16, off);
}

static HP_NOINLINE void sort_24(char *b, size_t n, size_t off)
{
    sort_sized(b, n, 24, off);
}

static HP_NOINLINE void sort_any(char *b, size_t n, size_t size, size_t off)
{
    sort_sized(b, n, size, off);
}

void hp_sort_by_key(void *base, size_t n, size_t size, size_t key_off)
{
    hp_check(size <= SORT_MAX_RECORD);
    switch (size) {
    case 8:
        sort_8(base, n, key_off);
        break;
    case 16:
        sort_16(base, n, key_off);
        break;
    case 24:
        sort_24(base, n, key_off);
        break;
    default:
        sort_any(base, n, size, key_off);
    }
}
