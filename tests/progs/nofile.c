/* nofile.c - a program that leaves no descriptor free for the leak check at exit
 * (tests/itest/test_leak_hazards.c). Usage: nofile MODE, MODE one of
 *   hard   setrlimit(RLIMIT_NOFILE, {3, 3}): stdin, stdout and stderr are all it may hold;
 *   soft   the same with the soft limit 3 and the hard one unchanged;
 *   emfile opens /dev/null until open fails with EMFILE;
 *   leak   as emfile, and drops one 777-byte block (a real leak);
 *   plain  none of this (for runs where /proc is what is missing).
 * Every mode first keeps a 4096-byte block in a global (reachable, no leak) and prints one
 * line on stdout, which stays in stdio's buffer when stdout is a pipe: exit must flush it.
 * Natively it exits 0 (emfile: 3 if open never fails, 4 if it fails otherwise); memcheck
 * reports no leak except, in mode leak, the 777 bytes in made_lost. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void *volatile kept;

static __attribute__((noinline)) void *made_kept(size_t n)
{
    return memset(malloc(n), 1, n);
}

static __attribute__((noinline)) void *made_lost(size_t n)
{
    return memset(malloc(n), 2, n);
}

static int fill_descriptors(void)
{
    for (int i = 0; i < 1 << 20; i++)
        if (open("/dev/null", O_RDONLY) < 0) return errno == EMFILE ? 0 : 4;
    return 3;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    kept = made_kept(4096);
    printf("nofile %s: still buffered\n", mode);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl)) return 2;
    if (!strcmp(mode, "hard")) {
        rl.rlim_cur = rl.rlim_max = 3;
        return setrlimit(RLIMIT_NOFILE, &rl) ? 2 : 0;
    }
    if (!strcmp(mode, "soft")) {
        rl.rlim_cur = 3;
        return setrlimit(RLIMIT_NOFILE, &rl) ? 2 : 0;
    }
    if (!strcmp(mode, "plain")) return 0;
    if (!strcmp(mode, "leak")) (void)made_lost(777); /* the pointer is dropped */
    if (!strcmp(mode, "emfile") || !strcmp(mode, "leak")) return fill_descriptors();
    return 2;
}
