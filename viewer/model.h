/* model.h - heapview's in-memory report and the questions asked of it: metrics, frames,
 * filtering, grouping, ranking. No I/O: load.c builds an hv_report, views/diff/check read it.
 * Ownership: an hv_report owns every string and array it points to; hv_report_free frees all.
 * Invariants (checked by the loader): every site's frame index is < nframes; every counter
 * is an integer in [0, 2^53]; tot[m] == sum over sites of v[m] for every raw metric m;
 * timeline (when present): 1 <= n <= HPR_TL_MAX_POINTS, t_us[i-1] <= t_us[i], every series
 * has n values, nsites <= HPR_TL_MAX_SITES, sites[k].site < nsites of the report; histograms:
 * nsize, nlife <= HPR_H_MAX_BUCKETS, and each sums to at most the site's tbk. */
#ifndef HV_MODEL_H
#define HV_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Per-site metrics. The first HV_NRAW are stored counters (DHAT's names, then heapprof's
 * extensions, then the leak checker's classes); the rest are derived from them. */
typedef enum hv_metric {
    HV_TB,  /* total bytes allocated */
    HV_TBK, /* total blocks allocated */
    HV_TL,  /* total lifetime, in tu */
    HV_MB,  /* max bytes live at once */
    HV_MBK, /* blocks live at that moment */
    HV_GB,  /* bytes live at t-gmax */
    HV_GBK, /* blocks live at t-gmax */
    HV_EB,  /* bytes live at t-end */
    HV_EBK, /* blocks live at t-end */
    HV_RS,  /* hp_rs: successful reallocs */
    HV_RSG, /* hp_rsg: bytes added by growing reallocs */
    HV_DB,  /* hp_leak: definitely lost bytes / blocks */
    HV_DBK,
    HV_IB, /* indirectly lost */
    HV_IBK,
    HV_RB, /* still reachable */
    HV_RBK,
    HV_SB, /* suppressed (0 in reports older than the key) */
    HV_SBK,
    HV_UB, /* unreadable: freed where heapprof did not see it (0 in older reports) */
    HV_UBK,
    HV_NRAW,
    HV_AVG_SIZE = HV_NRAW, /* tb / tbk */
    HV_AVG_LIFE,           /* tl / tbk, in tu */
    HV_RATE_BK,            /* tbk per Mtu (per second for heapprof) */
    HV_RATE_B,             /* tb per Mtu */
    HV_AVG_GROW,           /* rsg / rs: average realloc growth step */
    /* Percentiles of a site's (or a row's) histograms (hp_hist): not functions of v[], so
     * hv_metric_value gives 0 for them; hv_row_value gives the row's. */
    HV_SIZE50, /* request size p50 (bucket upper bound, bytes) */
    HV_SIZE99,
    HV_LIFE50, /* lifetime p50 (bucket upper bound, us) of blocks freed before exit */
    HV_LIFE99,
    HV_NMETRIC
} hv_metric;

typedef enum hv_unit { HV_U_BYTES, HV_U_COUNT, HV_U_TIME, HV_U_RATE_B, HV_U_RATE_N } hv_unit;

typedef struct hv_frame {
    char *text;      /* as in ftbl: "0x4011A3: main (prog.c:12)" */
    const char *sym; /* text without the "0xADDR: " prefix (points into text) */
    char *func;      /* "main", "???"; never NULL */
    char *file;      /* "prog.c" or NULL */
    char *lib;       /* "/lib/x86_64-linux-gnu/libc.so.6" or NULL */
    unsigned line;   /* 0 when unknown */
    bool system;     /* glue, or the loader/thread start/profiler runtime: hidden in stacks */
    bool glue;       /* allocator glue (preload/glue.h): a site is named past these */
} hv_frame;

typedef struct hv_site {
    uint64_t v[HV_NRAW];
    uint32_t fs_off; /* frames are fsbuf[fs_off .. fs_off + nfs), innermost first */
    uint32_t nfs;
    bool has_leak; /* hp_leak present */
    bool sup;      /* hp_leak.sup */
    /* hp_hist: block counts per log2 bucket (see heapprof_report.h), 0/NULL when absent.
     * One allocation: hsize owns it and hlife == hsize + nsize (hv_report_free frees hsize). */
    uint32_t nsize, nlife;
    const uint64_t *hsize, *hlife;
} hv_site;

/* hp_timeline: one per-site series, sampled at the timeline's times. */
typedef struct hv_tl_site {
    size_t site; /* index into r->sites */
    const uint64_t *b;
} hv_tl_site;

