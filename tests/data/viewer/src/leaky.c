/* leaky.c - known heap behaviour for heapview's tests: every number is computed by hand in
 * tests/data/viewer/README.md. Usage: leaky [NLEAK [NCHURN]] (defaults 3 and 1000).
 * No stdio: its buffers would add sites. */
#include <stdlib.h>

static void *volatile keep[64];

/* Site L: NLEAK blocks of 100 bytes, never freed. */
__attribute__((noinline)) static void *leak_one(size_t n)
{
    return malloc(n);
}

/* Site C: NCHURN blocks of 16 bytes, each freed at once (short-lived, hot). */
__attribute__((noinline)) static void churn(int n)
{
    for (int i = 0; i < n; i++) {
        char *volatile p = malloc(16);
        p[0] = 1;
        free(p);
    }
}

/* Site P: one block of 10000 bytes, live at the global peak, freed before exit. */
__attribute__((noinline)) static char *make_peak(void)
{
    return malloc(10000);
}

int main(int argc, char **argv)
{
    int nleak = argc > 1 ? atoi(argv[1]) : 3;
    int nchurn = argc > 2 ? atoi(argv[2]) : 1000;
    for (int i = 0; i < nleak && i < 64; i++)
        keep[i] = leak_one(100);
    churn(nchurn);
    char *volatile p = make_peak();
    p[0] = 0;
    free(p);
    return 0;
}
