// cxx.cc - every operator new/delete form, and std containers; totals compared with DHAT.
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <vector>

struct alignas(64) Wide {
    char b[64];
};

__attribute__((noinline)) static int *one()
{
    return new int(7);
}
__attribute__((noinline)) static int *many()
{
    return new int[10];
}
__attribute__((noinline)) static int *quiet()
{
    return new (std::nothrow) int[3];
}
__attribute__((noinline)) static Wide *wide()
{
    return new Wide;
}
__attribute__((noinline)) static Wide *wides()
{
    return new Wide[3];
}

int main()
{
    int *a = one();
    int *b = many();
    int *c = quiet();
    Wide *w = wide();
    Wide *ws = wides();
    std::vector<int> v;
    for (int i = 0; i < 100; i++)
        v.push_back(i);
    std::map<int, std::string> m;
    for (int i = 0; i < 20; i++)
        m[i] = std::string(40 + i, 'x');
    delete a;
    delete[] b;
    delete[] c;
    delete w;
    delete[] ws;
    int *leak = new int[5]; // live at exit: 20 bytes
    return leak[0] * 0;
}
