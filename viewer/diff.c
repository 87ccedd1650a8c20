/* diff.c - match two reports' call sites by identity (model.h: the chain of function names;
 * lines only split sites that share it) and rank the changes.
 * Invariants: after hv_diff_build, every kept site is in exactly one row; a row holds one
 * (file, line) class of one identity from each side, the k-th class of base with the k-th of
 * cur (classes in (file, line) order); sum over rows of row.base[m] == sum over base's kept
 * sites of v[m] (same for cur). */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key; /* hv_site_identity, or the first user function with by_function */
    const hv_report *r;
    int which; /* 0 base, 1 cur */
    size_t site;
} entry;

static char *site_key(const hv_report *r, const hv_site *s, bool by_function)
{
    if (by_function)
        return strdup(s->nfs ? r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]].func
                             : "[root]");
    return hv_site_identity(r, s);
}

/* Lines split sites of one chain (not with by_function: one row per function). */
static int lines_cmp(const entry *x, const entry *y, bool by_function)
{
    if (by_function) return 0;
    return hv_site_lines_cmp(x->r, &x->r->sites[x->site], y->r, &y->r->sites[y->site]);
}

/* Order: key, then report, then (file, line) vector, then site index. */
static int entry_cmp(const void *a, const void *b, void *ctx)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->which != y->which) return x->which - y->which;
    if ((c = lines_cmp(x, y, *(const bool *)ctx))) return c;
    return (x->site > y->site) - (x->site < y->site);
}

/* Adds the sites e[i..) of one (file, line) class into v and *rs; returns the class's end. */
static size_t add_class(const entry *e, size_t i, size_t end, bool by_function, uint64_t *v,
                        size_t *rs)
{
    size_t j = i;
    for (; j < end && lines_cmp(&e[i], &e[j], by_function) == 0; j++) {
        const hv_site *s = &e[j].r->sites[e[j].site];
        for (int k = 0; k < HV_NRAW; k++)
            v[k] += s->v[k]; /* bounded by the report's checked totals */
        if (*rs == SIZE_MAX) *rs = e[j].site;
    }
    return j;
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
    bool byf = q->by_function;
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < rep[w]->nsites; i++) {
            if (!hv_site_matches(rep[w], &rep[w]->sites[i], q)) continue;
            char *k = site_key(rep[w], &rep[w]->sites[i], byf);
            if (!k) goto out;
            e[ne++] = (entry){k, rep[w], w, i};
        }
    qsort_r(e, ne, sizeof *e, entry_cmp, &byf);
    d->row = malloc((ne ? ne : 1) * sizeof *d->row);
    if (!d->row) goto out;
    /* One key group: base entries [i, mid), cur entries [mid, j), each sorted by lines. The
     * k-th (file, line) class of base pairs with the k-th of cur; the rest are one-sided. */
    for (size_t i = 0; i < ne;) {
        size_t mid = i, j;
        while (mid < ne && strcmp(e[mid].key, e[i].key) == 0 && e[mid].which == 0)
            mid++;
        for (j = mid; j < ne && strcmp(e[j].key, e[i].key) == 0;)
            j++;
        for (size_t bi = i, ci = mid; bi < mid || ci < j;) {
            hv_diff_row *x = &d->row[d->n++];
            memset(x, 0, sizeof *x);
            x->base_site = x->cur_site = SIZE_MAX;
            if (bi < mid) bi = add_class(e, bi, mid, byf, x->base, &x->base_site);
            if (ci < j) ci = add_class(e, ci, j, byf, x->cur, &x->cur_site);
            if (x->base_site != SIZE_MAX && x->cur_site != SIZE_MAX)
                d->nboth++;
            else if (x->base_site != SIZE_MAX)
                d->nbase_only++;
            else
                d->ncur_only++;
        }
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
