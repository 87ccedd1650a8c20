// cxx_names.cc - a C++ program at -O2 whose report must name its functions demangled
// (test_names.c): templates, inlining, and GCC clones (.constprop.N from a static function
// always called with the same constant, .isra.N from one that reads one field of a struct).
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shapes
{
struct Circle {
    explicit Circle(int r) : radius(r), label("circle" + std::to_string(r))
    {
    }
    int radius;
    std::string label;
};
template <typename T> struct Pool {
    std::vector<std::unique_ptr<T>> items;
    void grow(int n)
    {
        for (int i = 0; i < n; i++)
            items.push_back(std::make_unique<T>(i));
    }
};
} // namespace shapes

struct Config {
    long pad[8];
    size_t block;
};

// a constant argument at every call: GCC makes fill_blocks.constprop.0
static __attribute__((noinline)) void fill_blocks(std::vector<char *> &out, size_t n, int byte)
{
    for (size_t i = 0; i < n; i++) {
        char *p = static_cast<char *>(std::malloc(64));
        p[0] = static_cast<char>(byte);
        out.push_back(p);
    }
}

// only cfg.block is read: GCC passes it alone (make_block.isra.0)
static __attribute__((noinline)) char *make_block(const Config &cfg)
{
    char *p = new char[cfg.block];
    p[0] = 1;
    return p;
}

// argv[1] == "leak": the block of make_block is lost (the leak report must name it demangled)
int main(int argc, char **argv)
{
    shapes::Pool<shapes::Circle> pool;
    pool.grow(100 + argc);
    std::map<int, std::string> names;
    for (int i = 0; i < 50; i++)
        names[i] = "name" + std::to_string(i);
    std::vector<char *> blocks;
    fill_blocks(blocks, 10, 7);
    fill_blocks(blocks, 20, 7);
    Config cfg{};
    cfg.block = 100 + static_cast<size_t>(argc);
    char *b = make_block(cfg);
    std::printf("cxx_names: %zu %zu %zu\n", pool.items.size(), names.size(), blocks.size());
    for (char *p : blocks)
        std::free(p);
    if (argc > 1 && std::string(argv[1]) == "leak") b = nullptr;
    delete[] b;
    return 0;
}
