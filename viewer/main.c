/* main.c - heapview's command line: parse options, load, select, render; exit status.
 * Exit: 0 ok, 1 a --check limit exceeded, 2 bad usage or bad input (one line on stderr:
 * "heapview: <file>: <reason>"). The only file that prints to stderr or decides colour. */
#include "check.h"
#include "diff.h"
#include "fmt.h"
#include "load.h"
#include "merge.h"
#include "model.h"
#include "out.h"
#include "view.h"

#include "../preload/glue.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HV_VERSION "0.1"
#define EXIT_CHECK 1
#define EXIT_BAD   2

static const char usage_text[] =
    "Usage: heapview [VIEW...] [OPTIONS] REPORT...\n"
    "       heapview --diff [OPTIONS] BASE NEW\n"
    "       heapview --check LIMIT... [--baseline BASE --max-increase PCT] REPORT...\n"
    "       heapview --check --baseline BASE --max-site-growth PCT REPORT...\n"
    "\n"
    "Reads a heapprof report (libheapprof.so) or a Valgrind DHAT heap profile\n"
    "(valgrind --tool=dhat) and answers: what leaked, what made the peak, who allocates\n"
    "most, what dies young. Without a view: a summary with the top sites of each.\n"
    "Several REPORTs (or a directory: each *.json in it that loads) are merged into one\n"
    "before any view or check: sites matched as by --diff, counters summed; per-site max\n"
    "and the peak are the sum of each report's own, an upper bound (docs/heapview.md).\n"
    "A sampled report (HEAPPROF_SAMPLE) holds estimates: every output says so (\u2248, the\n"
    "rate); merged or diffed with other rates or exact reports, the result is estimated.\n"
    "\n"
    "Views (any number; each ranked, with the call stack of every row):\n"
    "  --leaks              bytes live at exit per site (leak classes with HEAPPROF_LEAK_CHECK)\n"
    "  --peak               bytes live at the global peak (t-gmax) per site\n"
    "  --hot                allocations per site, with rates per second\n"
    "  --short-lived        sites whose blocks live on average <= threshold\n"
    "  --realloc            sites that grow blocks by realloc (heapprof reports)\n"
    "  --all                every view above\n"
    "\n"
    "Selection:\n"
    "  --sort METRIC        rank by METRIC: tb tbk tl mb mbk gb gbk eb ebk rs rsg db dbk\n"
    "                       ib ibk rb rbk sb sbk ub ubk avg-size avg-life rate-blocks\n"
    "                       rate-bytes avg-grow; with histograms (heapprof reports):\n"
    "                       size50 size99 (request size p50/p99) life50 life99\n"
    "                       (lifetime p50/p99), as bucket upper bounds (docs/heapview.md)\n"
    "  --top N              rows per view (default 10; 3 in the summary; 0: all)\n"
    "  --by-function        one row per function (of the first non-system frame)\n"
    "  --include PAT        keep sites with a frame matching the glob PAT (repeatable);\n"
    "                       PAT may start with func:, file: or lib: to match only that part\n"
    "  --exclude PAT        drop sites with a frame matching PAT (repeatable)\n"
    "  --short-lived-threshold T   average lifetime limit, in the report's time unit\n"
    "                       (microseconds for heapprof; default: the report's tuth)\n"
    "  --depth N            user frames shown per stack (default 4; 0: all)\n"
    "  --no-collapse        show libc/libstdc++/ld.so/allocator/profiler frames too\n"
    "  --glue PAT           count frames matching PAT as allocator glue: a site is named\n"
    "                       after the first frame that is not glue (repeatable; func:,\n"
    "                       file:, lib: as for --include); --glue -PAT removes a built-in\n"
    "                       pattern, --glue -* all of them (docs/heapview.md lists them)\n"
    "  --no-fold            no glue: name each site after its innermost frame\n"
    "\n"
    "Output:\n"
    "  --json               the views as JSON (docs/heapview.md)\n"
    "  --folded[=METRIC]    collapsed stacks for flamegraph.pl/speedscope/inferno\n"
    "  --html FILE          one self-contained page in FILE (works offline): header, heap\n"
    "                       over time, flamegraph, sortable table; with --diff, the difference\n"
    "  --pprof FILE         the report as a gzipped pprof profile (profile.proto, as Go's\n"
    "                       heap profiles): alloc_objects, alloc_space, inuse_objects,\n"
    "                       inuse_space (live at exit) per stack, for go tool pprof\n"
    "  --color[=WHEN]       auto (default: on a terminal, unless NO_COLOR), always, never\n"
    "  --no-color           same as --color=never\n"
    "\n"
    "Diff (sites matched by their chain of function names; addresses and lines ignored,\n"
    "except to tell apart sites of one chain, paired in line order):\n"
    "  --diff BASE NEW      totals, then the biggest increases and decreases of --sort\n"
    "                       (default tb), --top of each\n"
    "\n"
    "Check (exit 1 if a limit is exceeded, 0 if all hold, 2 on bad input):\n"
    "  --max-leaked SIZE        leaked bytes (definite+indirect with the leak checker,\n"
    "                           else live at exit)\n"
    "  --max-leaked-blocks N    leaked blocks\n"
    "  --max-peak SIZE          bytes live at the global peak\n"
    "  --max-total-bytes SIZE   bytes allocated\n"
    "  --max-total-blocks N     blocks allocated\n"
    "  --baseline FILE --max-increase PCT   each of the five may grow at most PCT% over FILE\n"
    "  --baseline FILE --max-site-growth PCT   no site may grow more than PCT% over its\n"
    "                           match in FILE (matched as by --diff; a new site may not\n"
    "                           allocate at all); --include/--exclude pick the sites\n"
    "  --site-metric METRIC     what --max-site-growth measures (default tb; see --sort)\n"
    "  SIZE and N take K, M, G, T suffixes (powers of 1024): 64M, 1.5G, 10K\n"
    "\n"
    "  -h, --help           this text        --version   heapview's version\n";

