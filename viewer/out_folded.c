/* out_folded.c - collapsed stacks, "outer;...;inner N" per line, for flamegraph.pl,
 * speedscope and inferno. Frames are function names, outermost first; with collapse, system
 * frames are dropped (the stack keeps at least its innermost frame). Equal lines are summed,
 * lines are sorted, zero counts are left out. The metric is --folded=METRIC or the view's. */
#include "out.h"

#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
    char *stack;
    double n;
} line;

static int line_cmp(const void *a, const void *b)
{
    return strcmp(((const line *)a)->stack, ((const line *)b)->stack);
}

/* "outer;...;inner" for s; ';' inside a name becomes ':' so the format stays parseable. */
static char *fold_stack(const hv_outctx *o, const hv_report *r, const hv_site *s)
{
    const uint32_t *fs = hv_site_frames(r, s);
    bool any_user = false;
    for (uint32_t i = 0; i < s->nfs; i++)
        any_user |= !r->frames[fs[i]].system;
    size_t len = 1;
    for (uint32_t i = 0; i < s->nfs; i++)
        len += strlen(r->frames[fs[i]].func) + 1;
    char *out = malloc(len + 8), *p = out;
    if (!out) return NULL;
    for (uint32_t k = s->nfs; k-- > 0;) {
        const hv_frame *f = &r->frames[fs[k]];
        if (o->q->collapse && any_user && f->system) continue;
        if (p != out) *p++ = ';';
        for (const char *c = f->func; *c; c++)
            *p++ = *c == ';' ? ':' : *c;
    }
    if (p == out) p = stpcpy(out, "[root]");
    *p = '\0';
    return out;
}

/* The format has no comment line (flamegraph.pl and inferno reject or skip other lines), so
 * that the counts are estimates is said on stderr. */
static void sampled_note(const hv_report *r)
{
    char a[96];
    if (r->sampled)
        fprintf(stderr, "heapview: sampled report, %s: the folded counts are estimates\n",
                hv_fmt_sample(a, sizeof a, r->sample_rate, r->samples));
}

static int folded_report(const hv_outctx *o, const hv_report *r, const hv_section *sec, size_t nsec)
{
    sampled_note(r);
    const hv_section *s0 = nsec ? &sec[0] : NULL;
    hv_metric m = o->fold_set ? o->fold : s0 ? s0->view->fold : HV_TB;
    size_t n = s0 ? s0->rows.n : 0;
    line *ln = calloc(n ? n : 1, sizeof *ln);
    if (!ln) return -1;
    int rc = -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const hv_row *row = &s0->rows.row[i];
        double v = hv_metric_value(r, row->v, m);
        if (v <= 0) continue;
        ln[k].stack = fold_stack(o, r, &r->sites[row->site]);
        if (!ln[k].stack) goto out;
        ln[k++].n = v;
    }
    qsort(ln, k, sizeof *ln, line_cmp);
    for (size_t i = 0; i < k;) {
        double sum = 0;
        size_t j = i;
        for (; j < k && strcmp(ln[j].stack, ln[i].stack) == 0; j++)
            sum += ln[j].n;
        fprintf(o->f, "%s %.0f\n", ln[i].stack, sum);
        i = j;
    }
    rc = ferror(o->f) ? -1 : 0;
out:
    for (size_t i = 0; i < k; i++)
        free(ln[i].stack);
    free(ln);
    return rc;
}

/* Folded diff: the positive change of the metric per stack (a flame graph of growth). */
static int folded_diff(const hv_outctx *o, const hv_diff *d)
{
    sampled_note(d->base->sampled ? d->base : d->cur);
    for (size_t i = 0; i < d->n; i++) {
        const hv_diff_row *x = &d->row[i];
        double delta = hv_diff_delta(d, x, d->metric);
        if (delta <= 0) break; /* rows are sorted by delta, descending */
        const hv_report *r = x->cur_site != SIZE_MAX ? d->cur : d->base;
        size_t si = x->cur_site != SIZE_MAX ? x->cur_site : x->base_site;
        char *s = fold_stack(o, r, &r->sites[si]);
        if (!s) return -1;
        fprintf(o->f, "%s %.0f\n", s, delta);
        free(s);
    }
    return ferror(o->f) ? -1 : 0;
}

const hv_out hv_out_folded = {"folded", folded_report, folded_diff};
