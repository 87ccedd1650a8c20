/* dlnestmain.c - dlclose inside dlclose, from several threads: THREADS threads loop ITERS
 * times; even ones dlopen and dlclose libdlnest.so (whose destructor dlcloses libdlhelper.so
 * under the loader lock), odd ones dlopen libdlhelper.so, allocate through it, free, dlclose.
 * Usage: dlnestmain PATH-TO-libdlnest.so PATH-TO-libdlhelper.so THREADS ITERS. Exit 0 if all
 * calls succeeded. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static const char *nest, *helper;
static long iters;

static void *worker(void *arg)
{
    long me = (long)arg;
    for (long i = 0; i < iters; i++) {
        void *h = dlopen(me % 2 ? helper : nest, RTLD_NOW | RTLD_LOCAL);
        if (!h) return (void *)1;
        if (me % 2) {
            void *(*f)(size_t) = (void *(*)(size_t))dlsym(h, "dl_alloc");
            if (!f) return (void *)2;
            free(f(16));
        } else {
            int (*loaded)(void) = (int (*)(void))dlsym(h, "dlnest_loaded");
            if (!loaded || !loaded()) return (void *)3;
        }
        if (dlclose(h) != 0) return (void *)4;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 5) return 2;
    nest = argv[1];
    helper = argv[2];
    setenv("DLNEST_HELPER", helper, 1);
    int n = atoi(argv[3]);
    iters = atol(argv[4]);
    pthread_t t[64];
    if (n < 1 || n > 64) return 2;
    for (long i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i)) return 3;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        void *r;
        pthread_join(t[i], &r);
        if (r) {
            fprintf(stderr, "dlnestmain: thread %d failed (%ld)\n", i, (long)r);
            bad = 1;
        }
    }
    return bad;
}
