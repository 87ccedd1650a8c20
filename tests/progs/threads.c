/* threads.c - T threads, each N malloc+free pairs at 4 sites, freeing blocks that other
 * threads allocated (through a shared exchange array), so frees cross threads and addresses
 * are reused at once. Usage: threads [T=8] [N=200000]. Exact expectations:
 *   blocks = T*N + SLOTS-free-at-end bookkeeping: every block is freed, end = 0;
 *   bytes  = T * sum_{i<N} (16 + i % 64).   (checked in tests/itest/test_threads.c) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 64
static _Atomic(void *) slots[SLOTS];
static long n_iter = 200000;

__attribute__((noinline)) static void *a0(size_t n)
{
    return malloc(n);
}
__attribute__((noinline)) static void *a1(size_t n)
{
    return malloc(n);
}
__attribute__((noinline)) static void *a2(size_t n)
{
    return calloc(1, n);
}
__attribute__((noinline)) static void *a3(size_t n)
{
    return realloc(NULL, n);
}

static void *worker(void *arg)
{
    uint64_t r = (uintptr_t)arg * 2654435761u + 1;
    for (long i = 0; i < n_iter; i++) {
        size_t n = 16 + (size_t)(i % 64);
        void *p;
        switch (i & 3) {
        case 0:
            p = a0(n);
            break;
        case 1:
            p = a1(n);
            break;
        case 2:
            p = a2(n);
            break;
        default:
            p = a3(n);
            break;
        }
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        free(atomic_exchange(&slots[r % SLOTS], p));
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int t = argc > 1 ? atoi(argv[1]) : 8;
    if (argc > 2) n_iter = atol(argv[2]);
    if (t < 1 || t > 64 || n_iter < 1) return 2;
    pthread_t th[64];
    for (int i = 0; i < t; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < t; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < SLOTS; i++)
        free(atomic_exchange(&slots[i], NULL));
    return 0;
}
