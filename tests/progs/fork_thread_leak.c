/* fork_thread_leak.c - a fork child's leak check and the parent's other threads' stacks
 * (test_leak_roots.c). A worker thread holds a block only on its stack and blocks; main forks;
 * the child ends with _exit(0) (argv[1] "_exit") or exit(0) ("exit"). The child keeps a copy of
 * the worker's stack (fork copies the address space), so the block is reachable there and the
 * child's status must be 0 (native 0). memcheck and LeakSanitizer (at exit) report the block as
 * definitely lost: they do not scan a stack once its thread is gone. Prints
 * "child <pid> status <n>". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int ready, quit;

static __attribute__((noinline)) char *held_by_worker(void)
{
    char *p = malloc(4096);
    if (p) strcpy(p, "work");
    return p;
}

static void *worker(void *a)
{
    char *volatile buf = held_by_worker(); /* only this thread's stack points at it */
    pthread_mutex_lock(&m);
    ready = 1;
    pthread_cond_signal(&c);
    while (!quit)
        pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
    free(buf);
    return a;
}

int main(int argc, char **argv)
{
    int use_exit = argc > 1 && strcmp(argv[1], "exit") == 0;
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL)) return 2;
    pthread_mutex_lock(&m);
    while (!ready)
        pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
        if (use_exit) exit(0);
        _exit(0); /* e.g. a child whose exec failed */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("child %d status %d\n", (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    pthread_mutex_lock(&m);
    quit = 1;
    pthread_cond_signal(&c);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    return 0;
}
