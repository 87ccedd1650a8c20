/* mix.c - realloc growth, calloc, aligned_alloc and posix_memalign in a churn.
 * Usage: mix [N=2000000]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE 2048
static void *slots[LIVE];

__attribute__((noinline)) static void *grow(void *p, size_t n) { return realloc(p, n); }
__attribute__((noinline)) static void *zeroed(size_t n) { return calloc(1, n); }
__attribute__((noinline)) static void *aligned(size_t n) { return aligned_alloc(64, (n + 63) & ~(size_t)63); }
__attribute__((noinline)) static void *pm(size_t n)
{
    void *p;
    return posix_memalign(&p, 32, n) == 0 ? p : NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    uint64_t r = 88172645463325252ull, sum = 0;
    for (long k = 0; k < n; k++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        size_t i = r % LIVE, sz = 16 + (r >> 24) % 1000;
        switch (k & 3) {
        case 0: /* grow a live block or start one */
            slots[i] = grow(slots[i], sz + (slots[i] ? 64 : 0));
            break;
        case 1:
            free(slots[i]);
            slots[i] = zeroed(sz);
            break;
        case 2:
            free(slots[i]);
            slots[i] = aligned(sz);
            break;
        default:
            free(slots[i]);
            slots[i] = pm(sz);
        }
        sum += (uintptr_t)slots[i] & 0xff;
    }
    for (int i = 0; i < LIVE; i++)
        free(slots[i]);
    printf("%lu\n", (unsigned long)(sum & 1));
    return 0;
}
