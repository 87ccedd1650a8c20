/* log.c - one-line messages on stderr with write(2): no malloc, no stdio, errno preserved.
 * Threads: a line is built in a stack buffer and written with one write(2) call. */
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    bool quiet;
} lg;

void hp_log_set_quiet(bool quiet)
{
    lg.quiet = quiet;
}

static size_t append(char *buf, size_t at, size_t cap, const char *s)
{
    if (!s) return at;
    size_t n = strlen(s);
    if (n > cap - at) n = cap - at;
    memcpy(buf + at, s, n);
    return at + n;
}

static void write_line(const char *a, const char *b, const char *c)
{
    char buf[512];
    size_t n = append(buf, 0, sizeof buf - 1, "heapprof: ");
    n = append(buf, n, sizeof buf - 1, a);
    n = append(buf, n, sizeof buf - 1, b);
    n = append(buf, n, sizeof buf - 1, c);
    buf[n++] = '\n';
    int saved = errno;
    ssize_t w = write(2, buf, n);
    (void)w; /* nothing sensible to do if stderr is gone */
    errno = saved;
}

void hp_log(const char *a, const char *b, const char *c)
{
    if (!lg.quiet) write_line(a, b, c);
}

void hp_log_once(atomic_int *flag, const char *a, const char *b, const char *c)
{
    if (atomic_exchange_explicit(flag, 1, memory_order_relaxed) == 0) hp_log(a, b, c);
}

_Noreturn void hp_panic(const char *file, int line, const char *what)
{
    char num[16];
    int i = (int)sizeof num - 1;
    num[i] = 0;
    unsigned v = (unsigned)line;
    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    write_line("internal error at ", file, ":");
    write_line(num, ": check failed: ", what);
    abort();
}
