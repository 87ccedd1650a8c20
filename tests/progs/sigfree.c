/* sigfree.c - frees (and allocations) made by a signal handler that interrupts the program's
 * malloc/free calls, hence heapprof's hooks (tests/itest/test_signal.c).
 * The main thread fills a pool of POOL blocks (pool_fill), starts a 50 us interval timer and
 * loops malloc/free of three sizes (churn) until the SIGALRM handler has freed every pool
 * block, one per signal. With "alloc", the handler also mallocs and frees one block per signal
 * (handler_alloc). With "threads", two more threads churn too, and the (process-directed)
 * signal interrupts any of them: the pool's blocks are freed by threads that did not allocate
 * them. Every block is freed: the report must show no live bytes at those sites.
 * Size classes are kept apart so that glibc tolerates the handler (natively too): the pool
 * (24 B), the churn (40, 72, 200 B: tcache hits only after the first round) and the handler's
 * own block (88 B, warmed up before the timer starts) never share a bin.
 * stdout is the same natively and under the preload; stderr gives the counts the test checks:
 * "churn=<blocks> halloc=<blocks>". */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define POOL 3000

static void *pool[POOL];
static atomic_int taken;
static volatile sig_atomic_t do_alloc;
static atomic_ulong halloc;
static __thread void *volatile sink, *volatile hsink; /* no eliding a malloc/free pair */
static atomic_ulong churned;
static atomic_int ready;

__attribute__((noinline)) static void pool_fill(void)
{
    for (int i = 0; i < POOL; i++)
        pool[i] = malloc(24);
}

__attribute__((noinline)) static void handler_alloc(void)
{
    char *p = malloc(88);
    hsink = p;
    free(hsink);
    atomic_fetch_add(&halloc, 1);
}

static void on_alarm(int sig)
{
    (void)sig;
    int i = atomic_fetch_add(&taken, 1);
    if (i < POOL) free(pool[i]);
    if (do_alloc) handler_alloc();
}

__attribute__((noinline)) static unsigned long churn(void)
{
    static const size_t sizes[3] = {40, 72, 200};
    unsigned long n = 0;
    while (atomic_load(&taken) < POOL) {
        for (int k = 0; k < 3; k++) {
            void *p = malloc(sizes[k]);
            void *q = malloc(sizes[(k + 1) % 3]);
            sink = p;
            free(sink);
            sink = q;
            free(sink);
            n += 2;
        }
    }
    return n;
}

/* A thread's first allocations (its arena, heapprof's thread struct) before the first signal. */
static void warm_up(void)
{
    static const size_t sizes[4] = {40, 72, 200, 88};
    for (int k = 0; k < 4; k++) {
        sink = malloc(sizes[k]);
        free(sink);
    }
}

static void *churn_thread(void *arg)
{
    (void)arg;
    warm_up();
    atomic_fetch_add(&ready, 1);
    atomic_fetch_add(&churned, churn());
    return NULL;
}

int main(int argc, char **argv)
{
    do_alloc = argc > 1 && strcmp(argv[1], "alloc") == 0;
    int nthreads = argc > 1 && strcmp(argv[1], "threads") == 0 ? 2 : 0;
    pthread_t th[2];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, churn_thread, NULL);
    while (atomic_load(&ready) < nthreads)
        ;
    free(malloc(88)); /* the handler's size class: in the tcache before the first signal */
    pool_fill();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 50}, {0, 50}};
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned long n = churn();
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    n += atomic_load(&churned);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    sigprocmask(SIG_BLOCK, &s, NULL); /* one may still be pending */
    printf("pool of %d blocks freed by the handler\n", POOL);
    fprintf(stderr, "churn=%lu halloc=%lu\n", n, atomic_load(&halloc));
    return 0;
}
