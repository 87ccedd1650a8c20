/* sort.c - heapsort for the report's and the leak check's tables (sort.h). Records are swapped
 * through a small stack buffer, so size must not exceed SORT_MAX_RECORD. */
#include "sort.h"

#include <string.h>

#define SORT_MAX_RECORD 64

static uintptr_t key(const char *base, size_t size, size_t off, size_t i)
{
    uintptr_t k;
    memcpy(&k, base + i * size + off, sizeof k);
    return k;
}

static void swap(char *base, size_t size, size_t i, size_t j)
{
    char t[SORT_MAX_RECORD];
    memcpy(t, base + i * size, size);
    memcpy(base + i * size, base + j * size, size);
    memcpy(base + j * size, t, size);
}

static void sift(char *base, size_t n, size_t size, size_t off, size_t i)
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

void hp_sort_by_key(void *base, size_t n, size_t size, size_t key_off)
{
    hp_check(size <= SORT_MAX_RECORD);
    char *b = base;
    for (size_t i = n / 2; i-- > 0;)
        sift(b, n, size, key_off, i);
    for (size_t k = n; k > 1; k--) {
        swap(b, size, 0, k - 1);
        sift(b, k - 1, size, key_off, 0);
    }
}
