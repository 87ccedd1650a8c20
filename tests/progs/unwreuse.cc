// unwreuse.cc - stacks that change between two allocations of a thread in every way the cached
// walker's reuse of its previous walk must notice (preload/fastunwind.c, "The walk"); run with
// HEAPPROF_VERIFY_UNWIND=1 (tests/itest/test_unwind.c), where libunwind checks every stack.
//   rec      recursion of varying depth, frames of varying size (alloca) at every level
//   sites    one function called from two call sites of one caller with the same frame layout:
//            same CFA and return address in the inner frames, another return address above
//   rbp      a frame whose CFA is rbp-based (alloca), reached once through an extra caller and
//            once directly, its alloca sized so that rsp is the same both times: same pc and sp,
//            another rbp; the old frames' words are left intact below the new ones
//   jump     longjmp out of deep frames, then allocations from shallower ones
//   throw    C++ exceptions through frames that allocate, caught at varying depths
//   signal   a profiling timer whose handler allocates (nested in a hook, or not)
// All of it in the main thread, in three threads at once, and in a forked child.
// Usage: unwreuse [rounds=300]
#include <alloca.h>
#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile uintptr_t sink;
static void use(const void *p)
{
    sink = sink + (uintptr_t)p;
}
static void churn1(size_t n)
{
    void *p = malloc(n);
    use(p);
    free(p);
}

// ---- rec ----
__attribute__((noinline)) static void rec(int d, unsigned k)
{
    char *b = (char *)alloca(16 + (k % 5) * 16);
    b[0] = 1;
    use(b);
    if (d == 0) {
        churn1(24);
        return;
    }
    if (d % 3 == 0) churn1(8);
    rec(d - 1, k * 7 + 3);
    __asm__ volatile("" ::: "memory");
}

// ---- sites ----
__attribute__((noinline)) static void leaf2(int k)
{
    churn1(32 + (size_t)(k & 1));
}
__attribute__((noinline)) static void mid(int k)
{
    leaf2(k);
    __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) static void two_sites(int k)
{
    if (k & 1) {
        mid(k);
        __asm__ volatile("" ::: "memory");
    } else {
        mid(k);
        __asm__ volatile("nop" ::: "memory");
    }
}

// ---- rbp ----
static thread_local uintptr_t leaf_sp;
__attribute__((noinline)) static void g_leaf(void)
{
    volatile char c = 0;
    leaf_sp = (uintptr_t)&c;
    churn1(40);
}
__attribute__((noinline)) static void with_alloca(size_t x)
{
    char *b = (char *)alloca(x); // CFA from rbp; the area stays unwritten but for b[0]
    b[0] = 0;
    use(b);
    g_leaf();
    __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) static void via_caller(size_t x)
{
    volatile char pad[256];
    pad[0] = 0;
    use((const void *)pad);
    with_alloca(x);
    __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) static void rbp_case(void)
{
    via_caller(32);
    uintptr_t want = leaf_sp;
    with_alloca(32);
    uintptr_t at32 = leaf_sp; // higher than want: one caller less
    if (at32 <= want || (at32 - want) % 16) return;
    size_t x = 32 + (size_t)(at32 - want);
    for (int i = 0; i < 4; i++) {
        via_caller(32);
        with_alloca(x); // same pc and sp in g_leaf and with_alloca, other rbp
    }
}

// ---- jump ----
static thread_local jmp_buf jb;
__attribute__((noinline)) static void deep_jump(int d)
{
    churn1(48 + (size_t)d);
    if (d <= 0) {
        if (sink == 1) return; // never: a way out that is not longjmp, for -Winfinite-recursion
        longjmp(jb, 1);
    }
    deep_jump(d - 1);
    __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) static void jump_case(int k)
{
    if (!setjmp(jb)) deep_jump(k % 9 + 2);
    churn1(56);
    rec(k % 4, (unsigned)k);
}

// ---- throw ----
__attribute__((noinline)) static void thrower(int d)
{
    std::string s((size_t)(40 + d), (char)('a' + d % 26)); // on the heap: freed while unwinding
    use(s.data());
    if (d == 0) throw std::runtime_error("thrown from the bottom of a deep stack");
    thrower(d - 1);
    __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) static void catcher(int d, int at, int depth)
{
    if (d == at) {
        try {
            thrower(depth);
        } catch (const std::exception &e) {
            use(e.what());
            churn1(72);
        }
        churn1(80);
        return;
    }
    churn1(16);
    catcher(d - 1, at, depth);
    __asm__ volatile("" ::: "memory");
}

// ---- signal ----
// The handler's size class is its own and sits in glibc's per-thread cache (prewarm): served
// without the arena lock, so the handler may interrupt any malloc (natively too; sigfree.c).
enum { SIG_SIZE = 1000 };
static void on_prof(int)
{
    churn1(SIG_SIZE);
}
static void prewarm(void)
{
    void *p[7];
    for (auto &q : p)
        q = malloc(SIG_SIZE);
    for (auto &q : p)
        free(q);
}

static void scenario(unsigned rounds)
{
    for (unsigned k = 0; k < rounds; k++) {
        rec((int)(k * 5 % 13), k);
        rec((int)(k % 3), k);
        two_sites((int)k);
        two_sites((int)(k / 2));
        if (k % 16 == 0) rbp_case();
        jump_case((int)k);
        catcher((int)(k % 6) + 2, (int)(k % 3), (int)(k % 5));
    }
}

static void *thread_main(void *arg)
{
    prewarm();
    scenario((unsigned)(uintptr_t)arg);
    return nullptr;
}

int main(int argc, char **argv)
{
    unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 300;
    prewarm();
    struct sigaction sa = {};
    sa.sa_handler = on_prof;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGPROF, &sa, nullptr);
    struct itimerval it = {{0, 500}, {0, 500}};
    setitimer(ITIMER_PROF, &it, nullptr);

    scenario(rounds);
    pthread_t th[3];
    for (auto &t : th)
        pthread_create(&t, nullptr, thread_main, (void *)(uintptr_t)rounds);
    scenario(rounds);
    for (auto &t : th)
        pthread_join(t, nullptr);

    pid_t pid = fork();
    if (pid == 0) {
        setitimer(ITIMER_PROF, &it, nullptr); // timers are not inherited
        scenario(rounds);
        _exit(0);
    }
    scenario(rounds / 2);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "unwreuse: child failed\n");
        return 1;
    }
    printf("unwreuse: done\n");
    return 0;
}
