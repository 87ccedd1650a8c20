/* api.c - include/heapprof.h from a program. Usage: api [expect-profiled 0|1] [dump-path].
 * Exits 0 if every call behaves as documented for the given mode, else the failing check's
 * number. Without the preload every call must be a no-op returning -1. */
#include <heapprof.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

__attribute__((noinline)) static void no_net_growth(void)
{
    char *p = malloc(1000);
    memset(p, 1, 1000);
    sink = p; /* escapes: the compiler may not remove the pair */
    free(p);
}

__attribute__((noinline)) static void *lost(size_t n)
{
    return memset(malloc(n), 2, n);
}

__attribute__((noinline)) static void scrub(void)
{
    volatile char pad[4096];
    memset((char *)pad, 0, sizeof pad);
}

int main(int argc, char **argv)
{
    int profiled = argc > 1 && argv[1][0] == '1';
    struct heapprof_stats a, b;
    if (!profiled) {
        if (heapprof_active() || heapprof_stats(&a) != -1 || heapprof_leak_check() != -1 ||
            heapprof_ignore(&a) != -1 || heapprof_dump("x.json") != -1)
            return 1;
        heapprof_disable(); /* no-ops */
        heapprof_enable();
        return 0;
    }
    if (!heapprof_active() || heapprof_stats(&a) != 0) return 2;
    no_net_growth();
    if (heapprof_stats(&b) != 0) return 3;
    if (b.live_bytes != a.live_bytes || b.total_bytes != a.total_bytes + 1000 ||
        b.total_blocks != a.total_blocks + 1)
        return 4; /* exact: one block of 1000 bytes came and went */
    if (b.peak_bytes < a.live_bytes + 1000) return 5;
    sink = lost(123);
    sink = NULL;
    scrub();
    if (heapprof_leak_check() != 1) return 6; /* the 123 bytes, found now, no exit */
    sink = lost(77);
    if (heapprof_ignore(sink) != 0) return 7;
    sink = NULL;
    scrub();
    if (heapprof_ignore(&a) != -1) return 8; /* not a block */
    heapprof_disable();
    sink = malloc(555); /* not recorded */
    heapprof_enable();
    if (heapprof_stats(&a) != 0 || a.total_bytes != b.total_bytes + 123 + 77) return 9;
    free(sink); /* a free of an unrecorded block changes nothing */
    if (argc > 2 && heapprof_dump(argv[2]) != 0) return 10;
    printf("ok\n");
    return 0; /* at exit: the 123-byte block is still lost -> leak status if checking */
}
