/* select.h - HEAPPROF_ONLY: is this process one the user asked to record?
 * A process that is not selected runs with the library inert (init.c): hooks pass through,
 * nothing is recorded, no report, no leak check; the environment is left as it is, so its
 * children are selected (or not) on their own executables. */
#ifndef HP_SELECT_H
#define HP_SELECT_H

#include "hp.h"

/* True if pattern matches all of s: '*' matches any run (including '/'), '?' one byte, every
 * other byte itself. No allocation, no recursion; time O(len(pattern) * len(s)) at worst. */
bool hp_select_glob(const char *pattern, const char *s);
/* True if globs (comma-separated) is empty, or one glob matches this process: a glob with a
 * '/' against the executable's absolute path (/proc/self/exe), one without against its base
 * name, and either against argv[0] and its base name (a script: its own name, not the
 * interpreter's). Start-up only: readlink and read system calls into static buffers. */
bool hp_select_this_process(const char *globs);

#endif
