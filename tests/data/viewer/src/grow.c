/* grow.c - a buffer grown by realloc in 16-byte steps (site G), and a vector-like buffer
 * grown by doubling (site D). Numbers by hand in tests/data/viewer/README.md. No stdio. */
#include <stdlib.h>

__attribute__((noinline)) static char *grow_by_16(void)
{
    char *b = malloc(16);
    for (size_t n = 32; n <= 176; n += 16) /* 10 reallocs: 32, 48, ..., 176 */
        b = realloc(b, n);
    return b;
}

__attribute__((noinline)) static char *grow_double(void)
{
    char *b = malloc(64);
    for (size_t n = 128; n <= 1024; n *= 2) /* 4 reallocs: 128, 256, 512, 1024 */
        b = realloc(b, n);
    return b;
}

int main(void)
{
    char *volatile a = grow_by_16();
    char *volatile d = grow_double();
    a[0] = d[0] = 0;
    free(a);
    free(d);
    return 0;
}
