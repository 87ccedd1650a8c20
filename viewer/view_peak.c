/* view_peak.c - what was live at the global peak (t-gmax), per call site. */
#include "view.h"

static bool keep(const hv_report *r, const hv_site *s, const hv_query *q)
{
    (void)r, (void)q;
    return s->v[HV_GBK] > 0;
}

static size_t columns(const hv_report *r, hv_metric *c)
{
    (void)r;
    size_t n = 0;
    c[n++] = HV_GB;
    c[n++] = HV_GBK;
    c[n++] = HV_MB;
    c[n++] = HV_TB;
    c[n++] = HV_TBK;
    return n;
}

const hv_view hv_view_peak = {
    .name = "peak",
    .title = "Peak",
    .what = "bytes live at the global peak (t-gmax), per call site",
    .sort = HV_GB,
    .fold = HV_GB,
    .keep = keep,
    .columns = columns,
};
