/* view_leaks.c - bytes and blocks live at exit per call site; with the leak checker's
 * classes (definite, indirect, reachable) when the report carries them. */
#include "view.h"

static bool keep(const hv_report *r, const hv_site *s, const hv_query *q)
{
    (void)r, (void)q;
    return s->v[HV_EBK] > 0;
}

static size_t columns(const hv_report *r, hv_metric *c)
{
    size_t n = 0;
    c[n++] = HV_EB;
    c[n++] = HV_EBK;
    if (r->has_leak_check) {
        c[n++] = HV_DB;
        c[n++] = HV_IB;
        c[n++] = HV_RB;
    }
    c[n++] = HV_TB;
    c[n++] = HV_TBK;
    return n;
}

const hv_view hv_view_leaks = {
    .name = "leaks",
    .title = "Leaks",
    .what = "bytes still live at exit, per call site",
    .sort = HV_EB,
    .fold = HV_EB,
    .keep = keep,
    .columns = columns,
};
