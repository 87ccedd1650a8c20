/* libc_free.c - a free heapprof never sees (tests/itest/test_leak_hazards.c): a large block
 * (glibc serves it with its own mmap) is given back through glibc's __libc_free, which the
 * preload does not interpose, so heapprof's table still lists the block while its memory is
 * gone. Usage: libc_free MODE [dangling]
 *   unmapped  a 64 MiB block, so the hole stays larger than all that heapprof maps at exit
 *             (a 1 MiB hole is filled again by heapprof's own 1 MiB buffer for
 *             /proc/self/maps, which hides the hazard);
 *   reserved  a 1 MiB block whose pages the program then reserves PROT_NONE (as a GC or JIT
 *             reserves address space): the range is mapped but unreadable.
 * With "dangling" a global keeps the stale pointer, as programs do: the freed block then also
 * looks reachable. The program prints one line and exits 0; memcheck (which replaces
 * __libc_free as well) reports no leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Exported by libc.so.6 (GLIBC_2.2.5) and declared by no header. */
extern void __libc_free(void *p);

static void *volatile dangling;

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    size_t n = strcmp(mode, "unmapped") ? (size_t)1 << 20 : (size_t)64 << 20;
    char *p = malloc(n);
    if (!p) return 2;
    memset(p, 1, n);
    if (argc > 2 && !strcmp(argv[2], "dangling")) dangling = p;
    __libc_free(p);
    if (!strcmp(mode, "reserved")) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(page - 1);
        void *r = mmap((void *)lo, n + page, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (r != (void *)lo) return 3; /* the hole was not free (cannot happen natively) */
    }
    printf("freed behind heapprof's back\n");
    return 0;
}
