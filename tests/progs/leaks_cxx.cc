// leaks_cxx.cc - a C++ new[] leak for the leak corpus (see leaks.c).
#include <cstring>

__attribute__((noinline)) static int *lost_array()
{
    return new int[30]();
}

int main()
{
    int *p = lost_array();
    p[3] = 1;
    p = nullptr;
    char pad[4096];
    std::memset(pad, 0, sizeof pad);
    __asm__ volatile("" : : "r"(pad) : "memory");
    return 0;
}
