/* dl.c - dlopen a library, allocate 77 (kept) and 55 (freed) bytes through it, dlclose it.
 * Usage: dl PATH-TO-libdlhelper.so. The report must still name dl_alloc (dlhelper.c:N). */
#include <dlfcn.h>
#include <stdlib.h>

static void *volatile keep;

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) return 3;
    void *(*f)(size_t) = (void *(*)(size_t))dlsym(h, "dl_alloc");
    if (!f) return 4;
    keep = f(77);
    free(f(55));
    return dlclose(h) == 0 ? 0 : 5;
}
