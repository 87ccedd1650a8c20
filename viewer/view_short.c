/* view_short.c - short-lived sites (average lifetime tl/tbk at or below the threshold: the
 * report's tuth or --short-lived-threshold), the candidates for reuse or stack allocation;
 * and sites that grow blocks by realloc (hp_rs > 0; heapprof reports only). */
#include "view.h"

static bool keep_short(const hv_report *r, const hv_site *s, const hv_query *q)
{
    return s->v[HV_TBK] > 0 && hv_metric_value(r, s->v, HV_AVG_LIFE) <= hv_short_threshold(r, q);
}

static size_t columns_short(const hv_report *r, hv_metric *c)
{
    size_t n = 0;
    c[n++] = HV_TBK;
    c[n++] = HV_AVG_LIFE;
    if (r->has_hist) { /* hp_hist: the distribution, not only the mean */
        c[n++] = HV_LIFE50;
        c[n++] = HV_LIFE99;
    }
    c[n++] = HV_AVG_SIZE;
    c[n++] = HV_TB;
    c[n++] = HV_MB;
    return n;
}

const hv_view hv_view_short = {
    .name = "short-lived",
    .title = "Short-lived",
    .what = "blocks that die young (average lifetime <= threshold), per call site",
    .sort = HV_TBK,
    .fold = HV_TBK,
    .keep = keep_short,
    .columns = columns_short,
};

static bool keep_regrow(const hv_report *r, const hv_site *s, const hv_query *q)
{
    (void)r, (void)q;
    return s->v[HV_RS] > 0;
}

static size_t columns_regrow(const hv_report *r, hv_metric *c)
{
    (void)r;
    size_t n = 0;
    c[n++] = HV_RS;
    c[n++] = HV_RSG;
    c[n++] = HV_AVG_GROW;
    c[n++] = HV_TBK;
    c[n++] = HV_MB;
    return n;
}

const hv_view hv_view_regrow = {
    .name = "realloc",
    .title = "Realloc growth",
    .what = "blocks grown by realloc, per call site (small average steps: reserve ahead)",
    .sort = HV_RS,
    .fold = HV_RS,
    .keep = keep_regrow,
    .columns = columns_regrow,
};
