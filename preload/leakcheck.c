/* leakcheck.c - the leak check's phases and verdict (leakcheck.h).
 *
 * 1. Roots (lkroots.c, one function per class): registers, globals, this thread's stack and
 *    TLS, other threads' stacks, the program's own mappings, ignored blocks; flood: every
 *    block reached is reachable.
 * 2. Suppressed blocks are roots (LeakSanitizer's rule): an unreached block whose site a
 *    suppression matches is suppressed, and so is what only it reaches (flood).
 * 3. Each block still unreached is scanned: the unreached blocks it points to (not itself) are
 *    indirectly lost, and so on. What remains unreached is definitely lost.
 * A block whose memory cannot be read was freed where heapprof did not see it: unreadable,
 * counted apart (never a leak), so that per site db+ib+rb+sb+ub == eb.
 * The check concludes nothing (no_verdict, the gate does not fail) when it cannot read what
 * it needs: memory safely, /proc/self/maps, or (when something is unreached) the files that
 * name frames, without which suppressions cannot apply.
 * Threads: the caller holds the agg lock; other threads may still run (reads never fault). */
#include "leakcheck.h"

#include "agg.h"
#include "arena.h"
#include "config.h"
#include "fmt.h"
#include "livetab.h"
#include "lkalloc.h"
#include "lkblocks.h"
#include "lkmaps.h"
#include "lkread.h"
#include "lkroots.h"
#include "lkscan.h"
#include "lkwatch.h"
#include "log.h"
#include "sites.h"
#include "stacktab.h"
#include "suppress.h"
#include "symbolize.h"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libunwind.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static struct {
    hp_leak_site *sites;
    size_t nsites, site_bytes;
    hp_leak_totals tot;
    bool ran;
    char why[160];      /* no_verdict's text */
    uintptr_t lost[64]; /* the first lost blocks of a pass (lost_freed_meanwhile) */
    size_t nlost;
} lk;

/* The stack pointer of the program's frame that called exit(), found by unwinding: the frames
 * below it (exit's own, the atexit handlers that already returned, _dl_fini, heapprof) are not
 * the program's state, and their unused slots hold stale copies of dead pointers. 0 if exit is
 * not on the stack (then the scan starts at the caller's frame given to hp_leakcheck_run). */
uintptr_t hp_leakcheck_exit_caller_sp(void)
{
    uintptr_t ex = (uintptr_t)dlsym(RTLD_DEFAULT, "exit");
    unw_context_t uc;
    unw_cursor_t c;
    if (!ex || unw_getcontext(&uc) || unw_init_local(&c, &uc)) return 0;
    for (int depth = 0; depth < 128 && unw_step(&c) > 0; depth++) {
        unw_proc_info_t pi;
        if (unw_get_proc_info(&c, &pi) == 0 && pi.start_ip == ex) {
            unw_word_t sp;
            if (unw_step(&c) <= 0 || unw_get_reg(&c, UNW_REG_SP, &sp)) return 0;
            return (uintptr_t)sp;
        }
    }
    return 0;
}

/* Called from a hook (a thread's first one): it must not call anything that can take a lock
 * that the program may hold around an allocation. pthread_getattr_np, the obvious source,
 * holds the thread's lock while it allocates (its cpu set, and for the main thread fopen of
 * /proc/self/maps): a hook reached from inside it (Rust's runtime start-up, any program that
 * asks before its first malloc) waited for that lock forever. So: two registers, no call. */
void hp_leakcheck_thread_stack(uintptr_t *sp, uintptr_t *tp)
{
    *sp = (uintptr_t)__builtin_frame_address(0);
    *tp = (uintptr_t)__builtin_thread_pointer();
}

