// glue_cxx.cc - C++ containers growing at -O2 (test_glue.c): every allocation goes through
// operator new from inlined std::vector/std::string/std::map code, called from one user
// function, which must be the top site of every view and the leak report's name.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

static std::vector<std::string> *lost; // leaked on purpose: the leak report names its maker

__attribute__((noinline)) static void grow_tables(int rounds)
{
    for (int r = 0; r < rounds; r++) {
        std::vector<std::string> *names = new std::vector<std::string>;
        std::map<int, std::string> index;
        for (int i = 0; i < 1000; i++) {
            names->push_back(std::string(200, 'n') + std::to_string(i)); // 200 KB a round
            index[i] = names->back();
        }
        if (r == rounds - 1)
            lost = names;
        else
            delete names;
    }
}

int main()
{
    grow_tables(20);
    lost = nullptr; // the vector and its strings are now unreachable
    return 0;
}
