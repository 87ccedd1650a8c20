/* load.h - report file -> hv_report (docs/report-format.md; Valgrind DHAT v2 heap mode).
 * Validates the whole shape; any problem is one line in err and a -1 return, never a crash.
 * Memory bound: the file is mapped (not copied); cJSON builds the tree of one top-level value
 * or one pps/ftbl element at a time, never of the whole file; the model keeps ~120 bytes per
 * site + 4 per frame reference + the frame strings. */
#ifndef HV_LOAD_H
#define HV_LOAD_H

#include "model.h"

#include <stddef.h>

/* Loads path ("-" is stdin). Returns 0 and *out (free with hv_report_free), or -1 with the
 * reason (no file name) in err[0..errlen). */
int hv_load_file(const char *path, hv_report **out, char *err, size_t errlen);
/* Same from memory; buf need not be NUL-terminated. */
int hv_load_buffer(const char *buf, size_t len, hv_report **out, char *err, size_t errlen);

#endif
