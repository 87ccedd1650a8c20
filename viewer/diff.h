/* diff.h - two reports compared call site by call site. Sites are matched by identity
 * (hv_site_identity: the chain of function names, no addresses, files or lines), so two runs
 * of one binary, or two builds of it, match even when addresses move (ASLR, relinking) or
 * lines move (an edit). Sites of one report that share a chain are split by their (file, line)
 * vectors and paired by order: the k-th in base with the k-th in new; sites of one report with
 * equal chain and equal lines are summed. No I/O. */
#ifndef HV_DIFF_H
#define HV_DIFF_H

#include "model.h"

#include <stddef.h>

typedef struct hv_diff_row {
    uint64_t base[HV_NRAW], cur[HV_NRAW];
    size_t base_site, cur_site; /* representative site in each report; SIZE_MAX if absent */
} hv_diff_row;

typedef struct hv_diff {
    const hv_report *base, *cur;
    hv_metric metric; /* ranking metric */
    hv_diff_row *row; /* every matched key, by delta of metric (cur - base), descending */
    size_t n;
    size_t nboth, nbase_only, ncur_only;
    size_t top; /* rows to show at each end */
    const hv_query *q;
} hv_diff;

/* Builds d from base and cur, keeping the sites that pass q's filters (q->by_function: match
 * by the function of the first user frame instead). Returns 0, or -1 when out of memory. */
int hv_diff_build(const hv_report *base, const hv_report *cur, const hv_query *q, hv_metric m,
                  hv_diff *d);
void hv_diff_free(hv_diff *d);
/* cur - base of metric m for row x (derived metrics: difference of the two values). */
double hv_diff_delta(const hv_diff *d, const hv_diff_row *x, hv_metric m);

#endif
