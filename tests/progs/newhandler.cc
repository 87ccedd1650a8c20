// newhandler.cc - operator new(std::nothrow) and its aligned form call the installed
// new_handler, as the standard requires: a handler that frees a reserve makes a failing
// allocation succeed. Memory is bounded with RLIMIT_AS so the first attempt fails.
// Prints what happened; the test compares it with the native run.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sys/resource.h>

static char *reserve;
static int calls;

static void handler()
{
    calls++;
    std::free(reserve);
    reserve = nullptr;
    std::set_new_handler(nullptr);
}

static long vm_kb()
{
    FILE *f = std::fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && std::fgets(line, sizeof line, f))
        if (!std::strncmp(line, "VmSize:", 7)) kb = std::atol(line + 7);
    if (f) std::fclose(f);
    return kb;
}

static void attempt(bool aligned)
{
    const size_t big = 48u << 20;
    reserve = static_cast<char *>(std::malloc(64u << 20));
    std::memset(reserve, 1, 64u << 20);
    calls = 0;
    struct rlimit rl = {(rlim_t)(vm_kb() + 16 * 1024) * 1024, RLIM_INFINITY};
    setrlimit(RLIMIT_AS, &rl);
    std::set_new_handler(handler);
    void *p = aligned ? ::operator new(big, std::align_val_t(64), std::nothrow)
                      : ::operator new(big, std::nothrow);
    std::printf("%s: %s, handler called %d time(s)\n", aligned ? "aligned nothrow" : "nothrow",
                p ? "allocated" : "NULL", calls);
    if (aligned)
        ::operator delete(p, std::align_val_t(64));
    else
        ::operator delete(p);
    rl.rlim_cur = RLIM_INFINITY;
    setrlimit(RLIMIT_AS, &rl);
}

int main()
{
    attempt(false);
    attempt(true);
    return 0;
}
