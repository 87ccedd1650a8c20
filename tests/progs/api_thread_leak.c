/* api_thread_leak.c - heapprof_leak_check() while another thread holds a block only on its
 * stack (test_leak_roots.c): run with HEAPPROF_LEAK_CHECK unset, the API must still scan that
 * stack. Prints "heapprof_leak_check() = <n>"; exits 0 only if n == 0. */
#include <heapprof.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_barrier_t b1, b2;

static __attribute__((noinline)) char *held_by_worker(void)
{
    char *p = malloc(4096);
    if (p) strcpy(p, "x");
    return p;
}

static void *worker(void *a)
{
    char *volatile p = held_by_worker(); /* only on this thread's stack */
    pthread_barrier_wait(&b1);
    pthread_barrier_wait(&b2);
    free(p);
    return a;
}

int main(void)
{
    pthread_t t;
    pthread_barrier_init(&b1, NULL, 2);
    pthread_barrier_init(&b2, NULL, 2);
    if (pthread_create(&t, NULL, worker, NULL)) return 2;
    pthread_barrier_wait(&b1);
    long n = heapprof_leak_check();
    printf("heapprof_leak_check() = %ld\n", n);
    pthread_barrier_wait(&b2);
    pthread_join(t, NULL);
    return n == 0 ? 0 : 1;
}
