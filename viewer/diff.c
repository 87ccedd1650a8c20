/* diff.c - match two reports' call sites by symbolized stack text and rank the changes.
 * Invariant: after hv_diff_build, each key (stack text) appears in exactly one row, and
 * sum over rows of row.base[m] == sum over base's kept sites of v[m] (same for cur). */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key;
    int which; /* 0 base, 1 cur */
    size_t site;
} entry;

static char *site_key(const hv_report *r, const hv_site *s, bool by_function)
{
    const uint32_t *fs = hv_site_frames(r, s);
    if (by_function)
        return strdup(s->nfs ? r->frames[fs[hv_site_first_user(r, s)]].func : "[root]");
    size_t len = 1;
    for (uint32_t i = 0; i < s->nfs; i++)
        len += strlen(r->frames[fs[i]].sym) + 1;
    char *k = malloc(len), *p = k;
    if (!k) return NULL;
    for (uint32_t i = 0; i < s->nfs; i++) {
        size_t l = strlen(r->frames[fs[i]].sym);
        memcpy(p, r->frames[fs[i]].sym, l);
        p += l;
        *p++ = '\n';
    }
    *p = '\0';
    return k;
}

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->which != y->which) return x->which - y->which;
    return (x->site > y->site) - (x->site < y->site);
}

double hv_diff_delta(const hv_diff *d, const hv_diff_row *x, hv_metric m)
{
    return hv_metric_value(d->cur, x->cur, m) - hv_metric_value(d->base, x->base, m);
}

static int row_cmp(const void *a, const void *b, void *ctx)
{
    const hv_diff *d = ctx;
    const hv_diff_row *x = a, *y = b;
    double dx = hv_diff_delta(d, x, d->metric), dy = hv_diff_delta(d, y, d->metric);
    if (dx != dy) return dx < dy ? 1 : -1;
    /* Ties: larger current value first, then base-only before cur-only, then site index. */
    if (x->cur[HV_TB] != y->cur[HV_TB]) return x->cur[HV_TB] < y->cur[HV_TB] ? 1 : -1;
    if (x->base[HV_TB] != y->base[HV_TB]) return x->base[HV_TB] < y->base[HV_TB] ? 1 : -1;
    size_t sx = x->cur_site != SIZE_MAX ? x->cur_site : x->base_site;
    size_t sy = y->cur_site != SIZE_MAX ? y->cur_site : y->base_site;
    return (sx > sy) - (sx < sy);
}

int hv_diff_build(const hv_report *base, const hv_report *cur, const hv_query *q, hv_metric m,
                  hv_diff *d)
{
    memset(d, 0, sizeof *d);
    d->base = base;
    d->cur = cur;
    d->metric = m;
    d->q = q;
    d->top = q->top;
    int rc = -1;
    size_t ne = 0, cap = base->nsites + cur->nsites;
    entry *e = malloc((cap ? cap : 1) * sizeof *e);
    if (!e) return -1;
    const hv_report *rep[2] = {base, cur};
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < rep[w]->nsites; i++) {
            if (!hv_site_matches(rep[w], &rep[w]->sites[i], q)) continue;
            char *k = site_key(rep[w], &rep[w]->sites[i], q->by_function);
            if (!k) goto out;
            e[ne++] = (entry){k, w, i};
        }
    qsort(e, ne, sizeof *e, entry_cmp);
    d->row = malloc((ne ? ne : 1) * sizeof *d->row);
    if (!d->row) goto out;
    for (size_t i = 0; i < ne;) {
        hv_diff_row *x = &d->row[d->n++];
        memset(x, 0, sizeof *x);
        x->base_site = x->cur_site = SIZE_MAX;
        size_t j = i;
        for (; j < ne && strcmp(e[j].key, e[i].key) == 0; j++) {
            const hv_site *s = &rep[e[j].which]->sites[e[j].site];
            uint64_t *v = e[j].which ? x->cur : x->base;
            size_t *rs = e[j].which ? &x->cur_site : &x->base_site;
            for (int k = 0; k < HV_NRAW; k++)
                v[k] += s->v[k]; /* bounded by the report's checked totals */
            if (*rs == SIZE_MAX) *rs = e[j].site;
        }
        if (x->base_site != SIZE_MAX && x->cur_site != SIZE_MAX)
            d->nboth++;
        else if (x->base_site != SIZE_MAX)
            d->nbase_only++;
        else
            d->ncur_only++;
        i = j;
    }
    qsort_r(d->row, d->n, sizeof *d->row, row_cmp, d);
    rc = 0;
out:
    for (size_t i = 0; i < ne; i++)
        free(e[i].key);
    free(e);
    if (rc) hv_diff_free(d);
    return rc;
}

void hv_diff_free(hv_diff *d)
{
    free(d->row);
    d->row = NULL;
    d->n = 0;
}
