/* report.c - JSON report writer: DHAT file format v2 plus hp_* extensions.
 * Owns: this image's report path once chosen (so a failed exec's image rewrites its own), the
 *       directory it started in.
 * Invariants: ftbl[0] == "[root]"; every fs index is in 1..len(ftbl)-1; an existing file is
 *             never replaced except this image's own earlier report.
 * Threads: runs once at the end of an image, under the agg lock. Memory: mmap only. */
#include "report.h"

#include "agg.h"
#include "arena.h"
#include "clock.h"
#include "config.h"
#include "fmt.h"
#include "leakcheck.h"
#include "livetab.h"
#include "log.h"
#include "sample.h"
#include "sites.h"
#include "stacktab.h"
#include "state.h"
#include "symbolize.h"
#include "timeline.h"
#include "tlbuf.h"

#include <heapprof_report.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h> /* rename() only; no stdio streams */
#include <string.h>
#include <unistd.h>

static struct {
    char start[PATH_MAX]; /* the directory this image started in, absolute ("" if unknown) */
    char own[PATH_MAX];   /* this image's report, once written */
    hp_out out;
    char cmd[1 << 15];
    char frame[4096];
    uint16_t kept[HP_TL_CAP];  /* timeline points written (one per µs) */
    uint32_t tl_sid[HP_TL_K];  /* sites with a series */
    uint64_t tl_held[HP_TL_K]; /* their last recorded value */
    uint64_t tl_pp[HP_TL_K];   /* their index in pps */
} rp;

void hp_report_init(void)
{
    /* getcwd into our buffer is one system call: no allocation, no lock */
    if (!getcwd(rp.start, sizeof rp.start) || rp.start[0] != '/') rp.start[0] = 0;
}

void hp_report_atfork_child(void)
{
    rp.own[0] = 0;
}

/* ---- frame table: (return address, object) -> index in ftbl (1-based; 0 is "[root]") ----
 * The object (hp_sym_object) tells apart two objects mapped at one address one after the other. */

typedef struct ftab {
    uintptr_t *key;
    uint32_t *obj, *val;
    uintptr_t *order;    /* order[i] = address of ftbl entry i+1 */
    uint32_t *order_obj; /* and its object */
    size_t cap, n;
} ftab;

static bool ftab_init(ftab *f, size_t frames)
{
    f->cap = 64;
    while (f->cap < frames * 2)
        f->cap *= 2;
    f->key = hp_map(f->cap * sizeof *f->key);
    f->obj = hp_map(f->cap * sizeof *f->obj);
    f->val = hp_map(f->cap * sizeof *f->val);
    f->order = hp_map((frames + 1) * sizeof *f->order);
    f->order_obj = hp_map((frames + 1) * sizeof *f->order_obj);
    f->n = 0;
    return f->key && f->obj && f->val && f->order && f->order_obj;
}

static void ftab_free(ftab *f, size_t frames)
{
    hp_unmap(f->key, f->cap * sizeof *f->key);
    hp_unmap(f->obj, f->cap * sizeof *f->obj);
    hp_unmap(f->val, f->cap * sizeof *f->val);
    hp_unmap(f->order, (frames + 1) * sizeof *f->order);
    hp_unmap(f->order_obj, (frames + 1) * sizeof *f->order_obj);
}

static uint32_t ftab_get(ftab *f, uintptr_t ip, uint32_t obj)
{
    size_t i = (size_t)(((ip + obj) * 0x9E3779B97F4A7C15ull) >> 20) & (f->cap - 1);
    while (f->key[i] && (f->key[i] != ip || f->obj[i] != obj))
        i = (i + 1) & (f->cap - 1);
    if (!f->key[i]) {
        f->key[i] = ip;
        f->obj[i] = obj;
        f->order[f->n] = ip;
        f->order_obj[f->n] = obj;
        f->val[i] = (uint32_t)++f->n;
        hp_assert(f->n * 2 <= f->cap); /* sized for every frame of every stack, at half load */
    }
    hp_assert(f->val[i] >= 1 && f->val[i] <= f->n); /* an index into the frame table */
    return f->val[i];
}

/* ---- helpers ---- */

static void read_cmdline(void)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, rp.cmd, sizeof rp.cmd - 1) : -1;
    if (fd >= 0) close(fd);
    if (n <= 0) n = 0;
    while (n > 0 && rp.cmd[n - 1] == 0)
        n--;
    for (ssize_t i = 0; i < n; i++)
        if (rp.cmd[i] == 0) rp.cmd[i] = ' ';
    rp.cmd[n] = 0;
}

