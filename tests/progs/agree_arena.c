/* agree_arena.c - a program with its own arena and no leak, for tests/itest/test_leak_agree.c.
 * It mmaps an anonymous region and keeps malloc'd pointers only inside it: a table of strings,
 * and the head of a chain of malloc'd nodes that is reachable only through that head. Nothing
 * is freed and the region is not unmapped, so at exit every block is still reachable through
 * the program's own mapping (memcheck scans it; the gate must scan it too). Exits with status
 * 5, the native status the gate must keep when it finds no leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NOINLINE __attribute__((noinline))
#define N_STR    64
#define N_CHAIN  20

struct link {
    struct link *next;
    char payload[40];
};

struct region {
    char *str[N_STR];   /* the only copies of these pointers */
    struct link *chain; /* the only copy of the chain's head */
};

/* The base is a global (it is not a heap pointer: it keeps nothing alive by itself). */
static struct region *volatile region;

NOINLINE static char *arena_string(int i)
{
    char *s = malloc(24);
    snprintf(s, 24, "string %d", i);
    return s;
}

NOINLINE static struct link *arena_link(struct link *next)
{
    struct link *l = malloc(sizeof *l);
    memset(l->payload, 'c', sizeof l->payload);
    l->next = next;
    return l;
}

NOINLINE static void fill(void)
{
    for (int i = 0; i < N_STR; i++)
        region->str[i] = arena_string(i);
    for (int i = 0; i < N_CHAIN; i++)
        region->chain = arena_link(region->chain);
}

/* Overwrites the stack the callees used, so no stale copy of a pointer keeps a block alive. */
NOINLINE static void scrub_stack(void)
{
    volatile char pad[4096];
    memset((char *)pad, 0, sizeof pad);
}

int main(void)
{
    void *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 2;
    region = m;
    fill();
    scrub_stack();
    size_t n = 0;
    for (struct link *l = region->chain; l; l = l->next)
        n++;
    printf("%zu links, %s\n", n, region->str[N_STR - 1]);
    scrub_stack();
    return n == N_CHAIN ? 5 : 1;
}
