/* stack_roots.c - a block whose only pointer is on another running thread's stack when the
 * leak check runs is reachable (test_edges.c). Modes:
 *   worker: a worker keeps the pointer in its frame and blocks; main returns;
 *   main:   main keeps the pointer in its frame and joins; the worker calls exit(). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ready[2];

__attribute__((noinline)) static void *make_block(size_t n)
{
    void *p = malloc(n);
    memset(p, 3, n);
    return p;
}

static void *worker_holds(void *arg)
{
    (void)arg;
    void *volatile p = make_block(1111); /* only here, in this thread's frame */
    char c = 1;
    if (write(ready[1], &c, 1) != 1) return NULL;
    for (;;)
        pause();
    return (void *)p;
}

static void *worker_exits(void *arg)
{
    (void)arg;
    char c;
    if (read(ready[0], &c, 1) != 1) _exit(3);
    exit(0);
}

int main(int argc, char **argv)
{
    if (argc < 2 || pipe(ready)) return 2;
    pthread_t t;
    if (!strcmp(argv[1], "worker")) {
        pthread_create(&t, NULL, worker_holds, NULL);
        char c;
        if (read(ready[0], &c, 1) != 1) return 3;
        return 0;
    }
    if (!strcmp(argv[1], "main")) {
        void *volatile p = make_block(2222); /* only here, in main's frame */
        pthread_create(&t, NULL, worker_exits, NULL);
        char c = 1;
        if (write(ready[1], &c, 1) != 1) return 3;
        pthread_join(t, NULL);
        return p != NULL;
    }
    return 2;
}