static void key_u64(hp_out *o, const char *k, uint64_t v, bool comma)
{
    hp_out_str(o, "\"");
    hp_out_str(o, k);
    hp_out_str(o, "\":");
    hp_out_u64(o, v);
    if (comma) hp_out_str(o, ",");
}

static uint64_t us(uint64_t ticks)
{
    return hp_clock_ns(ticks) / 1000;
}

/* Expands %p in HEAPPROF_OUT, a relative name against the directory the image started in (a
 * daemon's chdir("/") must not move its report); returns false if the result does not fit. */
static bool expand_path(char *dst, size_t cap)
{
    size_t n = 0;
    char pid[24];
    size_t pl = hp_fmt_u64(pid, (uint64_t)getpid());
    if (hp_opt.OUT[0] != '/' && rp.start[0]) {
        size_t sl = strlen(rp.start);
        if (sl + 2 >= cap) return false;
        memcpy(dst, rp.start, sl);
        n = sl;
        if (dst[n - 1] != '/') dst[n++] = '/';
    }
    size_t base = n;
    for (const char *s = hp_opt.OUT; *s; s++) {
        if (s[0] == '%' && s[1] == 'p') {
            if (n + pl >= cap) return false;
            memcpy(dst + n, pid, pl);
            n += pl;
            s++;
            continue;
        }
        if (n + 1 >= cap) return false;
        dst[n++] = *s;
    }
    dst[n] = 0;
    return n > base;
}

/* name -> stem.K.ext (K >= 1): "a/b.json" -> "a/b.1.json", "out" -> "out.1" */
static bool numbered(char *dst, size_t cap, const char *name, unsigned k)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash + 1 : name, '.');
    size_t stem = dot ? (size_t)(dot - name) : strlen(name);
    char num[24];
    size_t nl = hp_fmt_u64(num, k);
    size_t ext = strlen(name) - stem;
    if (stem + 1 + nl + ext >= cap) return false;
    memcpy(dst, name, stem);
    dst[stem] = '.';
    memcpy(dst + stem + 1, num, nl);
    memcpy(dst + stem + 1 + nl, name + stem, ext + 1);
    return true;
}

/* ---- the file while it is written ----
 * An unnamed file (O_TMPFILE) in the report's directory, given its name with linkat only once
 * it is complete: a process killed while writing (SIGKILL, OOM killer, a pool's worker
 * terminated) leaves nothing behind. Fallback, only where O_TMPFILE is unsupported (EISDIR:
 * kernels before 3.11; EOPNOTSUPP/EINVAL: filesystems without it): a named temporary file
 * <want>.tmp.<pid>, renamed when complete, which such a kill leaves behind. */

typedef struct pending {
    int fd;
    bool anon;               /* O_TMPFILE: no name yet */
    char tmp[PATH_MAX + 32]; /* else its temporary name */
} pending;

static void tmp_name(char *dst, const char *name)
{
    size_t l = strlen(name);
    memcpy(dst, name, l);
    memcpy(dst + l, ".tmp.", 5);
    hp_fmt_u64(dst + l + 5, (uint64_t)getpid());
}

/* Returns the descriptor, or -1 (errno set). */
static int pending_open(pending *p, const char *want)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(want, '/');
    size_t dl = slash ? (size_t)(slash - want) : 0;
    if (slash && dl == 0) dl = 1; /* "/x.json" */
    memcpy(dir, slash ? want : ".", slash ? dl : 1);
    dir[slash ? dl : 1] = 0;
    p->anon = true;
    p->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (p->fd >= 0 || (errno != EISDIR && errno != EOPNOTSUPP && errno != EINVAL)) return p->fd;
    p->anon = false;
    tmp_name(p->tmp, want);
    p->fd = open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    return p->fd;
}

/* Gives the file the name `name` if nothing has it (never replaces, never follows a symlink
 * there). Returns 0 or -errno. */
static int pending_link(const pending *p, const char *name)
{
    if (!p->anon) return link(p->tmp, name) == 0 ? 0 : -errno;
    char proc[40] = "/proc/self/fd/";
    hp_fmt_u64(proc + 14, (uint64_t)p->fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0) return 0;
    if (errno != ENOENT) return -errno;
    /* no /proc: AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH) */
    return linkat(p->fd, "", AT_FDCWD, name, AT_EMPTY_PATH) == 0 ? 0 : -errno;
}

