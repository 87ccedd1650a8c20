/* check.c - limits for CI (see check.h). A limit is exceeded when value > limit; a relative
 * limit with a baseline value of 0 allows 0 only (any growth from nothing is a regression). */
#include "check.h"

#include "fmt.h"

uint64_t hv_check_value(const hv_report *r, hv_limit which)
{
    switch (which) {
    case HV_LIM_LEAKED:
        return r->has_leak_check ? r->lc.definite_bytes + r->lc.indirect_bytes : r->tot[HV_EB];
    case HV_LIM_LEAKED_BLOCKS:
        return r->has_leak_check ? r->lc.definite_blocks + r->lc.indirect_blocks : r->tot[HV_EBK];
    case HV_LIM_PEAK:
        return r->gmax_bytes;
    case HV_LIM_TOTAL_BYTES:
        return r->tot[HV_TB];
    case HV_LIM_TOTAL_BLOCKS:
        return r->tot[HV_TBK];
    case HV_LIM_COUNT:
        break;
    }
    return 0;
}

const char *hv_limit_name(hv_limit which)
{
    static const char *const names[HV_LIM_COUNT] = {"leaked bytes", "leaked blocks", "peak bytes",
                                                    "total bytes", "total blocks"};
    return names[which];
}

size_t hv_check_run(const hv_report *r, const hv_report *base, const hv_limits *l,
                    hv_check_result *res, size_t *failed)
{
    size_t n = 0;
    *failed = 0;
    for (int w = 0; w < HV_LIM_COUNT; w++) {
        uint64_t v = hv_check_value(r, (hv_limit)w);
        if (l->has[w]) {
            res[n] = (hv_check_result){(hv_limit)w, false, v, (double)l->max[w], 0, v > l->max[w]};
            *failed += res[n++].exceeded;
        }
        if (l->has_increase && base) {
            uint64_t b = hv_check_value(base, (hv_limit)w);
            double lim = (double)b * (1.0 + l->max_increase / 100.0);
            res[n] = (hv_check_result){(hv_limit)w, true, v, lim, b, (double)v > lim};
            *failed += res[n++].exceeded;
        }
    }
    return n;
}

static void fmt_val(char *buf, size_t n, hv_limit w, double v)
{
    if (w == HV_LIM_LEAKED_BLOCKS || w == HV_LIM_TOTAL_BLOCKS)
        hv_fmt_count(buf, n, v);
    else
        hv_fmt_bytes(buf, n, v);
}

void hv_check_print(FILE *f, const hv_report *r, const hv_check_result *res, size_t n,
                    double max_increase)
{
    for (size_t i = 0; i < n; i++) {
        const hv_check_result *c = &res[i];
        char v[32], lim[32], b[32];
        fmt_val(v, sizeof v, c->which, (double)c->value);
        fmt_val(lim, sizeof lim, c->which, c->limit);
        const char *what = hv_limit_name(c->which);
        const char *how = c->which <= HV_LIM_LEAKED_BLOCKS
                              ? (r->has_leak_check ? " (definite+indirect)" : " (live at exit)")
                              : "";
        if (c->relative) {
            fmt_val(b, sizeof b, c->which, (double)c->base);
            fprintf(f, "%s %s%s: %s (%llu), baseline %s, limit +%g%% = %s\n",
                    c->exceeded ? "FAIL" : "ok  ", what, how, v, (unsigned long long)c->value, b,
                    max_increase, lim);
        } else {
            fprintf(f, "%s %s%s: %s (%llu), limit %s (%.0f)\n", c->exceeded ? "FAIL" : "ok  ", what,
                    how, v, (unsigned long long)c->value, lim, c->limit);
        }
    }
}
