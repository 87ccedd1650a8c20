/* edges.c - programs for the edges of exact recording (tests/itest/test_edges.c).
 * Usage: edges MODE [N]. Prints what it observed; exit 0 unless a step failed.
 *   deepbind N   N rounds: malloc(100), free it inside a library opened with RTLD_DEEPBIND (its
 *                free binds to libc's, no hook sees it), malloc(100) again (usually the same
 *                address), free that normally. Prints "live 0" at the end: nothing is live.
 *   seccomp      a seccomp filter (all threads) makes membarrier fail with EPERM, then two
 *                threads allocate while the main thread forks 20 children that exit at once.
 *   stats N      the main thread and a worker (clocks apart in the test build): the worker
 *                mallocs one block and signals; heapprof_stats must count it, N times.
 *   memalign     posix_memalign failures: errno and *out as glibc leaves them.
 *   disable      with recording disabled, every allocation function (prints nothing; the
 *                report must have no site in disabled_allocs). */
#include <heapprof.h>

#include <dlfcn.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

__attribute__((noinline)) static void deep_rounds(void (*deep_free)(void *), long n)
{
    for (long i = 0; i < n; i++) {
        void *p = malloc(100);
        deep_free(p);       /* libc's free: unseen */
        sink = malloc(100); /* sink: the compiler may not elide the pair */
        free(sink);
    }
}

static int deepbind(long n, const char *self)
{
    char path[4096];
    snprintf(path, sizeof path, "%.*s/libdeepfree.so", (int)(strrchr(self, '/') - self), self);
    void *h = dlopen(path, RTLD_NOW | RTLD_DEEPBIND);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    deep_rounds((void (*)(void *))dlsym(h, "deep_free"), n);
    printf("live 0\n");
    return 0;
}

static atomic_int stop;
static void *churn(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        void *volatile p = malloc(64);
        free(p);
    }
    return NULL;
}

static int seccomp_membarrier(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, churn, NULL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog)) {
        perror("seccomp");
        return 1;
    }
    for (int i = 0; i < 20; i++) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        int st;
        waitpid(p, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st)) return 2;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("forked 20\n");
    return 0;
}

static atomic_int round_no, seen_no;
static void *one_by_one(void *arg)
{
    long n = (long)arg;
    for (int i = 1; i <= n; i++) {
        sink = malloc(32); /* live until exit */
        atomic_store(&round_no, i);
        while (atomic_load(&seen_no) != i)
            ;
    }
    return NULL;
}

static int stats(long n)
{
    struct heapprof_stats s0, s;
    if (heapprof_stats(&s0)) return 1;
    pthread_t t, c;
    pthread_create(&c, NULL, churn, NULL); /* a thread always inside a hook or about to be */
    pthread_create(&t, NULL, one_by_one, (void *)n);
    long missed = 0;
    for (int i = 1; i <= n; i++) {
        while (atomic_load(&round_no) != i)
            ;
        if (heapprof_stats(&s)) return 2;
        /* the worker's i blocks are live; the churner's at most one */
        if (s.live_blocks < s0.live_blocks + (uint64_t)i) missed++;
        atomic_store(&seen_no, i);
    }
    pthread_join(t, NULL);
    atomic_store(&stop, 1);
    pthread_join(c, NULL);
    printf("stats missed %ld of %ld\n", missed, n);
    return 0;
}

static int memalign_errno(void)
{
    void *p = &p;
    errno = 0;
    int r = posix_memalign(&p, 64, (size_t)1 << 62);
    printf("huge: rc %d errno %d out-unchanged %d\n", r, errno, p == &p);
    errno = 0;
    r = posix_memalign(&p, 64, (size_t)1 << 44); /* valid, but no such memory: mmap fails */
    printf("no memory: rc %d errno %d out-unchanged %d\n", r, errno, p == &p);
    errno = 0;
    r = posix_memalign(&p, 3, 64);
    printf("bad alignment: rc %d errno %d out-unchanged %d\n", r, errno, p == &p);
    errno = 0;
    r = posix_memalign(&p, 64, 64);
    printf("ok: rc %d errno %d aligned %d\n", r, errno, ((uintptr_t)p & 63) == 0);
    free(p);
    return 0;
}

__attribute__((noinline)) static void disabled_allocs(void)
{
    void *p;
    free(malloc(10));
    free(calloc(2, 10));
    free(memalign(64, 10));
    free(aligned_alloc(64, 64));
    if (posix_memalign(&p, 64, 10) == 0) free(p);
    free(valloc(10));
    free(pvalloc(10));
    free(realloc(NULL, 10));
    free(reallocarray(NULL, 2, 10));
}

__attribute__((noinline)) static void *enabled_alloc(void)
{
    return malloc(20);
}

static int disable(void)
{
    void *kept = enabled_alloc();
    heapprof_disable();
    disabled_allocs();
    kept = realloc(kept, 40); /* a recorded block resized while disabled leaves the record */
    heapprof_enable();
    free(kept);
    return 0;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 100;
    if (!strcmp(m, "deepbind")) return deepbind(n, argv[0]);
    if (!strcmp(m, "seccomp")) return seccomp_membarrier();
    if (!strcmp(m, "stats")) return stats(n);
    if (!strcmp(m, "memalign")) return memalign_errno();
    if (!strcmp(m, "disable")) return disable();
    fprintf(stderr, "usage: edges deepbind|seccomp|stats|memalign|disable [N]\n");
    return 2;
}