/* Gives the file the name `name`, replacing what has it (our own earlier report, or the exact
 * path of heapprof_dump). The unnamed file is first linked to <name>.tmp.<pid>, complete. */
static int pending_replace(pending *p, const char *name)
{
    if (p->anon) {
        tmp_name(p->tmp, name);
        int e = pending_link(p, p->tmp);
        if (e == -EEXIST && unlink(p->tmp) == 0) e = pending_link(p, p->tmp); /* stale */
        if (e) return e;
    }
    if (rename(p->tmp, name) == 0) return 0;
    int e = -errno;
    unlink(p->tmp);
    return e;
}

/* After a failure: nothing of the file may stay (an unnamed one goes with its descriptor). */
static void pending_drop(const pending *p)
{
    if (!p->anon) unlink(p->tmp);
}

/* Gives the complete file its final name; an existing file is never replaced (except our own
 * report). */
static int publish(pending *p, const char *want, char *got, size_t cap)
{
    if (rp.own[0]) {
        int e = pending_replace(p, rp.own);
        if (e) return e;
        strcpy(got, rp.own);
        return 0;
    }
    for (unsigned k = 0; k < 10000; k++) {
        if (k == 0)
            strcpy(got, want);
        else if (!numbered(got, cap, want, k))
            return -ENAMETOOLONG;
        int e = pending_link(p, got);
        if (e == 0) {
            pending_drop(p); /* the temporary name, if any */
            return 0;
        }
        if (e == -EEXIST) continue;
        if (!p->anon && (e == -EPERM || e == -ENOTSUP || e == -EOPNOTSUPP)) {
            /* no hard links here: check, then rename (a racing writer could still win) */
            if (access(got, F_OK) == 0) continue;
            if (rename(p->tmp, got) == 0) return 0;
            e = -errno;
        }
        return e;
    }
    return -EEXIST;
}

/* ---- the report ---- */

/* hp_complete is true only if nothing had to be repaired or left out: each count below is an
 * error string in hp_errors (docs/report-format.md). */
static void write_errors(hp_out *o)
{
    const struct {
        const char *what;
        uint64_t n;
    } e[] = {
        {"events lost for lack of memory: ", hp_tlbuf_lost()},
        {"blocks not tracked for lack of memory: ", hp_agg_lost_blocks()},
        {"frees not seen (address allocated again while live; block closed then): ",
         hp_agg_missed_frees()},
    };
    bool complete = true;
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        complete &= e[i].n == 0;
    hp_out_str(o, "\"" HPR_HP_COMPLETE "\":");
    hp_out_str(o, complete ? "true" : "false");
    hp_out_str(o, ",\n\"" HPR_HP_ERRORS "\":[");
    bool first = true;
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
        if (!e[i].n) continue;
        hp_out_str(o, first ? "\"" : ",\"");
        hp_out_str(o, e[i].what);
        hp_out_u64(o, e[i].n);
        hp_out_str(o, "\"");
        first = false;
    }
    hp_out_str(o, "],\n");
}

/* "name":[c0,...] without the trailing zero buckets */
static void write_buckets(hp_out *o, const char *name, const uint32_t *c)
{
    unsigned n = HP_HIST_N;
    while (n > 0 && !c[n - 1])
        n--;
    hp_out_str(o, "\"");
    hp_out_str(o, name);
    hp_out_str(o, "\":[");
    for (unsigned i = 0; i < n; i++) {
        if (i) hp_out_str(o, ",");
        hp_out_u64(o, c[i]);
    }
    hp_out_str(o, "]");
}

