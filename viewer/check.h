/* check.h - the CI gate: absolute limits on a report, and limits relative to a baseline.
 * hv_check_run decides (no I/O); hv_check_print explains, one line per limit. */
#ifndef HV_CHECK_H
#define HV_CHECK_H

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
    bool has_increase;   /* --max-increase, against a baseline */
    double max_increase; /* percent */
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
void hv_check_print(FILE *f, const hv_report *r, const hv_check_result *res, size_t n,
                    double max_increase);

#endif
