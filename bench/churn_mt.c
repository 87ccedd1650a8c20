/* churn_mt.c - the reference churn (bench/churn.c) in T threads at once, with cross-thread
 * frees: each thread frees, in its slot, the block another thread put there (shared slot
 * array, atomic exchange). Usage: churn_mt [T=2] [N per thread=5000000] [depth=20] [private].
 * With "private", each thread has its own slots: T independent churns (no cross-thread frees). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LIVE 4096
static _Atomic(void *) slots[LIVE];
static long n = 5000000;
static int depth = 20;

static int private_slots;

typedef struct {
    uint64_t rng;
    void *own[LIVE];
} st;

static inline uint64_t xr(st *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

__attribute__((noinline)) static void leaf(st *s, int site)
{
    uint64_t r = xr(s);
    void *p = malloc(16 + (r >> 20) % 496 + site);
    if (private_slots) {
        free(s->own[r % LIVE]);
        s->own[r % LIVE] = p;
    } else {
        free(atomic_exchange(&slots[r % LIVE], p));
    }
}

__attribute__((noinline)) static void deep(st *s, int d, int site)
{
    if (d) {
        deep(s, d - 1, site);
        __asm__ volatile("");
    } else {
        leaf(s, site);
    }
}

static void *run(void *arg)
{
    st *s = calloc(1, sizeof *s);
    s->rng = 88172645463325252ull + (uintptr_t)arg * 7919;
    for (long k = 0; k < n; k++)
        deep(s, (int)(k % 7) + depth - 3, (int)(k % 50));
    for (int i = 0; i < LIVE; i++)
        free(s->own[i]);
    free(s);
    return NULL;
}

int main(int argc, char **argv)
{
    int t = argc > 1 ? atoi(argv[1]) : 2;
    if (argc > 2)
        n = atol(argv[2]);
    if (argc > 3)
        depth = atoi(argv[3]);
    private_slots = argc > 4 && argv[4][0] == 'p';
    if (t < 1 || t > 64)
        return 2;
    pthread_t th[64];
    for (int i = 0; i < t; i++)
        pthread_create(&th[i], NULL, run, (void *)(uintptr_t)i);
    for (int i = 0; i < t; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < LIVE; i++)
        free(atomic_exchange(&slots[i], NULL));
    printf("done\n");
    return 0;
}