static void write_site(hp_out *o, const hp_site *s, uint64_t tl_ticks, const hp_stack *st, ftab *f,
                       const hp_site_hist *hist)
{
    hp_out_str(o, "{");
    key_u64(o, HPR_TB, s->tb, true);
    key_u64(o, HPR_TBK, s->tbk, true);
    key_u64(o, HPR_TL, us(tl_ticks), true);
    key_u64(o, HPR_MB, s->mb, true);
    key_u64(o, HPR_MBK, s->mbk, true);
    key_u64(o, HPR_GB, s->gb, true);
    key_u64(o, HPR_GBK, s->gbk, true);
    key_u64(o, HPR_EB, s->curb, true);
    key_u64(o, HPR_EBK, s->curbk, true);
    key_u64(o, HPR_HP_RS, s->rs, true);
    key_u64(o, HPR_HP_RSG, s->rsg, true);
    const hp_leak_site *lk = st ? hp_leakcheck_site(st->id) : NULL;
    if (lk) {
        hp_out_str(o, "\"" HPR_HP_LEAK "\":{");
        key_u64(o, HPR_LK_DB, lk->db, true);
        key_u64(o, HPR_LK_DBK, lk->dbk, true);
        key_u64(o, HPR_LK_IB, lk->ib, true);
        key_u64(o, HPR_LK_IBK, lk->ibk, true);
        key_u64(o, HPR_LK_RB, lk->rb, true);
        key_u64(o, HPR_LK_RBK, lk->rbk, true);
        key_u64(o, HPR_LK_SB, lk->sb, true);
        key_u64(o, HPR_LK_SBK, lk->sbk, true);
        key_u64(o, HPR_LK_UB, lk->ub, true);
        key_u64(o, HPR_LK_UBK, lk->ubk, true);
        hp_out_str(o, "\"" HPR_LK_SUP "\":");
        hp_out_str(o, lk->sup ? "true}," : "false},");
    }
    if (hist) {
        hp_out_str(o, "\"" HPR_HP_HIST "\":{");
        write_buckets(o, HPR_HIST_SIZE, hist->size);
        hp_out_str(o, ",");
        write_buckets(o, HPR_HIST_LIFE, hist->life);
        hp_out_str(o, "},");
    }
    hp_out_str(o, "\"" HPR_FS "\":[");
    for (uint32_t i = 0; st && i < st->n; i++) {
        if (i) hp_out_str(o, ",");
        hp_out_u64(o, ftab_get(f, st->ips[i], hp_sym_object(st->id, st->ips[i])));
    }
    hp_out_str(o, "]}");
}

static void write_leak_totals(hp_out *o, int leak_exit)
{
    const hp_leak_totals *t = hp_leakcheck_totals();
    if (!t) return;
    hp_out_str(o, "\"" HPR_HP_LEAK_CHECK "\":{\"" HPR_LC_MODE "\":");
    hp_out_json_str(o, hp_opt.LEAK_CHECK);
    hp_out_str(o, ",");
    key_u64(o, HPR_LC_DEFINITE_BYTES, t->db, true);
    key_u64(o, HPR_LC_DEFINITE_BLOCKS, t->dbk, true);
    key_u64(o, HPR_LC_INDIRECT_BYTES, t->ib, true);
    key_u64(o, HPR_LC_INDIRECT_BLOCKS, t->ibk, true);
    key_u64(o, HPR_LC_REACHABLE_BYTES, t->rb, true);
    key_u64(o, HPR_LC_REACHABLE_BLOCKS, t->rbk, true);
    key_u64(o, HPR_LC_SUPPRESSED_BYTES, t->sb, true);
    key_u64(o, HPR_LC_SUPPRESSED_BLOCKS, t->sbk, true);
    key_u64(o, HPR_LC_UNREADABLE_BYTES, t->ub, true);
    key_u64(o, HPR_LC_UNREADABLE_BLOCKS, t->ubk, true);
    if (t->no_verdict) {
        hp_out_str(o, "\"" HPR_LC_NO_VERDICT "\":");
        hp_out_json_str(o, t->no_verdict);
        hp_out_str(o, ",");
    }
    key_u64(o, HPR_LC_EXIT_CODE, (uint64_t)leak_exit, false);
    hp_out_str(o, "},\n");
}

/* ---- hp_timeline (docs/report-format.md) ---- */

static bool tl_chosen(uint32_t n, uint32_t sid)
{
    for (uint32_t i = 0; i < n; i++)
        if (rp.tl_sid[i] == sid) return true;
    return false;
}

/* The r-th best site by gb (by_gb) or tb, not counting those in skip[0..nskip); UINT32_MAX if
 * none (gb must be > 0). Ties: the smaller sid. */
