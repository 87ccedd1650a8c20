/* out_text.c - the human output: a header, then each view as an aligned table with the call
 * stack of every row below it. Colour (ANSI) only when o->color; the text is otherwise the
 * same, so tests compare it byte for byte. */
#include "out.h"

#include "fmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOLD  "\033[1m"
#define DIM   "\033[2m"
#define CYAN  "\033[36m"
#define YEL   "\033[33m"
#define RED   "\033[31m"
#define RESET "\033[0m"
#define CELL  32

static const char *C(const hv_outctx *o, const char *code)
{
    return o->color ? code : "";
}

/* A metric value in its unit. */
static char *fmt_metric(char *buf, size_t n, const hv_report *r, hv_metric m, double v)
{
    if (isnan(v)) { /* a percentile without a histogram */
        snprintf(buf, n, "-");
        return buf;
    }
    switch (hv_metric_unit(m)) {
    case HV_U_BYTES:
        return hv_fmt_bytes(buf, n, v);
    case HV_U_TIME: /* hp_hist lifetimes are in us, whatever tu says */
        return hv_fmt_time(buf, n, v, hv_metric_is_pct(m) ? "us" : r->tu);
    case HV_U_RATE_B:
        return hv_fmt_rate(buf, n, v, r->mtu, 1);
    case HV_U_RATE_N:
        return hv_fmt_rate(buf, n, v, r->mtu, 0);
    case HV_U_COUNT:
    default:
        return hv_fmt_count(buf, n, v);
    }
}

/* "≈" before the numbers of a sampled report (every count in it is an estimate), else "". */
static const char *approx(const hv_report *r)
{
    return r->sampled ? "≈" : "";
}

static const char *col_label(char *buf, size_t n, const hv_report *r, hv_metric m)
{
    if (m == HV_RATE_BK || m == HV_RATE_B)
        snprintf(buf, n, "%s%s/%s", approx(r), m == HV_RATE_BK ? "blocks" : "bytes",
                 r->mtu ? r->mtu : "Mtu");
    else
        snprintf(buf, n, "%s%s", approx(r), hv_metric_label(m));
    return buf;
}

/* The line that says a report's numbers are estimates (sampled reports only). */
static void print_sampled(const hv_outctx *o, const hv_report *r)
{
    char a[96];
    if (r->sampled)
        fprintf(o->f, "%sSampled%s  %s; numbers are estimates (≈)\n", C(o, BOLD), C(o, RESET),
                hv_fmt_sample(a, sizeof a, r->sample_rate, r->samples));
}

