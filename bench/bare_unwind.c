/* bare_unwind.c - the speed floor the issue measures against: a preload that interposes the
 * allocation functions and only calls libunwind's unw_backtrace on each call. Nothing is
 * recorded. (C++ operator new reaches it through libstdc++'s call to malloc.) */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>

static void *(*r_malloc)(size_t);
static void *(*r_calloc)(size_t, size_t);
static void *(*r_realloc)(void *, size_t);
static void *(*r_memalign)(size_t, size_t);
static void *(*r_aligned_alloc)(size_t, size_t);
static int (*r_posix_memalign)(void **, size_t, size_t);
static __thread int inside;
static _Alignas(16) char boot[1 << 16];
static size_t boot_used;

static void *boot_alloc(size_t n)
{
    void *p = boot + boot_used;
    boot_used += (n + 15) & ~(size_t)15;
    return p;
}

static void resolve(void)
{
    inside = 1;
    r_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    r_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    r_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    r_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
    r_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    r_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    inside = 0;
}

static void unwind(void)
{
    void *buf[64];
    inside = 1;
    unw_backtrace(buf, 64);
    inside = 0;
}

void *malloc(size_t n)
{
    if (!r_malloc) {
        if (inside)
            return boot_alloc(n);
        resolve();
    }
    if (!inside)
        unwind();
    return r_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (!r_calloc) {
        if (inside)
            return boot_alloc(a * b); /* static: zero */
        resolve();
    }
    if (!inside)
        unwind();
    return r_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (!r_realloc)
        resolve();
    if (!inside)
        unwind();
    return r_realloc(p, n);
}

void *memalign(size_t a, size_t n)
{
    if (!r_memalign)
        resolve();
    if (!inside)
        unwind();
    return r_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    if (!r_aligned_alloc)
        resolve();
    if (!inside)
        unwind();
    return r_aligned_alloc(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
    if (!r_posix_memalign)
        resolve();
    if (!inside)
        unwind();
    return r_posix_memalign(out, a, n);
}
