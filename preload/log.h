/* log.h - heapprof's messages on stderr: one line each, written with write(2), never malloc.
 * hp_log prints unless HEAPPROF_QUIET; hp_log_once prints a given message id only once. */
#ifndef HP_LOG_H
#define HP_LOG_H

#include "hp.h"

/* Prints "heapprof: <a><b><c>\n" on fd 2 (any of b, c may be NULL). Async-signal-safe. */
void hp_log(const char *a, const char *b, const char *c);
/* As hp_log, but at most once per *flag (an int the caller owns, 0 initially). */
void hp_log_once(atomic_int *flag, const char *a, const char *b, const char *c);
void hp_log_set_quiet(bool quiet);

#endif
