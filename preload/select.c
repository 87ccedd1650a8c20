/* select.c - HEAPPROF_ONLY: which processes of a process tree are recorded (`heapprof --only
 * 'mytest-*' -- cargo test`). Decided once per image, in the constructor (init.c); an exec'd
 * image decides again on its own name. Owns: the static buffers of the executable's names.
 * No malloc, no stdio: readlink and read only (it runs before the hooks are ready). */
#include "select.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

static struct {
    char exe[PATH_MAX];  /* /proc/self/exe, "" if unknown */
    char arg0[PATH_MAX]; /* argv[0], "" if unknown */
    char glob[PATH_MAX]; /* one glob of the list, NUL-terminated */
} sel;

/* Iterative glob with one backtrack point (the last '*'): linear for patterns with one '*',
 * O(len(p) * len(s)) worst case. */
bool hp_select_glob(const char *p, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            resume = s;
        } else if (*p && (*p == '?' || *p == *s)) {
            p++;
            s++;
        } else if (star) {
            p = star;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == 0;
}

static const char *base(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static void read_names(void)
{
    ssize_t n = readlink("/proc/self/exe", sel.exe, sizeof sel.exe - 1);
    sel.exe[n > 0 ? n : 0] = 0;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    n = fd >= 0 ? read(fd, sel.arg0, sizeof sel.arg0 - 1) : -1;
    if (fd >= 0) close(fd);
    sel.arg0[n > 0 ? n : 0] = 0; /* the first NUL ends argv[0] */
}

static bool one_matches(const char *g)
{
    bool path = strchr(g, '/') != NULL;
    if (sel.exe[0] && hp_select_glob(g, path ? sel.exe : base(sel.exe))) return true;
    return sel.arg0[0] && hp_select_glob(g, path ? sel.arg0 : base(sel.arg0));
}

bool hp_select_this_process(const char *globs)
{
    if (!globs[0]) return true;
    read_names();
    for (const char *g = globs; *g;) {
        size_t n = strcspn(g, ",");
        if (n > 0 && n < sizeof sel.glob) {
            memcpy(sel.glob, g, n);
            sel.glob[n] = 0;
            if (one_matches(sel.glob)) return true;
        }
        g += n;
        if (*g == ',') g++;
    }
    return false;
}
