/* glob.c - LeakSanitizer's suppression patterns: '*' wildcards, '^'/'$' anchors, substring
 * match otherwise. Pure function of its arguments: no state, no allocation, no recursion.
 *
 * Time: O(len(pattern) + len(s)) up to memmem's constant. The pattern is cut at '*' into
 * literal segments L0 * L1 * ... * Lk; each character of s is examined by a constant number of
 * searches, because every search starts where the previous match ended. glibc's memmem (2.29
 * and later) is two-way for needles over 256 bytes (linear) and a Horspool variant for shorter
 * ones (at most 256 comparisons per position: linear in len(s) with that bounded constant).
 *
 * Why leftmost-greedy is exact. Without '^' the pattern behaves as "*P", without '$' as "P*";
 * so what must hold is: s = L0 x1 L1 x2 ... xk Lk for some strings xi (k >= 1), i.e. s starts
 * with L0, ends with Lk (and |L0| + |Lk| <= |s|), and L1..L(k-1) occur in this order, without
 * overlapping, inside the window w = s[|L0|, |s| - |Lk|). Claim: if any such placement exists,
 * placing each Li at its leftmost occurrence after the end of L(i-1)'s also succeeds.
 * Induction on i: let gi be the greedy start of Li and pi the start in a valid placement, with
 * g(i-1) + |L(i-1)| <= p(i-1) + |L(i-1)| <= pi (hypothesis). Li occurs at pi inside the
 * greedy window, so the leftmost occurrence gi <= pi exists, and gi + |Li| <= pi + |Li| <=
 * p(i+1): the valid placement of the rest still lies inside the greedy's remaining window.
 * Any gap between segments is a run some '*' matches, so the greedy placement is a match. */
#include "glob.h"

#include <string.h>

/* Places [p, pend)'s '*'-separated segments leftmost-greedily in [lo, hi); empty segments
 * (from "**", or a leading or trailing '*') match anywhere. */
static bool segments_in_order(const char *p, const char *pend, const char *lo, const char *hi)
{
    while (p <= pend) {
        const char *star = memchr(p, '*', (size_t)(pend - p));
        const char *q = star ? star : pend;
        size_t n = (size_t)(q - p);
        if (n) {
            const char *at = memmem(lo, (size_t)(hi - lo), p, n);
            if (!at) return false;
            lo = at + n; /* the next segment starts after this one: no overlap */
        }
        if (!star) break;
        p = star + 1;
    }
    return true;
}

bool hp_glob_match(const char *pattern, const char *s)
{
    size_t pl = strlen(pattern), sl = strlen(s);
    const char *p = pattern, *pend = pattern + pl;
    bool start = pl && p[0] == '^', end = pl > (size_t)start && pend[-1] == '$';
    if (start) p++;
    if (end) pend--;
    const char *lo = s, *hi = s + sl; /* where the rest of the pattern must fit */
    const char *first = memchr(p, '*', (size_t)(pend - p));
    if (!first) { /* one literal: equal, prefix, suffix or substring */
        size_t n = (size_t)(pend - p);
        if (n > sl || (start && end && n != sl)) return false;
        if (start) return memcmp(s, p, n) == 0;
        if (end) return memcmp(hi - n, p, n) == 0;
        return memmem(s, sl, p, n) != NULL;
    }
    const char *last = memrchr(p, '*', (size_t)(pend - p)); /* first <= last < pend */
    if (start) {                                            /* L0 pinned at the start of s */
        size_t n0 = (size_t)(first - p);
        if (n0 > sl || memcmp(s, p, n0) != 0) return false;
        lo += n0;
        p = first + 1;
    }
    if (end) { /* Lk pinned at the end, after L0 (no overlap) */
        size_t nk = (size_t)(pend - last - 1);
        if (nk > (size_t)(hi - lo) || memcmp(hi - nk, last + 1, nk) != 0) return false;
        hi -= nk;
        pend = last;
    }
    /* p > pend only if start and end pinned the same '*' (first == last): nothing between */
    return p > pend || segments_in_order(p, pend, lo, hi);
}
