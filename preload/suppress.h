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
/* True if a suppression matches a frame of st (symbolized with sym). */
bool hp_suppress_match(const hp_stack *st, hp_sym *sym);
/* Patterns loaded. */
int hp_suppress_count(void);

#endif
