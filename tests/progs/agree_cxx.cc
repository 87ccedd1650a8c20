// agree_cxx.cc - C++ containers and no leak, for tests/itest/test_leak_agree.c: std::map,
// std::unordered_map, std::vector<std::string>, std::list and shared_ptr (no cycle), some
// destroyed in main, some global (destroyed by the static destructors before the check).
#include <cstdio>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct Node {
    std::string name;
    std::shared_ptr<Node> child; // a tree, never a cycle
};

static std::map<std::string, std::vector<int>> g_index;
static std::unordered_map<int, std::string> g_names;

int main()
{
    std::vector<std::string> words;
    for (int i = 0; i < 200; i++)
        words.push_back("word-" + std::to_string(i) + std::string(i % 40, 'x'));
    std::list<std::string> queue(words.begin(), words.begin() + 50);
    for (int i = 0; i < 200; i++) {
        g_index[words[i].substr(0, 6)].push_back(i);
        g_names.emplace(i, words[i]);
    }
    auto root = std::make_shared<Node>();
    root->name = "root";
    std::shared_ptr<Node> cur = root;
    for (int i = 0; i < 10; i++) {
        cur->child = std::make_shared<Node>();
        cur = cur->child;
        cur->name = words[i];
    }
    std::map<int, std::unique_ptr<std::string>> owned;
    for (int i = 0; i < 30; i++)
        owned[i] = std::make_unique<std::string>(words[i] + words[i + 1]);
    queue.remove_if([](const std::string &s) { return s.size() > 20; });
    std::printf("%zu %zu %zu %zu\n", g_index.size(), g_names.size(), queue.size(), owned.size());
    return 0;
}