/* hp_timeline: n points; each is the maximum of total live bytes within its interval, so the
 * global peak is one of them. Owned by the report (one block per array). */
typedef struct hv_timeline {
    size_t n;
    const double *t_us;     /* microseconds since start, ascending */
    const uint64_t *b, *bk; /* live bytes and blocks */
    size_t nsites;
    const hv_tl_site *sites;
} hv_timeline;

/* Totals of the leak checker (hp_leak_check). */
typedef struct hv_leakcheck {
    char *mode;
    uint64_t definite_bytes, definite_blocks, indirect_bytes, indirect_blocks;
    uint64_t reachable_bytes, reachable_blocks, suppressed_bytes, suppressed_blocks;
    uint64_t unreadable_bytes, unreadable_blocks; /* 0 when absent (older reports) */
    char *no_verdict;                             /* why the check could not conclude, or NULL */
    int64_t exit_code;
} hv_leakcheck;

typedef struct hv_report {
    char *cmd, *tu, *mtu, *mode, *clock;
    int64_t pid;
    uint64_t te, tg, tuth;
    bool heapprof; /* hp_version present: written by libheapprof.so */
    bool dhat_rs;  /* mode "rust-heap": written by the dhat crate (dhat-rs) */
    bool complete; /* hp_complete (true for DHAT files) */
    char **errors; /* hp_errors */
    size_t nerrors;
    uint64_t depth; /* hp_depth, 0 if absent */
    hv_frame *frames;
    size_t nframes;
    hv_site *sites;
    size_t nsites;
    uint32_t *fsbuf;
    size_t nfsbuf;
    uint64_t tot[HV_NRAW];            /* sums over sites */
    uint64_t gmax_bytes, gmax_blocks; /* == tot[HV_GB], tot[HV_GBK] */
    bool has_leak_check;
    hv_leakcheck lc;
    size_t cut_sites;            /* sites whose frames were cut to HV_MAX_SITE_FRAMES at load */
    uint64_t cut_frames;         /* frames dropped from them */
    const hv_timeline *timeline; /* hp_timeline, or NULL */
    bool has_hist;               /* some site has hp_hist: percentile columns are shown */
    size_t merged;               /* reports merged into this one (merge.h), 0 for one file */
    /* hp_sample: every count is an estimate. sample_rate is R (mean bytes between samples), or
     * 0 when sampled && the report merges different rates or sampled and exact reports
     * ("mixed"); samples is N (summed over merged reports). Exact report: false, 0, 0. */
    bool sampled;
    uint64_t sample_rate;
    uint64_t samples;
} hv_report;

/* The most frames one site keeps at load (the rest: counted in cut_frames). The library records
 * at most 256 (HEAPPROF_DEPTH), Valgrind's DHAT at most --num-callers (500). */
#define HV_MAX_SITE_FRAMES 1000

void hv_report_free(hv_report *r);

/* Parses one ftbl string into f (f->text takes ownership of text). Returns 0, or -1 when out
 * of memory. Classified with the default glue list (see hv_report_set_glue). */
int hv_frame_init(hv_frame *f, char *text);
/* True for allocator glue (the default list of preload/glue.h: libc, libstdc++, Rust's alloc,
 * allocators, malloc wrappers) and for the runtime around the program (the dynamic loader,
 * thread start, profilers): collapsed by default. From the library path, function and file. */
bool hv_frame_is_system(const char *func, const char *file, const char *lib);
struct hp_glue;
/* Classifies every frame of r again: glue under g (NULL: the defaults), none if !fold (then
 * sites are named after their innermost frame outside the loader and profiler runtime). */
void hv_report_set_glue(hv_report *r, const struct hp_glue *g, bool fold);

static inline const uint32_t *hv_site_frames(const hv_report *r, const hv_site *s)
{
    return r->fsbuf + s->fs_off;
}

/* Metrics: names as in the report ("tb", "hp_rs" or "rs", ...) plus derived ones. */
int hv_metric_parse(const char *name, hv_metric *out); /* 0, or -1 unknown */
const char *hv_metric_name(hv_metric m);               /* "tb", "avg-size", ... */
const char *hv_metric_label(hv_metric m);              /* column header: "total", "at-exit" */
hv_unit hv_metric_unit(hv_metric m);
/* Value of m for counters v (a site's or a row's) in report r (for rates: te, Mtu). */
double hv_metric_value(const hv_report *r, const uint64_t *v, hv_metric m);

/* True for HV_SIZE50..HV_LIFE99. */
bool hv_metric_is_pct(hv_metric m);

