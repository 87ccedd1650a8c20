/* log.c - one-line messages on stderr with write(2): no malloc, no stdio, errno preserved.
 * A message can never raise SIGPIPE (stderr may be a pipe or socket nobody reads any more):
 * the program's own output and exit status stay its own.
 * Threads: a line is built in a stack buffer and written with one write(2) call. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* write(2) on fd 2 with SIGPIPE blocked in this thread; a SIGPIPE this write raised (it is
 * sent to the writing thread) is taken back with sigtimedwait before the mask is restored. One
 * already pending before is left alone. Works for pipes and sockets alike, whatever the
 * program's disposition of SIGPIPE. Only system calls: async-signal-safe. */
static void write_nosigpipe(const char *buf, size_t n)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    bool masked = pthread_sigmask(SIG_BLOCK, &pipe_set, &old) == 0;
    bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    ssize_t w = write(2, buf, n); /* nothing sensible to do if stderr is gone */
    if (masked && w < 0 && errno == EPIPE && !was_pending) {
        static const struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    if (masked) pthread_sigmask(SIG_SETMASK, &old, NULL);
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
    write_nosigpipe(buf, n);
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
