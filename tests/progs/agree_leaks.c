/* agree_leaks.c - known definite leaks beside reachable memory, for
 * tests/itest/test_leak_agree.c. Each block is made by a function named after what happens to
 * it, so the gate's and memcheck's reports can be matched by function:
 *   lost_dropped: 100 bytes, the pointer dropped                  -> definitely lost
 *   lost_owner:   a struct whose only pointer is dropped          -> definitely lost
 *   owned_buf:    256 bytes held only by that struct              -> indirectly lost
 *   lost_in_thread: 48 bytes dropped by a joined thread           -> definitely lost
 *   kept_global, kept_list: reachable from a global (a list of 10) -> still reachable */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

struct owner {
    char *buf;
    size_t len;
};
struct item {
    struct item *next;
    int v;
};

static void *volatile kept;
static struct item *volatile kept_head;

NOINLINE static void *lost_dropped(void)
{
    return memset(malloc(100), 1, 100);
}
NOINLINE static char *owned_buf(void)
{
    return memset(malloc(256), 2, 256);
}
NOINLINE static struct owner *lost_owner(void)
{
    struct owner *o = malloc(sizeof *o);
    o->len = 256;
    o->buf = owned_buf();
    return o;
}
NOINLINE static void *lost_in_thread(void)
{
    return memset(malloc(48), 3, 48);
}
NOINLINE static void *kept_global(void)
{
    return memset(malloc(70), 4, 70);
}
NOINLINE static struct item *kept_list(struct item *next, int v)
{
    struct item *i = malloc(sizeof *i);
    i->next = next;
    i->v = v;
    return i;
}

/* Overwrites the stack the callees used, so no stale copy of a pointer keeps a block alive. */
NOINLINE static void scrub_stack(void)
{
    volatile char pad[4096];
    memset((char *)pad, 0, sizeof pad);
}

NOINLINE static void drop(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static void *thread_body(void *arg)
{
    (void)arg;
    drop(lost_in_thread());
    scrub_stack();
    return NULL;
}

int main(void)
{
    kept = kept_global();
    for (int i = 0; i < 10; i++)
        kept_head = kept_list(kept_head, i);
    drop(lost_dropped());
    drop(lost_owner());
    pthread_t t;
    if (pthread_create(&t, NULL, thread_body, NULL)) return 2;
    pthread_join(t, NULL);
    int n = 0;
    for (struct item *i = kept_head; i; i = i->next)
        n++;
    printf("kept %d\n", n);
    scrub_stack();
    return 0;
}