static void print_header(const hv_outctx *o, const hv_report *r)
{
    FILE *f = o->f;
    char a[CELL], b[CELL], c[CELL], d[CELL];
    if (r->merged) /* cmd says "N reports merged: ..." (merge.c); no one pid */
        fprintf(f, "%sReport%s   %s: %s\n", C(o, BOLD), C(o, RESET), o->label, r->cmd);
    else
        fprintf(f, "%sReport%s   %s: %s (pid %lld)\n", C(o, BOLD), C(o, RESET), o->label, r->cmd,
                (long long)r->pid);
    print_sampled(o, r);
    const char *E = approx(r);
    fprintf(f, "Run      %s (%s%s%s)\n", hv_fmt_time(a, sizeof a, (double)r->te, r->tu),
            r->heapprof  ? "heapprof"
            : r->dhat_rs ? "dhat-rs"
                         : "Valgrind DHAT",
            r->clock ? ", clock " : "", r->clock ? r->clock : "");
    fprintf(f, "Total    %s%s in %s%s blocks (%s%s, %s%s)\n", E,
            hv_fmt_bytes(a, sizeof a, (double)r->tot[HV_TB]), E,
            hv_fmt_count(b, sizeof b, (double)r->tot[HV_TBK]), E,
            fmt_metric(c, sizeof c, r, HV_RATE_BK, hv_metric_value(r, r->tot, HV_RATE_BK)), E,
            fmt_metric(d, sizeof d, r, HV_RATE_B, hv_metric_value(r, r->tot, HV_RATE_B)));
    if (r->merged)
        fprintf(f,
                "Peak     %s%s in %s%s blocks (sum of each report's peak: an upper bound, not one "
                "instant)\n",
                E, hv_fmt_bytes(a, sizeof a, (double)r->gmax_bytes), E,
                hv_fmt_count(b, sizeof b, (double)r->gmax_blocks));
    else
        fprintf(f, "Peak     %s%s in %s%s blocks at %s (%.0f%% of the run)\n", E,
                hv_fmt_bytes(a, sizeof a, (double)r->gmax_bytes), E,
                hv_fmt_count(b, sizeof b, (double)r->gmax_blocks),
                hv_fmt_time(c, sizeof c, (double)r->tg, r->tu),
                r->te ? 100.0 * (double)r->tg / (double)r->te : 0.0);
    fprintf(f, "At exit  %s%s%s in %s%s blocks%s%s\n", r->tot[HV_EB] ? C(o, RED) : "", E,
            hv_fmt_bytes(a, sizeof a, (double)r->tot[HV_EB]), E,
            hv_fmt_count(b, sizeof b, (double)r->tot[HV_EBK]), C(o, RESET),
            r->sampled ? " (live at exit; a leak verdict needs exact mode)" : "");
    if (r->has_leak_check) {
        const hv_leakcheck *lc = &r->lc;
        char e[CELL], g[CELL], h[CELL], k[CELL];
        fprintf(f,
                "Leaks    definite %s in %s blocks, indirect %s in %s, reachable %s in %s, "
                "suppressed %s in %s; exit code %lld\n",
                hv_fmt_bytes(a, sizeof a, (double)lc->definite_bytes),
                hv_fmt_count(b, sizeof b, (double)lc->definite_blocks),
                hv_fmt_bytes(c, sizeof c, (double)lc->indirect_bytes),
                hv_fmt_count(d, sizeof d, (double)lc->indirect_blocks),
                hv_fmt_bytes(e, sizeof e, (double)lc->reachable_bytes),
                hv_fmt_count(g, sizeof g, (double)lc->reachable_blocks),
                hv_fmt_bytes(h, sizeof h, (double)lc->suppressed_bytes),
                hv_fmt_count(k, sizeof k, (double)lc->suppressed_blocks), (long long)lc->exit_code);
        if (lc->unreadable_blocks)
            fprintf(f,
                    "         unreadable %s in %s blocks (freed where heapprof did not see it)\n",
                    hv_fmt_bytes(a, sizeof a, (double)lc->unreadable_bytes),
                    hv_fmt_count(b, sizeof b, (double)lc->unreadable_blocks));
        if (lc->no_verdict)
            fprintf(f, "%sNo verdict: %s (the gate does not fail)%s\n", C(o, RED), lc->no_verdict,
                    C(o, RESET));
    }
    if (!r->complete) {
        fprintf(f, "%sIncomplete: the profiler lost data; numbers are lower bounds%s\n", C(o, RED),
                C(o, RESET));
        for (size_t i = 0; i < r->nerrors; i++)
            fprintf(f, "  %s\n", r->errors[i]);
    }
}

static void print_stack(const hv_outctx *o, const hv_report *r, const hv_site *s,
                        const char *indent)
{
    hv_stackline lines[256];
    size_t n = hv_stack_layout(r, s, o->q, lines, sizeof lines / sizeof *lines);
    for (size_t i = 0; i < n; i++) {
        const hv_stackline *l = &lines[i];
        if (l->frame == HV_STACK_MORE)
            fprintf(o->f, "%s%s... %u more frames (--depth)%s\n", indent, C(o, DIM), l->hidden,
                    C(o, RESET));
        else if (l->via && l->hidden > 1)
            fprintf(o->f, "%s%svia %s (+%u frames inside)%s\n", indent, C(o, DIM),
                    r->frames[l->frame].sym, l->hidden - 1, C(o, RESET));
        else if (l->via)
            fprintf(o->f, "%s%svia %s%s\n", indent, C(o, DIM), r->frames[l->frame].sym,
                    C(o, RESET));
        else if (l->hidden)
            fprintf(o->f, "%s%s| %u system frame%s (%s)%s\n", indent, C(o, DIM), l->hidden,
                    l->hidden > 1 ? "s" : "", r->frames[l->frame].func, C(o, RESET));
        else
            fprintf(o->f, "%s%s%s%s\n", indent, C(o, i == 0 || (i == 1 && lines[0].via) ? YEL : ""),
                    r->frames[l->frame].sym, C(o, RESET));
    }
    if (s->nfs == 0) fprintf(o->f, "%s[root]\n", indent);
}