enum {
    O_LEAKS = 256,
    O_PEAK,
    O_HOT,
    O_SHORT,
    O_REALLOC,
    O_ALL,
    O_SUMMARY,
    O_SORT,
    O_TOP,
    O_BYFUNC,
    O_INCLUDE,
    O_EXCLUDE,
    O_THRESH,
    O_DEPTH,
    O_NOCOLLAPSE,
    O_GLUE,
    O_NOFOLD,
    O_JSON,
    O_FOLDED,
    O_COLOR,
    O_NOCOLOR,
    O_DIFF,
    O_CHECK,
    O_MAXLEAK,
    O_MAXLEAKBK,
    O_MAXPEAK,
    O_MAXTB,
    O_MAXTBK,
    O_BASELINE,
    O_MAXINC,
    O_MAXSITE,
    O_SITEMETRIC,
    O_VERSION,
    O_HTML,
    O_PPROF
};

static const struct option long_opts[] = {
    {"leaks", no_argument, 0, O_LEAKS},
    {"peak", no_argument, 0, O_PEAK},
    {"hot", no_argument, 0, O_HOT},
    {"short-lived", no_argument, 0, O_SHORT},
    {"realloc", no_argument, 0, O_REALLOC},
    {"all", no_argument, 0, O_ALL},
    {"summary", no_argument, 0, O_SUMMARY},
    {"sort", required_argument, 0, O_SORT},
    {"top", required_argument, 0, O_TOP},
    {"by-function", no_argument, 0, O_BYFUNC},
    {"include", required_argument, 0, O_INCLUDE},
    {"exclude", required_argument, 0, O_EXCLUDE},
    {"short-lived-threshold", required_argument, 0, O_THRESH},
    {"depth", required_argument, 0, O_DEPTH},
    {"no-collapse", no_argument, 0, O_NOCOLLAPSE},
    {"glue", required_argument, 0, O_GLUE},
    {"no-fold", no_argument, 0, O_NOFOLD},
    {"json", no_argument, 0, O_JSON},
    {"folded", optional_argument, 0, O_FOLDED},
    {"html", required_argument, 0, O_HTML},
    {"pprof", required_argument, 0, O_PPROF},
    {"color", optional_argument, 0, O_COLOR},
    {"colour", optional_argument, 0, O_COLOR},
    {"no-color", no_argument, 0, O_NOCOLOR},
    {"diff", no_argument, 0, O_DIFF},
    {"check", no_argument, 0, O_CHECK},
    {"max-leaked", required_argument, 0, O_MAXLEAK},
    {"max-leaked-blocks", required_argument, 0, O_MAXLEAKBK},
    {"max-peak", required_argument, 0, O_MAXPEAK},
    {"max-total-bytes", required_argument, 0, O_MAXTB},
    {"max-total-blocks", required_argument, 0, O_MAXTBK},
    {"baseline", required_argument, 0, O_BASELINE},
    {"max-increase", required_argument, 0, O_MAXINC},
    {"max-site-growth", required_argument, 0, O_MAXSITE},
    {"site-metric", required_argument, 0, O_SITEMETRIC},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, O_VERSION},
    {0, 0, 0, 0},
};