static void no_verdict(const char *what, int err)
{
    size_t n = strlen(what);
    if (n > 100) n = 100;
    memcpy(lk.why, what, n);
    const char *e = err ? strerror(err) : "";
    size_t k = strlen(e);
    if (k && n + 3 + k < sizeof lk.why) {
        memcpy(lk.why + n, " (", 2);
        memcpy(lk.why + n + 2, e, k);
        lk.why[n + 2 + k] = ')';
        n += 3 + k;
    }
    lk.why[n] = 0;
    lk.tot.no_verdict = lk.why;
}

/* Descriptors for naming frames: if the program used them all up, the soft limit is raised to
 * the hard one until restore_fds (a descriptor above the soft limit stays usable). */
static struct rlimit saved_nofile;
static bool raised_nofile;

static bool fds_available(void)
{
    int fd = fcntl(2, F_DUPFD_CLOEXEC, 0);
    if (fd >= 0) {
        close(fd);
        return true;
    }
    if (errno != EMFILE) return errno == EBADF; /* no stderr: still descriptors to spare */
    struct rlimit more;
    if (raised_nofile || getrlimit(RLIMIT_NOFILE, &saved_nofile) != 0 ||
        saved_nofile.rlim_cur >= saved_nofile.rlim_max)
        return false;
    more = saved_nofile;
    more.rlim_cur = more.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &more) != 0) return false;
    raised_nofile = true;
    return true;
}

static void restore_fds(void)
{
    if (raised_nofile) setrlimit(RLIMIT_NOFILE, &saved_nofile);
    raised_nofile = false;
}

/* Phase 2: sites with unreached blocks are matched against the suppressions; their blocks
 * become roots of what they reach. False if frames cannot be named (no descriptors). */
static bool suppress_roots(void)
{
    hp_suppress_load(hp_opt.SUPPRESSIONS, &lk.tot.bad_suppressions);
    hp_suppress_reset_used();
    size_t n = hp_lkb_count();
    bool any = false;
    for (size_t i = 0; i < n && !any; i++)
        any = hp_lkb_at(i)->state == LK_UNREACHED;
    if (!any || !hp_suppress_count()) return true;
    if (!fds_available()) return false;
    hp_sym *sym = hp_sym_open();
    /* site -> pattern index + 2 (0: not looked at, 1: no match), in lk.sites' sup byte */
    for (size_t i = 0; i < n; i++) {
        hp_lkblk *k = hp_lkb_at(i);
        if (k->state != LK_UNREACHED || k->sid >= lk.nsites) continue;
        hp_leak_site *s = &lk.sites[k->sid];
        if (!s->sup && !s->sb) { /* first block of this site: match once */
            int idx = hp_suppress_match(hp_stacktab_get(k->sid), sym);
            s->sup = idx >= 0;
            s->sb = (uint64_t)(idx + 2); /* scratch until classify() */
        }
        if (s->sup) {
            hp_suppress_used((int)s->sb - 2, k->hi - k->lo, 1);
            hp_lkscan_root_block(i, LKR_SUPPRESSED, LK_SUPPRESSED);
        }
    }
    hp_sym_close(sym);
    for (size_t s = 0; s < lk.nsites; s++)
        lk.sites[s].sb = 0;
    hp_lkscan_flood(LK_SUPPRESSED);
    return true;
}

static void classify(void)
{
    for (size_t i = 0; i < hp_lkb_count(); i++) {
        const hp_lkblk *k = hp_lkb_at(i);
        hp_leak_site *s = &lk.sites[k->sid < lk.nsites ? k->sid : 0];
        uint64_t sz = k->hi - k->lo;
        switch (k->state) {
        case LK_REACHABLE:
            s->rb += sz, s->rbk++;
            break;
        case LK_SUPPRESSED:
            s->sb += sz, s->sbk++;
            break;
        case LK_INDIRECT:
            s->ib += sz, s->ibk++;
            if (lk.nlost < sizeof lk.lost / sizeof *lk.lost) lk.lost[lk.nlost++] = k->lo;
            break;
        case LK_UNREADABLE:
            s->ub += sz, s->ubk++;
            break;
        default:
            s->db += sz, s->dbk++;
            if (lk.nlost < sizeof lk.lost / sizeof *lk.lost) lk.lost[lk.nlost++] = k->lo;
        }
    }
    for (uint32_t sid = 0; sid < lk.nsites; sid++) {
        const hp_leak_site *s = &lk.sites[sid];
        lk.tot.rb += s->rb, lk.tot.rbk += s->rbk;
        lk.tot.sb += s->sb, lk.tot.sbk += s->sbk;
        lk.tot.db += s->db, lk.tot.dbk += s->dbk;
        lk.tot.ib += s->ib, lk.tot.ibk += s->ibk;
        lk.tot.ub += s->ub, lk.tot.ubk += s->ubk;
    }
}

