/* out_html.c - one self-contained HTML page (heapview --html): the report's numbers as one
 * JSON object inside the page, drawn by viewer/html/page.js with viewer/html/page.css (both
 * embedded at build time: html_assets.h). No network: no link, no CDN, nothing fetched.
 * Scale: the page carries only the sites that can be seen. A site is kept if it is at least
 * 1/HV_HTML_PX of the total of some flamegraph metric (narrower, it is below a pixel of a
 * HV_HTML_PX-wide graph), or among the HV_HTML_TOP first by some --sort metric (the table);
 * the rest are summed into one "other" entry. So the page holds at most
 * HV_HTML_PX * (flame metrics) + HV_HTML_TOP * HV_NMETRIC sites, whatever the report's size.
 * Page data (docs/heapview.md, "HTML page"): frames as [func, sym, flags] (flags: 1 system,
 * 2 glue); sites as {f: frame ids innermost first, u: first user frame, via: frame id or -1,
 * v: raw counters, d: derived metrics, sl: short-lived, b: base counters (diff)}. */
#include "out.h"

#include "html_assets.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

#define HV_HTML_PX  2000
#define HV_HTML_TOP 50

/* Flamegraph metrics (page.js: FLAME): a site kept for any of them is drawn. */
static const hv_metric flame_metrics[] = {HV_TB, HV_TBK, HV_GB, HV_EB, HV_DB, HV_IB};

/* JSON string: '<' as \u003c so that no "</script>" can close the data element. */
static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&' || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void put_num(FILE *f, double v)
{
    if (v == (double)(uint64_t)v && v < 9007199254740992.0)
        fprintf(f, "%llu", (unsigned long long)v);
    else
        fprintf(f, "%.17g", v);
}

static void put_raw(FILE *f, const uint64_t *v)
{
    fputc('[', f);
    for (int m = 0; m < HV_NRAW; m++)
        fprintf(f, "%s%llu", m ? "," : "", (unsigned long long)v[m]);
    fputc(']', f);
}

static void put_derived(FILE *f, const hv_report *r, const uint64_t *v)
{
    fputc('[', f);
    for (int m = HV_NRAW; m < HV_NMETRIC; m++) {
        if (m > HV_NRAW) fputc(',', f);
        put_num(f, hv_metric_value(r, v, (hv_metric)m));
    }
    fputc(']', f);
}

static const char *unit_name(hv_unit u)
{
    static const char *const n[] = {"B", "n", "t", "B/s", "n/s"};
    return n[u];
}

static void put_header(FILE *f, const hv_report *r)
{
    fputs("{\"cmd\":", f);
    put_str(f, r->cmd);
    fprintf(f, ",\"pid\":%lld,\"writer\":", (long long)r->pid);
    put_str(f, r->heapprof ? "heapprof" : r->dhat_rs ? "dhat-rs" : "dhat");
    fputs(",\"tu\":", f);
    put_str(f, r->tu);
    fputs(",\"mtu\":", f);
    put_str(f, r->mtu);
    fprintf(f, ",\"te\":%llu,\"tg\":%llu,\"tuth\":%llu,\"complete\":%s,\"nsites\":%zu,\"tot\":",
            (unsigned long long)r->te, (unsigned long long)r->tg, (unsigned long long)r->tuth,
            r->complete ? "true" : "false", r->nsites);
    put_raw(f, r->tot);
    fputs(",\"errors\":[", f);
    for (size_t i = 0; i < r->nerrors; i++) {
        if (i) fputc(',', f);
        put_str(f, r->errors[i]);
    }
    fputs("],\"lc\":", f);
    if (!r->has_leak_check) {
        fputs("null", f);
    } else {
        const hv_leakcheck *lc = &r->lc;
        fputs("{\"mode\":", f);
        put_str(f, lc->mode);
        fprintf(f,
                ",\"definite\":[%llu,%llu],\"indirect\":[%llu,%llu],\"reachable\":[%llu,%llu],"
                "\"suppressed\":[%llu,%llu],\"unreadable\":[%llu,%llu],\"exit_code\":%lld,"
                "\"no_verdict\":",
                (unsigned long long)lc->definite_bytes, (unsigned long long)lc->definite_blocks,
                (unsigned long long)lc->indirect_bytes, (unsigned long long)lc->indirect_blocks,
                (unsigned long long)lc->reachable_bytes, (unsigned long long)lc->reachable_blocks,
                (unsigned long long)lc->suppressed_bytes, (unsigned long long)lc->suppressed_blocks,
                (unsigned long long)lc->unreadable_bytes, (unsigned long long)lc->unreadable_blocks,
                (long long)lc->exit_code);
        if (lc->no_verdict)
            put_str(f, lc->no_verdict);
        else
            fputs("null", f);
        fputc('}', f);
    }
    fputc('}', f);
}

static void put_metrics(FILE *f)
{
    fputs("\"metrics\":[", f);
    for (int m = 0; m < HV_NMETRIC; m++) {
        fputs(m ? ",[" : "[", f);
        put_str(f, hv_metric_name((hv_metric)m));
        fputc(',', f);
        put_str(f, hv_metric_label((hv_metric)m));
        fputc(',', f);
        put_str(f, unit_name(hv_metric_unit((hv_metric)m)));
        fputc(']', f);
    }
    fputc(']', f);
}

