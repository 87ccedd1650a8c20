/* view_hot.c - call sites by number of allocations (and bytes), with rates per Mtu (per
 * second for heapprof's clock, per million instructions for DHAT's). */
#include "view.h"

static bool keep(const hv_report *r, const hv_site *s, const hv_query *q)
{
    (void)r, (void)q;
    return s->v[HV_TBK] > 0;
}

static size_t columns(const hv_report *r, hv_metric *c)
{
    (void)r;
    size_t n = 0;
    c[n++] = HV_TBK;
    c[n++] = HV_RATE_BK;
    c[n++] = HV_TB;
    c[n++] = HV_RATE_B;
    c[n++] = HV_AVG_SIZE;
    if (r->has_hist) {
        c[n++] = HV_SIZE50;
        c[n++] = HV_SIZE99;
    }
    return n;
}

const hv_view hv_view_hot = {
    .name = "hot",
    .title = "Hot",
    .what = "allocations per call site, with rates",
    .sort = HV_TBK,
    .fold = HV_TBK,
    .keep = keep,
    .columns = columns,
};