static void release(void)
{
    hp_lkroots_end();
    hp_lkscan_end();
    hp_lkb_release();
    hp_lkmaps_release();
    hp_lkread_close();
}

void hp_lkwhy_explain(const char *pattern); /* lkwhy.c */

#define WATCH_MAX (1u << 16)

static bool in_sorted(const uintptr_t *v, size_t n, uintptr_t a)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == a;
}

/* Blocks another thread freed while recording was stopped for the check (lkwatch.h): gone,
 * counted with the unreadable ones (freed where heapprof did not record it), never lost. -1 if
 * the watch overflowed. */
static int leave_out_freed(void)
{
    uintptr_t *w = hp_map(WATCH_MAX * sizeof(uintptr_t));
    if (!w) return 0; /* no memory for it: the check goes on as without a watch */
    size_t n = hp_lkwatch_sorted(w, WATCH_MAX);
    if (n == SIZE_MAX) {
        hp_unmap(w, WATCH_MAX * sizeof(uintptr_t));
        return -1;
    }
    for (size_t i = 0; n && i < hp_lkb_count(); i++)
        if (in_sorted(w, n, hp_lkb_at(i)->lo)) hp_lkb_at(i)->state = LK_UNREADABLE;
    hp_unmap(w, WATCH_MAX * sizeof(uintptr_t));
    return 0;
}

/* One pass: every phase, from a fresh block set and fresh mappings. 0, or -1 if it could not
 * conclude (no_verdict set). */
static int check_once(const hp_thread *self, uintptr_t exit_sp, uintptr_t from_sp, const void *regs,
                      size_t regs_size, bool last)
{
    memset(lk.sites, 0, lk.site_bytes);
    memset(&lk.tot, 0, sizeof lk.tot);
    lk.nlost = 0;
    int err;
    if ((err = hp_lkread_open()) != 0) {
        no_verdict("cannot read the process's memory without risking a fault", err);
        return -1;
    }
    if ((err = hp_lkmaps_load()) != 0) {
        release();
        no_verdict("cannot read /proc/self/maps", err);
        return -1;
    }
    if (hp_lkb_load() || hp_lkscan_begin(hp_opt.LEAK_LOG) || hp_lkroots_begin()) {
        release();
        no_verdict("out of memory", 0);
        return -1;
    }
    if (leave_out_freed() != 0) {
        release();
        no_verdict("more than 65,536 frees by other threads during the check", 0);
        return -1;
    }
    hp_lkalloc_begin();
    hp_lkroots_registers(regs, regs_size);
    hp_lkroots_globals();
    hp_lkroots_this_thread(exit_sp, from_sp);
    hp_lkroots_threads(self);
    hp_lkroots_mappings();
    hp_lkroots_ignored();
    hp_lkscan_flood(LK_REACHABLE);
    bool named = suppress_roots();
    for (size_t i = 0; i < hp_lkb_count(); i++)
        if (hp_lkb_at(i)->state == LK_UNREACHED) hp_lkscan_block(i, LK_INDIRECT);
    classify();
    if (!named && lk.tot.dbk + lk.tot.ibk)
        no_verdict("cannot open files to name the frames, so suppressions cannot apply", EMFILE);
    if (last && *hp_opt.LEAK_WHY) hp_lkwhy_explain(hp_opt.LEAK_WHY);
    restore_fds();
    release();
    return 0;
}

