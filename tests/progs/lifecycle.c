/* lifecycle.c - process life cycle under the profiler. Usage: lifecycle MODE
 *   return|exit|_exit|_Exit : leak 42 bytes, leave that way with status 7
 *   abort|segv|kill          : leak 42 bytes, die of SIGABRT / SIGSEGV / SIGKILL
 *   fork                     : parent 1000 (+300 after fork), child +200 and frees the 1000
 *   exec                     : 111 bytes, then exec self "exec-child" which leaks 222 bytes
 *   execfail                 : 111 bytes, a failed execve, then 333 more: one report
 *   forkstorm                : 4 threads allocate while main forks 50 children that allocate
 *   spawn                    : 5 bytes, then posix_spawn and vfork+exec of "exec-child"
 *   errno                    : errno/NULL semantics; exits 0 if all hold, else the check no. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;
static volatile size_t big = (size_t)1 << 40; /* opaque to the compiler's size checks */
static atomic_int stop;

__attribute__((noinline)) static void *leak42(void)
{
    return malloc(42);
}
__attribute__((noinline)) static void *mk(size_t n)
{
    return malloc(n);
}

static void *churner(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        void *p = mk(64);
        sink = p;
        free(p);
    }
    return NULL;
}

static int errno_checks(void)
{
    errno = 1234;
    void *p = malloc(10);
    free(p);
    if (errno != 1234) return 10; /* free and a successful malloc leave errno alone */
    errno = 0;
    if (malloc(big << 22) != NULL || errno != ENOMEM) return 11;
    errno = 0;
    if (calloc(big, big) != NULL || errno != ENOMEM) return 12;
    errno = 0;
    if (reallocarray(NULL, big, big) != NULL || errno != ENOMEM) return 13;
    void *q = NULL;
    errno = 77;
    if (posix_memalign(&q, 3, 16) != EINVAL || errno != 77)
        return 14; /* returns the error, errno untouched */
    p = malloc(16);
    memset(p, 5, 16);
    errno = 0;
    void *r = realloc(p, big << 22);
    if (r != NULL || errno != ENOMEM || ((unsigned char *)p)[15] != 5)
        return 15; /* a failed realloc keeps the block */
    free(p);
    p = memalign(256, 10);
    if (!p || (uintptr_t)p % 256) return 16;
    free(p);
    p = aligned_alloc(4096, 4096);
    if (!p || (uintptr_t)p % 4096) return 17;
    free(p);
    if (malloc_usable_size(NULL) != 0) return 18;
    p = malloc(100);
    if (malloc_usable_size(p) < 100) return 19;
    free(p);
    p = calloc(1000, 1000);
    for (size_t i = 0; i < 1000000; i++)
        if (((char *)p)[i]) return 20;
    free(p);
    return 0;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "return";
    if (!strcmp(m, "errno")) return errno_checks();
    if (!strcmp(m, "exec-child")) {
        sink = mk(222);
        return 0;
    }
    if (!strcmp(m, "exec") || !strcmp(m, "execfail")) {
        sink = mk(111);
        if (!strcmp(m, "exec")) {
            execl("/proc/self/exe", argv[0], "exec-child", (char *)NULL);
            return 99;
        }
        execl("/nonexistent/program", "x", (char *)NULL);
        sink = mk(333);
        return 0;
    }
    if (!strcmp(m, "fork")) {
        void *p = mk(1000);
        pid_t c = fork();
        if (c == 0) {
            sink = mk(200);
            free(p);
            exit(0);
        }
        sink = mk(300);
        int st;
        waitpid(c, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 50;
    }
    if (!strcmp(m, "spawn")) {
        extern char **environ;
        sink = mk(5);
        char *args[] = {argv[0], "exec-child", NULL};
        pid_t c;
        int st;
        if (posix_spawn(&c, "/proc/self/exe", NULL, NULL, args, environ) != 0) return 70;
        if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 71;
        c = vfork();
        if (c == 0) {
            execv("/proc/self/exe", args);
            _exit(127);
        }
        if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 72;
        return 0;
    }
    if (!strcmp(m, "forkstorm")) {
        pthread_t th[4];
        for (int i = 0; i < 4; i++)
            pthread_create(&th[i], NULL, churner, NULL);
        for (int i = 0; i < 50; i++) {
            pid_t c = fork();
            if (c == 0) {
                void *p = mk(10);
                free(p);
                _exit(0);
            }
            int st;
            if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 60;
        }
        atomic_store(&stop, 1);
        for (int i = 0; i < 4; i++)
            pthread_join(th[i], NULL);
        return 0;
    }
    sink = leak42();
    if (!strcmp(m, "exit")) exit(7);
    if (!strcmp(m, "_exit")) _exit(7);
    if (!strcmp(m, "_Exit")) _Exit(7);
    if (!strcmp(m, "abort")) abort();
    if (!strcmp(m, "segv")) raise(SIGSEGV);
    if (!strcmp(m, "kill")) raise(SIGKILL);
    return 7;
}
