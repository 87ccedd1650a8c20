/* report.h - the report: DHAT format v2 JSON (docs/report-format.md), written to an unnamed
 * file (O_TMPFILE) and linked to its final name when complete, so a reader never sees a partial
 * report and a process killed while writing leaves nothing (a named temporary file only where
 * O_TMPFILE is unsupported). */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include "hp.h"

/* Writes this image's report (path NULL: HEAPPROF_OUT's name, never replacing another file;
 * else exactly path, replacing it: heapprof_dump). leak_exit: the status the leak check imposes.
 * Call with the agg lock held, after a drain, with the hook guard set. Says once on stderr where
 * it went (unless quiet) or why it could not. Returns 0 or -1. */
int hp_report_write(const char *path, int leak_exit);
/* A live snapshot (snapshot.c): the same report, named from HEAPPROF_OUT with ".<K>" inserted
 * before a ".json" suffix (else appended), K the first number after *seq whose name is free;
 * *seq becomes K. Never replaces a file, never becomes the image's own report. Same calling
 * rules as hp_report_write. Returns 0 or -1. */
int hp_report_write_snapshot(unsigned *seq);
/* Instead of a report when the image made no allocation through heapprof's functions: one line
 * on stderr (unless quiet) naming the process, the likely reason and what to do. Same calling rules
 * as hp_report_write. */
void hp_report_none(void);
/* At start-up (hook-safe: one getcwd into a static buffer): a relative HEAPPROF_OUT names a
 * file in the directory the image starts in, wherever it is at exit. A fork child keeps its
 * parent's; an exec'd image starts again (its directory at exec). */
void hp_report_init(void);
/* Fork child: the report path chosen by the parent is not ours. */
void hp_report_atfork_child(void);

#endif