/* Another thread still running (it may be freeing a block it holds only in a register). */
static bool others_running(const hp_thread *self)
{
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next)
        if (t != self && hp_load_acquire(&t->state) == HP_T_ACTIVE) return true;
    return false;
}

/* Other threads keep running while the program exits. One that holds a block only in a
 * register is freeing it, or about to (Python's exiting thread frees its thread state after it
 * released the joiner): give them a moment, and say whether a block found lost was freed
 * meanwhile (then the check runs again on what is live now). A block still live after
 * SETTLE_NS is lost for good; a block freed is, by definition, not leaked. */
#define SETTLE_NS      (100 * 1000 * 1000ull)
#define SETTLE_STEP_NS (2 * 1000 * 1000l)
static bool lost_freed_meanwhile(void)
{
    uint64_t waited = 0;
    while (waited < SETTLE_NS) {
        struct timespec ts = {0, SETTLE_STEP_NS};
        nanosleep(&ts, NULL);
        waited += SETTLE_STEP_NS;
        hp_agg_drain_all_locked();
        uintptr_t w[256];
        size_t nw = hp_lkwatch_sorted(w, 256);
        if (nw == SIZE_MAX) return true;
        for (size_t i = 0; i < lk.nlost; i++)
            if (!hp_livetab_contains(lk.lost[i]) || in_sorted(w, nw, lk.lost[i])) return true;
    }
    return false;
}

int hp_leakcheck_run(const hp_thread *self, uintptr_t from_sp, const void *regs, size_t regs_size)
{
    hp_unmap(lk.sites, lk.site_bytes);
    memset(&lk.tot, 0, sizeof lk.tot);
    lk.ran = false;
    lk.nsites = hp_sites_count();
    lk.site_bytes = (lk.nsites + 1) * sizeof(hp_leak_site);
    lk.sites = hp_map(lk.site_bytes);
    if (!lk.sites) {
        hp_log("leak check: out of memory; no check", NULL, NULL);
        return -1;
    }
    lk.ran = true;
    uintptr_t exit_sp = hp_leakcheck_exit_caller_sp();
    bool settle = others_running(self);
    if (check_once(self, exit_sp, from_sp, regs, regs_size, !settle) != 0) return 0;
    if (!settle || !lk.nlost) {
        if (settle && *hp_opt.LEAK_WHY) check_once(self, exit_sp, from_sp, regs, regs_size, true);
        return 0;
    }
    if (lost_freed_meanwhile() && hp_opt.LEAK_LOG)
        hp_log("leak check: a block found lost was freed by another thread meanwhile; checking "
               "again",
               NULL, NULL);
    /* again on what is live now (sites may have grown: the table was sized for the old count) */
    if (hp_sites_count() != lk.nsites) {
        hp_unmap(lk.sites, lk.site_bytes);
        lk.nsites = hp_sites_count();
        lk.site_bytes = (lk.nsites + 1) * sizeof(hp_leak_site);
        lk.sites = hp_map(lk.site_bytes);
        if (!lk.sites) {
            lk.ran = false;
            hp_log("leak check: out of memory; no check", NULL, NULL);
            return -1;
        }
    }
    check_once(self, exit_sp, from_sp, regs, regs_size, true);
    return 0;
}

const hp_leak_site *hp_leakcheck_site(uint32_t sid)
{
    if (!lk.ran || sid >= lk.nsites) return NULL;
    const hp_leak_site *s = &lk.sites[sid];
    return s->dbk + s->ibk + s->rbk + s->sbk + s->ubk ? s : NULL;
}

const hp_leak_totals *hp_leakcheck_totals(void)
{
    return lk.ran ? &lk.tot : NULL;
}

bool hp_leakcheck_failed(void)
{
    return lk.ran && !lk.tot.no_verdict && lk.tot.dbk + lk.tot.ibk;
}
