/* model.c - the report model: frame parsing and classification, metrics, filtering, grouping
 * and ranking. No I/O, no global state; every function is a pure function of its arguments
 * (plus malloc).
 * Ranking invariant: rows[i] >= rows[i+1] by (sort metric, tb, stack text), so equal inputs
 * always give equal output order. */
#include "model.h"

#include "../preload/glue.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void hv_report_free(hv_report *r)
{
    if (!r) return;
    free(r->cmd);
    free(r->tu);
    free(r->mtu);
    free(r->mode);
    free(r->clock);
    for (size_t i = 0; i < r->nerrors; i++)
        free(r->errors[i]);
    free(r->errors);
    for (size_t i = 0; i < r->nframes; i++) {
        free(r->frames[i].text);
        free(r->frames[i].func);
        free(r->frames[i].file);
        free(r->frames[i].lib);
    }
    free(r->frames);
    for (size_t i = 0; i < r->nsites; i++)
        free((void *)r->sites[i].hsize);
    free(r->sites);
    if (r->timeline) {
        hv_timeline *tl = (hv_timeline *)r->timeline; /* const to readers, owned here */
        free((void *)tl->t_us);
        free((void *)tl->b);
        free((void *)tl->bk);
        for (size_t i = 0; i < tl->nsites; i++)
            free((void *)tl->sites[i].b);
        free((void *)tl->sites);
        free(tl);
    }
    free(r->fsbuf);
    free(r->lc.mode);
    free(r->lc.no_verdict);
    free(r);
}

/* ---- frames ---- */

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* The runtime around the program that is not allocator glue (glue.c has that list): the
 * loader, thread start, the profilers and sanitizers. Hidden, but never a site's name unless
 * the whole stack is theirs. */
static const char *const runtime_libs[] = {
    "ld-linux", "ld-2.",   "ld.so",     "libgcc_s", "libpthread", "libheapprof", "vgpreload_",
    "libdl.so", "libm.so", "libunwind", "libasan",  "libubsan",   "liblsan",     "libgomp",
};

static const char *const runtime_funcs[] = {
    "_start",
    "clone",
    "clone3",
    "start_thread",
    "pthread_create",
    "dlopen",
    "dlerror",
    "__libc_start_main",
    "__libc_start_call_main",
};

static bool is_runtime(const char *func, const char *file, const char *lib)
{
    if (lib) {
        const char *b = base_name(lib);
        for (size_t i = 0; i < sizeof runtime_libs / sizeof *runtime_libs; i++)
            if (has_prefix(b, runtime_libs[i])) return true;
    }
    if (func) {
        if (has_prefix(func, "_dl_") || has_prefix(func, "hp_") || has_prefix(func, "heapprof_") ||
            has_prefix(func, "_Unwind_"))
            return true;
        for (size_t i = 0; i < sizeof runtime_funcs / sizeof *runtime_funcs; i++)
            if (strcmp(func, runtime_funcs[i]) == 0) return true;
    }
    return file && strstr(file, "/nptl/");
}

bool hv_frame_is_system(const char *func, const char *file, const char *lib)
{
    return hp_glue_match(NULL, func, file, lib) || is_runtime(func, file, lib);
}

static void classify(hv_frame *f, const hp_glue *g, bool fold)
{
    f->glue = fold && hp_glue_match(g, f->func, f->file, f->lib);
    f->system = f->glue || is_runtime(f->func, f->file, f->lib);
}

void hv_report_set_glue(hv_report *r, const hp_glue *g, bool fold)
{
    for (size_t i = 0; i < r->nframes; i++)
        classify(&r->frames[i], g, fold);
}