/* The one-line name of a row: its first user frame, "via" the glue it called, "(N sites)" when
 * grouped. */
static void print_site_line(const hv_outctx *o, const hv_report *r, const hv_row *row)
{
    const hv_site *s = &r->sites[row->site];
    const char *name = "[root]";
    if (s->nfs) {
        const hv_frame *fr = &r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]];
        name = o->q->by_function ? fr->func : fr->sym;
    }
    fprintf(o->f, "%s%s%s", C(o, YEL), name, C(o, RESET));
    const hv_frame *via = s->nfs ? hv_site_via(r, s) : NULL;
    if (via) fprintf(o->f, " %svia %s%s", C(o, DIM), via->func, C(o, RESET));
    if (row->nsites > 1) fprintf(o->f, " %s(%zu sites)%s", C(o, DIM), row->nsites, C(o, RESET));
    fputc('\n', o->f);
}

static void section_title(const hv_outctx *o, const hv_report *r, const hv_section *sec)
{
    const hv_view *v = sec->view;
    char a[CELL], b[CELL], c[CELL];
    /* Sampled: blocks live at exit are an estimate, and no leak checker ran: not "leaks". */
    bool live = r->sampled && v == &hv_view_leaks;
    fprintf(o->f, "\n%s%s%s", C(o, BOLD), live ? "Live at exit (estimated)" : v->title,
            C(o, RESET));
    if (sec->sort != v->sort)
        fprintf(o->f, " by %s (%s)", hv_metric_label(sec->sort), hv_metric_name(sec->sort));
    fprintf(o->f, ": %s\n",
            live ? "bytes still allocated at exit, per call site; a leak verdict needs exact mode"
                 : v->what);
    hv_metric cols[HV_VIEW_MAXCOLS], sum[2];
    size_t nc = v->columns(r, cols), ns = 0;
    for (size_t i = 0; i < nc && ns < 2; i++)
        if (cols[i] < HV_NRAW) sum[ns++] = cols[i]; /* the first two summable columns */
    fprintf(o->f, "%zu %s", sec->rows.nmatch,
            o->q->by_function ? (sec->rows.nmatch == 1 ? "function" : "functions")
                              : (sec->rows.nmatch == 1 ? "site" : "sites"));
    if (v == &hv_view_short) {
        fprintf(o->f, " (threshold %s",
                hv_fmt_time(c, sizeof c, hv_short_threshold(r, o->q), r->tu));
        /* hp_hist lifetimes are in us whatever tu says (heapprof's tu is us too) */
        double p90 = r->has_hist ? hv_select_pct(r, o->q, v->keep, 1, 0.9) : NAN;
        if (!isnan(p90)) fprintf(o->f, "; 90%% die within %s", hv_fmt_time(c, sizeof c, p90, "us"));
        fputc(')', o->f);
    }
    fmt_metric(a, sizeof a, r, sum[0], (double)sec->rows.sum[sum[0]]);
    fmt_metric(b, sizeof b, r, sum[1], (double)sec->rows.sum[sum[1]]);
    const char *E = approx(r);
    if (hv_metric_unit(sum[0]) == HV_U_BYTES && hv_metric_unit(sum[1]) == HV_U_COUNT)
        fprintf(o->f, ": %s%s in %s%s blocks", E, a, E, b);
    else
        fprintf(o->f, ": %s%s %s, %s%s %s", E, a, hv_metric_label(sum[0]), E, b,
                hv_metric_label(sum[1]));
    if (!o->summary)
        fprintf(o->f, "; showing %zu, sorted by %s", sec->rows.n, hv_metric_name(sec->sort));
    else
        fprintf(o->f, "%s  (more: --%s)%s", C(o, DIM), v->name, C(o, RESET));
    fputc('\n', o->f);
}

