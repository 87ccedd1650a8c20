/* check.h - the CI gate: absolute limits on a report, limits relative to a baseline, and a
 * per-site limit against a baseline (sites matched as by --diff: model.h's site identity).
 * hv_check_run and hv_check_sites decide (no I/O); the _print functions explain. */
#ifndef HV_CHECK_H
#define HV_CHECK_H

#include "diff.h"
#include "model.h"

#include <stdbool.h>
#include <stdio.h>

typedef enum hv_limit {
    HV_LIM_LEAKED,        /* bytes leaked: definite+indirect with the leak checker, else eb */
    HV_LIM_LEAKED_BLOCKS, /* the same in blocks */
    HV_LIM_PEAK,          /* bytes live at the global peak */
    HV_LIM_TOTAL_BYTES,   /* bytes allocated */
    HV_LIM_TOTAL_BLOCKS,  /* blocks allocated */
    HV_LIM_COUNT
} hv_limit;

typedef struct hv_limits {
    bool has[HV_LIM_COUNT];
    uint64_t max[HV_LIM_COUNT];
    bool has_increase;      /* --max-increase, against a baseline */
    double max_increase;    /* percent */
    bool has_site_growth;   /* --max-site-growth, against a baseline, per site */
    double max_site_growth; /* percent */
    hv_metric site_metric;  /* --site-metric (default tb) */
} hv_limits;

typedef struct hv_check_result {
    hv_limit which;
    bool relative;  /* against the baseline */
    uint64_t value; /* the report's */
    double limit;   /* absolute limit, or baseline * (1 + pct/100) */
    uint64_t base;  /* baseline value (relative only) */
    bool exceeded;
} hv_check_result;

/* Measures r against l (and base, which may be NULL unless l->has_increase). Fills res[] (at
 * most 2 * HV_LIM_COUNT) and returns how many it filled; *failed gets the exceeded count. */
size_t hv_check_run(const hv_report *r, const hv_report *base, const hv_limits *l,
                    hv_check_result *res, size_t *failed);
uint64_t hv_check_value(const hv_report *r, hv_limit which);
const char *hv_limit_name(hv_limit which); /* "leaked bytes" */
/* For a sampled report or baseline (base may be NULL): one line saying that its numbers are
 * estimates and the limits are compared to them; nothing for exact reports. */
void hv_check_note(FILE *f, const hv_report *r, const hv_report *base);
void hv_check_print(FILE *f, const hv_report *r, const hv_check_result *res, size_t n,
                    double max_increase);

/* ---- per site ---- */

typedef struct hv_site_growth {
    size_t row;   /* index in hv_site_check.d.row */
    double base;  /* the metric in the baseline (0 for a site new in r) */
    double value; /* in r */
    double limit; /* base * (1 + pct/100) */
} hv_site_growth;

typedef struct hv_site_check {
    hv_diff d;            /* base -> r under the query's filters, ranked by the metric's change */
    hv_site_growth *fail; /* sites of r above their limit, largest change first */
    size_t nfail;
} hv_site_check;

/* Matches the sites of r with base's (hv_diff_build with q's filters, by identity even if
 * q->by_function) and fails every site of r whose l->site_metric exceeds its baseline value by
 * more than l->max_site_growth percent; a site new in r has a baseline of 0, so it fails when
 * its value is above 0 (the rule of every relative limit). Sites gone from r never fail.
 * Returns 0, or -1 when out of memory (sc is then empty). */
int hv_check_sites(const hv_report *r, const hv_report *base, const hv_limits *l, const hv_query *q,
                   hv_site_check *sc);
/* One summary line, then one line per failed site naming it (first user frame and caller). */
void hv_check_sites_print(FILE *f, const hv_site_check *sc, const hv_limits *l);
void hv_site_check_free(hv_site_check *sc);

#endif