int hv_frame_init(hv_frame *f, char *text)
{
    memset(f, 0, sizeof *f);
    f->text = text;
    const char *s = text;
    /* Strip "0xADDR: " (Valgrind's form): hex digits, then ": ". */
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        const char *p = s + 2;
        while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
            p++;
        if (p[0] == ':' && p[1] == ' ') s = p + 2;
    }
    f->sym = s;
    size_t n = strlen(s);
    size_t fn_len = n;
    /* Location: the last " (...)" that ends the string: "(in LIB)" or "(FILE:LINE)". */
    if (n >= 4 && s[n - 1] == ')') {
        const char *open = NULL;
        for (const char *p = s; (p = strstr(p, " (")) != NULL; p++)
            open = p;
        if (open) {
            const char *loc = open + 2;
            size_t loc_len = (size_t)(s + n - 1 - loc);
            if (loc_len > 3 && has_prefix(loc, "in ")) {
                f->lib = strndup(loc + 3, loc_len - 3);
                if (!f->lib) return -1;
                fn_len = (size_t)(open - s);
            } else {
                const char *colon = memrchr(loc, ':', loc_len);
                if (colon && colon > loc && colon + 1 < s + n - 1) {
                    unsigned line = 0;
                    const char *d = colon + 1;
                    for (; d < s + n - 1 && *d >= '0' && *d <= '9'; d++)
                        line = line * 10 + (unsigned)(*d - '0');
                    if (d == s + n - 1) {
                        /* dhat-rs writes "FILE:LINE:COL": the number read was the column */
                        const char *c2 = memrchr(loc, ':', (size_t)(colon - loc));
                        if (c2 && c2 > loc && c2 + 1 < colon) {
                            unsigned l2 = 0;
                            const char *e = c2 + 1;
                            for (; e < colon && *e >= '0' && *e <= '9'; e++)
                                l2 = l2 * 10 + (unsigned)(*e - '0');
                            if (e == colon) {
                                colon = c2;
                                line = l2;
                            }
                        }
                        f->file = strndup(loc, (size_t)(colon - loc));
                        if (!f->file) return -1;
                        f->line = line;
                        fn_len = (size_t)(open - s);
                    }
                }
            }
        }
    }
    f->func = strndup(s, fn_len);
    if (!f->func) return -1;
    classify(f, NULL, true);
    return 0;
}

/* ---- metrics ---- */

static const struct {
    const char *name, *label;
    hv_unit unit;
} metric_info[HV_NMETRIC] = {
    [HV_TB] = {"tb", "total", HV_U_BYTES},
    [HV_TBK] = {"tbk", "blocks", HV_U_COUNT},
    [HV_TL] = {"tl", "lifetime", HV_U_TIME},
    [HV_MB] = {"mb", "max-live", HV_U_BYTES},
    [HV_MBK] = {"mbk", "max-blks", HV_U_COUNT},
    [HV_GB] = {"gb", "at-peak", HV_U_BYTES},
    [HV_GBK] = {"gbk", "peak-blks", HV_U_COUNT},
    [HV_EB] = {"eb", "at-exit", HV_U_BYTES},
    [HV_EBK] = {"ebk", "exit-blks", HV_U_COUNT},
    [HV_RS] = {"rs", "reallocs", HV_U_COUNT},
    [HV_RSG] = {"rsg", "grown", HV_U_BYTES},
    [HV_DB] = {"db", "definite", HV_U_BYTES},
    [HV_DBK] = {"dbk", "def-blks", HV_U_COUNT},
    [HV_IB] = {"ib", "indirect", HV_U_BYTES},
    [HV_IBK] = {"ibk", "ind-blks", HV_U_COUNT},
    [HV_RB] = {"rb", "reachable", HV_U_BYTES},
    [HV_RBK] = {"rbk", "rch-blks", HV_U_COUNT},
    [HV_SB] = {"sb", "suppressed", HV_U_BYTES},
    [HV_SBK] = {"sbk", "sup-blks", HV_U_COUNT},
    [HV_UB] = {"ub", "unreadable", HV_U_BYTES},
    [HV_UBK] = {"ubk", "unr-blks", HV_U_COUNT},
    [HV_AVG_SIZE] = {"avg-size", "avg-size", HV_U_BYTES},
    [HV_AVG_LIFE] = {"avg-life", "avg-life", HV_U_TIME},
    [HV_RATE_BK] = {"rate-blocks", "blocks/s", HV_U_RATE_N},
    [HV_RATE_B] = {"rate-bytes", "bytes/s", HV_U_RATE_B},
    [HV_AVG_GROW] = {"avg-grow", "avg-step", HV_U_BYTES},
    [HV_SIZE50] = {"size50", "size-p50", HV_U_BYTES},
    [HV_SIZE99] = {"size99", "size-p99", HV_U_BYTES},
    [HV_LIFE50] = {"life50", "life-p50", HV_U_TIME},
    [HV_LIFE99] = {"life99", "life-p99", HV_U_TIME},
};