static uint32_t tl_best(bool by_gb, const uint32_t *skip, uint32_t nskip)
{
    uint32_t best = UINT32_MAX;
    uint64_t bv = 0;
    for (uint32_t sid = 0; sid < hp_sites_count(); sid++) {
        const hp_site *s = hp_sites_get(sid);
        uint64_t v = s ? (by_gb ? s->gb : s->tb) : 0;
        if (v <= bv) continue;
        bool skipped = false;
        for (uint32_t i = 0; i < nskip && !skipped; i++)
            skipped = skip[i] == sid;
        if (skipped) continue;
        best = sid;
        bv = v;
    }
    return best;
}

/* Sites with a series: the top 10 by gb and by tb, taken in turns (gb #1, tb #1, gb #2, ...)
 * until HP_TL_K distinct ones. Returns how many. */
static uint32_t tl_choose(void)
{
    uint32_t gb[10], tb[10], ng = 0, nt = 0, n = 0;
    while (ng < 10 && (gb[ng] = tl_best(true, gb, ng)) != UINT32_MAX)
        ng++;
    while (nt < 10 && (tb[nt] = tl_best(false, tb, nt)) != UINT32_MAX)
        nt++;
    for (uint32_t r = 0; r < 10 && n < HP_TL_K; r++) {
        if (r < ng && !tl_chosen(n, gb[r])) rp.tl_sid[n++] = gb[r];
        if (r < nt && n < HP_TL_K && !tl_chosen(n, tb[r])) rp.tl_sid[n++] = tb[r];
    }
    for (uint32_t i = 0; i < n; i++) { /* pps lists existing sites in sid order */
        rp.tl_pp[i] = 0;
        for (uint32_t sid = 0; sid < rp.tl_sid[i]; sid++)
            rp.tl_pp[i] += hp_sites_get(sid) != NULL;
    }
    return n;
}

static uint64_t tl_us(uint64_t ts, uint64_t t0)
{
    return ts > t0 ? us(ts - t0) : 0;
}

/* Site sid's live bytes at point p: exact from gb at t-gmax, from p's snapshot elsewhere (0 if
 * not among its HP_TL_K largest), held from the last snapshot if p has none (sites.h). */
static uint64_t tl_site_value(const hp_tl_point *p, uint32_t k, const hp_heap_totals *h)
{
    uint32_t sid = rp.tl_sid[k];
    if (h->tg && p->ts == h->tg && p->b == h->maxb) return rp.tl_held[k] = hp_sites_get(sid)->gb;
    if (p->ntop >= HP_TL_SKIPPED) return rp.tl_held[k];
    rp.tl_held[k] = 0;
    for (uint32_t i = 0; i < p->ntop; i++)
        if (p->sid[i] == sid) rp.tl_held[k] = p->top[i];
    return rp.tl_held[k];
}

static void write_timeline(hp_out *o, uint64_t t0)
{
    size_t np, nk = 0;
    hp_sites_tl_snapshot_open();
    const hp_tl_point *pt = hp_timeline_points(&np);
    const hp_heap_totals *h = hp_sites_totals();
    /* one point per µs written: of those sharing one, the larger b (the later of equal) */
    for (size_t i = 0; i < np; i++) {
        if (nk && tl_us(pt[i].ts, t0) == tl_us(pt[rp.kept[nk - 1]].ts, t0)) {
            if (pt[i].b >= pt[rp.kept[nk - 1]].b) rp.kept[nk - 1] = (uint16_t)i;
            continue;
        }
        rp.kept[nk++] = (uint16_t)i;
    }
    hp_out_str(o, "\"" HPR_HP_TIMELINE "\":{\"" HPR_TL_T "\":[");
    for (size_t i = 0; i < nk; i++) {
        if (i) hp_out_str(o, ",");
        hp_out_u64(o, tl_us(pt[rp.kept[i]].ts, t0));
    }
    hp_out_str(o, "],\n\"" HPR_TL_B "\":[");
    for (size_t i = 0; i < nk; i++) {
        if (i) hp_out_str(o, ",");
        hp_out_u64(o, pt[rp.kept[i]].b);
    }
    hp_out_str(o, "],\n\"" HPR_TL_BK "\":[");
    for (size_t i = 0; i < nk; i++) {
        if (i) hp_out_str(o, ",");
        hp_out_u64(o, pt[rp.kept[i]].bk);
    }
    hp_out_str(o, "],\n\"" HPR_TL_SITES "\":[");
    uint32_t ns = tl_choose();
    for (uint32_t k = 0; k < ns; k++) {
        rp.tl_held[k] = 0;
        hp_out_str(o, k ? ",\n{\"" HPR_TL_PP "\":" : "\n{\"" HPR_TL_PP "\":");
        hp_out_u64(o, rp.tl_pp[k]);
        hp_out_str(o, ",\"" HPR_TL_B "\":[");
        for (size_t i = 0; i < nk; i++) {
            if (i) hp_out_str(o, ",");
            hp_out_u64(o, tl_site_value(&pt[rp.kept[i]], k, h));
        }
        hp_out_str(o, "]}");
    }
    hp_out_str(o, "]},\n");
}

