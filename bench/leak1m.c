/* leak1m.c - the leak check's cost: 1,000,000 blocks live at exit (usage: leak1m [N]); a tenth
 * of them unreachable (lost), the rest reachable from a global array. */
#include <stdio.h>
#include <stdlib.h>

static void **volatile keep;

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    keep = malloc((size_t)n * sizeof *keep);
    for (long i = 0; i < n; i++) {
        void *p = malloc(32 + (size_t)(i % 64));
        keep[i] = i % 10 ? p : NULL; /* every tenth block: lost */
    }
    printf("%ld\n", n);
    return 0;
}
