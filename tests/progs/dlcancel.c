/* dlcancel.c - dlclose is not a cancellation point: a thread with a pending deferred cancel
 * calls dlclose, sets a flag, then reaches pthread_testcancel. It must be cancelled there
 * (flag set), never inside dlclose. Before the dlclose it allocates through the object, so the
 * profiler has frames of it to name. Usage: dlcancel PATH-TO-libdlhelper.so.
 * Prints "cancelled after dlclose: 1" and exits 0 when right; exits 1 otherwise. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static const char *path;
static volatile int after_dlclose = -1; /* -1: cleanup never ran */
static volatile int dlclose_ret = -1;
static volatile int reached_dlclose;

static void cleanup(void *arg)
{
    (void)arg;
    if (after_dlclose < 0) after_dlclose = 0;
}

static void *worker(void *arg)
{
    (void)arg;
    void *h = dlopen(path, RTLD_NOW);
    if (!h) return (void *)1;
    void *(*f)(size_t) = (void *(*)(size_t))dlsym(h, "dl_alloc");
    if (!f) return (void *)2;
    free(f(40));
    pthread_cleanup_push(cleanup, NULL);
    pthread_cancel(pthread_self()); /* deferred: pending until a cancellation point */
    reached_dlclose = 1;
    dlclose_ret = dlclose(h);
    after_dlclose = 1;
    pthread_testcancel(); /* the cancellation must happen here */
    after_dlclose = 2;    /* never reached */
    pthread_cleanup_pop(0);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    path = argv[1];
    pthread_t t;
    void *r = NULL;
    if (pthread_create(&t, NULL, worker, NULL) || pthread_join(t, &r)) return 3;
    printf("cancelled: %d, cancelled after dlclose: %d, dlclose returned: %d\n",
           r == PTHREAD_CANCELED, after_dlclose == 1, dlclose_ret);
    return r == PTHREAD_CANCELED && reached_dlclose && after_dlclose == 1 && dlclose_ret == 0 ? 0
                                                                                              : 1;
}