typedef struct args {
    hv_query q;
    bool sort_set, top_set;
    const hv_view *views[8];
    size_t nviews;
    const hv_out *out;
    const char *html; /* --html FILE or --pprof FILE: the output file */
    int color;        /* -1 auto */
    hv_metric fold;
    bool fold_set;
    bool diff, check;
    hv_limits lim;
    const char *baseline;
    hp_glue glue; /* --glue changes (pointing into argv) */
    bool no_fold;
    bool site_metric_set;
} args;

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("heapview: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'heapview --help'.\n", stderr);
    return EXIT_BAD;
}

static void add_view(args *a, const hv_view *v)
{
    for (size_t i = 0; i < a->nviews; i++)
        if (a->views[i] == v) return;
    if (a->nviews < sizeof a->views / sizeof *a->views) a->views[a->nviews++] = v;
}

static int parse_count(const char *s, uint64_t *out)
{
    return hv_parse_size(s, out);
}

static int set_limit(args *a, hv_limit w, const char *s)
{
    static const char *const opt[HV_LIM_COUNT] = {"max-leaked", "max-leaked-blocks", "max-peak",
                                                  "max-total-bytes", "max-total-blocks"};
    if (hv_parse_size(s, &a->lim.max[w]) < 0)
        return usage_error("--%s: not a size or count: '%s'", opt[w], s);
    a->lim.has[w] = true;
    return 0;
}

