/* timeline.c - heaps over time known by hand, for tests/itest/test_timeline.c.
 *   shape: 10 x 1 MiB one by one, freed one by one, then 3 x 2 MiB, freed; 1 ms between two
 *          steps, so each step is an interval of its own: the live bytes after each step are
 *          1..10 MiB, 9..0 MiB, 2, 4, 6 MiB, 4, 2, 0 MiB; peak 10 MiB.
 *   many:  3000 phases, phase i allocates (i % 7 + 1) x 4 KiB and frees it; phase 1234 also
 *          holds 1 MiB during its phase: peak 1 MiB + 3 x 4 KiB (1234 % 7 + 1 = 3), and more
 *          than 2,000 phases force the timeline to coarsen.
 *   hist:  100 x 24 B freed at once (small_ones), 10 x 5000 B freed after 24 ms (big_ones):
 *          sizes in buckets 4 and 12, the 10 lifetimes in [16384, 32768) µs: bucket 14.
 * No stdio: nothing else allocates. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

NOINLINE static void *mib1(void)
{
    return malloc(1 << 20);
}

NOINLINE static void *mib2(void)
{
    return malloc(2 << 20);
}

NOINLINE static void *page(size_t n)
{
    return malloc(n * 4096);
}

NOINLINE static void small_ones(void)
{
    for (int i = 0; i < 100; i++) {
        void *volatile p = malloc(24);
        free(p);
    }
}

NOINLINE static void big_ones(void)
{
    void *p[10];
    for (int i = 0; i < 10; i++)
        p[i] = malloc(5000);
    pause_ms(24);
    for (int i = 0; i < 10; i++)
        free(p[i]);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "shape")) {
        void *a[10], *b[3];
        for (int i = 0; i < 10; i++, pause_ms(1))
            a[i] = mib1();
        for (int i = 0; i < 10; i++, pause_ms(1))
            free(a[i]);
        for (int i = 0; i < 3; i++, pause_ms(1))
            b[i] = mib2();
        for (int i = 0; i < 3; i++, pause_ms(1))
            free(b[i]);
    } else if (!strcmp(mode, "many")) {
        for (int i = 0; i < 3000; i++) {
            void *big = i == 1234 ? mib1() : NULL;
            void *p = page((size_t)(i % 7 + 1));
            free(p);
            free(big);
        }
    } else if (!strcmp(mode, "hist")) {
        small_ones();
        big_ones();
    } else {
        return 2;
    }
    return 0;
}