int hv_metric_parse(const char *name, hv_metric *out)
{
    if (has_prefix(name, "hp_")) name += 3;
    for (int m = 0; m < HV_NMETRIC; m++)
        if (strcmp(name, metric_info[m].name) == 0) {
            *out = (hv_metric)m;
            return 0;
        }
    static const struct {
        const char *alias;
        hv_metric m;
    } aliases[] = {{"bytes", HV_TB},
                   {"blocks", HV_TBK},
                   {"peak", HV_GB},
                   {"leaked", HV_EB},
                   {"max", HV_MB},
                   {"lifetime", HV_TL},
                   {"avg-lifetime", HV_AVG_LIFE},
                   {"rate", HV_RATE_BK},
                   {"reallocs", HV_RS}};
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcmp(name, aliases[i].alias) == 0) {
            *out = aliases[i].m;
            return 0;
        }
    return -1;
}

const char *hv_metric_name(hv_metric m)
{
    return metric_info[m].name;
}

const char *hv_metric_label(hv_metric m)
{
    return metric_info[m].label;
}

hv_unit hv_metric_unit(hv_metric m)
{
    return metric_info[m].unit;
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

double hv_metric_value(const hv_report *r, const uint64_t *v, hv_metric m)
{
    if (m < HV_NRAW) return (double)v[m];
    /* te is in tu; one Mtu is 10^6 tu, so a per-Mtu rate is n * 10^6 / te. */
    double mtus = r && r->te ? (double)r->te / 1e6 : 0.0;
    switch (m) {
    case HV_AVG_SIZE:
        return ratio(v[HV_TB], v[HV_TBK]);
    case HV_AVG_LIFE:
        return ratio(v[HV_TL], v[HV_TBK]);
    case HV_RATE_BK:
        return mtus > 0 ? (double)v[HV_TBK] / mtus : 0.0;
    case HV_RATE_B:
        return mtus > 0 ? (double)v[HV_TB] / mtus : 0.0;
    case HV_AVG_GROW:
        return ratio(v[HV_RSG], v[HV_RS]);
    default:
        return 0.0;
    }
}

bool hv_metric_is_pct(hv_metric m)
{
    return m >= HV_SIZE50 && m <= HV_LIFE99;
}

/* ---- distributions ---- */

/* Bucket i holds [2^i, 2^(i+1)); a percentile is reported as the upper bound. */
static double bucket_upper(uint32_t i)
{
    return ldexp(1.0, (int)i + 1);
}

double hv_hist_pct(const uint64_t *h, uint32_t n, double p)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += h[i]; /* <= tot[HV_TBK] for a site's or a sum of sites' (the loader): fits */
    if (total == 0) return NAN;
    if (p < 0) p = 0;
    if (p > 1) p = 1;
    /* Nearest rank k = ceil(p * N), at least 1. The 1e-9 absorbs p * N landing just above an
     * integer in binary (0.07 * 100 is 7.000000000000001; the rank is 7, not 8). */
    double kd = ceil(p * (double)total - 1e-9);
    uint64_t k = kd < 1 ? 1 : (uint64_t)kd;
    uint64_t cum = 0;
    for (uint32_t i = 0; i < n; i++) {
        cum += h[i];
        if (cum >= k) return bucket_upper(i);
    }
    return bucket_upper(n - 1); /* not reached: cum == total >= k */
}

double hv_site_pct(const hv_report *r, const hv_site *s, int which, double p)
{
    (void)r;
    return which == 0 ? hv_hist_pct(s->hsize, s->nsize, p) : hv_hist_pct(s->hlife, s->nlife, p);
}