/* Formats the table cells of rows [0, n) and returns the column widths. */
static void print_table(const hv_outctx *o, const hv_report *r, const hv_section *sec)
{
    hv_metric cols[HV_VIEW_MAXCOLS];
    size_t nc = sec->view->columns(r, cols);
    bool shown = false;
    for (size_t c = 0; c < nc; c++)
        shown |= cols[c] == sec->sort;
    if (!shown && hv_metric_is_pct(sec->sort) && nc < HV_VIEW_MAXCOLS)
        cols[nc++] = sec->sort; /* --sort life99 in a view without that column: show it */
    if (o->summary) {
        /* Compact: the ranking metric, the view's next column, then the site on one line. */
        hv_metric first = cols[0] == sec->sort ? cols[1] : cols[0];
        cols[0] = sec->sort;
        cols[1] = first;
        nc = 2;
    }
    size_t n = sec->rows.n;
    char(*cell)[HV_VIEW_MAXCOLS][CELL] = calloc(n ? n : 1, sizeof *cell);
    if (!cell) return;
    int w[HV_VIEW_MAXCOLS];
    char lab[HV_VIEW_MAXCOLS][CELL];
    for (size_t c = 0; c < nc; c++) {
        col_label(lab[c], CELL, r, cols[c]);
        w[c] = (int)hv_fmt_width(lab[c]);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < nc; c++) {
            fmt_metric(cell[i][c], CELL, r, cols[c], hv_row_value(r, &sec->rows.row[i], cols[c]));
            int l = (int)strlen(cell[i][c]);
            if (strstr(cell[i][c], "µ")) l--; /* two bytes, one column */
            if (l > w[c]) w[c] = l;
        }
    int wi = n >= 100 ? 4 : n >= 10 ? 3 : 2;
    if (!o->summary) {
        fprintf(o->f, "\n%s%*s", C(o, DIM), wi + 1, "#");
        for (size_t c = 0; c < nc; c++) /* pad in columns: "≈" is 3 bytes, 1 column */
            fprintf(o->f, "  %*s", w[c] + (int)(strlen(lab[c]) - hv_fmt_width(lab[c])), lab[c]);
        fprintf(o->f, "%s\n", C(o, RESET));
    }
    char indent[16];
    snprintf(indent, sizeof indent, "%*s", wi + 3, "");
    for (size_t i = 0; i < n; i++) {
        fprintf(o->f, " %*zu", wi, i + 1);
        for (size_t c = 0; c < nc; c++) {
            int pad = w[c] + (strstr(cell[i][c], "µ") ? 1 : 0);
            fprintf(o->f, "  %s%*s%s", c == 0 ? C(o, CYAN) : "", pad, cell[i][c],
                    c == 0 ? C(o, RESET) : "");
        }
        if (o->summary) {
            fputs("  ", o->f);
            print_site_line(o, r, &sec->rows.row[i]);
        } else {
            fputc('\n', o->f);
            if (sec->rows.row[i].nsites > 1 && o->q->by_function) {
                fprintf(o->f, "%s", indent);
                print_site_line(o, r, &sec->rows.row[i]);
            }
            print_stack(o, r, &r->sites[sec->rows.row[i].site], indent);
        }
    }
    if (n == 0) fprintf(o->f, "   %s(none)%s\n", C(o, DIM), C(o, RESET));
    free(cell);
}

static int text_report(const hv_outctx *o, const hv_report *r, const hv_section *sec, size_t n)
{
    print_header(o, r);
    for (size_t i = 0; i < n; i++) {
        section_title(o, r, &sec[i]);
        print_table(o, r, &sec[i]);
    }
    if (o->summary)
        fprintf(o->f,
                "\n%sOne view in depth: --leaks --peak --hot --short-lived --realloc "
                "[--top N] [--sort METRIC] [--by-function] [--depth N]; machine-readable: "
                "--json, --folded; heapview --help%s\n",
                C(o, DIM), C(o, RESET));
    return ferror(o->f) ? -1 : 0;
}

/* ---- diff ---- */

static void signed_metric(char *buf, size_t n, const hv_report *r, hv_metric m, double d)
{
    char v[CELL - 2];
    fmt_metric(v, sizeof v, r, m, d < 0 ? -d : d);
    snprintf(buf, n, "%s%s", d < 0 ? "-" : d > 0 ? "+" : "", v);
}

static void diff_total(const hv_outctx *o, const hv_diff *d, const char *name, hv_metric m,
                       uint64_t b, uint64_t c)
{
    char x[CELL], y[CELL], z[CELL], p[CELL] = "";
    fmt_metric(x, sizeof x, d->cur, m, (double)b);
    fmt_metric(y, sizeof y, d->cur, m, (double)c);
    signed_metric(z, sizeof z, d->cur, m, (double)c - (double)b);
    if (b)
        snprintf(p, sizeof p, " (%+.1f%%)", 100.0 * ((double)c - (double)b) / (double)b);
    else if (c)
        snprintf(p, sizeof p, " (new)");
    fprintf(o->f, "  %-16s %12s %12s   %s%s%s%s\n", name, x, y,
            c > b   ? C(o, RED)
            : c < b ? C(o, CYAN)
                    : "",
            z, p, C(o, RESET));
}

