/* edge_sig.c - leaving from a signal handler while threads allocate. Usage: edge_sig MODE [us]
 *   _exit  : a SIGALRM handler calls _exit(5) (after about `us` microseconds, default 2000)
 *   execve : the handler calls execve(self, "done"), which exits 6
 *   fork   : the handler forks; the child _exits 7, the parent waits and _exits with it. The
 *            threads then only malloc and free 32 bytes: glibc serves those from its per-thread
 *            cache without its arena lock, which fork() takes (natively a fork from a handler
 *            that interrupted malloc's locked path hangs, with or without heapprof)
 *   done   : exit 6 at once
 * The main thread and one other thread malloc and free in a loop until the signal. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *volatile sink;
static const char *self;
static const char *mode;

static void churn(unsigned seed)
{
    if (strcmp(mode, "fork") == 0)
        for (;;) {
            void *p = malloc(32);
            sink = p;
            free(p);
        }
    void *keep[64] = {0};
    for (unsigned i = 0;; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned k = (seed >> 8) % 64;
        free(keep[k]);
        keep[k] = malloc(16 + (seed >> 16) % 2000);
        sink = keep[k];
    }
}

static void *thread_main(void *arg)
{
    churn((unsigned)(uintptr_t)arg);
    return NULL;
}

static void on_alarm(int sig)
{
    (void)sig;
    if (strcmp(mode, "_exit") == 0) _exit(5);
    if (strcmp(mode, "execve") == 0) {
        char *const argv[] = {(char *)self, (char *)"done", NULL};
        execve(self, argv, environ);
        _exit(99); /* exec failed */
    }
    pid_t p = fork();
    if (p == 0) _exit(7);
    int st = 0;
    if (p < 0 || waitpid(p, &st, 0) != p) _exit(98);
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 97);
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    self = argv[0];
    mode = argv[1];
    if (strcmp(mode, "done") == 0) return 6;
    long us = argc > 2 ? atol(argv[2]) : 2000;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, (void *)(uintptr_t)getpid())) return 3;
    struct itimerval it = {{0, 0}, {0, us}};
    setitimer(ITIMER_REAL, &it, NULL);
    churn((unsigned)getpid() * 7u);
    return 4;
}