/* Adds s's histogram `which` into acc[0..HV_HIST_CAP); returns the new length. */
#define HV_HIST_CAP 64 /* >= HPR_H_MAX_BUCKETS (the loader's limit) */
static uint32_t hist_add(uint64_t *acc, uint32_t len, const hv_site *s, int which)
{
    const uint64_t *h = which == 0 ? s->hsize : s->hlife;
    uint32_t n = which == 0 ? s->nsize : s->nlife;
    for (uint32_t i = 0; i < n && i < HV_HIST_CAP; i++)
        acc[i] += h[i]; /* no overflow: the loader checked sum(h) <= tbk, and tot[tbk] fits */
    return n > len ? (n < HV_HIST_CAP ? n : HV_HIST_CAP) : len;
}

double hv_select_pct(const hv_report *r, const hv_query *q, hv_keep_fn keep, int which, double p)
{
    uint64_t acc[HV_HIST_CAP] = {0};
    uint32_t len = 0;
    for (size_t i = 0; i < r->nsites; i++) {
        const hv_site *s = &r->sites[i];
        if (keep && !keep(r, s, q)) continue;
        if (q && !hv_site_matches(r, s, q)) continue;
        len = hist_add(acc, len, s, which);
    }
    return hv_hist_pct(acc, len, p);
}

double hv_report_pct(const hv_report *r, int which, double p)
{
    return hv_select_pct(r, NULL, NULL, which, p);
}

/* The percentiles of hv_row.pct from a merged pair of histograms. */
static void row_pct(hv_row *row, const uint64_t *hs, uint32_t ns, const uint64_t *hl, uint32_t nl)
{
    row->pct[0] = hv_hist_pct(hs, ns, 0.5);
    row->pct[1] = hv_hist_pct(hs, ns, 0.99);
    row->pct[2] = hv_hist_pct(hl, nl, 0.5);
    row->pct[3] = hv_hist_pct(hl, nl, 0.99);
}

double hv_row_value(const hv_report *r, const hv_row *row, hv_metric m)
{
    return hv_metric_is_pct(m) ? row->pct[m - HV_SIZE50] : hv_metric_value(r, row->v, m);
}

/* ---- filters ---- */

static bool glob_field(const char *pat, const char *field, bool try_base)
{
    if (!field) return false;
    if (fnmatch(pat, field, 0) == 0) return true;
    return try_base && fnmatch(pat, base_name(field), 0) == 0;
}

static bool frame_matches(const hv_frame *f, const char *pat)
{
    if (has_prefix(pat, "func:")) return glob_field(pat + 5, f->func, false);
    if (has_prefix(pat, "file:")) return glob_field(pat + 5, f->file, true);
    if (has_prefix(pat, "lib:")) return glob_field(pat + 4, f->lib, true);
    return glob_field(pat, f->func, false) || glob_field(pat, f->file, true) ||
           glob_field(pat, f->lib, true);
}

static bool any_frame_matches(const hv_report *r, const hv_site *s, const char *pat)
{
    const uint32_t *fs = hv_site_frames(r, s);
    for (uint32_t i = 0; i < s->nfs; i++)
        if (frame_matches(&r->frames[fs[i]], pat)) return true;
    return false;
}

bool hv_site_matches(const hv_report *r, const hv_site *s, const hv_query *q)
{
    for (size_t i = 0; i < q->nexclude; i++)
        if (any_frame_matches(r, s, q->exclude[i])) return false;
    if (q->ninclude == 0) return true;
    for (size_t i = 0; i < q->ninclude; i++)
        if (any_frame_matches(r, s, q->include[i])) return true;
    return false;
}

uint32_t hv_site_first_user(const hv_report *r, const hv_site *s)
{
    const uint32_t *fs = hv_site_frames(r, s);
    for (uint32_t i = 0; i < s->nfs; i++)
        if (!r->frames[fs[i]].system) return i;
    return 0;
}