static void diff_rows(const hv_outctx *o, const hv_diff *d, bool up)
{
    size_t shown = 0;
    for (size_t k = 0; k < d->n && (!d->top || shown < d->top); k++) {
        const hv_diff_row *x = &d->row[up ? k : d->n - 1 - k];
        double delta = hv_diff_delta(d, x, d->metric);
        if (up ? delta <= 0 : delta >= 0) break;
        char z[CELL], b[CELL], c[CELL];
        signed_metric(z, sizeof z, d->cur, d->metric, delta);
        fmt_metric(b, sizeof b, d->cur, d->metric, hv_metric_value(d->base, x->base, d->metric));
        fmt_metric(c, sizeof c, d->cur, d->metric, hv_metric_value(d->cur, x->cur, d->metric));
        const char *tag = x->base_site == SIZE_MAX  ? " (new site)"
                          : x->cur_site == SIZE_MAX ? " (gone)"
                                                    : "";
        fprintf(o->f, "  %s%12s%s  %s -> %s%s\n", C(o, up ? RED : CYAN), z, C(o, RESET), b, c, tag);
        const hv_report *r = x->cur_site != SIZE_MAX ? d->cur : d->base;
        size_t si = x->cur_site != SIZE_MAX ? x->cur_site : x->base_site;
        print_stack(o, r, &r->sites[si], "                ");
        shown++;
    }
    if (!shown) fprintf(o->f, "  %s(none)%s\n", C(o, DIM), C(o, RESET));
}

static int text_diff(const hv_outctx *o, const hv_diff *d)
{
    const hv_report *b = d->base, *c = d->cur;
    fprintf(o->f, "%sDiff%s     %s\n", C(o, BOLD), C(o, RESET), o->label);
    /* Sampled on either side: every number and change below is an estimate. */
    bool est = b->sampled || c->sampled;
    char sb[96], sc[96];
    if (est)
        fprintf(o->f, "%sSampled%s  base %s, new %s; numbers are estimates (≈)\n", C(o, BOLD),
                C(o, RESET),
                b->sampled ? hv_fmt_sample(sb, sizeof sb, b->sample_rate, b->samples) : "exact",
                c->sampled ? hv_fmt_sample(sc, sizeof sc, c->sample_rate, c->samples) : "exact");
    fprintf(o->f, "  %-16s %*s %*s   %s\n", "", est ? 14 : 12, est ? "≈base" : "base",
            est ? 14 : 12, est ? "≈new" : "new", est ? "≈change" : "change");
    diff_total(o, d, "total bytes", HV_TB, b->tot[HV_TB], c->tot[HV_TB]);
    diff_total(o, d, "total blocks", HV_TBK, b->tot[HV_TBK], c->tot[HV_TBK]);
    diff_total(o, d, "peak bytes", HV_GB, b->gmax_bytes, c->gmax_bytes);
    diff_total(o, d, "peak blocks", HV_GBK, b->gmax_blocks, c->gmax_blocks);
    diff_total(o, d, "at-exit bytes", HV_EB, b->tot[HV_EB], c->tot[HV_EB]);
    diff_total(o, d, "at-exit blocks", HV_EBK, b->tot[HV_EBK], c->tot[HV_EBK]);
    fprintf(o->f, "  sites: %zu in both, %zu only in base, %zu only in new (matched by %s)\n",
            d->nboth, d->nbase_only, d->ncur_only,
            d->q->by_function ? "function" : "function chain");
    fprintf(o->f, "\n%sIncreases%s in %s (%s)\n", C(o, BOLD), C(o, RESET),
            hv_metric_label(d->metric), hv_metric_name(d->metric));
    diff_rows(o, d, true);
    fprintf(o->f, "\n%sDecreases%s in %s (%s)\n", C(o, BOLD), C(o, RESET),
            hv_metric_label(d->metric), hv_metric_name(d->metric));
    diff_rows(o, d, false);
    return ferror(o->f) ? -1 : 0;
}

const hv_out hv_out_text = {"text", text_report, text_diff};
