/* suppress.h - leak suppressions in LeakSanitizer's format: "leak:PATTERN" lines, '#' comments,
 * blank lines. A pattern matches a site if it matches the function, the source file or the
 * object path of any frame; '*' matches any run of characters, '^' and '$' anchor, and without
 * them the pattern may match anywhere in the name (as LeakSanitizer's). */
#ifndef HP_SUPPRESS_H
#define HP_SUPPRESS_H

#include "stacktab.h"
#include "symbolize.h"

/* Reads the file (once per process; "" means none). Each problem is reported in one line and
 * counted in *bad: a file that cannot be opened (with the reason) or is not a regular file
 * (FIFO, directory, device: never read, never waited on), nothing read from it then; a file
 * over 1 MiB, of which the whole lines in the first MiB are kept; and each malformed line,
 * naming file and line, the others being kept. */
void hp_suppress_load(const char *path, int *bad);
/* The index of the suppression that matches st (symbolized with sym), or -1 if none does. As
 * LeakSanitizer's: the innermost frame that any pattern matches decides, and of the patterns
 * that match it, the first (built-ins first, then the file's in file order). */
int hp_suppress_match(const hp_stack *st, hp_sym *sym);
/* Does pattern (suppression syntax) match a frame of st? (HEAPPROF_LEAK_WHY) */
bool hp_suppress_stack_matches(const hp_stack *st, hp_sym *sym, const char *pattern);
/* Adds a suppressed site's bytes and blocks to pattern idx's counts (idx from
 * hp_suppress_match; -1 is ignored). */
void hp_suppress_used(int idx, uint64_t bytes, uint64_t blocks);
/* Prints LeakSanitizer's "Suppressions used" block through hp_log: a heading, then one line per
 * pattern with blocks counted since the last reset, "  <blocks> block(s), <bytes> bytes:
 * leak:<pattern>" (" (built-in)" for the built-ins), in pattern order. Nothing if none. */
void hp_suppress_print_used(void);
/* Zeroes the counts (each leak check of the API starts from zero). */
void hp_suppress_reset_used(void);
/* Patterns loaded. */
int hp_suppress_count(void);

#endif
