/* bare_unwind.c - the speed floor the issue measures against: a preload that interposes malloc
 * and only calls libunwind's unw_backtrace on each call. Nothing is recorded. */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>
#include <stddef.h>

static void *(*real_malloc)(size_t);
static __thread int inside;
static char boot[1 << 16];
static size_t boot_used;

void *malloc(size_t n)
{
    if (!real_malloc) {
        if (inside) { /* dlsym allocating while we resolve: a static buffer */
            void *p = boot + boot_used;
            boot_used += (n + 15) & ~(size_t)15;
            return p;
        }
        inside = 1;
        real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
        inside = 0;
    }
    if (inside)
        return real_malloc(n);
    inside = 1;
    void *buf[64];
    unw_backtrace(buf, 64);
    inside = 0;
    return real_malloc(n);
}