const hv_frame *hv_site_via(const hv_report *r, const hv_site *s)
{
    uint32_t fu = hv_site_first_user(r, s);
    if (fu == 0) return NULL;
    const hv_frame *f = &r->frames[hv_site_frames(r, s)[fu - 1]];
    return f->glue && !hp_glue_is_allocator(f->func) ? f : NULL;
}

/* ---- site identity ---- */

/* One frame's part of the identity: its function, or for "???" its library's base name. */
static const char *ident_part(const hv_frame *f, const char **lib)
{
    *lib = strcmp(f->func, "???") == 0 && f->lib ? base_name(f->lib) : NULL;
    return f->func;
}

char *hv_site_identity(const hv_report *r, const hv_site *s)
{
    if (s->nfs == 0) return strdup("[root]");
    const uint32_t *fs = hv_site_frames(r, s);
    size_t len = 1;
    for (uint32_t i = 0; i < s->nfs; i++) {
        const char *lib, *fn = ident_part(&r->frames[fs[i]], &lib);
        len += strlen(fn) + 1 + (lib ? strlen(lib) + 4 : 0);
    }
    char *k = malloc(len), *p = k;
    if (!k) return NULL;
    for (uint32_t i = 0; i < s->nfs; i++) {
        const char *lib, *fn = ident_part(&r->frames[fs[i]], &lib);
        size_t l = strlen(fn);
        memcpy(p, fn, l);
        p += l;
        if (lib) {
            memcpy(p, " in ", 4);
            memcpy(p + 4, lib, strlen(lib));
            p += 4 + strlen(lib);
        }
        *p++ = '\n';
    }
    p[-1] = '\0'; /* the last separator */
    return k;
}

int hv_site_lines_cmp(const hv_report *r, const hv_site *a, const hv_report *r2, const hv_site *b)
{
    const uint32_t *fa = hv_site_frames(r, a), *fb = hv_site_frames(r2, b);
    for (uint32_t i = 0; i < a->nfs && i < b->nfs; i++) {
        const hv_frame *x = &r->frames[fa[i]], *y = &r2->frames[fb[i]];
        int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
        if (c) return c;
        if (x->line != y->line) return x->line < y->line ? -1 : 1;
    }
    return (a->nfs > b->nfs) - (a->nfs < b->nfs);
}

void hv_query_defaults(hv_query *q)
{
    memset(q, 0, sizeof *q);
    q->sort = HV_TB;
    q->top = 10;
    q->collapse = true;
    q->depth = 4;
    q->short_threshold = -1.0;
}

/* ---- ranking ---- */

typedef struct rank_ctx {
    const hv_report *r;
    hv_metric sort;
} rank_ctx;

/* Function of a site's first user frame: the key of --by-function. */
static const char *site_func(const hv_report *r, const hv_site *s)
{
    if (s->nfs == 0) return "[root]";
    return r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]].func;
}

/* Total order on stacks by their symbolized text, for deterministic ties. */
static int stack_cmp(const hv_report *r, const hv_site *a, const hv_site *b)
{
    const uint32_t *fa = hv_site_frames(r, a), *fb = hv_site_frames(r, b);
    for (uint32_t i = 0; i < a->nfs && i < b->nfs; i++) {
        int c = strcmp(r->frames[fa[i]].sym, r->frames[fb[i]].sym);
        if (c) return c;
    }
    return (a->nfs > b->nfs) - (a->nfs < b->nfs);
}

static int row_cmp(const rank_ctx *c, const hv_row *a, const hv_row *b)
{
    double va = hv_row_value(c->r, a, c->sort), vb = hv_row_value(c->r, b, c->sort);
    if (isnan(va)) va = -1; /* no histogram: ranks after every site that has one */
    if (isnan(vb)) vb = -1;
    if (va != vb) return va < vb ? 1 : -1;
    if (a->v[HV_TB] != b->v[HV_TB]) return a->v[HV_TB] < b->v[HV_TB] ? 1 : -1;
    return stack_cmp(c->r, &c->r->sites[a->site], &c->r->sites[b->site]);
}

