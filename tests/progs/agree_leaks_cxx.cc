// agree_leaks_cxx.cc - known definite C++ leaks beside reachable containers, for
// tests/itest/test_leak_agree.c (see agree_leaks.c for the naming rule):
//   lost_widget: a new'd object dropped                           -> definitely lost
//   lost_vector: a new'd std::vector dropped                      -> definitely lost
//   (its element buffer, made by the vector's allocator)          -> indirectly lost
//   lost_array:  new[] dropped in a std::thread                   -> definitely lost
//   kept_map: a global std::map that outlives main (a pointer)     -> still reachable
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#define NOINLINE __attribute__((noinline))

struct Widget {
    long id;
    char name[40];
};

static std::map<int, std::string> *volatile kept;

NOINLINE static Widget *lost_widget()
{
    Widget *w = new Widget;
    w->id = 1;
    std::memset(w->name, 'w', sizeof w->name);
    return w;
}
NOINLINE static std::vector<long> *lost_vector()
{
    auto *v = new std::vector<long>;
    for (long i = 0; i < 50; i++)
        v->push_back(i);
    return v;
}
NOINLINE static int *lost_array()
{
    return new int[25]();
}
NOINLINE static std::map<int, std::string> *kept_map()
{
    auto *m = new std::map<int, std::string>;
    for (int i = 0; i < 8; i++)
        (*m)[i] = std::string(40, char('a' + i));
    return m;
}

NOINLINE static void drop(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}
NOINLINE static void scrub_stack()
{
    volatile char pad[4096];
    std::memset(const_cast<char *>(pad), 0, sizeof pad);
}

int main()
{
    kept = kept_map();
    drop(lost_widget());
    drop(lost_vector());
    std::thread t([] {
        drop(lost_array());
        scrub_stack();
    });
    t.join();
    std::printf("kept %zu\n", kept->size());
    scrub_stack();
    return 0;
}
