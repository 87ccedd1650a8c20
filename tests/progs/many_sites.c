/* many_sites.c - 4096 allocation sites (distinct stacks: 12 levels of two functions), so the
 * report is several hundred KiB, written in many write(2) calls; test_edges.c kills it in the
 * middle of writing its report. It writes nothing itself. */
#include <stdlib.h>

#define LEVELS 12

static void *volatile keep[1 << LEVELS];

static void walk(unsigned v, int level, unsigned id);

__attribute__((noinline)) static void left(unsigned v, int level, unsigned id)
{
    walk(v, level, id);
    __asm__ volatile("" ::: "memory"); /* no tail call: this frame stays on the stack */
}

__attribute__((noinline)) static void right(unsigned v, int level, unsigned id)
{
    walk(v, level, id);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void walk(unsigned v, int level, unsigned id)
{
    if (level == 0) {
        keep[id] = malloc(16);
        return;
    }
    if (v & 1)
        right(v >> 1, level - 1, id);
    else
        left(v >> 1, level - 1, id);
    __asm__ volatile("" ::: "memory");
}

int main(void)
{
    for (unsigned id = 0; id < (1u << LEVELS); id++)
        walk(id, LEVELS, id);
    return 0;
}
