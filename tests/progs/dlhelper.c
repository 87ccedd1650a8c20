/* dlhelper.c - a library that the dlopen test loads, allocates through, and unloads. */
#include <stdlib.h>

__attribute__((noinline)) void *dl_alloc(size_t n)
{
    return malloc(n);
}