/* ---- which sites to keep ---- */

typedef struct item {
    const hv_report *r;
    const uint64_t *v, *b; /* counters (new side for a diff), base counters or NULL */
} item;

typedef struct sel {
    const item *it;
    size_t n;
    hv_metric m;
    bool delta; /* rank by |v - b| */
} sel;

static double item_value(const sel *s, size_t i)
{
    const item *x = &s->it[i];
    double v = hv_metric_value(x->r, x->v, s->m);
    if (s->delta) {
        double b = x->b ? hv_metric_value(x->r, x->b, s->m) : 0;
        v = v > b ? v - b : b - v;
    }
    return v;
}

static int rank_cmp_cb(const void *a, const void *b, void *ctx)
{
    const sel *s = ctx;
    double va = item_value(s, *(const size_t *)a), vb = item_value(s, *(const size_t *)b);
    if (va != vb) return va < vb ? 1 : -1;
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* keep[i] for every item worth showing (see the file header). tot (and btot) are the totals
 * over all items. Returns 0, or -1 when out of memory. */
static int choose(const item *it, size_t n, const uint64_t *tot, const uint64_t *btot, bool *keep)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof flame_metrics / sizeof *flame_metrics && !keep[i]; k++) {
            hv_metric m = flame_metrics[k];
            uint64_t t = max_u64(tot[m], btot ? btot[m] : 0);
            uint64_t v = max_u64(it[i].v[m], it[i].b ? it[i].b[m] : 0);
            keep[i] = v > 0 && (double)v * HV_HTML_PX >= (double)t;
        }
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx) return -1;
    for (int pass = 0; pass < (btot ? 2 : 1); pass++)
        for (int m = 0; m < HV_NMETRIC; m++) {
            sel s = {it, n, (hv_metric)m, pass == 1};
            for (size_t i = 0; i < n; i++)
                idx[i] = i;
            qsort_r(idx, n, sizeof *idx, rank_cmp_cb, &s);
            for (size_t i = 0; i < n && i < HV_HTML_TOP; i++)
                if (item_value(&s, idx[i]) > 0) keep[idx[i]] = true;
        }
    free(idx);
    return 0;
}

/* ---- frames: only those of kept sites, renumbered ---- */

typedef struct ftab {
    uint32_t *map[2]; /* per report: frame index -> page id + 1, 0 if not used */
    uint32_t n;
} ftab;

static uint32_t frame_id(ftab *t, int side, uint32_t fi)
{
    if (!t->map[side][fi]) t->map[side][fi] = ++t->n;
    return t->map[side][fi] - 1;
}

static bool short_lived(const hv_report *r, const uint64_t *v)
{
    hv_site s = {0};
    memcpy(s.v, v, sizeof s.v);
    hv_query q;
    hv_query_defaults(&q);
    return hv_view_short.keep(r, &s, &q);
}

static void put_site(FILE *f, ftab *t, int side, const hv_report *r, const hv_site *s,
                     const uint64_t *v, const uint64_t *b)
{
    const uint32_t *fs = hv_site_frames(r, s);
    fputs("{\"f\":[", f);
    for (uint32_t i = 0; i < s->nfs; i++)
        fprintf(f, "%s%u", i ? "," : "", frame_id(t, side, fs[i]));
    const hv_frame *via = s->nfs ? hv_site_via(r, s) : NULL;
    long long vid = -1;
    if (via) vid = (long long)frame_id(t, side, (uint32_t)(via - r->frames));
    fprintf(f, "],\"u\":%u,\"via\":%lld,\"sl\":%d,\"v\":", s->nfs ? hv_site_first_user(r, s) : 0,
            vid, short_lived(r, v));
    put_raw(f, v);
    fputs(",\"d\":", f);
    put_derived(f, r, v);
    if (b) {
        fputs(",\"b\":", f);
        put_raw(f, b);
        fputs(",\"bd\":", f);
        put_derived(f, r, b);
        fprintf(f, ",\"bsl\":%d", short_lived(r, b));
    }
    fputc('}', f);
}

static void put_frames(FILE *f, const ftab *t, const hv_report *const *rs)
{
    const hv_frame **order = calloc(t->n ? t->n : 1, sizeof *order);
    fputs("\"frames\":[", f);
    if (order) {
        for (int side = 0; side < 2; side++)
            for (size_t i = 0; rs[side] && i < rs[side]->nframes; i++)
                if (t->map[side][i]) order[t->map[side][i] - 1] = &rs[side]->frames[i];
        for (uint32_t i = 0; i < t->n; i++) {
            const hv_frame *fr = order[i];
            fputs(i ? ",[" : "[", f);
            put_str(f, fr->func);
            fputc(',', f);
            put_str(f, fr->sym);
            fprintf(f, ",%d]", (fr->system ? 1 : 0) | (fr->glue ? 2 : 0));
        }
    }
    fputc(']', f);
    free(order);
}