static int write_json(hp_out *o, uint64_t te, uint64_t *tl_end, ftab *f, int leak_exit)
{
    const hp_heap_totals *h = hp_sites_totals();
    uint64_t t0 = hp_clock_start();
    read_cmdline();
    hp_out_str(o, "{\"" HPR_VERSION "\":2,\n\"" HPR_MODE "\":\"heap\",\n\"" HPR_VERB
                  "\":\"Allocated\",\n\"" HPR_BKLT "\":true,\n\"" HPR_BKACC "\":false,\n\"" HPR_TU
                  "\":\"µs\",\n\"" HPR_MTU "\":\"s\",\n");
    key_u64(o, HPR_TUTH, 5, false); /* 5 µs: DHAT uses 500 instructions; wall time needs more */
    hp_out_str(o, ",\n\"" HPR_CMD "\":");
    hp_out_json_str(o, rp.cmd);
    hp_out_str(o, ",\n");
    key_u64(o, HPR_PID, (uint64_t)getpid(), false);
    hp_out_str(o, ",\n");
    key_u64(o, HPR_TE, us(te - t0), false);
    hp_out_str(o, ",\n");
    key_u64(o, HPR_TG, h->tg ? us(h->tg - t0) : 0, false);
    hp_out_str(o, ",\n");
    key_u64(o, HPR_HP_VERSION, HPR_EXT_VERSION, true);
    key_u64(o, HPR_HP_DEPTH, (uint64_t)hp_opt.DEPTH, true);
    if (hp_sample_rate) { /* every count below is an estimate (docs/report-format.md) */
        hp_out_str(o, "\"" HPR_HP_SAMPLE "\":{");
        key_u64(o, HPR_SAMPLE_RATE, hp_sample_rate, true);
        key_u64(o, HPR_SAMPLE_SAMPLES, hp_agg_samples(), false);
        hp_out_str(o, "},\n");
    }
    hp_out_str(o, "\"" HPR_HP_CLOCK "\":\"");
    hp_out_str(o, hp_clock_name());
    hp_out_str(o, "\",\n");
    write_errors(o);
    key_u64(o, HPR_HP_TOTAL_BLOCKS, h->tbk, true);
    key_u64(o, HPR_HP_TOTAL_BYTES, h->tb, true);
    key_u64(o, HPR_HP_GMAX_BLOCKS, h->maxbk, true);
    key_u64(o, HPR_HP_GMAX_BYTES, h->maxb, true);
    key_u64(o, HPR_HP_END_BLOCKS, h->curbk, true);
    key_u64(o, HPR_HP_END_BYTES, h->curb, true);
    hp_out_str(o, "\n");
    write_leak_totals(o, leak_exit);
    write_timeline(o, t0);
    hp_out_str(o, "\"" HPR_PPS "\":[");
    bool first = true;
    for (uint32_t sid = 0; sid < hp_sites_count(); sid++) {
        const hp_site *s = hp_sites_get(sid);
        if (!s) continue;
        hp_out_str(o, first ? "\n" : ",\n");
        first = false;
        write_site(o, s, s->tl + tl_end[sid], hp_stacktab_get(sid), f, hp_sites_hist(sid));
    }
    hp_out_str(o, "\n],\n\"" HPR_FTBL "\":[\n\"" HPR_ROOT_FRAME "\"");
    hp_sym *sym = hp_sym_open();
    for (size_t i = 0; i < f->n; i++) {
        hp_out_str(o, ",\n");
        hp_sym_frame(sym, f->order[i], f->order_obj[i], rp.frame, sizeof rp.frame);
        hp_out_json_str(o, rp.frame);
    }
    hp_sym_close(sym);
    hp_out_str(o, "\n]\n}\n");
    return hp_out_flush(o);
}

