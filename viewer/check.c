/* check.c - limits for CI (see check.h). A limit is exceeded when value > limit; a relative
 * limit with a baseline value of 0 allows 0 only (any growth from nothing is a regression). */
#include "check.h"

#include "fmt.h"

#include <stdlib.h>
#include <string.h>

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

void hv_check_note(FILE *f, const hv_report *r, const hv_report *base)
{
    char a[96], b[96];
    if (r->sampled && base && base->sampled)
        fprintf(f,
                "note: sampled report, %s, and baseline, %s: the thresholds are compared to "
                "estimates\n",
                hv_fmt_sample(a, sizeof a, r->sample_rate, r->samples),
                hv_fmt_sample(b, sizeof b, base->sample_rate, base->samples));
    else if (r->sampled || (base && base->sampled))
        fprintf(f,
                "note: sampled %s, %s: the thresholds are compared to estimates; leaked means "
                "live at exit (a leak verdict needs exact mode)\n",
                r->sampled ? "report" : "baseline",
                r->sampled ? hv_fmt_sample(a, sizeof a, r->sample_rate, r->samples)
                           : hv_fmt_sample(a, sizeof a, base->sample_rate, base->samples));
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

/* ---- per site ---- */

int hv_check_sites(const hv_report *r, const hv_report *base, const hv_limits *l, const hv_query *q,
                   hv_site_check *sc)
{
    memset(sc, 0, sizeof *sc);
    hv_query qs = *q;
    qs.by_function = false; /* a gate per site, never per function */
    if (hv_diff_build(base, r, &qs, l->site_metric, &sc->d) < 0) return -1;
    sc->fail = malloc((sc->d.n ? sc->d.n : 1) * sizeof *sc->fail);
    if (!sc->fail) {
        hv_diff_free(&sc->d);
        return -1;
    }
    for (size_t i = 0; i < sc->d.n; i++) {
        const hv_diff_row *x = &sc->d.row[i];
        if (x->cur_site == SIZE_MAX) continue; /* gone: never a regression */
        double b = hv_metric_value(base, x->base, l->site_metric);
        double v = hv_metric_value(r, x->cur, l->site_metric);
        double lim = b * (1.0 + l->max_site_growth / 100.0);
        if (v > lim) sc->fail[sc->nfail++] = (hv_site_growth){i, b, v, lim};
    }
    return 0;
}

void hv_site_check_free(hv_site_check *sc)
{
    hv_diff_free(&sc->d);
    free(sc->fail);
    sc->fail = NULL;
    sc->nfail = 0;
}

static void fmt_metric(char *buf, size_t n, hv_metric m, double v)
{
    switch (hv_metric_unit(m)) {
    case HV_U_BYTES:
        hv_fmt_bytes(buf, n, v);
        break;
    case HV_U_COUNT:
        hv_fmt_count(buf, n, v);
        break;
    default:
        snprintf(buf, n, "%.6g", v);
    }
}

/* "grow (ident.c:20) <- main": the first user frame as symbolized, then its caller's function. */
static void site_name(FILE *f, const hv_report *r, const hv_site *s)
{
    if (s->nfs == 0) {
        fputs("[root]", f);
        return;
    }
    const uint32_t *fs = hv_site_frames(r, s);
    uint32_t u = hv_site_first_user(r, s);
    fputs(r->frames[fs[u]].sym, f);
    for (uint32_t i = u + 1; i < s->nfs; i++)
        if (!r->frames[fs[i]].system) {
            fprintf(f, " <- %s", r->frames[fs[i]].func);
            break;
        }
}

void hv_check_sites_print(FILE *f, const hv_site_check *sc, const hv_limits *l)
{
    const hv_diff *d = &sc->d;
    const char *what = hv_metric_label(l->site_metric), *name = hv_metric_name(l->site_metric);
    if (sc->nfail)
        fprintf(f,
                "FAIL sites: %zu of %zu grew more than +%g%% in %s (%s) (%zu in both, %zu new, "
                "%zu gone)\n",
                sc->nfail, d->nboth + d->ncur_only, l->max_site_growth, what, name, d->nboth,
                d->ncur_only, d->nbase_only);
    else
        fprintf(f,
                "ok   sites: none grew more than +%g%% in %s (%s) (%zu in both, %zu new, %zu "
                "gone)\n",
                l->max_site_growth, what, name, d->nboth, d->ncur_only, d->nbase_only);
    for (size_t i = 0; i < sc->nfail; i++) {
        const hv_site_growth *g = &sc->fail[i];
        const hv_diff_row *x = &d->row[g->row];
        char v[32], b[32], lim[32];
        fmt_metric(v, sizeof v, l->site_metric, g->value);
        fmt_metric(b, sizeof b, l->site_metric, g->base);
        fmt_metric(lim, sizeof lim, l->site_metric, g->limit);
        fputs(x->base_site == SIZE_MAX ? "FAIL new site " : "FAIL site ", f);
        site_name(f, d->cur, &d->cur->sites[x->cur_site]);
        if (x->base_site == SIZE_MAX)
            fprintf(f, ": %s %s, baseline none (limit 0)\n", what, v);
        else
            fprintf(f, ": %s %s, baseline %s, limit +%g%% = %s\n", what, v, b, l->max_site_growth,
                    lim);
    }
}
