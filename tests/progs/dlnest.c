/* dlnest.c - libdlnest.so: its constructor dlopens libdlhelper.so (path in DLNEST_HELPER) and
 * allocates through it; its destructor dlcloses it. That inner dlclose runs inside the outer
 * one, with glibc's loader lock held: heapprof's dlclose work must neither wait for a lock held
 * across the real dlclose (self-deadlock) nor for a thread that waits for the loader lock. */
#include <dlfcn.h>
#include <stdlib.h>

static void *helper;

__attribute__((constructor)) static void nest_init(void)
{
    const char *path = getenv("DLNEST_HELPER");
    helper = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
    void *(*f)(size_t) = helper ? (void *(*)(size_t))dlsym(helper, "dl_alloc") : NULL;
    if (f) free(f(32));
}

__attribute__((destructor)) static void nest_fini(void)
{
    if (helper) dlclose(helper);
}

__attribute__((noinline)) int dlnest_loaded(void)
{
    return helper != NULL;
}
