/* glob.c - LeakSanitizer's suppression patterns: '*' wildcards, '^'/'$' anchors, substring
 * match otherwise. Pure function of its arguments: no state, no allocation, no recursion deeper
 * than the number of '*' in the pattern. */
#include "glob.h"

#include <string.h>

/* glob with '*', anchored at both ends */
static bool glob_here(const char *p, const char *pend, const char *s, const char *send)
{
    while (p < pend) {
        if (*p == '*') {
            while (p < pend && *p == '*')
                p++;
            if (p == pend) return true;
            for (const char *t = s; t <= send; t++)
                if (glob_here(p, pend, t, send)) return true;
            return false;
        }
        if (s == send || *p != *s) return false;
        p++;
        s++;
    }
    return s == send;
}

bool hp_glob_match(const char *pattern, const char *s)
{
    size_t pl = strlen(pattern), sl = strlen(s);
    const char *p = pattern, *pend = pattern + pl;
    bool start = pl && p[0] == '^', end = pl > (size_t)start && pend[-1] == '$';
    if (start) p++;
    if (end) pend--;
    if (start && end) return glob_here(p, pend, s, s + sl);
    if (start) /* prefix: pattern then anything */
        for (const char *e = s + sl; e >= s; e--)
            if (glob_here(p, pend, s, e)) return true;
    if (!start)
        for (const char *b = s; b <= s + sl; b++) {
            if (end && glob_here(p, pend, b, s + sl)) return true;
            if (!end)
                for (const char *e = s + sl; e >= b; e--)
                    if (glob_here(p, pend, b, e)) return true;
        }
    return false;
}
