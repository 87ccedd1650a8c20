/* eqpeak.c - equal peaks (the latest wins, as in DHAT), a site below the maximum (mb 0),
 * and a same-size realloc at the maximum. Compared with DHAT in test_exact.c. */
#include <stdlib.h>

__attribute__((noinline)) static void *e1(size_t n)
{
    return malloc(n);
}
__attribute__((noinline)) static void *e2(size_t n)
{
    return malloc(n);
}
__attribute__((noinline)) static void *e3(size_t n)
{
    return malloc(n);
}

int main(void)
{
    void *a = e1(100);
    free(a);
    void *b = e2(100);
    free(b);
    void *c = e3(60), *d = e3(40);
    free(c);
    free(d);
    void *e = e1(50), *f = e2(50);
    void *g = realloc(e, 50);
    free(g);
    free(f);
    return 0;
}