/* The "other" entry: sums of the items not kept. */
static void put_other(FILE *f, const hv_report *r, const item *it, size_t n, const bool *keep,
                      bool diff)
{
    uint64_t v[HV_NRAW] = {0}, b[HV_NRAW] = {0}, sv = 0, sb = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (keep[i]) continue;
        cnt++;
        for (int m = 0; m < HV_NRAW; m++) {
            v[m] += it[i].v[m];
            b[m] += it[i].b ? it[i].b[m] : 0;
        }
        if (short_lived(r, it[i].v)) sv += it[i].v[HV_TBK];
        if (it[i].b && short_lived(r, it[i].b)) sb += it[i].b[HV_TBK];
    }
    fprintf(f, "\"other\":{\"n\":%zu,\"slv\":%llu,\"v\":", cnt, (unsigned long long)sv);
    put_raw(f, v);
    if (diff) {
        fprintf(f, ",\"slb\":%llu,\"b\":", (unsigned long long)sb);
        put_raw(f, b);
    }
    fputc('}', f);
}

static int put_page(const hv_outctx *o, const char *kind, const hv_report *r, const hv_report *base,
                    const item *it, const hv_site *const *site, size_t n, const uint64_t *tot,
                    const uint64_t *btot)
{
    FILE *f = o->f;
    bool *keep = calloc(n ? n : 1, sizeof *keep);
    const hv_report *rs[2] = {r, base};
    ftab t = {{calloc(r->nframes + 1, sizeof(uint32_t)),
               calloc((base ? base->nframes : 0) + 1, sizeof(uint32_t))},
              0};
    int rc = -1;
    if (!keep || !t.map[0] || !t.map[1] || choose(it, n, tot, btot, keep) < 0) goto out;

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n<title>heapview: ",
          f);
    for (const char *p = o->label; *p; p++) /* the title is text: escape what HTML would read */
        if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '&')
            fputs("&amp;", f);
        else
            fputc(*p, f);
    fputs("</title>\n<style>\n", f);
    fputs(hv_html_page_css, f);
    fputs("</style></head>\n<body>\n", f);
    fputs(hv_html_page_body, f);
    fputs("<script id=\"hv-data\" type=\"application/json\">{\"v\":1,\"kind\":", f);
    put_str(f, kind);
    fputs(",\"file\":", f);
    put_str(f, o->label);
    fprintf(f, ",\"px\":%d,\"top\":%d,\"hdr\":", HV_HTML_PX, HV_HTML_TOP);
    put_header(f, r);
    if (base) {
        fputs(",\"bhdr\":", f);
        put_header(f, base);
    }
    fputc(',', f);
    put_metrics(f);
    fputs(",\"sites\":[", f);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i]) continue;
        if (k++) fputs(",\n", f);
        int side = site[i] >= r->sites && site[i] < r->sites + r->nsites ? 0 : 1;
        put_site(f, &t, side, rs[side], site[i], it[i].v, it[i].b);
    }
    fputs("],\n", f);
    put_other(f, r, it, n, keep, base != NULL);
    fputc(',', f);
    put_frames(f, &t, rs);
    /* The timeline (hp_timeline) and the histograms (hp_hist) are drawn by page.js when the
     * data has "timeline" and per-site "hist" (docs/heapview.md); this model has neither. */
    fputs(",\"timeline\":null}</script>\n<script>\n", f);
    fputs(hv_html_page_js, f);
    fputs("</script>\n</body></html>\n", f);
    rc = ferror(f) ? -1 : 0;
out:
    free(keep);
    free(t.map[0]);
    free(t.map[1]);
    return rc;
}

static int html_report(const hv_outctx *o, const hv_report *r, const hv_section *sec, size_t nsec)
{
    (void)sec, (void)nsec;
    size_t n = r->nsites;
    item *it = calloc(n ? n : 1, sizeof *it);
    const hv_site **site = calloc(n ? n : 1, sizeof *site);
    int rc = -1;
    if (!it || !site) goto out;
    for (size_t i = 0; i < n; i++) {
        it[i] = (item){r, r->sites[i].v, NULL};
        site[i] = &r->sites[i];
    }
    rc = put_page(o, "report", r, NULL, it, site, n, r->tot, NULL);
out:
    free(it);
    free(site);
    return rc;
}

static int html_diff(const hv_outctx *o, const hv_diff *d)
{
    size_t n = d->n;
    item *it = calloc(n ? n : 1, sizeof *it);
    const hv_site **site = calloc(n ? n : 1, sizeof *site);
    int rc = -1;
    if (!it || !site) goto out;
    for (size_t i = 0; i < n; i++) {
        const hv_diff_row *x = &d->row[i];
        it[i] = (item){d->cur, x->cur, x->base};
        site[i] =
            x->cur_site != SIZE_MAX ? &d->cur->sites[x->cur_site] : &d->base->sites[x->base_site];
    }
    rc = put_page(o, "diff", d->cur, d->base, it, site, n, d->cur->tot, d->base->tot);
out:
    free(it);
    free(site);
    return rc;
}

const hv_out hv_out_html = {"html", html_report, html_diff};
