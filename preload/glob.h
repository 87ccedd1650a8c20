/* glob.h - pattern matching for suppressions (suppress.c). */
#ifndef HP_GLOB_H
#define HP_GLOB_H

#include "hp.h"

/* True if pattern matches s: '*' matches any run; a leading '^' anchors at the start and a
 * trailing '$' at the end; without anchors the pattern may match anywhere in s. */
bool hp_glob_match(const char *pattern, const char *s);

#endif
