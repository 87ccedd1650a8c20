/* suppress.h - leak suppressions in LeakSanitizer's format: "leak:PATTERN" lines, '#' comments,
 * blank lines. A pattern matches a site if it matches the function, the source file or the
 * object path of any frame; '*' matches any run of characters, '^' and '$' anchor, and without
 * them the pattern may match anywhere in the name (as LeakSanitizer's). */
#ifndef HP_SUPPRESS_H
#define HP_SUPPRESS_H

#include "stacktab.h"
#include "symbolize.h"

/* Reads the file (once per process; "" means none). Malformed lines are reported, one line each
 * naming file and line, and counted in *bad; the others are kept. */
void hp_suppress_load(const char *path, int *bad);
/* The index of the first suppression that matches a frame of st (symbolized with sym), or -1. */
int hp_suppress_match(const hp_stack *st, hp_sym *sym);
/* Does pattern match a frame of st? */
bool hp_suppress_stack_matches(const hp_stack *st, hp_sym *sym, const char *pattern);
/* Counts a use of suppression idx; reset before a check; print "Suppressions used". */
void hp_suppress_used(int idx, uint64_t bytes, uint64_t blocks);
void hp_suppress_reset_used(void);
void hp_suppress_print_used(void);
/* Patterns loaded. */
int hp_suppress_count(void);

#endif
