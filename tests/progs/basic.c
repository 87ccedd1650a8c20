/* basic.c - one call of every allocation function, each from its own function, with sizes
 * chosen so that totals, peak and end can be computed by hand (tests/itest/test_exact.c).
 * Prints nothing: stdio's own buffer would be one more block. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline))

NOINLINE static void *site_malloc(size_t n)
{
    return malloc(n);
}
NOINLINE static void *site_calloc(size_t a, size_t b)
{
    return calloc(a, b);
}
NOINLINE static void *site_realloc(void *p, size_t n)
{
    return realloc(p, n);
}
NOINLINE static void *site_posix_memalign(size_t al, size_t n)
{
    void *p = NULL;
    return posix_memalign(&p, al, n) == 0 ? p : NULL;
}
NOINLINE static void *site_aligned_alloc(size_t al, size_t n)
{
    return aligned_alloc(al, n);
}
NOINLINE static void *site_memalign(size_t al, size_t n)
{
    return memalign(al, n);
}
NOINLINE static void *site_valloc(size_t n)
{
    return valloc(n);
}
NOINLINE static void *site_malloc0(void)
{
    return malloc(0);
}
NOINLINE static void *site_reallocarray(void)
{
    return reallocarray(NULL, 4, 25);
}

static void *volatile keep[2];

int main(void)
{
    void *a = site_malloc(100);
    void *b = site_calloc(10, 20);
    void *c = site_realloc(NULL, 300);
    c = site_realloc(c, 500); /* grows: same site, one more block, +200 live */
    c = site_realloc(c, 50);  /* shrinks: the heap shrinks after a maximum of 800 */
    void *d = site_posix_memalign(64, 64);
    void *e = site_aligned_alloc(128, 256);
    void *f = site_memalign(32, 32);
    void *g = site_valloc(10);
    void *h = site_malloc0();      /* counted as 1 byte, as DHAT does */
    void *i = site_reallocarray(); /* 100: new maximum 813 */
    free(a);
    free(b);
    free(d);
    free(e);
    free(f);
    free(g);
    c = realloc(c, 0); /* glibc frees the block */
    keep[0] = h;
    keep[1] = i;
    return c != NULL;
}
