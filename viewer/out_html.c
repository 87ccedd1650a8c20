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

#include "heapprof_report.h"
#include "html_assets.h"
#include "view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HV_HTML_PX  2000
#define HV_HTML_TOP 50

/* The report's timeline and histograms (hp_timeline, hp_hist: docs/report-format.md) come from
 * the model (model.h's hv_timeline, hv_site.hsize/hlife); a report without them (a DHAT file,
 * a diff) gives a page that says "no timeline" and shows no distributions. */

/* Flamegraph metrics (page.js: FLAME): a site kept for any of them is drawn. */
static const hv_metric flame_metrics[6] = {HV_TB, HV_TBK, HV_GB, HV_EB, HV_DB, HV_IB};

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

/* Derived metrics of counters v; s: the site for its percentiles (NULL: none known). */
static void put_derived(FILE *f, const hv_report *r, const uint64_t *v, const hv_site *s)
{
    fputc('[', f);
    for (int m = HV_NRAW; m < HV_NMETRIC; m++) {
        if (m > HV_NRAW) fputc(',', f);
        if (hv_metric_is_pct((hv_metric)m)) {
            static const double p[4] = {0.5, 0.99, 0.5, 0.99};
            double x = s ? hv_site_pct(r, s, m >= HV_LIFE50, p[m - HV_SIZE50]) : NAN;
            if (x == x)
                put_num(f, x);
            else
                fputs("null", f);
            continue;
        }
        put_num(f, hv_metric_value(r, v, (hv_metric)m));
    }
    fputc(']', f);
    (void)s;
}

static void put_u64s(FILE *f, const uint64_t *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)v[i]);
    fputc(']', f);
}

static void put_hist(FILE *f, const uint64_t *size, size_t nsize, const uint64_t *life,
                     size_t nlife)
{
    fputs("{\"size\":", f);
    put_u64s(f, size, nsize);
    fputs(",\"life\":", f);
    put_u64s(f, life, nlife);
    fputc('}', f);
}

/* hp_timeline with each series' site as its index in the page (pidx[site] - 1). */
static void put_timeline(FILE *f, const hv_timeline *tl, const size_t *pidx)
{
    fputs("{\"t\":[", f);
    for (size_t i = 0; i < tl->n; i++) {
        if (i) fputc(',', f);
        put_num(f, tl->t_us[i]);
    }
    fputs("],\"b\":", f);
    put_u64s(f, tl->b, tl->n);
    fputs(",\"bk\":", f);
    put_u64s(f, tl->bk, tl->n);
    fputs(",\"sites\":[", f);
    for (size_t k = 0; k < tl->nsites; k++) {
        fprintf(f, "%s{\"s\":%lld,\"b\":", k ? "," : "", (long long)pidx[tl->sites[k].site] - 1);
        put_u64s(f, tl->sites[k].b, tl->n);
        fputc('}', f);
    }
    fputs("]}", f);
}

