/* getattr_first.c - calls pthread_getattr_np on the main thread before its first malloc (glibc then
 * reads /proc/self/maps with stdio under a lock while allocating), then leaks one block. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void *leak_getattr(void)
{
    void *p = malloc(777);
    memset(p, 1, 777);
    return p;
}

static void *volatile sink;

int main(void)
{
    pthread_attr_t a;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &a) != 0) return 2;
    pthread_attr_getstack(&a, &addr, &size);
    pthread_attr_destroy(&a);
    sink = leak_getattr();
    sink = NULL;
    printf("stack %s\n", size ? "known" : "unknown");
    return 0;
}