/* Returns 0, or an exit status (usage error, or 0 after --help with *done). */
static int parse_args(int argc, char **argv, args *a, bool *done)
{
    int c, rc;
    uint64_t u;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case O_LEAKS:
            add_view(a, &hv_view_leaks);
            break;
        case O_PEAK:
            add_view(a, &hv_view_peak);
            break;
        case O_HOT:
            add_view(a, &hv_view_hot);
            break;
        case O_SHORT:
            add_view(a, &hv_view_short);
            break;
        case O_REALLOC:
            add_view(a, &hv_view_regrow);
            break;
        case O_ALL:
            for (size_t i = 0; hv_views[i]; i++)
                add_view(a, hv_views[i]);
            break;
        case O_SUMMARY:
            break;
        case O_SORT:
            if (hv_metric_parse(optarg, &a->q.sort) < 0)
                return usage_error("--sort: unknown metric '%s'", optarg);
            a->sort_set = true;
            break;
        case O_TOP:
            if (parse_count(optarg, &u) < 0)
                return usage_error("--top: not a number: '%s'", optarg);
            a->q.top = (size_t)u;
            a->top_set = true;
            break;
        case O_BYFUNC:
            a->q.by_function = true;
            break;
        case O_INCLUDE:
            a->q.include[a->q.ninclude++] = optarg;
            break;
        case O_EXCLUDE:
            a->q.exclude[a->q.nexclude++] = optarg;
            break;
        case O_THRESH: {
            char *end;
            a->q.short_threshold = strtod(optarg, &end);
            if (*end || end == optarg || !(a->q.short_threshold >= 0))
                return usage_error("--short-lived-threshold: not a time: '%s'", optarg);
            break;
        }
        case O_DEPTH:
            if (parse_count(optarg, &u) < 0 || u > UINT32_MAX)
                return usage_error("--depth: not a number: '%s'", optarg);
            a->q.depth = (unsigned)u;
            break;
        case O_NOCOLLAPSE:
            a->q.collapse = false;
            break;
        case O_GLUE:
            if (!hp_glue_change(&a->glue, optarg))
                return usage_error("--glue: empty pattern, or more than %d", HP_GLUE_MAX);
            break;
        case O_NOFOLD:
            a->no_fold = true;
            break;
        case O_JSON:
            a->out = &hv_out_json;
            break;
        case O_FOLDED:
            a->out = &hv_out_folded;
            if (optarg) {
                if (hv_metric_parse(optarg, &a->fold) < 0)
                    return usage_error("--folded: unknown metric '%s'", optarg);
                if (hv_metric_is_pct(a->fold))
                    return usage_error("--folded: %s is a percentile, not a sum", optarg);
                a->fold_set = true;
            }
            break;
        case O_HTML:
            a->out = &hv_out_html;
            a->html = optarg;
            break;
        case O_PPROF:
            a->out = &hv_out_pprof;
            a->html = optarg;
            break;
        case O_COLOR:
            if (!optarg || strcmp(optarg, "always") == 0)
                a->color = 1;
            else if (strcmp(optarg, "never") == 0)
                a->color = 0;
            else if (strcmp(optarg, "auto") == 0)
                a->color = -1;
            else
                return usage_error("--color: expected auto, always or never");
            break;
        case O_NOCOLOR:
            a->color = 0;
            break;
        case O_DIFF:
            a->diff = true;
            break;
        case O_CHECK:
            a->check = true;
            break;
        case O_MAXLEAK:
        case O_MAXLEAKBK:
        case O_MAXPEAK:
        case O_MAXTB:
        case O_MAXTBK:
            if ((rc = set_limit(a, (hv_limit)(c - O_MAXLEAK), optarg))) return rc;
            a->check = true;
            break;
        case O_BASELINE:
            a->baseline = optarg;
            a->check = true;
            break;
        case O_MAXINC:
            if (hv_parse_percent(optarg, &a->lim.max_increase) < 0)
                return usage_error("--max-increase: not a percentage: '%s'", optarg);
            a->lim.has_increase = true;
            a->check = true;
            break;
        case O_MAXSITE:
            if (hv_parse_percent(optarg, &a->lim.max_site_growth) < 0)
                return usage_error("--max-site-growth: not a percentage: '%s'", optarg);
            a->lim.has_site_growth = true;
            a->check = true;
            break;
        case O_SITEMETRIC:
            if (hv_metric_parse(optarg, &a->lim.site_metric) < 0)
                return usage_error("--site-metric: unknown metric '%s'", optarg);
            if (hv_metric_is_pct(a->lim.site_metric))
                return usage_error("--site-metric: %s is a percentile (views only)", optarg);
            a->site_metric_set = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            *done = true;
            return 0;
        case O_VERSION:
            printf("heapview %s (report format: DHAT v%d, heapprof extension v%d)\n", HV_VERSION, 2,
                   1);
            *done = true;
            return 0;
        default:
            fputs("Try 'heapview --help'.\n", stderr);
            return EXIT_BAD;
        }
    }
    return 0;
}

static void set_glue(const args *a, hv_report *r)
{
    if (a->glue.nadd || a->glue.ndel || a->glue.no_defaults || a->no_fold)
        hv_report_set_glue(r, &a->glue, !a->no_fold);
}

/* Loads file; on failure says so in one line (unless quiet: then the reason is in err). */
static hv_report *load_raw(const char *file, bool quiet, char *err, size_t errlen)
{
    hv_report *r;
    if (hv_load_file(file, &r, err, errlen) < 0) {
        if (!quiet) fprintf(stderr, "heapview: %s: %s\n", file, err);
        return NULL;
    }
    if (r->cut_sites)
        fprintf(stderr,
                "heapview: %s: %zu site%s had more than %d frames: kept the first %d of each, "
                "%llu frames cut\n",
                file, r->cut_sites, r->cut_sites == 1 ? "" : "s", HV_MAX_SITE_FRAMES,
                HV_MAX_SITE_FRAMES, (unsigned long long)r->cut_frames);
    return r;
}

static hv_report *load_or_say(const args *a, const char *file)
{
    char err[512];
    hv_report *r = load_raw(file, false, err, sizeof err);
    if (r) set_glue(a, r);
    return r;
}

