/* flame.h - the call tree of a report for a flame graph (or icicle), aggregated for scale.
 * Built from the sites of an hv_report (model.h), no I/O. A path is root -> outermost frame ->
 * ... -> the allocation site, frames named by function, with the glue folding of the terminal
 * views and of --folded (out_folded.c): system frames (allocator glue, loader, thread start,
 * profiler: hv_frame.system) are dropped when the stack has a user frame, so a site ends at its
 * first user frame (hv_site_first_user) and the glue it called (hv_site_via) is not a node.
 * Siblings with the same function merge (parse at p.c:10 and at p.c:12 are one node).
 * Scale: children whose value is below min_fraction of the root's are merged into one
 * "(n small sites)" node per parent, with no children, so a 100 MB report gives a tree no
 * bigger than what can be drawn (min_fraction = 1/2000: below one pixel of 2,000).
 * Invariants: node[0] is the root; nodes are in preorder; node i's subtree is [i, node[i].end);
 * node[i].value == self(i) + sum of its children's values (self: sites that end there);
 * children are ordered by value descending, ties by name, the small node last; values > 0.
 * Ownership: an hv_flame owns its node array; names point into the report (keep it alive). */
#ifndef HV_FLAME_H
#define HV_FLAME_H

#include "model.h"

typedef enum hv_flame_kind {
    HV_FLAME_ROOT,  /* the whole heap: name "all" */
    HV_FLAME_FRAME, /* one function: name hv_frame.func of frame */
    HV_FLAME_SMALL, /* merged children below min_fraction: nsites of them */
} hv_flame_kind;

typedef struct hv_flame_node {
    hv_flame_kind kind;
    uint32_t frame;   /* HV_FLAME_FRAME: index into r->frames (the first seen with that name) */
    uint32_t depth;   /* root 0 */
    size_t parent;    /* index of the parent node; SIZE_MAX for the root */
    size_t end;       /* one past the last node of this subtree */
    double value;     /* the metric summed over the sites below (and at) this node */
    double self;      /* the part of sites that end here */
    size_t nsites;    /* sites below (and at) this node */
    const char *name; /* "all", the function, or NULL for HV_FLAME_SMALL (say "(n small sites)") */
} hv_flame_node;

typedef struct hv_flame {
    hv_flame_node *node;
    size_t n;
    hv_metric metric;
    size_t nmerged; /* HV_FLAME_SMALL nodes made */
} hv_flame;

/* The tree of r's sites for metric (a raw counter: m < HV_NRAW; sites where it is 0 are left
 * out), merging per parent the children below min_fraction * total (0: merge none).
 * Returns 0, or -1 when out of memory or metric is not summable (then *out is empty). */
int hv_flame_build(const hv_report *r, hv_metric metric, double min_fraction, hv_flame *out);
/* The same over the sites that pass keep (may be NULL) and q's filters (q may be NULL): e.g. a
 * view's sites, hv_view_short.keep for the "short-lived" metric switch. */
int hv_flame_build_if(const hv_report *r, hv_metric metric, double min_fraction, hv_keep_fn keep,
                      const hv_query *q, hv_flame *out);
void hv_flame_free(hv_flame *f);

#endif
