/* sort.h - in-place heapsort of fixed-size records by a uintptr_t key at a given offset. No
 * allocation, no recursion (qsort may allocate: the preload does not use it). */
#ifndef HP_SORT_H
#define HP_SORT_H

#include "hp.h"

/* Sorts n records of size bytes at base by the uintptr_t stored key_off bytes into each. */
void hp_sort_by_key(void *base, size_t n, size_t size, size_t key_off);

#endif
