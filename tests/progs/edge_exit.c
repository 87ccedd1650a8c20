/* edge_exit.c - ends of an image off the usual paths. Usage: edge_exit MODE [ARGS]
 *   late           : writes "MARK" on stderr, a failed execve and execvp, then _exit(3)
 *   done           : exits 6 at once
 *   argc           : prints argc on stdout
 *   stack K KIND   : a thread with a K KiB stack (pthread_attr_setstacksize) leaks 42 bytes (in a
 *                    global), keeps 77 on its stack and leaves with KIND: exit (status 3),
 *                    _exit (3) or execl (self "done": 6)
 *   execl-many     : execl(self, self, "argc", 10000 more arguments): the child prints 10002
 *   quick_exit     : leaks 42 bytes, quick_exit(3)
 *   daemon         : leaks 42 bytes, daemon(1, 1); the parent's side ends in _exit(0) inside
 *                    glibc, the child leaks 42 more and exits 0
 *   rawfork|rawclone : mk(1000), then syscall(SYS_fork) / SYS_clone without CLONE_VM; the
 *                    child mk(200) and exits 0; the parent waits, mk(300), exits 0
 *   execfail N     : thread B mallocs/frees (counted_alloc) while main calls execve on a
 *                    missing path N times; prints how many blocks B allocated; exits 0 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *volatile sink;
static const char *self;
static atomic_int stop;

__attribute__((noinline)) static void *leak42(void)
{
    return malloc(42);
}
__attribute__((noinline)) static void *mk(size_t n)
{
    return malloc(n);
}
__attribute__((noinline)) static void *counted_alloc(size_t n)
{
    return malloc(n);
}

static const char *kind;

static void *small_stack_thread(void *arg)
{
    (void)arg;
    sink = leak42();
    void *volatile on_stack = mk(77); /* reachable only from this thread's stack */
    (void)on_stack;
    if (strcmp(kind, "exit") == 0) exit(3);
    if (strcmp(kind, "_exit") == 0) _exit(3);
    execl(self, self, "done", (char *)NULL);
    _exit(99);
}

#define R10(x)    x, x, x, x, x, x, x, x, x, x
#define R100(x)   R10(R10(x))
#define R1000(x)  R10(R100(x))
#define R10000(x) R10(R1000(x))

static void *counter_thread(void *arg)
{
    unsigned long *n = arg;
    while (!atomic_load(&stop)) {
        void *p = counted_alloc(64);
        sink = p;
        (*n)++;
        free(p);
    }
    return NULL;
}

static void *volatile kept[3]; /* every block stays reachable: no leak for the leak check */

static int rawfork(long how)
{
    kept[0] = mk(1000);
    pid_t p =
        (pid_t)(how == SYS_fork ? syscall(SYS_fork) : syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
    if (p < 0) return 2;
    if (p == 0) {
        kept[1] = mk(200);
        exit(0);
    }
    int st;
    if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 3;
    kept[2] = mk(300);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    self = argv[0];
    const char *mode = argv[1];
    if (strcmp(mode, "done") == 0) return 6;
    if (strcmp(mode, "argc") == 0) {
        printf("%d\n", argc);
        return 0;
    }
    if (strcmp(mode, "late") == 0) {
        char *const av[] = {(char *)"x", NULL};
        if (write(2, "MARK\n", 5) != 5) return 2;
        execve("/nonexistent/heapprof-test", av, environ);
        execvp("nonexistent-heapprof-test", av);
        _exit(3);
    }
    if (strcmp(mode, "stack") == 0 && argc == 4) {
        kind = argv[3];
        pthread_attr_t a;
        pthread_attr_init(&a);
        if (pthread_attr_setstacksize(&a, (size_t)atoi(argv[2]) << 10)) return 2;
        pthread_t t;
        if (pthread_create(&t, &a, small_stack_thread, NULL)) return 2;
        pthread_join(t, NULL);
        return 4; /* not reached: the thread ends the process */
    }
    if (strcmp(mode, "execl-many") == 0) {
        execl(self, self, "argc", R10000("a"), (char *)NULL);
        return 99;
    }
    if (strcmp(mode, "quick_exit") == 0) {
        sink = leak42();
        quick_exit(3);
    }
    if (strcmp(mode, "daemon") == 0) {
        sink = leak42();
        if (daemon(1, 1) != 0) return 2;
        kept[1] = leak42();
        return 0;
    }
    if (strcmp(mode, "rawfork") == 0) return rawfork(SYS_fork);
    if (strcmp(mode, "rawclone") == 0) return rawfork(SYS_clone);
    if (strcmp(mode, "execfail") == 0 && argc == 3) {
        unsigned long n = 0;
        pthread_t t;
        if (pthread_create(&t, NULL, counter_thread, &n)) return 2;
        char *const av[] = {(char *)"x", NULL};
        for (int i = 0; i < atoi(argv[2]); i++)
            execve("/nonexistent/heapprof-test", av, environ);
        atomic_store(&stop, 1);
        pthread_join(t, NULL);
        printf("%lu\n", n);
        return 0;
    }
    return 2;
}