/* The whole heap's histograms: every site's buckets summed. */
static void put_heap_hist(FILE *f, const hv_report *r)
{
    uint64_t size[HPR_H_MAX_BUCKETS] = {0}, life[HPR_H_MAX_BUCKETS] = {0};
    size_t ns = 0, nl = 0;
    for (size_t i = 0; i < r->nsites; i++) {
        const hv_site *s = &r->sites[i];
        for (uint32_t k = 0; k < s->nsize && k < HPR_H_MAX_BUCKETS; k++)
            size[k] += s->hsize[k];
        for (uint32_t k = 0; k < s->nlife && k < HPR_H_MAX_BUCKETS; k++)
            life[k] += s->hlife[k];
        ns = s->nsize > ns ? s->nsize : ns;
        nl = s->nlife > nl ? s->nlife : nl;
    }
    put_hist(f, size, ns < HPR_H_MAX_BUCKETS ? ns : HPR_H_MAX_BUCKETS, life,
             nl < HPR_H_MAX_BUCKETS ? nl : HPR_H_MAX_BUCKETS);
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
    /* sampled: {"rate": R (0: mixed), "samples": N}; the page shows a badge (numbers are
     * estimates) */
    if (r->sampled)
        fprintf(f, ",\"sample\":{\"rate\":%llu,\"samples\":%llu}",
                (unsigned long long)r->sample_rate, (unsigned long long)r->samples);
    else
        fputs(",\"sample\":null", f);
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

/* The HV_HTML_TOP best items by s: best[0..*nb) ascending by (value, -index), so best[0] is the
 * one to drop; items arrive by ascending index, so an equal value never displaces (the
 * earlier index ranks first, as in hv_select). O(n * HV_HTML_TOP) at worst, O(n) typically. */
typedef struct ranked {
    double v;
    size_t i;
} ranked;

static void top_items(const sel *s, ranked *best, size_t *nb)
{
    *nb = 0;
    for (size_t i = 0; i < s->n; i++) {
        double v = item_value(s, i);
        if (!(v > 0)) continue;
        if (*nb == HV_HTML_TOP) {
            if (!(v > best[0].v)) continue;
            memmove(best, best + 1, (HV_HTML_TOP - 1) * sizeof *best); /* drop the lowest */
            (*nb)--;
        }
        size_t p = 0; /* first entry ranking above (v, -i): all have smaller indexes */
        while (p < *nb && best[p].v < v)
            p++;
        memmove(best + p + 1, best + p, (*nb - p) * sizeof *best);
        best[p] = (ranked){v, i};
        (*nb)++;
    }
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* keep[i] for every item worth showing (see the file header). tot (and btot) are the totals
 * over all items. Returns 0. */
static int choose(const item *it, size_t n, const uint64_t *tot, const uint64_t *btot, bool *keep)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof flame_metrics / sizeof *flame_metrics && !keep[i]; k++) {
            hv_metric m = flame_metrics[k];
            uint64_t t = max_u64(tot[m], btot ? btot[m] : 0);
            uint64_t v = max_u64(it[i].v[m], it[i].b ? it[i].b[m] : 0);
            keep[i] = v > 0 && (double)v * HV_HTML_PX >= (double)t;
        }
    ranked best[HV_HTML_TOP];
    size_t nb;
    for (int pass = 0; pass < (btot ? 2 : 1); pass++)
        for (int m = 0; m < HV_NMETRIC; m++) {
            sel s = {it, n, (hv_metric)m, pass == 1};
            top_items(&s, best, &nb);
            for (size_t k = 0; k < nb; k++)
                keep[best[k].i] = true;
        }
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
    put_derived(f, r, v, s);
    if (s->nsize || s->nlife) {
        fputs(",\"hist\":", f);
        put_hist(f, s->hsize, s->nsize, s->hlife, s->nlife);
    }
    if (b) {
        fputs(",\"b\":", f);
        put_raw(f, b);
        fputs(",\"bd\":", f);
        put_derived(f, r, b, NULL);
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

/* ---- the sites not kept, as a tree ----
 * Their stacks (outermost first, system frames dropped as page.js does) are grouped level by
 * level into a tree keyed by function name. A node at least 1/HV_HTML_PX of some flamegraph
 * metric's total stays in the page with what its narrower descendants sum to ("[N smaller
 * sites]" under it), so the flamegraph keeps its callers; a site stops descending at its first
 * narrow prefix. Kept nodes: at most HV_HTML_PX per depth and metric; memory: O(sites) for one
 * level at a time, whatever the stacks' shapes. */

enum { AF_SHORT = 6, AF_N = 7 }; /* tb tbk gb eb db ib (flame_metrics), short-lived blocks */

typedef struct anode {
    uint32_t parent, canon; /* canon: the function's id (fn_canon) */
    uint64_t n, rest_n;     /* sites under it; those not under a kept child */
} anode; /* its values: kv[i * 2nv ..] totals (new, then base in a diff), then the residual */

typedef struct atree {
    uint32_t *canon[2];           /* per report: frame index -> function id */
    uint32_t *rep_side, *rep_idx; /* function id -> one of its frames */
    uint32_t ncanon;
} atree;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t pow2_above(size_t n)
{
    size_t p = 16;
    while (p < 2 * n)
        p *= 2;
    return p;
}

/* Function ids shared by both reports: equal names, equal ids. */
static int fn_canon(atree *a, const hv_report *const *rs)
{
    size_t tot = rs[0]->nframes + (rs[1] ? rs[1]->nframes : 0), mask = pow2_above(tot) - 1;
    uint32_t *tab = calloc(mask + 1, sizeof *tab);
    a->rep_side = malloc((tot + 1) * sizeof *a->rep_side);
    a->rep_idx = malloc((tot + 1) * sizeof *a->rep_idx);
    if (!tab || !a->rep_side || !a->rep_idx) goto oom;
    for (int side = 0; side < 2 && rs[side]; side++) {
        if (!(a->canon[side] = malloc((rs[side]->nframes + 1) * sizeof(uint32_t)))) goto oom;
        for (uint32_t i = 0; i < rs[side]->nframes; i++) {
            const char *fn = rs[side]->frames[i].func;
            size_t h = hash_str(fn) & mask;
            while (tab[h]) {
                uint32_t c = tab[h] - 1;
                if (strcmp(fn, rs[a->rep_side[c]]->frames[a->rep_idx[c]].func) == 0) break;
                h = (h + 1) & mask;
            }
            if (!tab[h]) {
                a->rep_side[a->ncanon] = (uint32_t)side;
                a->rep_idx[a->ncanon] = i;
                tab[h] = ++a->ncanon;
            }
            a->canon[side][i] = tab[h] - 1;
        }
    }
    free(tab);
    return 0;
oom:
    free(tab);
    return -1;
}

/* The site's flamegraph values (flame_metrics, then short-lived blocks). */
static void flame_values(const hv_report *r, const uint64_t *v, uint64_t *out)
{
    for (int k = 0; k < 6; k++)
        out[k] = v ? v[flame_metrics[k]] : 0;
    out[AF_SHORT] = v && short_lived(r, v) ? v[HV_TBK] : 0;
}

/* One dropped site on its way down: its report, stack, the next frame to read (counting down),
 * the kept node it is at, and its values. */
typedef struct walker {
    int side;
    bool any_user;
    const uint32_t *fs;
    uint32_t k, at, tmp;
    uint64_t *fv;
} walker;

static int put_agg(FILE *f, ftab *t, const hv_report *const *rs, const item *it,
                   const hv_site *const *site, size_t n, const bool *keep)
{
    size_t nv = rs[1] ? 2 * AF_N : AF_N, nw = 0, nk = 0, capk = 256, ntmp = 0;
    atree a = {0};
    uint64_t tot[2 * AF_N] = {0};
    walker *w = calloc(n ? n : 1, sizeof *w);
    uint64_t *fvs = calloc((n ? n : 1) * nv, sizeof *fvs);
    anode *kn = malloc(capk * sizeof *kn);
    uint64_t *kv = NULL, *tv = NULL, *tn = NULL;
    uint32_t *slot = NULL, *tparent = NULL, *tcanon = NULL, *tkept = NULL;
    int rc = -1;
    if (!w || !fvs || !kn || fn_canon(&a, rs) < 0) goto out;
    for (size_t i = 0; i < n; i++) {
        uint64_t *fv = fvs + nw * nv;
        flame_values(it[i].r, it[i].v, fv);
        if (rs[1]) flame_values(it[i].r, it[i].b, fv + AF_N);
        for (size_t k = 0; k < nv; k++)
            tot[k] += fv[k];
        if (keep[i]) continue;
        int side = site[i] >= rs[0]->sites && site[i] < rs[0]->sites + rs[0]->nsites ? 0 : 1;
        walker *x = &w[nw++];
        *x = (walker){side, false, hv_site_frames(rs[side], site[i]), site[i]->nfs, 0, 0, fv};
        for (uint32_t k = 0; k < x->k; k++)
            x->any_user |= !rs[side]->frames[x->fs[k]].system;
    }
    /* kept node 0: the root, every dropped site */
    kn[nk++] = (anode){UINT32_MAX, UINT32_MAX, nw, nw};
    uint64_t root[2 * AF_N] = {0};
    for (size_t i = 0; i < nw; i++)
        for (size_t k = 0; k < nv; k++)
            root[k] += w[i].fv[k];
    size_t nkv = 1, capkv = 256;
    if (!(kv = malloc(capkv * 2 * nv * sizeof *kv))) goto out;
    memcpy(kv, root, nv * sizeof *kv);
    memcpy(kv + nv, root, nv * sizeof *kv);
    size_t mask = pow2_above(nw) - 1;
    slot = malloc((mask + 1) * sizeof *slot);
    tparent = malloc((nw + 1) * sizeof *tparent);
    tcanon = malloc((nw + 1) * sizeof *tcanon);
    tkept = malloc((nw + 1) * sizeof *tkept);
    tn = malloc((nw + 1) * sizeof *tn);
    tv = malloc((nw + 1) * nv * sizeof *tv);
    if (!slot || !tparent || !tcanon || !tkept || !tn || !tv) goto out;
    for (size_t alive = nw; alive;) {
        /* one level: group the walkers by (node, next function) */
        memset(slot, 0, (mask + 1) * sizeof *slot);
        ntmp = 0;
        size_t j = 0;
        for (size_t i = 0; i < alive; i++) {
            walker *x = &w[i];
            const hv_report *r = rs[x->side];
            while (x->k > 0 && x->any_user && r->frames[x->fs[x->k - 1]].system)
                x->k--;
            if (x->k == 0) continue; /* ends at its node */
            uint32_t c = a.canon[x->side][x->fs[--x->k]];
            size_t h = (size_t)((((uint64_t)x->at << 32 | c) * 0x9E3779B97F4A7C15ull) >> 17) & mask;
            while (slot[h] && !(tparent[slot[h] - 1] == x->at && tcanon[slot[h] - 1] == c))
                h = (h + 1) & mask;
            if (!slot[h]) {
                tparent[ntmp] = x->at;
                tcanon[ntmp] = c;
                tn[ntmp] = 0;
                memset(tv + ntmp * nv, 0, nv * sizeof *tv);
                slot[h] = (uint32_t)++ntmp;
            }
            x->tmp = slot[h] - 1;
            tn[x->tmp]++;
            for (size_t k = 0; k < nv; k++)
                tv[x->tmp * nv + k] += x->fv[k];
            w[j++] = *x;
        }
        /* keep the wide groups */
        for (size_t g = 0; g < ntmp; g++) {
            bool pass = false;
            for (size_t k = 0; k < nv && !pass; k++)
                pass = tv[g * nv + k] > 0 && (double)tv[g * nv + k] * HV_HTML_PX >= (double)tot[k];
            tkept[g] = UINT32_MAX;
            if (!pass) continue;
            if (nk == capk || nkv == capkv) {
                capk *= 2;
                capkv = capk;
                anode *k2 = realloc(kn, capk * sizeof *kn);
                if (k2) kn = k2;
                uint64_t *v2 = realloc(kv, capkv * 2 * nv * sizeof *kv);
                if (v2) kv = v2;
                if (!k2 || !v2) goto out;
            }
            tkept[g] = (uint32_t)nk;
            kn[nk++] = (anode){tparent[g], tcanon[g], tn[g], tn[g]};
            memcpy(kv + nkv * 2 * nv, tv + g * nv, nv * sizeof *kv);
            memcpy(kv + nkv * 2 * nv + nv, tv + g * nv, nv * sizeof *kv);
            nkv++;
            /* the parent's residual loses what this child keeps */
            anode *p = &kn[tparent[g]];
            p->rest_n -= tn[g];
            for (size_t k = 0; k < nv; k++)
                kv[tparent[g] * 2 * nv + nv + k] -= tv[g * nv + k];
        }
        alive = 0;
        for (size_t i = 0; i < j; i++)
            if (tkept[w[i].tmp] != UINT32_MAX) {
                w[i].at = tkept[w[i].tmp];
                w[alive++] = w[i];
            }
    }
    fputs("\"agg\":[", f);
    size_t out_n = 0;
    for (size_t i = 0; i < nk; i++) {
        if (!kn[i].rest_n) continue;
        uint32_t path[HV_MAX_SITE_FRAMES + 1], np = 0;
        for (uint32_t y = (uint32_t)i; y != 0 && np <= HV_MAX_SITE_FRAMES; y = kn[y].parent)
            path[np++] = kn[y].canon;
        fputs(out_n++ ? ",\n{\"p\":[" : "{\"p\":[", f);
        for (uint32_t q = np; q-- > 0;)
            fprintf(f, "%u%s", frame_id(t, (int)a.rep_side[path[q]], a.rep_idx[path[q]]),
                    q ? "," : "");
        fprintf(f, "],\"n\":%llu,\"v\":[", (unsigned long long)kn[i].rest_n);
        const uint64_t *rest = kv + i * 2 * nv + nv;
        for (size_t m = 0; m < AF_N; m++)
            fprintf(f, "%s%llu", m ? "," : "", (unsigned long long)rest[m]);
        fputs("],\"b\":[", f);
        for (size_t m = 0; m < AF_N; m++)
            fprintf(f, "%s%llu", m ? "," : "", (unsigned long long)(rs[1] ? rest[AF_N + m] : 0));
        fputs("]}", f);
    }
    fputc(']', f);
    rc = 0;
out:
    free(w);
    free(fvs);
    free(kn);
    free(kv);
    free(slot);
    free(tparent);
    free(tcanon);
    free(tkept);
    free(tn);
    free(tv);
    free(a.canon[0]);
    free(a.canon[1]);
    free(a.rep_side);
    free(a.rep_idx);
    return rc;
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
    size_t *pidx = calloc(n ? n : 1, sizeof *pidx); /* item -> page site index + 1 */
    int rc = -1;
    if (!keep || !pidx || !t.map[0] || !t.map[1] || choose(it, n, tot, btot, keep) < 0) goto out;
    /* the timeline's sites are drawn by name: keep them (a report's items are its sites) */
    for (size_t k = 0; !base && r->timeline && k < r->timeline->nsites; k++)
        if (r->timeline->sites[k].site < n) keep[r->timeline->sites[k].site] = true;

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
        pidx[i] = ++k;
        if (k > 1) fputs(",\n", f);
        int side = site[i] >= r->sites && site[i] < r->sites + r->nsites ? 0 : 1;
        put_site(f, &t, side, rs[side], site[i], it[i].v, it[i].b);
    }
    fputs("],\n", f);
    if (put_agg(f, &t, rs, it, site, n, keep) < 0) goto out;
    fputc(',', f);
    put_frames(f, &t, rs);
    fputs(",\"timeline\":", f);
    if (!base && r->timeline)
        put_timeline(f, r->timeline, pidx);
    else
        fputs("null", f);
    if (!base && r->has_hist) {
        fputs(",\"hist\":", f);
        put_heap_hist(f, r);
    }
    fputs("}</script>\n<script>\n", f);
    fputs(hv_html_page_js, f);
    fputs("</script>\n</body></html>\n", f);
    rc = ferror(f) ? -1 : 0;
out:
    free(keep);
    free(pidx);
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
