/* merge.h - several reports (processes, runs) -> one hv_report, before any view.
 * Sites are matched by identity (model.h: hv_site_identity, then hv_site_lines_cmp), as --diff
 * pairs them: within one identity, the k-th (file, line) class of each report goes into the
 * k-th merged site; sites of one report in one class are one merged site. Rules (documented in
 * docs/heapview.md, "Merging reports"):
 *   summed: tb tbk tl eb ebk hp_rs hp_rsg, the leak classes, histograms (bucket by bucket),
 *           te (total run time), the leak checker's totals (only when every report has them);
 *   mb/mbk and gb/gbk per site, and the global peak: the sum of each report's own, an upper
 *           bound on what was live at any one instant across the processes, not a peak;
 *   dropped: the timeline (its instants are per process), tg (0), pid (0).
 * Every report must use the same time unit (tu). */
#ifndef HV_MERGE_H
#define HV_MERGE_H

#include "model.h"

#include <stddef.h>

/* Merges in[0..n) (n >= 1; not modified) into a new report *out (r->merged == n). Returns 0, or
 * -1 with the reason in err and, when one report is to blame, its index in *bad (else n). */
int hv_merge(hv_report *const *in, size_t n, hv_report **out, size_t *bad, char *err,
             size_t errlen);

#endif
