/* test_glob.c - suppression patterns (glob.c), LeakSanitizer's rules. */
#include "glob.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

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

/* The reference: LeakSanitizer's rule written as directly as possible, by backtracking. A
 * pattern without anchors matches if its body matches some substring s[b, e); '^' forces b = 0,
 * '$' forces e = len(s). Exponential in the number of '*': for short inputs only. */
static bool ref_full(const char *p, size_t pn, const char *s, size_t sn)
{
    if (pn == 0) return sn == 0;
    if (p[0] == '*') {
        for (size_t k = 0; k <= sn; k++)
            if (ref_full(p + 1, pn - 1, s + k, sn - k)) return true;
        return false;
    }
    return sn > 0 && p[0] == s[0] && ref_full(p + 1, pn - 1, s + 1, sn - 1);
}

static bool ref_match(const char *pattern, const char *s)
{
    size_t pn = strlen(pattern), sn = strlen(s);
    bool start = pn >= 1 && pattern[0] == '^';
    bool end = pn >= (start ? 2u : 1u) && pattern[pn - 1] == '$';
    const char *p = pattern + start;
    size_t bn = pn - start - end;
    for (size_t b = 0; b <= sn; b++)
        for (size_t e = b; e <= sn; e++) {
            if ((start && b != 0) || (end && e != sn)) continue;
            if (ref_full(p, bn, s + b, e - b)) return true;
        }
    return false;
}

Test(glob, edge_cases)
{
    cr_expect(hp_glob_match("", ""));
    cr_expect(hp_glob_match("", "abc"), "the empty pattern is a substring of anything");
    cr_expect(hp_glob_match("^", "abc"));
    cr_expect(hp_glob_match("^", ""));
    cr_expect(hp_glob_match("$", "abc"));
    cr_expect(hp_glob_match("^$", ""));
    cr_expect_not(hp_glob_match("^$", "a"));
    cr_expect(hp_glob_match("*", ""));
    cr_expect(hp_glob_match("**", "abc"));
    cr_expect(hp_glob_match("^*$", ""));
    cr_expect(hp_glob_match("^*$", "abc"));
    cr_expect(hp_glob_match("^**$", "abc"));
    cr_expect(hp_glob_match("$$", "a$"), "only the last '$' anchors");
    cr_expect_not(hp_glob_match("$$", "a"));
    cr_expect(hp_glob_match("^^", "^a"), "only the first '^' anchors");
    cr_expect_not(hp_glob_match("^^", "a^"));
    cr_expect(hp_glob_match("a^b", "xa^by"), "a '^' inside is a literal");
    cr_expect(hp_glob_match("a$b", "xa$by"), "a '$' inside is a literal");
}

Test(glob, several_stars_and_anchors)
{
    cr_expect(hp_glob_match("a*b*c", "xxaybzcxx"));
    cr_expect_not(hp_glob_match("a*b*c", "xxcybzaxx"));
    cr_expect(hp_glob_match("^a*b*c$", "aXbYc"));
    cr_expect_not(hp_glob_match("^a*b*c$", "aXbYcZ"));
    cr_expect_not(hp_glob_match("^a*b*c$", "ZaXbYc"));
    cr_expect_not(hp_glob_match("^ab*ba$", "aba"), "L0 and Lk may not overlap");
    cr_expect_not(hp_glob_match("^ab*ba$", "ab"));
    cr_expect(hp_glob_match("^ab*ba$", "abba"));
    cr_expect(hp_glob_match("^a*", "abc"));
    cr_expect_not(hp_glob_match("^a*", "bac"));
    cr_expect(hp_glob_match("*c$", "abc"));
    cr_expect_not(hp_glob_match("*c$", "cab"));
    cr_expect(hp_glob_match("aa*aa", "aaaa"), "segments one after the other");
    cr_expect_not(hp_glob_match("aa*aa", "aaa"), "segments never overlap");
    cr_expect(hp_glob_match("^/usr/lib/gcc/*/cc1$", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"));
    cr_expect_not(
        hp_glob_match("^/usr/lib/gcc/*/cc1$", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus"));
}

/* xorshift64: a fixed seed, so a failure is reproducible */
static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void random_word(uint64_t *x, char *out, size_t maxlen, const char *alpha)
{
    size_t n = rng_next(x) % (maxlen + 1), na = strlen(alpha);
    for (size_t i = 0; i < n; i++)
        out[i] = alpha[rng_next(x) % na];
    out[n] = 0;
}

Test(glob, agrees_with_backtracking_reference)
{
    uint64_t x = 0x9e3779b97f4a7c15u;
    char pat[16], s[16];
    int matched = 0, cases = 20000;
    for (int i = 0; i < cases; i++) {
        /* patterns: a, b, '*', and literal '^'/'$' inside; anchors added at random */
        random_word(&x, pat, 10, "ab*ab*a^$");
        random_word(&x, s, 12, (i & 1) ? "ab" : "ab^$");
        bool want = ref_match(pat, s), got = hp_glob_match(pat, s);
        cr_assert_eq(got, want, "pattern \"%s\" on \"%s\": got %d, reference %d", pat, s, got,
                     want);
        matched += want;
    }
    /* both outcomes well represented, or the cross-check proves little */
    cr_expect(matched > cases / 10 && matched < cases * 9 / 10, "%d of %d matched", matched, cases);
}

/* Old backtracking took effectively forever here: 2,000 stars against 100,000 'a's with no
 * 'b' (each star tries every split). The linear matcher finishes in a fraction of a second. */
Test(glob, adversarial_input_finishes, .timeout = 5)
{
    size_t sn = 100000;
    char *s = malloc(sn + 1);
    char *p = malloc(4003);
    cr_assert(s && p);
    memset(s, 'a', sn);
    s[sn] = 0;
    size_t k = 0;
    for (int i = 0; i < 2000; i++) {
        p[k++] = 'a';
        p[k++] = '*';
    }
    p[k++] = 'b';
    p[k] = 0;
    cr_expect_not(hp_glob_match(p, s));
    s[sn - 1] = 'b';
    cr_expect(hp_glob_match(p, s));
    /* long segments: memmem's worst cases (a 200-byte and a 300-byte needle "a...ab") */
    for (size_t len = 200; len <= 300; len += 100) {
        s[sn - 1] = 'a';
        p[0] = '^';
        p[1] = '*';
        memset(p + 2, 'a', len - 1);
        p[len + 1] = 'b';
        p[len + 2] = '*';
        p[len + 3] = 0;
        cr_expect_not(hp_glob_match(p, s));
        s[sn - 1] = 'b';
        cr_expect(hp_glob_match(p, s));
    }
    free(s);
    free(p);
}