typedef struct rlist {
    hv_report **r;
    char **name; /* each report's file (malloc'd) */
    size_t n, cap;
} rlist;

static void rlist_free(rlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        hv_report_free(l->r[i]);
        free(l->name[i]);
    }
    free(l->r);
    free(l->name);
}

static int rlist_add(rlist *l, hv_report *r, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        hv_report **nr = realloc(l->r, cap * sizeof *nr);
        if (nr) l->r = nr;
        char **nn = realloc(l->name, cap * sizeof *nn);
        if (nn) l->name = nn;
        if (!nr || !nn) return -1;
        l->cap = cap;
    }
    if (!(l->name[l->n] = strdup(name))) return -1;
    l->r[l->n++] = r;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json of dir that loads as a report, in name order; one that does not is skipped
 * with a note naming it, unless none loads (then one line: the directory holds no report).
 * Returns 0, or -1 (said). */
static int load_dir(const char *dir, rlist *l)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "heapview: %s: cannot read: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0, before = l->n;
    int rc = -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *nn);
            if (!nn) goto oom;
            names = nn;
        }
        size_t pl = strlen(dir) + len + 2;
        if (!(names[n] = malloc(pl))) goto oom;
        snprintf(names[n++], pl, "%s/%s", dir, de->d_name);
    }
    if (n) qsort(names, n, sizeof *names, name_cmp);
    bool *failed = calloc(n ? n : 1, sizeof *failed);
    if (!failed) goto oom;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        char err[512];
        if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
        hv_report *r = load_raw(names[i], true, err, sizeof err);
        if (!r) {
            failed[i] = true;
            continue;
        }
        if (rlist_add(l, r, names[i]) < 0) {
            hv_report_free(r);
            free(failed);
            goto oom;
        }
    }
    if (l->n == before) {
        fprintf(stderr, "heapview: %s: no report in this directory\n", dir);
        free(failed);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (failed[i]) fprintf(stderr, "heapview: %s: skipped, not a report\n", names[i]);
    free(failed);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "heapview: out of memory\n");
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

/* The report that files[0..n) make: one file as it is, several (or a directory) merged
 * (merge.h). label: what the output names it. NULL when one does not load (said in one line
 * naming it) or the merge fails. */
static hv_report *load_merged(const args *a, char **files, int n, char *label, size_t labellen)
{
    rlist l = {0};
    hv_report *r = NULL;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(files[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (load_dir(files[i], &l) < 0) goto out;
            continue;
        }
        char err[512];
        hv_report *x = load_raw(files[i], false, err, sizeof err);
        if (!x) goto out;
        if (rlist_add(&l, x, files[i]) < 0) {
            hv_report_free(x);
            fprintf(stderr, "heapview: out of memory\n");
            goto out;
        }
    }
    if (l.n == 1 && n == 1 && strcmp(l.name[0], files[0]) == 0) {
        r = l.r[0]; /* one file: the report as it is */
        l.r[0] = NULL;
        snprintf(label, labellen, "%s", files[0]);
    } else {
        char err[512];
        size_t bad;
        if (hv_merge(l.r, l.n, &r, &bad, err, sizeof err) < 0) {
            if (bad < l.n)
                fprintf(stderr, "heapview: %s: %s\n", l.name[bad], err);
            else
                fprintf(stderr, "heapview: %s\n", err);
            goto out;
        }
        size_t off = 0;
        for (int i = 0; i < n && off < labellen; i++)
            off += (size_t)snprintf(label + off, labellen - off, "%s%s", i ? " " : "", files[i]);
    }
    set_glue(a, r);
out:
    rlist_free(&l);
    return r;
}

