/* merge.c - several reports -> one (merge.h for the rules).
 * Invariants of the result: those of model.h (tot[m] == sum over sites of v[m], every counter
 * <= 2^53, histograms sum to at most tbk); every input site is in exactly one merged site. */
#include "merge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COUNTER (1ULL << 53)

typedef struct entry {
    char *key;
    size_t w;    /* report */
    size_t site; /* in that report */
    size_t out;  /* merged site */
} entry;

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

typedef struct ctx {
    hv_report *const *in;
} ctx;

static int entry_cmp(const void *a, const void *b, void *c)
{
    const entry *x = a, *y = b;
    hv_report *const *in = ((const ctx *)c)->in;
    int d = strcmp(x->key, y->key);
    if (d) return d;
    if (x->w != y->w) return (x->w > y->w) - (x->w < y->w);
    if ((d = hv_site_lines_cmp(in[x->w], &in[x->w]->sites[x->site], in[y->w],
                               &in[y->w]->sites[y->site])))
        return d;
    return (x->site > y->site) - (x->site < y->site);
}

static bool same_lines(hv_report *const *in, const entry *x, const entry *y)
{
    return hv_site_lines_cmp(in[x->w], &in[x->w]->sites[x->site], in[y->w],
                             &in[y->w]->sites[y->site]) == 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = true;
    return d;
}

/* "N reports merged: cmd1; cmd2 (x2)" - each distinct command once, in first-seen order. */
static char *merged_cmd(hv_report *const *in, size_t n)
{
    size_t len = 64;
    for (size_t i = 0; i < n; i++)
        len += strlen(in[i]->cmd ? in[i]->cmd : "") + 32;
    char *s = malloc(len), *p = s;
    if (!s) return NULL;
    p += sprintf(p, "%zu reports merged:", n);
    for (size_t i = 0; i < n; i++) {
        const char *c = in[i]->cmd ? in[i]->cmd : "";
        size_t k = 0, j;
        for (j = 0; j < i; j++)
            if (strcmp(in[j]->cmd ? in[j]->cmd : "", c) == 0) break;
        if (j < i) continue; /* said already */
        for (j = i; j < n; j++)
            k += strcmp(in[j]->cmd ? in[j]->cmd : "", c) == 0;
        p += sprintf(p, "%s %s", p[-1] == ':' ? "" : ";", c);
        if (k > 1) p += sprintf(p, " (x%zu)", k);
    }
    return s;
}

static bool add_u64(uint64_t *a, uint64_t b)
{
    *a += b; /* both <= 2^53: no wrap */
    return *a <= MAX_COUNTER;
}

