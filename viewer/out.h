/* out.h - heapview's outputs: one hv_out vtable per format (out_text.c, out_json.c, out_html.c,
 * out_folded.c, out_pprof.c). main.c selects the rows (hv_select); an output only renders them.
 * Each entry returns 0, or -1 (out of memory or write error) with nothing else to report.
 * diff is NULL for an output that has no diff form (pprof; main.c refuses the pair). */
#ifndef HV_OUT_H
#define HV_OUT_H

#include "diff.h"
#include "model.h"
#include "view.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct hv_outctx {
    FILE *f;
    bool color;        /* ANSI colour (text only): on a TTY unless NO_COLOR */
    bool summary;      /* the default view: header, then a few compact rows per section */
    const hv_query *q; /* collapse, depth */
    hv_metric fold;    /* --folded metric */
    bool fold_set;     /* else the first section's view default */
    const char *label; /* the file name, for headings */
} hv_outctx;

/* A ranked view: what main selected for one --leaks/--peak/... flag. */
typedef struct hv_section {
    const hv_view *view;
    hv_metric sort;
    hv_rows rows;
} hv_section;

typedef struct hv_out {
    const char *name;
    int (*report)(const hv_outctx *o, const hv_report *r, const hv_section *sec, size_t nsec);
    int (*diff)(const hv_outctx *o, const hv_diff *d);
} hv_out;

extern const hv_out hv_out_text, hv_out_json, hv_out_folded, hv_out_html, hv_out_pprof;

#endif
