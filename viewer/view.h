/* view.h - the questions heapview answers, one hv_view each (view_leaks.c, view_peak.c,
 * view_hot.c, view_short.c), and the stack layout every output shares.
 * A view is data: which sites it keeps, how it ranks them, which columns it shows. */
#ifndef HV_VIEW_H
#define HV_VIEW_H

#include "model.h"

#define HV_VIEW_MAXCOLS 8

typedef struct hv_view {
    const char *name;  /* flag and JSON name: "leaks" */
    const char *title; /* "Leaks" */
    const char *what;  /* "bytes still live at exit, per call site" */
    hv_metric sort;    /* default ranking */
    hv_metric fold;    /* default --folded metric */
    hv_keep_fn keep;
    /* Columns for report r into cols[0..HV_VIEW_MAXCOLS); returns how many. */
    size_t (*columns)(const hv_report *r, hv_metric *cols);
} hv_view;

extern const hv_view hv_view_leaks, hv_view_peak, hv_view_hot, hv_view_short, hv_view_regrow;

/* All views, in summary order, NULL-terminated. */
extern const hv_view *const hv_views[];
const hv_view *hv_view_find(const char *name);

/* Short-lived threshold for r under q: q->short_threshold, or the report's tuth. */
double hv_short_threshold(const hv_report *r, const hv_query *q);

/* One line of a displayed stack. */
typedef struct hv_stackline {
    uint32_t frame;  /* index into r->frames; HV_STACK_MORE for "... N more frames" */
    uint32_t hidden; /* > 0: a collapsed run of this many system frames, named by frame */
    bool via;        /* the collapsed run is inside the first user frame ("via printf") */
} hv_stackline;
#define HV_STACK_MORE UINT32_MAX

/* Lines to display for s under q (collapse, depth), innermost first. Writes at most cap lines
 * and returns how many it wrote. With collapse: system frames inside the first user frame
 * become one "via" line (none if the outermost of them is the allocator itself), runs between
 * user frames one line each, those outside the last user frame none; at most q->depth user
 * frames, then a "more" line. Without collapse: every frame, at most q->depth. */
size_t hv_stack_layout(const hv_report *r, const hv_site *s, const hv_query *q, hv_stackline *out,
                       size_t cap);

#endif
