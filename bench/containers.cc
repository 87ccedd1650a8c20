// containers.cc - C++ containers: vector growth, map, unordered_map, strings.
// Usage: containers [rounds=40].
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? std::atoi(argv[1]) : 40;
    unsigned long check = 0;
    for (int r = 0; r < rounds; r++) {
        std::vector<std::string> v;
        std::map<int, std::string> m;
        std::unordered_map<std::string, int> u;
        for (int i = 0; i < 20000; i++) {
            std::string s = "key-" + std::to_string(i * 7919 % 100003) + std::string(i % 40, 'x');
            v.push_back(s);
            m[i] = s;
            u[s] = i;
        }
        for (const auto &s : v)
            check += u[s];
        check += m.size();
    }
    std::printf("%lu\n", check);
    return 0;
}
