/* test_glob.c - suppression patterns (glob.c), LeakSanitizer's rules. */
#include "glob.h"

#include <criterion/criterion.h>

Test(glob, substring_by_default)
{
    cr_expect(hp_glob_match("lost", "lost_block"));
    cr_expect(hp_glob_match("block", "lost_block"));
    cr_expect(hp_glob_match("libfoo.so", "/usr/lib/libfoo.so.1"));
    cr_expect_not(hp_glob_match("kept", "lost_block"));
}

Test(glob, wildcards)
{
    cr_expect(hp_glob_match("lost*block", "lost_block"));
    cr_expect(hp_glob_match("std::*::push_back", "std::vector<int>::push_back(int&&)"));
    cr_expect(hp_glob_match("*", "anything"));
    cr_expect_not(hp_glob_match("a*z", "abc"));
}

Test(glob, anchors)
{
    cr_expect(hp_glob_match("^lost", "lost_block"));
    cr_expect_not(hp_glob_match("^block", "lost_block"));
    cr_expect(hp_glob_match("block$", "lost_block"));
    cr_expect_not(hp_glob_match("lost$", "lost_block"));
    cr_expect(hp_glob_match("^lost_block$", "lost_block"));
    cr_expect_not(hp_glob_match("^lost_bloc$", "lost_block"));
    cr_expect(hp_glob_match("^l*k$", "lost_block"));
}