/* ---- Distributions (hp_hist) ----
 * The p-th percentile (p in [0, 1]) by nearest rank over the histogram's blocks: the bucket
 * i holding the k-th smallest block, k = max(1, ceil(p * N)), reported as the bucket's upper
 * bound 2^(i+1) (bytes or us: "p of the blocks are below it"). NAN when there are no blocks
 * (no histogram: DHAT files; or no block freed, for lifetimes). which: 0 size, 1 life. */
double hv_hist_pct(const uint64_t *h, uint32_t n, double p);
double hv_site_pct(const hv_report *r, const hv_site *s, int which, double p);
/* Over every site of the report (the whole heap). */
double hv_report_pct(const hv_report *r, int which, double p);

/* ---- Selection: filter, group, rank ---- */

typedef struct hv_query {
    hv_metric sort;       /* ranking metric, descending */
    size_t top;           /* 0: all */
    bool by_function;     /* one row per function of the first user frame */
    bool collapse;        /* hide system frames (default true) */
    unsigned depth;       /* user frames to show; 0: all */
    const char **include; /* glob patterns, optionally "func:", "file:" or "lib:" prefixed */
    size_t ninclude;
    const char **exclude;
    size_t nexclude;
    double short_threshold; /* average lifetime in tu; < 0: the report's tuth */
} hv_query;

void hv_query_defaults(hv_query *q);

typedef struct hv_row {
    uint64_t v[HV_NRAW]; /* summed over the row's sites */
    size_t site;         /* representative site (the largest by the sort metric) */
    size_t nsites;
    bool has_leak;
    double pct[4]; /* HV_SIZE50..HV_LIFE99 over the row's sites' merged histograms (NAN: none) */
} hv_row;

typedef struct hv_rows {
    hv_row *row; /* ranked, at most q->top */
    size_t n;
    size_t nmatch;         /* rows before the --top cut */
    uint64_t sum[HV_NRAW]; /* over all matching rows */
} hv_rows;

typedef bool (*hv_keep_fn)(const hv_report *r, const hv_site *s, const hv_query *q);

/* Value of m for a row: hv_metric_value, or the row's percentile for HV_SIZE50..HV_LIFE99. */
double hv_row_value(const hv_report *r, const hv_row *row, hv_metric m);
/* Percentile over the sites of r that pass keep (may be NULL) and q's filters (q may be NULL). */
double hv_select_pct(const hv_report *r, const hv_query *q, hv_keep_fn keep, int which, double p);

/* Rows of the sites of r that pass keep (may be NULL) and the filters of q, grouped as q says,
 * ranked by sort descending (ties: by tb, then by stack text), cut to q->top.
 * Returns 0, or -1 when out of memory. */
int hv_select(const hv_report *r, const hv_query *q, hv_keep_fn keep, hv_metric sort, hv_rows *out);
void hv_rows_free(hv_rows *rows);

/* Whether site s passes q's include/exclude filters. */
bool hv_site_matches(const hv_report *r, const hv_site *s, const hv_query *q);
/* Index in s's stack of the first non-system frame (the first that is neither allocator glue
 * nor runtime: the site's name), or 0 if all are system (or none). */
uint32_t hv_site_first_user(const hv_report *r, const hv_site *s);
/* The glue frame s's first user frame called ("via asprintf"), or NULL: none, not glue, or
 * the allocator itself (malloc, operator new, __rust_alloc: saying so tells nothing). */
const hv_frame *hv_site_via(const hv_report *r, const hv_site *s);

/* ---- Site identity across builds (diff, check --baseline, merging) ----
 * A site's identity is the chain of its frames' function names, innermost first, without
 * addresses, files or lines, so that an edit which moves lines (or relinks) keeps it. Frames
 * with no function name ("???") stand for their library's base name ("??? in libfoo.so").
 * Sites of one report that share the chain are told apart by hv_site_lines_cmp: the order of
 * their (file, line) vectors, which an edit that inserts or deletes lines preserves.
 * This is the one place that says what "the same site" means; a frame filter (e.g. folding
 * allocator glue) belongs in hv_site_identity and hv_site_lines_cmp alike. */

/* The identity key of s (frames joined by '\n'; "[root]" for an empty stack) as a malloc'd
 * string, or NULL when out of memory. Equal keys <=> equal function chains. */
char *hv_site_identity(const hv_report *r, const hv_site *s);
/* Orders two sites (of r and of r2, which may differ) by their frames' (file, line), innermost
 * frame first: file by name (none first), then line. 0 when equal. Meant for sites with equal
 * identity; for others it still gives a total order on (file, line) vectors. */
int hv_site_lines_cmp(const hv_report *r, const hv_site *a, const hv_report *r2, const hv_site *b);

#endif
