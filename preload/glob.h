/* glob.h - pattern matching for suppressions (suppress.c). */
#ifndef HP_GLOB_H
#define HP_GLOB_H

#include "hp.h"

/* True if pattern matches s: '*' matches any run; a leading '^' anchors at the start and a
 * trailing '$' at the end (elsewhere they are literal characters); without anchors the pattern
 * may match anywhere in s. Time linear in strlen(pattern) + strlen(s); no allocation. */
bool hp_glob_match(const char *pattern, const char *s);

#endif
