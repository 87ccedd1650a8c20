/* dlstress.c - concurrent dlclose: THREADS threads each loop ITERS times over dlopen(PATH) ->
 * dl_alloc(24) (a malloc inside the object) -> free -> dlclose. PATH is libdlhelper.so.
 * Usage: dlstress PATH THREADS ITERS. Exit 0 when every call succeeded (as natively). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static const char *path;
static long iters;

static void *worker(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters; i++) {
        void *h = dlopen(path, RTLD_NOW);
        if (!h) return (void *)1;
        void *(*f)(size_t) = (void *(*)(size_t))dlsym(h, "dl_alloc");
        if (!f) return (void *)2;
        void *p = f(24);
        if (!p) return (void *)3;
        free(p);
        if (dlclose(h) != 0) return (void *)4;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) return 2;
    path = argv[1];
    int n = atoi(argv[2]);
    iters = atol(argv[3]);
    pthread_t t[64];
    if (n < 1 || n > 64) return 2;
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, NULL)) return 3;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        void *r;
        pthread_join(t[i], &r);
        if (r) {
            fprintf(stderr, "dlstress: thread %d failed (%ld)\n", i, (long)r);
            bad = 1;
        }
    }
    return bad;
}
