/* report.h - the report: DHAT format v2 JSON (docs/report-format.md), written to a temporary
 * name and linked to its final name, so a reader never sees a partial report. */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include "hp.h"

/* Writes this image's report (path NULL: HEAPPROF_OUT's name, never replacing another file;
 * else exactly path, replacing it: heapprof_dump). leak_exit: the status the leak check imposes.
 * Call with the agg lock held, after a drain, with the hook guard set. Says once on stderr where
 * it went (unless quiet) or why it could not. Returns 0 or -1. */
int hp_report_write(const char *path, int leak_exit);
/* Fork child: the report path chosen by the parent is not ours. */
void hp_report_atfork_child(void);

#endif