static int run_check(args *a, char **files, int nfiles)
{
    bool relative = a->lim.has_increase || a->lim.has_site_growth;
    if (relative != (a->baseline != NULL))
        return usage_error("--baseline goes with --max-increase or --max-site-growth");
    if (a->site_metric_set && !a->lim.has_site_growth)
        return usage_error("--site-metric goes with --max-site-growth");
    bool any = relative;
    for (int w = 0; w < HV_LIM_COUNT; w++)
        any |= a->lim.has[w];
    if (!any) return usage_error("--check: no limit given (--max-leaked, --max-peak, ...)");
    char file[1024];
    hv_report *r = load_merged(a, files, nfiles, file, sizeof file), *base = NULL;
    int rc = EXIT_BAD;
    if (!r) goto out;
    if (a->baseline && !(base = load_or_say(a, a->baseline))) goto out;
    hv_check_result res[2 * HV_LIM_COUNT];
    hv_site_check sc = {0};
    size_t failed, n = hv_check_run(r, base, &a->lim, res, &failed);
    if (a->lim.has_site_growth && hv_check_sites(r, base, &a->lim, &a->q, &sc) < 0) {
        fprintf(stderr, "heapview: out of memory\n");
        goto out;
    }
    failed += sc.nfail;
    printf("heapview --check %s: %s\n", file, failed ? "FAILED" : "passed");
    hv_check_note(stdout, r, base);
    hv_check_print(stdout, r, res, n, a->lim.max_increase);
    if (a->lim.has_site_growth) hv_check_sites_print(stdout, &sc, &a->lim);
    hv_site_check_free(&sc);
    rc = failed ? EXIT_CHECK : 0;
out:
    hv_report_free(r);
    hv_report_free(base);
    return rc;
}

/* --html FILE, --pprof FILE: the output file, created once the input has loaded (no empty
 * page or profile is left behind a bad report). Returns 0, or -1 with the message printed. */
static int open_out(const args *a, hv_outctx *o)
{
    if (!a->html) return 0;
    if ((o->f = fopen(a->html, "w"))) return 0;
    fprintf(stderr, "heapview: %s: cannot create: %s\n", a->html, strerror(errno));
    o->f = stdout;
    return -1;
}

static int run_diff(args *a, hv_outctx *o, const char *bfile, const char *cfile)
{
    hv_report *b = load_or_say(a, bfile), *c = NULL;
    int rc = EXIT_BAD;
    hv_diff d = {0};
    char label[1024];
    if (!b || !(c = load_or_say(a, cfile)) || open_out(a, o) < 0) goto out;
    if (hv_diff_build(b, c, &a->q, a->sort_set ? a->q.sort : HV_TB, &d) < 0) {
        fprintf(stderr, "heapview: out of memory\n");
        goto out;
    }
    snprintf(label, sizeof label, "%s -> %s", bfile, cfile);
    o->label = label;
    rc = a->out->diff(o, &d) < 0 ? EXIT_BAD : 0;
out:
    hv_diff_free(&d);
    hv_report_free(b);
    hv_report_free(c);
    return rc;
}

static int add_section(hv_section *sec, size_t *n, const hv_report *r, const hv_query *q,
                       const hv_view *v, hv_metric sort)
{
    sec[*n].view = v;
    sec[*n].sort = sort;
    if (hv_select(r, q, v->keep, sort, &sec[*n].rows) < 0) return -1;
    (*n)++;
    return 0;
}

