/* peak.c - the global peak (t-gmax) and per-site values at it, computed by hand:
 *   A=s1(1000) B=s2(2000) free A          -> first maximum 3000, snapshotted at the free
 *   C=s3(2500) D=s1(100)                  -> 4600, a new maximum
 *   free B                                -> snapshot: s1 100, s2 2000, s3 2500
 *   E=s2(10), free C, D, E                -> end 0
 * Expected: total 5610 bytes in 5 blocks; t-gmax 4600 bytes in 3 blocks. */
#include <stdlib.h>

#define NOINLINE __attribute__((noinline))

NOINLINE static void *s1(size_t n)
{
    return malloc(n);
}
NOINLINE static void *s2(size_t n)
{
    return malloc(n);
}
NOINLINE static void *s3(size_t n)
{
    return malloc(n);
}

int main(void)
{
    void *a = s1(1000), *b = s2(2000);
    free(a);
    void *c = s3(2500), *d = s1(100);
    free(b);
    void *e = s2(10);
    free(c);
    free(d);
    free(e);
    return 0;
}
