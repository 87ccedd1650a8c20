/* ends.c - ends of an image racing with other threads (tests/itest/test_ends.c).
 * Usage: ends MODE
 *   exec_race    main execl's /bin/echo while another thread execv's a missing path 200 times
 *                (two finishes at once: the failing thread must not give back main's)
 *   exec_own     main allocates 1000 blocks in main_work, frees them all, execs /bin/true while
 *                another thread churns: the exec report has all 1000, none live
 *   orphan_fork  threads whose TSD destructor allocates (after heapprof's: the orphan path)
 *                while main forks; prints "done"
 *   vfork_execl  2000 vfork + execl("/bin/true"); prints the growth of VmSize in KiB
 *   daemon       leaks 100 bytes, then daemon(1,1): the parent's status is 0 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int go, stop;
static void *volatile sink;

static void *failing_execs(void *a)
{
    while (!go)
        ;
    for (int i = 0; i < 200; i++) { /* e.g. a PATH search: several failing execs */
        char *argv[] = {"x", NULL};
        execv("/nonexistent/x", argv);
    }
    return a;
}

static int exec_race(void)
{
    for (int i = 0; i < 1000; i++) {
        sink = malloc(16 + (size_t)i);
        free(sink);
    }
    pthread_t t;
    pthread_create(&t, 0, failing_execs, 0);
    usleep(1000);
    go = 1;
    usleep(200);
    execl("/bin/echo", "echo", "exec ok", (char *)0);
    perror("execl");
    return 1;
}

static void *churn(void *a)
{
    while (!stop) {
        void *volatile p = malloc(32);
        free(p);
    }
    return a;
}

__attribute__((noinline)) static void main_work(void **v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = malloc(48);
}

static int exec_own(void)
{
    static void *v[1000];
    sink = malloc(1); /* main attaches first */
    free(sink);
    pthread_t t;
    pthread_create(&t, 0, churn, 0);
    usleep(20000);
    main_work(v, 1000);
    for (int i = 0; i < 1000; i++)
        free(v[i]); /* all freed before the exec */
    execl("/bin/true", "true", (char *)0);
    return 1;
}

static pthread_key_t key;
static void dtor(void *p)
{
    free(p);
    for (int i = 0; i < 20000; i++) { /* after heapprof's key destructor: the orphan path */
        void *volatile q = malloc(64);
        free(q);
    }
}
static void *keyed(void *a)
{
    pthread_setspecific(key, malloc(16));
    void *volatile q = malloc(32);
    free(q);
    return a;
}

static int orphan_fork(void)
{
    sink = malloc(1); /* heapprof's key is created first */
    free(sink);
    pthread_key_create(&key, dtor);
    for (int round = 0; round < 100; round++) {
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
            pthread_create(&t[i], 0, keyed, 0);
        for (int k = 0; k < 5; k++) {
            pid_t c = fork();
            if (c == 0) syscall(SYS_exit_group, 0);
            waitpid(c, 0, 0);
        }
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], 0);
    }
    puts("done");
    return 0;
}

static long vm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char b[256];
    long kb = 0;
    while (f && fgets(b, sizeof b, f))
        if (!strncmp(b, "VmSize:", 7)) kb = atol(b + 7);
    if (f) fclose(f);
    return kb;
}

static int vfork_execl(void)
{
    long before = vm_kb();
    for (int i = 0; i < 2000; i++) {
        pid_t c = vfork();
        if (c == 0) {
            execl("/bin/true", "true", (char *)0);
            _exit(127);
        }
        waitpid(c, 0, 0);
    }
    printf("grew %s\n", vm_kb() - before > 1024 ? "by more than 1 MiB" : "less than 1 MiB");
    return 0;
}

static int daemon_leak(void)
{
    sink = malloc(100); /* leaked before daemonising */
    sink = NULL;
    if (daemon(1, 1) != 0) {
        perror("daemon");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";
    if (!strcmp(m, "exec_race")) return exec_race();
    if (!strcmp(m, "exec_own")) return exec_own();
    if (!strcmp(m, "orphan_fork")) return orphan_fork();
    if (!strcmp(m, "vfork_execl")) return vfork_execl();
    if (!strcmp(m, "daemon")) return daemon_leak();
    fprintf(stderr, "usage: ends exec_race|exec_own|orphan_fork|vfork_execl|daemon\n");
    return 2;
}
