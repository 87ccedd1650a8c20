/* out_json.c - the views as one JSON document (schema: docs/heapview.md, "JSON output").
 * Built as a cJSON tree and printed once; numbers are exact up to 2^53 like the input's.
 * Frame strings are the symbolized text without the "0xADDR: " prefix, full stacks
 * (collapse and depth apply to the text output only). */
#include "out.h"

#include "heapprof_report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#define HV_JSON_VERSION 1

static cJSON *metrics_obj(const hv_report *r, const uint64_t *v, bool leak)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    for (int m = 0; m < HV_NRAW; m++) {
        if (!leak && m >= HV_DB && m <= HV_UBK) continue;
        cJSON_AddNumberToObject(o, hv_metric_name((hv_metric)m), (double)v[m]);
    }
    for (int m = HV_NRAW; m < HV_SIZE50; m++) /* percentiles: pct_obj */
        cJSON_AddNumberToObject(o, hv_metric_name((hv_metric)m),
                                hv_metric_value(r, v, (hv_metric)m));
    return o;
}

/* {"size50": .., "size99": .., "life50": .., "life99": ..}: bucket upper bounds in bytes and
 * us, null without blocks (docs/heapview.md). */
static cJSON *pct_obj(const double *pct)
{
    cJSON *o = cJSON_CreateObject();
    for (int m = HV_SIZE50; o && m <= HV_LIFE99; m++) {
        double v = pct[m - HV_SIZE50];
        if (isnan(v))
            cJSON_AddNullToObject(o, hv_metric_name((hv_metric)m));
        else
            cJSON_AddNumberToObject(o, hv_metric_name((hv_metric)m), v);
    }
    return o;
}

static cJSON *frames_arr(const hv_report *r, const hv_site *s)
{
    cJSON *a = cJSON_CreateArray();
    const uint32_t *fs = hv_site_frames(r, s);
    for (uint32_t i = 0; a && i < s->nfs; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(r->frames[fs[i]].sym));
    return a;
}

/* "estimated": whether the numbers are estimates (a sampled report, or a merge or diff with one);
 * then "sample_rate" (mean bytes between samples; 0: mixed rates, or sampled and exact) and
 * "samples" (docs/heapview.md, "Sampled reports"). */
static void add_estimated(cJSON *j, bool sampled, uint64_t rate, uint64_t samples)
{
    cJSON_AddBoolToObject(j, "estimated", sampled);
    if (!sampled) return;
    cJSON_AddNumberToObject(j, "sample_rate", (double)rate);
    cJSON_AddNumberToObject(j, "samples", (double)samples);
}

static cJSON *report_obj(const hv_outctx *o, const hv_report *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "file", o->label);
    cJSON_AddStringToObject(j, HPR_CMD, r->cmd);
    cJSON_AddNumberToObject(j, HPR_PID, (double)r->pid);
    if (r->merged) cJSON_AddNumberToObject(j, "merged", (double)r->merged);
    cJSON_AddStringToObject(j, "writer",
                            r->heapprof  ? "heapprof"
                            : r->dhat_rs ? "dhat-rs"
                                         : "dhat");
    cJSON_AddStringToObject(j, HPR_TU, r->tu);
    cJSON_AddStringToObject(j, HPR_MTU, r->mtu);
    cJSON_AddNumberToObject(j, HPR_TE, (double)r->te);
    cJSON_AddNumberToObject(j, HPR_TG, (double)r->tg);
    cJSON_AddNumberToObject(j, HPR_TUTH, (double)r->tuth);
    cJSON_AddBoolToObject(j, "complete", r->complete);
    add_estimated(j, r->sampled, r->sample_rate, r->samples);
    cJSON *e = cJSON_AddArrayToObject(j, "errors");
    for (size_t i = 0; e && i < r->nerrors; i++)
        cJSON_AddItemToArray(e, cJSON_CreateString(r->errors[i]));
    cJSON_AddNumberToObject(j, "sites", (double)r->nsites);
    cJSON_AddItemToObject(j, "totals", metrics_obj(r, r->tot, r->has_leak_check));
    if (r->has_hist) {
        double pct[4] = {hv_report_pct(r, 0, 0.5), hv_report_pct(r, 0, 0.99),
                         hv_report_pct(r, 1, 0.5), hv_report_pct(r, 1, 0.99)};
        cJSON_AddItemToObject(j, "percentiles", pct_obj(pct));
    }
    if (r->timeline) {
        const hv_timeline *tl = r->timeline;
        cJSON *t = cJSON_AddObjectToObject(j, "timeline");
        cJSON_AddNumberToObject(t, "points", (double)tl->n);
        cJSON_AddNumberToObject(t, "sites", (double)tl->nsites);
        size_t top = 0; /* the point of the maximum (the first, if several) */
        for (size_t i = 1; i < tl->n; i++)
            if (tl->b[i] > tl->b[top]) top = i;
        cJSON_AddNumberToObject(t, "max_bytes", (double)tl->b[top]);
        cJSON_AddNumberToObject(t, "max_t_us", tl->t_us[top]);
    }
    if (r->has_leak_check) {
        const hv_leakcheck *lc = &r->lc;
        cJSON *l = cJSON_AddObjectToObject(j, "leak_check");
        cJSON_AddNumberToObject(l, HPR_LC_DEFINITE_BYTES, (double)lc->definite_bytes);
        cJSON_AddNumberToObject(l, HPR_LC_DEFINITE_BLOCKS, (double)lc->definite_blocks);
        cJSON_AddNumberToObject(l, HPR_LC_INDIRECT_BYTES, (double)lc->indirect_bytes);
        cJSON_AddNumberToObject(l, HPR_LC_INDIRECT_BLOCKS, (double)lc->indirect_blocks);
        cJSON_AddNumberToObject(l, HPR_LC_REACHABLE_BYTES, (double)lc->reachable_bytes);
        cJSON_AddNumberToObject(l, HPR_LC_REACHABLE_BLOCKS, (double)lc->reachable_blocks);
        cJSON_AddNumberToObject(l, HPR_LC_SUPPRESSED_BYTES, (double)lc->suppressed_bytes);
        cJSON_AddNumberToObject(l, HPR_LC_SUPPRESSED_BLOCKS, (double)lc->suppressed_blocks);
        cJSON_AddNumberToObject(l, HPR_LC_UNREADABLE_BYTES, (double)lc->unreadable_bytes);
        cJSON_AddNumberToObject(l, HPR_LC_UNREADABLE_BLOCKS, (double)lc->unreadable_blocks);
        if (lc->no_verdict) cJSON_AddStringToObject(l, HPR_LC_NO_VERDICT, lc->no_verdict);
        cJSON_AddNumberToObject(l, HPR_LC_EXIT_CODE, (double)lc->exit_code);
    }
    return j;
}

