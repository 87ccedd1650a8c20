/* sampled.c - known allocation volumes for sampling mode (tests/itest/test_sample.c).
 * Usage: sampled volume | threads | fork
 *   volume:  site_a 1,000,000 x 1000 B, site_b 8,000,000 x 100 B, site_c 100 x 4 MiB (all
 *            freed); site_d 20,000 x 4096 B kept live at exit; site_e: 1,000 rounds of a
 *            buffer grown by realloc from 1 KiB to 64 KiB in 1 KiB steps (64 reallocs a round
 *            after a malloc(1) at site_e0), freed.
 *   threads: 4 workers each allocate 250,000 blocks of 16..4111 B (their own xorshift) and
 *            queue them to the next worker's consumer thread, which frees them; prints the
 *            exact totals.
 *   fork:    a child allocates and frees 1,000,000 x 1000 B and exits; the parent waits.
 * Each site's function touches its block after malloc returns, so it is never a tail call. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SITE(name, n)                                                                              \
    __attribute__((noinline)) static char *name(void)                                              \
    {                                                                                              \
        char *p = malloc(n);                                                                       \
        if (!p) abort();                                                                           \
        *(volatile char *)p = 1;                                                                   \
        return p;                                                                                  \
    }
SITE(site_a, 1000)
SITE(site_b, 100)
SITE(site_c, 4u << 20)
SITE(site_d, 4096)
SITE(site_e0, 1)

__attribute__((noinline)) static char *site_e(char *p, size_t n)
{
    char *q = realloc(p, n);
    if (!q) abort();
    *(volatile char *)q = 1;
    return q;
}

static void *keep[20000];

static void volume(void)
{
    for (int i = 0; i < 1000000; i++)
        free(site_a());
    for (int i = 0; i < 8000000; i++)
        free(site_b());
    for (int i = 0; i < 100; i++)
        free(site_c());
    for (int i = 0; i < 20000; i++)
        keep[i] = site_d();
    for (int r = 0; r < 1000; r++) {
        char *p = site_e0();
        for (size_t k = 1; k <= 64; k++)
            p = site_e(p, k * 1024);
        free(p);
    }
    printf("volume done\n");
}

/* ---- threads: a ring of hand-off queues ---- */
#define NT   4
#define PER  250000
#define QCAP 1024
typedef struct q {
    pthread_mutex_t m;
    pthread_cond_t c;
    void *v[QCAP];
    int head, n, done;
} q;
static q qs[NT];
static uint64_t bytes[NT];

__attribute__((noinline)) static void *site_t(size_t n)
{
    char *p = malloc(n);
    if (!p) abort();
    *(volatile char *)p = 1;
    return p;
}

static void put(q *x, void *p)
{
    pthread_mutex_lock(&x->m);
    while (x->n == QCAP)
        pthread_cond_wait(&x->c, &x->m);
    x->v[(x->head + x->n++) % QCAP] = p;
    pthread_cond_broadcast(&x->c);
    pthread_mutex_unlock(&x->m);
}

/* A consumer: frees what is queued for its queue until it is closed and empty. */
static void *consumer(void *arg)
{
    q *x = arg;
    pthread_mutex_lock(&x->m);
    for (;;) {
        while (x->n) {
            void *p = x->v[x->head];
            x->head = (x->head + 1) % QCAP;
            x->n--;
            free(p);
        }
        pthread_cond_broadcast(&x->c);
        if (x->done) break;
        pthread_cond_wait(&x->c, &x->m);
    }
    pthread_mutex_unlock(&x->m);
    return NULL;
}

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    uint64_t s = 88172645463325252ull + (uint64_t)i;
    for (int k = 0; k < PER; k++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        size_t n = 16 + s % 4096;
        bytes[i] += n;
        put(&qs[(i + 1) % NT], site_t(n));
    }
    return NULL;
}

static void threads(void)
{
    pthread_t w[NT], c[NT];
    for (int i = 0; i < NT; i++) {
        pthread_mutex_init(&qs[i].m, NULL);
        pthread_cond_init(&qs[i].c, NULL);
        pthread_create(&c[i], NULL, consumer, &qs[i]);
    }
    for (int i = 0; i < NT; i++)
        pthread_create(&w[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < NT; i++)
        pthread_join(w[i], NULL);
    for (int i = 0; i < NT; i++) {
        pthread_mutex_lock(&qs[i].m);
        qs[i].done = 1;
        pthread_cond_broadcast(&qs[i].c);
        pthread_mutex_unlock(&qs[i].m);
        pthread_join(c[i], NULL);
    }
    uint64_t b = 0;
    for (int i = 0; i < NT; i++)
        b += bytes[i];
    printf("blocks=%d bytes=%llu\n", NT * PER, (unsigned long long)b);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "volume")) {
        volume();
    } else if (!strcmp(mode, "threads")) {
        threads();
    } else if (!strcmp(mode, "fork")) {
        pid_t c = fork();
        if (c == 0) {
            for (int i = 0; i < 1000000; i++)
                free(site_a());
            _exit(0);
        }
        int st;
        waitpid(c, &st, 0);
        printf("child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    } else {
        fprintf(stderr, "usage: sampled volume|threads|fork\n");
        return 2;
    }
    return 0;
}
