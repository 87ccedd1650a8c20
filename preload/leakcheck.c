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

#include "arena.h"
#include "config.h"
#include "fmt.h"
#include "lkalloc.h"
#include "lkblocks.h"
#include "lkmaps.h"
#include "lkread.h"
#include "lkroots.h"
#include "lkscan.h"
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
#include <unistd.h>

static struct {
    hp_leak_site *sites;
    size_t nsites, site_bytes;
    hp_leak_totals tot;
    bool ran;
    char why[160]; /* no_verdict's text */
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
            break;
        case LK_UNREADABLE:
            s->ub += sz, s->ubk++;
            break;
        default:
            s->db += sz, s->dbk++;
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
    int err;
    if ((err = hp_lkread_open()) != 0) {
        no_verdict("cannot read the process's memory without risking a fault", err);
        return 0;
    }
    if ((err = hp_lkmaps_load()) != 0) {
        release();
        no_verdict("cannot read /proc/self/maps", err);
        return 0;
    }
    if (hp_lkb_load() || hp_lkscan_begin(hp_opt.LEAK_LOG) || hp_lkroots_begin()) {
        release();
        no_verdict("out of memory", 0);
        return 0;
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
    if (*hp_opt.LEAK_WHY) hp_lkwhy_explain(hp_opt.LEAK_WHY);
    restore_fds();
    release();
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