static int row_cmp_cb(const void *a, const void *b, void *ctx)
{
    return row_cmp(ctx, a, b);
}

static int func_cmp_cb(const void *a, const void *b, void *ctx)
{
    const hv_report *r = ctx;
    const hv_row *x = a, *y = b;
    int c = strcmp(site_func(r, &r->sites[x->site]), site_func(r, &r->sites[y->site]));
    if (c) return c;
    return (x->site > y->site) - (x->site < y->site);
}

/* Merges rows with equal function (rows sorted by function), keeping as representative the
 * member that ranks first; a group's percentiles are those of its merged histograms.
 * Returns the new count. */
static size_t group_by_function(const hv_report *r, const rank_ctx *c, hv_row *row, size_t n)
{
    size_t out = 0;
    uint64_t hs[HV_HIST_CAP], hl[HV_HIST_CAP];
    uint32_t ns = 0, nl = 0;
    for (size_t i = 0; i < n; i++) {
        bool same = out > 0 && strcmp(site_func(r, &r->sites[row[out - 1].site]),
                                      site_func(r, &r->sites[row[i].site])) == 0;
        if (!same && out > 0 && row[out - 1].nsites > 1) row_pct(&row[out - 1], hs, ns, hl, nl);
        if (!same) {
            memset(hs, 0, sizeof hs);
            memset(hl, 0, sizeof hl);
            ns = hist_add(hs, 0, &r->sites[row[i].site], 0);
            nl = hist_add(hl, 0, &r->sites[row[i].site], 1);
        } else {
            ns = hist_add(hs, ns, &r->sites[row[i].site], 0);
            nl = hist_add(hl, nl, &r->sites[row[i].site], 1);
        }
        if (same) {
            hv_row *g = &row[out - 1];
            hv_row one = row[i];
            if (row_cmp(c, &one, g) < 0 && g->nsites == 1) g->site = one.site;
            for (int m = 0; m < HV_NRAW; m++)
                g->v[m] += one.v[m];
            g->nsites += 1;
            g->has_leak |= one.has_leak;
        } else {
            row[out++] = row[i];
        }
    }
    if (out > 0 && row[out - 1].nsites > 1) row_pct(&row[out - 1], hs, ns, hl, nl);
    return out;
}

int hv_select(const hv_report *r, const hv_query *q, hv_keep_fn keep, hv_metric sort, hv_rows *out)
{
    memset(out, 0, sizeof *out);
    hv_row *row = malloc((r->nsites ? r->nsites : 1) * sizeof *row);
    if (!row) return -1;
    size_t n = 0;
    for (size_t i = 0; i < r->nsites; i++) {
        const hv_site *s = &r->sites[i];
        if ((keep && !keep(r, s, q)) || !hv_site_matches(r, s, q)) continue;
        memcpy(row[n].v, s->v, sizeof s->v);
        row[n].site = i;
        row[n].nsites = 1;
        row[n].has_leak = s->has_leak;
        row_pct(&row[n], s->hsize, s->nsize, s->hlife, s->nlife);
        n++;
    }
    rank_ctx c = {r, sort};
    if (q->by_function) {
        qsort_r(row, n, sizeof *row, func_cmp_cb, (void *)r);
        n = group_by_function(r, &c, row, n);
    }
    qsort_r(row, n, sizeof *row, row_cmp_cb, &c);
    for (size_t i = 0; i < n; i++)
        for (int m = 0; m < HV_NRAW; m++)
            out->sum[m] += row[i].v[m]; /* cannot overflow: the loader checked tot[] */
    out->nmatch = n;
    out->n = q->top && q->top < n ? q->top : n;
    /* Keep only the shown rows: the summary ranks six views of the same sites. */
    hv_row *shrunk = out->n < n ? realloc(row, (out->n ? out->n : 1) * sizeof *row) : NULL;
    out->row = shrunk ? shrunk : row;
    return 0;
}

void hv_rows_free(hv_rows *rows)
{
    free(rows->row);
    rows->row = NULL;
    rows->n = rows->nmatch = 0;
}