static int run_views(args *a, hv_outctx *o, char **files, int nfiles)
{
    char file[1024];
    hv_report *r = load_merged(a, files, nfiles, file, sizeof file);
    if (!r) return EXIT_BAD;
    if (open_out(a, o) < 0) {
        hv_report_free(r);
        return EXIT_BAD;
    }
    hv_section sec[16];
    size_t n = 0;
    int rc = EXIT_BAD;
    o->label = file;
    if (a->out == &hv_out_html || a->out == &hv_out_pprof) {
        /* every site: out_html.c chooses what the page can show; out_pprof.c writes all */
    } else if (a->out == &hv_out_folded) {
        a->q.top = 0; /* every site */
        const hv_view *v = a->nviews ? a->views[0] : &hv_view_hot;
        if (!a->nviews && !a->fold_set) {
            a->fold = HV_TB;
            a->fold_set = true;
            o->fold = HV_TB;
            o->fold_set = true;
        }
        if (add_section(sec, &n, r, &a->q, v, a->sort_set ? a->q.sort : v->sort) < 0) goto oom;
    } else if (a->nviews) {
        for (size_t i = 0; i < a->nviews; i++)
            if (add_section(sec, &n, r, &a->q, a->views[i],
                            a->sort_set ? a->q.sort : a->views[i]->sort) < 0)
                goto oom;
    } else if (a->out == &hv_out_json) {
        for (size_t i = 0; hv_views[i]; i++)
            if (add_section(sec, &n, r, &a->q, hv_views[i],
                            a->sort_set ? a->q.sort : hv_views[i]->sort) < 0)
                goto oom;
    } else {
        o->summary = true;
        if (!a->top_set) a->q.top = 3;
        if (add_section(sec, &n, r, &a->q, &hv_view_leaks, HV_EB) < 0 ||
            add_section(sec, &n, r, &a->q, &hv_view_peak, HV_GB) < 0 ||
            add_section(sec, &n, r, &a->q, &hv_view_hot, HV_TBK) < 0 ||
            add_section(sec, &n, r, &a->q, &hv_view_hot, HV_TB) < 0 ||
            add_section(sec, &n, r, &a->q, &hv_view_short, HV_TBK) < 0 ||
            /* a sampled report has no realloc counts (hp_rs is 0: docs/report-format.md) */
            (r->heapprof && !r->sampled &&
             add_section(sec, &n, r, &a->q, &hv_view_regrow, HV_RS) < 0))
            goto oom;
    }
    rc = a->out->report(o, r, sec, n) < 0 ? EXIT_BAD : 0;
    if (rc) fprintf(stderr, "heapview: cannot write the output\n");
    goto out;
oom:
    fprintf(stderr, "heapview: out of memory\n");
out:
    for (size_t i = 0; i < n; i++)
        hv_rows_free(&sec[i].rows);
    hv_report_free(r);
    return rc;
}

int main(int argc, char **argv)
{
    args a;
    memset(&a, 0, sizeof a);
    hv_query_defaults(&a.q);
    a.lim.site_metric = HV_TB;
    a.color = -1;
    a.out = &hv_out_text;
    /* Filters point into argv: at most argc of each. */
    a.q.include = calloc((size_t)argc, sizeof *a.q.include);
    a.q.exclude = calloc((size_t)argc, sizeof *a.q.exclude);
    int rc = EXIT_BAD;
    bool done = false;
    if (!a.q.include || !a.q.exclude) {
        fprintf(stderr, "heapview: out of memory\n");
        goto out;
    }
    if ((rc = parse_args(argc, argv, &a, &done)) || done) goto out;
    rc = EXIT_BAD;
    int nfiles = argc - optind;
    if (a.color < 0) {
        const char *nc = getenv("NO_COLOR");
        a.color = isatty(1) && !(nc && *nc);
    }
    hv_outctx o = {.f = stdout,
                   .color = a.color == 1 && a.out == &hv_out_text,
                   .q = &a.q,
                   .fold = a.fold,
                   .fold_set = a.fold_set};
    if (a.diff && a.check) {
        rc = usage_error("--diff and --check are separate modes");
    } else if (a.diff && a.sort_set && hv_metric_is_pct(a.q.sort)) {
        rc =
            usage_error("--diff: --sort %s is a percentile (views only)", hv_metric_name(a.q.sort));
    } else if (a.diff && a.out == &hv_out_pprof) {
        rc = usage_error("--pprof writes one report, not a --diff");
    } else if (a.diff) {
        if (nfiles != 2)
            rc = usage_error("--diff takes two reports: BASE NEW");
        else
            rc = run_diff(&a, &o, argv[optind], argv[optind + 1]);
    } else if (nfiles < 1) {
        rc = usage_error("no report given");
    } else if (a.check) {
        rc = run_check(&a, argv + optind, nfiles);
    } else {
        rc = run_views(&a, &o, argv + optind, nfiles);
    }
    if (o.f != stdout && fclose(o.f) != 0 && rc == 0) {
        fprintf(stderr, "heapview: %s: cannot write\n", a.html);
        rc = EXIT_BAD;
    }
    /* A profile cut short would be read as a smaller one: none is better. */
    if (o.f != stdout && rc != 0 && a.out == &hv_out_pprof) unlink(a.html);
out:
    free(a.q.include);
    free(a.q.exclude);
    if (fflush(stdout) != 0 && rc == 0) rc = EXIT_BAD;
    return rc;
}