static cJSON *row_obj(const hv_outctx *o, const hv_report *r, const hv_row *row, size_t rank)
{
    const hv_site *s = &r->sites[row->site];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "rank", (double)rank);
    const char *func =
        s->nfs ? r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]].func : HPR_ROOT_FRAME;
    cJSON_AddStringToObject(j, "function", func);
    const hv_frame *via = s->nfs ? hv_site_via(r, s) : NULL;
    if (via) cJSON_AddStringToObject(j, "via", via->func);
    cJSON_AddNumberToObject(j, "sites", (double)row->nsites);
    cJSON_AddItemToObject(j, "metrics", metrics_obj(r, row->v, row->has_leak));
    if (r->has_hist) cJSON_AddItemToObject(j, "percentiles", pct_obj(row->pct));
    if (!o->q->by_function || row->nsites == 1)
        cJSON_AddItemToObject(j, "frames", frames_arr(r, s));
    return j;
}

static int print_doc(const hv_outctx *o, cJSON *doc)
{
    char *s = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!s) return -1;
    fputs(s, o->f);
    fputc('\n', o->f);
    free(s);
    return ferror(o->f) ? -1 : 0;
}

static int json_report(const hv_outctx *o, const hv_report *r, const hv_section *sec, size_t n)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return -1;
    cJSON_AddNumberToObject(doc, "heapview", HV_JSON_VERSION);
    cJSON_AddItemToObject(doc, "report", report_obj(o, r));
    cJSON *views = cJSON_AddArrayToObject(doc, "views");
    for (size_t i = 0; views && i < n; i++) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "view", sec[i].view->name);
        if (r->sampled && sec[i].view == &hv_view_leaks)
            cJSON_AddStringToObject(v, "note",
                                    "live at exit (estimated); a leak verdict needs exact mode");
        cJSON_AddStringToObject(v, "sort", hv_metric_name(sec[i].sort));
        cJSON_AddBoolToObject(v, "by_function", o->q->by_function);
        cJSON_AddNumberToObject(v, "matching", (double)sec[i].rows.nmatch);
        cJSON_AddItemToObject(v, "totals", metrics_obj(r, sec[i].rows.sum, r->has_leak_check));
        cJSON *rows = cJSON_AddArrayToObject(v, "rows");
        for (size_t k = 0; rows && k < sec[i].rows.n; k++)
            cJSON_AddItemToArray(rows, row_obj(o, r, &sec[i].rows.row[k], k + 1));
        cJSON_AddItemToArray(views, v);
    }
    return print_doc(o, doc);
}

static void add_side(cJSON *j, const char *name, const hv_report *r, const uint64_t *v, size_t site)
{
    if (site == SIZE_MAX)
        cJSON_AddNullToObject(j, name);
    else
        cJSON_AddItemToObject(j, name, metrics_obj(r, v, false));
}

static int json_diff(const hv_outctx *o, const hv_diff *d)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return -1;
    cJSON_AddNumberToObject(doc, "heapview", HV_JSON_VERSION);
    cJSON_AddStringToObject(doc, "diff", o->label);
    cJSON_AddStringToObject(doc, "metric", hv_metric_name(d->metric));
    /* sampled on either side: estimated; one rate only when both sides share it */
    const hv_report *b = d->base, *c = d->cur;
    add_estimated(doc, b->sampled || c->sampled,
                  b->sample_rate == c->sample_rate ? b->sample_rate : 0, b->samples + c->samples);
    cJSON *t = cJSON_AddObjectToObject(doc, "totals");
    cJSON_AddItemToObject(t, "base", metrics_obj(d->base, d->base->tot, false));
    cJSON_AddItemToObject(t, "new", metrics_obj(d->cur, d->cur->tot, false));
    cJSON_AddNumberToObject(doc, "both", (double)d->nboth);
    cJSON_AddNumberToObject(doc, "base_only", (double)d->nbase_only);
    cJSON_AddNumberToObject(doc, "new_only", (double)d->ncur_only);
    cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
    for (size_t k = 0; rows && k < d->n; k++) {
        const hv_diff_row *x = &d->row[k];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "delta", hv_diff_delta(d, x, d->metric));
        add_side(j, "base", d->base, x->base, x->base_site);
        add_side(j, "new", d->cur, x->cur, x->cur_site);
        const hv_report *r = x->cur_site != SIZE_MAX ? d->cur : d->base;
        size_t si = x->cur_site != SIZE_MAX ? x->cur_site : x->base_site;
        cJSON_AddItemToObject(j, "frames", frames_arr(r, &r->sites[si]));
        cJSON_AddItemToArray(rows, j);
    }
    return print_doc(o, doc);
}

const hv_out hv_out_json = {"json", json_report, json_diff};