int hv_merge(hv_report *const *in, size_t n, hv_report **out, size_t *bad, char *err, size_t errlen)
{
    *out = NULL;
    *bad = n;
    if (n == 0) return fail(err, errlen, "no report to merge");
    for (size_t i = 1; i < n; i++) {
        const char *a = in[0]->tu ? in[0]->tu : "", *b = in[i]->tu ? in[i]->tu : "";
        if (strcmp(a, b) != 0) {
            *bad = i;
            return fail(err, errlen, "time unit '%s', not '%s' as the first report: cannot merge",
                        b, a);
        }
    }
    hv_report *r = calloc(1, sizeof *r);
    if (!r) return fail(err, errlen, "out of memory");
    int rc = -1;
    bool oom = false;
    size_t ne = 0, nsites = 0, nframes = 0, nfs = 0, nerr = 0;
    for (size_t i = 0; i < n; i++) {
        nsites += in[i]->nsites;
        nframes += in[i]->nframes;
        for (size_t k = 0; k < in[i]->nsites; k++)
            nfs += in[i]->sites[k].nfs; /* sites may share fsbuf: count each one's */
        nerr += in[i]->nerrors;
    }
    entry *e = malloc((nsites ? nsites : 1) * sizeof *e);
    size_t *fbase = malloc(n * sizeof *fbase);
    r->frames = calloc(nframes ? nframes : 1, sizeof *r->frames);
    r->sites = calloc(nsites ? nsites : 1, sizeof *r->sites);
    r->fsbuf = malloc((nfs ? nfs : 1) * sizeof *r->fsbuf);
    r->errors = calloc(nerr ? nerr : 1, sizeof *r->errors);
    if (!e || !fbase || !r->frames || !r->sites || !r->fsbuf || !r->errors) goto oom;

    /* Header. */
    r->merged = n;
    r->cmd = merged_cmd(in, n);
    r->tu = dup_or_null(in[0]->tu, &oom);
    r->mtu = dup_or_null(in[0]->mtu, &oom);
    r->mode = dup_or_null(in[0]->mode, &oom);
    r->clock = dup_or_null(in[0]->clock, &oom);
    if (!r->cmd || oom) goto oom;
    r->tuth = in[0]->tuth;
    r->heapprof = r->dhat_rs = r->complete = r->has_leak_check = true;
    for (size_t i = 0; i < n; i++) {
        const hv_report *x = in[i];
        if (!add_u64(&r->te, x->te)) goto big;
        r->heapprof &= x->heapprof;
        r->dhat_rs &= x->dhat_rs;
        r->complete &= x->complete;
        r->has_leak_check &= x->has_leak_check;
        r->has_hist |= x->has_hist;
        if (x->depth > r->depth) r->depth = x->depth;
        r->cut_sites += x->cut_sites;
        r->cut_frames += x->cut_frames;
        for (size_t k = 0; k < x->nerrors; k++)
            if (!(r->errors[r->nerrors++] = strdup(x->errors[k]))) goto oom;
    }
    /* Sampled: estimated if any input is; one rate only if every input has that rate. */
    for (size_t i = 0; i < n; i++) {
        r->sampled |= in[i]->sampled;
        r->samples += in[i]->samples;
    }
    r->sample_rate = in[0]->sample_rate;
    for (size_t i = 1; i < n; i++)
        if (in[i]->sample_rate != r->sample_rate) r->sample_rate = 0;
    if (r->has_leak_check) {
        hv_leakcheck *lc = &r->lc;
        lc->mode = dup_or_null(in[0]->lc.mode, &oom);
        lc->exit_code = in[0]->lc.exit_code;
        for (size_t i = 0; i < n; i++) {
            const hv_leakcheck *x = &in[i]->lc;
            if (!lc->no_verdict && x->no_verdict) lc->no_verdict = dup_or_null(x->no_verdict, &oom);
            if (!lc->exit_code) lc->exit_code = x->exit_code; /* the first failure's */
            if (!add_u64(&lc->definite_bytes, x->definite_bytes) ||
                !add_u64(&lc->definite_blocks, x->definite_blocks) ||
                !add_u64(&lc->indirect_bytes, x->indirect_bytes) ||
                !add_u64(&lc->indirect_blocks, x->indirect_blocks) ||
                !add_u64(&lc->reachable_bytes, x->reachable_bytes) ||
                !add_u64(&lc->reachable_blocks, x->reachable_blocks) ||
                !add_u64(&lc->suppressed_bytes, x->suppressed_bytes) ||
                !add_u64(&lc->suppressed_blocks, x->suppressed_blocks) ||
                !add_u64(&lc->unreadable_bytes, x->unreadable_bytes) ||
                !add_u64(&lc->unreadable_blocks, x->unreadable_blocks))
                goto big;
        }
        if (oom) goto oom;
    }

    /* Frames: every report's, one after the other (fbase[i]: where report i's start). */
    for (size_t i = 0; i < n; i++) {
        fbase[i] = r->nframes;
        for (size_t k = 0; k < in[i]->nframes; k++) {
            char *t = strdup(in[i]->frames[k].text);
            if (!t) goto oom;
            if (hv_frame_init(&r->frames[r->nframes], t) < 0) {
                r->frames[r->nframes].text = t; /* freed with the report */
                r->nframes++;
                goto oom;
            }
            r->nframes++;
        }
    }

    /* Group the sites: identity, then report, then (file, line) class. */
    for (size_t i = 0; i < n; i++)
        for (size_t s = 0; s < in[i]->nsites; s++) {
            char *k = hv_site_identity(in[i], &in[i]->sites[s]);
            if (!k) goto oom;
            e[ne++] = (entry){k, i, s, 0};
        }
    ctx c = {in};
    qsort_r(e, ne, sizeof *e, entry_cmp, &c);
    for (size_t i = 0; i < ne;) {
        size_t j = i;
        while (j < ne && strcmp(e[j].key, e[i].key) == 0)
            j++;
        /* e[i..j): one identity; per report, classes in line order. The k-th class of each
         * report goes into merged site first + k. */
        size_t first = r->nsites, most = 0;
        for (size_t a = i; a < j;) {
            size_t b = a, k = 0;
            while (b < j && e[b].w == e[a].w) {
                size_t cs = b;
                while (b < j && e[b].w == e[cs].w && same_lines(in, &e[cs], &e[b]))
                    e[b++].out = first + k;
                k++;
            }
            if (k > most) most = k;
            a = b;
        }
        r->nsites += most;
        i = j;
    }
    /* The merged sites: the frames of the first member (the first report's), sums of all. */
    bool *seen = calloc(r->nsites ? r->nsites : 1, sizeof *seen);
    if (!seen) goto oom;
    for (size_t x = 0; x < ne; x++) {
        hv_site *m = &r->sites[e[x].out];
        const hv_report *src = in[e[x].w];
        const hv_site *s = &src->sites[e[x].site];
        if (!seen[e[x].out]) {
            seen[e[x].out] = true;
            m->fs_off = (uint32_t)r->nfsbuf;
            m->nfs = s->nfs;
            for (uint32_t f = 0; f < s->nfs; f++)
                r->fsbuf[r->nfsbuf++] = (uint32_t)(fbase[e[x].w] + hv_site_frames(src, s)[f]);
        }
        for (int k = 0; k < HV_NRAW; k++)
            if (!add_u64(&m->v[k], s->v[k])) {
                free(seen);
                goto big;
            }
        m->has_leak |= s->has_leak;
        m->sup |= s->sup;
        if (s->nsize > m->nsize) m->nsize = s->nsize;
        if (s->nlife > m->nlife) m->nlife = s->nlife;
    }
    free(seen);
    for (size_t s = 0; s < r->nsites; s++) {
        hv_site *m = &r->sites[s];
        if (!m->nsize && !m->nlife) continue;
        uint64_t *h = calloc(m->nsize + m->nlife, sizeof *h);
        if (!h) goto oom;
        m->hsize = h;
        m->hlife = h + m->nsize;
    }
    for (size_t x = 0; x < ne; x++) {
        hv_site *m = &r->sites[e[x].out];
        const hv_site *s = &in[e[x].w]->sites[e[x].site];
        uint64_t *hs = (uint64_t *)m->hsize, *hl = (uint64_t *)m->hlife;
        for (uint32_t b = 0; b < s->nsize; b++)
            hs[b] += s->hsize[b]; /* sums to at most the summed tbk */
        for (uint32_t b = 0; b < s->nlife; b++)
            hl[b] += s->hlife[b];
    }
    for (size_t s = 0; s < r->nsites; s++)
        for (int k = 0; k < HV_NRAW; k++)
            r->tot[k] += r->sites[s].v[k]; /* == sum of the inputs' checked totals */
    for (int k = 0; k < HV_NRAW; k++)
        if (r->tot[k] > MAX_COUNTER) goto big;
    r->gmax_bytes = r->tot[HV_GB];
    r->gmax_blocks = r->tot[HV_GBK];
    rc = 0;
    goto out;
big:
    fail(err, errlen, "the merged counters exceed 2^53");
    goto out;
oom:
    fail(err, errlen, "out of memory");
out:
    for (size_t i = 0; i < ne; i++)
        free(e[i].key);
    free(e);
    free(fbase);
    if (rc == 0)
        *out = r;
    else
        hv_report_free(r);
    return rc;
}