void hp_report_none(void)
{
    char pid[24], cmd[96], msg[256];
    hp_fmt_u64(pid, (uint64_t)getpid());
    read_cmdline();
    size_t n = 0;
    for (const char *c = rp.cmd; *c && n < sizeof cmd - 4; c++) /* no raw control bytes */
        cmd[n++] = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
    if (rp.cmd[n]) cmd[n++] = '.', cmd[n++] = '.', cmd[n++] = '.';
    cmd[n] = 0;
    const char *parts[] = {
        "no allocation reached heapprof in pid ", pid, " (", cmd, "): no report; ", NULL};
    n = 0;
    for (int i = 0; parts[i]; i++) {
        size_t k = strlen(parts[i]);
        if (k > sizeof msg - 1 - n) k = sizeof msg - 1 - n;
        memcpy(msg + n, parts[i], k);
        n += k;
    }
    msg[n] = 0;
    /* hp_real_front_malloc is unset here; an allocator preloaded first can still be the reason
     * when the program has a canonical PLT entry for malloc (non-PIE: python3), which hides it */
    hp_log(msg,
           "malloc is served elsewhere: by an allocator preloaded before libheapprof.so (put "
           "libheapprof.so first in LD_PRELOAD) or by the program's own (a Rust "
           "#[global_allocator], a static jemalloc or mimalloc: build it with the system "
           "allocator to profile it)",
           NULL);
}

int hp_report_write(const char *path, int leak_exit)
{
    uint64_t te = hp_clock_read();
    hp_clock_calibrate();
    hp_sites_finish();

    /* Blocks live at t-end contribute their lifetime so far (DHAT does the same). */
    uint32_t nsites = hp_sites_count();
    uint64_t *tl_end = hp_map(nsites * sizeof *tl_end);
    size_t frames = 0;
    for (uint32_t sid = 1; sid < nsites; sid++) {
        const hp_stack *st = hp_sites_get(sid) ? hp_stacktab_get(sid) : NULL;
        frames += st ? st->n : 0;
    }
    ftab f;
    if (!tl_end || !ftab_init(&f, frames)) {
        hp_log("out of memory writing the report; no report", NULL, NULL);
        hp_unmap(tl_end, nsites * sizeof *tl_end);
        return -1;
    }
    size_t cur = 0;
    uintptr_t addr;
    hp_block b;
    while (hp_livetab_next(&cur, &addr, &b))
        tl_end[b.sid] += (te > b.birth ? te - b.birth : 0) * hp_sample_k(b.size, b.birth, b.sid);

    char want[PATH_MAX], got[PATH_MAX];
    int err = 0;
    if (path && strlen(path) < sizeof want) {
        strcpy(want, path);
    } else if (!expand_path(want, sizeof want)) {
        hp_log("HEAPPROF_OUT is too long or empty; no report", NULL, NULL);
        err = ENAMETOOLONG;
        goto out;
    }
    pending pd;
    int fd = pending_open(&pd, want);
    if (fd < 0) {
        err = errno;
        hp_log("cannot create the report ", pd.anon ? want : pd.tmp, ": no report");
        goto out;
    }
    hp_out_init(&rp.out, fd);
    err = -write_json(&rp.out, te, tl_end, &f, leak_exit);
    if (!pd.anon) { /* named: closed (last write errors) before it is renamed */
        if (close(fd) != 0 && !err) err = errno;
        fd = -1;
    }
    if (err) {
        if (fd >= 0) close(fd);
        pending_drop(&pd);
        hp_log("cannot write the report ", want,
               err == ENOSPC ? ": disk full; no report" : ": write error; no report");
        goto out;
    }
    if (path) { /* heapprof_dump: exactly this name, replacing what was there */
        err = -pending_replace(&pd, want);
        strcpy(got, want);
    } else {
        err = -publish(&pd, want, got, sizeof got);
    }
    if (fd >= 0 && close(fd) != 0 && !err) { /* unnamed: named first, so closed after */
        err = errno;
        unlink(got);
    }
    if (err) {
        pending_drop(&pd);
        hp_log("cannot name the report ", want, "; no report");
        goto out;
    }
    if (!path) strcpy(rp.own, got);
    if (hp_opt.VERBOSE) hp_log("report written to ", got, NULL); /* quiet by default */
out:
    ftab_free(&f, frames);
    hp_unmap(tl_end, nsites * sizeof *tl_end);
    return err ? -1 : 0;
}
