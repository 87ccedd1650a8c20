/* hvtest.h - helpers for heapview's unit tests: load a report of tests/data/viewer, render an
 * output into a string, find a site by function, run the heapview binary ($HEAPVIEW). */
#ifndef HVTEST_H
#define HVTEST_H

#include "load.h"
#include "model.h"
#include "out.h"
#include "view.h"

#define HVT_DATA "tests/data/viewer/"

/* Loads HVT_DATA name; fails the test with the loader's message if it does not load. */
hv_report *hvt_load(const char *name);
/* The loader's message for HVT_DATA name, which must fail to load (static buffer). */
const char *hvt_load_error(const char *name);
/* Site whose first user frame has function func and (if line > 0) that line; fails if none. */
const hv_site *hvt_site(const hv_report *r, const char *func, unsigned line);
size_t hvt_site_index(const hv_report *r, const char *func, unsigned line);
/* Rendered output of one view (v NULL: the summary) as a malloc'd string. */
char *hvt_render(const hv_out *out, const hv_report *r, const hv_query *q, const hv_view *v,
                 hv_metric sort);
char *hvt_render_diff(const hv_out *out, const hv_diff *d);
/* Runs "$HEAPVIEW args" through sh; stdout and stderr into malloc'd strings (may be NULL
 * pointers to skip); returns the exit status. */
int hvt_run(const char *args, char **out, char **err);
/* Runs cmd through popen; its stdout as a malloc'd string; fails the test unless it exits 0. */
char *hvt_read_cmd(const char *cmd);
/* Number of occurrences of needle in hay. */
size_t hvt_count(const char *hay, const char *needle);

#endif
