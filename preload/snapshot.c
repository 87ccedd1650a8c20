/* snapshot.c - live snapshots: a complete report (totals so far, what is live now) of a running
 * image, on a signal (HEAPPROF_DUMP_SIGNAL) and/or every HEAPPROF_INTERVAL seconds, numbered
 * <stem>.1.json, <stem>.2.json, ... (report.c names them), written by heapprof's own thread
 * (worker.c), which also drains the event queues when it is the consumer.
 * Owns: the request counter, the sequence number, the signal handler.
 *
 * The handler does one thing that is async-signal-safe: it increments the request counter and
 * rings the thread's bell (bell.h: an atomic increment, a futex system call if the thread
 * sleeps; errno saved). Not a pipe or an eventfd: a daemon that closes every descriptor
 * (close_range(3, ~0), a loop to _SC_OPEN_MAX) would close ours, and the handler would then
 * write into whatever file got that number next; a counter in our own memory cannot be taken
 * away. The thread sleeps on the bell with the interval as timeout, so a request is served at
 * once even when every program thread is idle in poll: no hook call is needed.
 *
 * Invariants: a snapshot is written under the agg lock, after a drain, only while
 *   hp_state == ACTIVE and no finish has started (checked under the lock): never while finish.c
 *   writes the exit or exec report, never after it; seq == the number of the last snapshot
 *   written by this process (0: none yet); the handler touches nothing but `requests` and the
 *   bell.
 * Threads: the handler runs in any program thread the kernel picks; snapshots are written by
 *   heapprof's thread (worker.c says what it blocks, holds and wipes). Fork: the child numbers
 *   from 1 and serves its own signals (its thread: hp_worker_atfork_child); a vfork child (same
 *   memory, other pid) and an image after exec (the handler is gone; the eventual new image
 *   starts again) do not. */
#include "snapshot.h"

#include "bell.h"
#include "config.h"
#include "finish.h"
#include "log.h"
#include "report.h"
#include "sites.h"
#include "state.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static struct {
    int sig;                   /* the dump signal, 0: none */
    long interval_s;           /* 0: none */
    _Atomic uint32_t requests; /* bumped by the handler */
    _Atomic pid_t pid;         /* the process whose thread serves requests (0: none yet) */
    unsigned seq;              /* last snapshot's number (heapprof's thread only) */
} sn;

/* ---- the signal handler: async-signal-safe only ---- */

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    /* getpid is a system call (glibc caches it no more): in a vfork child, which shares our
     * memory but has no thread of ours, the request is dropped, not served for the parent. */
    if (getpid() == hp_load_relaxed(&sn.pid)) {
        hp_fetch_add_relaxed(&sn.requests, 1); /* no data rides on it: a count only */
        hp_bell_ring();
    }
    errno = saved;
}

/* ---- served by heapprof's thread (worker.c) ---- */

bool hp_snapshot_requested(uint32_t *seen)
{
    uint32_t r = hp_load_relaxed(&sn.requests);
    if (r == *seen) return false;
    *seen = r; /* requests that came together are served by one snapshot */
    return true;
}

void hp_snapshot_write_locked(void)
{
    /* under the lock: a finish that started meanwhile waits for this lock; it writes the last
     * word, so no snapshot after its start */
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE || hp_finish_started()) return;
    /* nothing allocated yet: no file (as at exit, docs/options.md), and a report without a
     * single event is not a valid one (an empty timeline) */
    static atomic_int told;
    if (hp_sites_totals()->tbk)
        hp_report_write_snapshot(&sn.seq);
    else
        hp_log_once(&told, "no allocation recorded yet: no snapshot", NULL, NULL);
}

bool hp_snapshot_wanted(void)
{
    return sn.sig || sn.interval_s;
}

long hp_snapshot_interval_s(void)
{
    return sn.interval_s;
}

int hp_snapshot_parse_signal(const char *s)
{
    if (!*s || !strcmp(s, "0")) return 0;
    int sig = -1;
    if (*s >= '0' && *s <= '9') {
        long v = 0;
        for (const char *p = s; *p; p++) {
            if (*p < '0' || *p > '9' || v > 1000) return -1;
            v = v * 10 + (*p - '0');
        }
        sig = v >= 1 && v < NSIG ? (int)v : -1;
    } else {
        const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (int i = 1; i < NSIG && sig < 0; i++) {
            const char *ab = sigabbrev_np(i); /* a static string: no allocation */
            if (ab && strcasecmp(ab, name) == 0) sig = i;
        }
    }
    switch (sig) {
    case SIGKILL:
    case SIGSTOP: /* cannot be caught */
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP: /* faults: the program's own, or the leak check's (lkscan.c) */
        return -1;
    default:
        return sig;
    }
}

/* Installs on_signal unless the program (a constructor before ours) already handles sig. */
static bool install_handler(void)
{
    struct sigaction sa, old;
    if (sigaction(sn.sig, NULL, &old) != 0) return false;
    if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
        hp_log("HEAPPROF_DUMP_SIGNAL: the program already handles ", hp_opt.DUMP_SIGNAL,
               "; no snapshots on that signal");
        return false;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* the program's interrupted system calls go on */
    sigemptyset(&sa.sa_mask);
    return sigaction(sn.sig, &sa, NULL) == 0;
}

void hp_snapshot_init(void)
{
    sn.sig = hp_snapshot_parse_signal(hp_opt.DUMP_SIGNAL);
    if (sn.sig < 0) {
        hp_log("HEAPPROF_DUMP_SIGNAL: not a signal name or number that can be caught; no "
               "snapshots on a signal: ",
               hp_opt.DUMP_SIGNAL, NULL);
        sn.sig = 0;
    }
    sn.interval_s = hp_opt.INTERVAL;
    if (sn.sig || sn.interval_s) hp_store_release(&sn.pid, getpid());
}

void hp_snapshot_arm(bool thread)
{
    if (!thread) {
        sn.sig = 0;
        sn.interval_s = 0;
        return;
    }
    if (sn.sig && !install_handler()) sn.sig = 0;
}

void hp_snapshot_atfork_child(void)
{
    if (!sn.sig && !sn.interval_s) return;
    sn.seq = 0;
    hp_store_relaxed(&sn.requests, 0);
    hp_store_release(&sn.pid, getpid()); /* the handler is inherited */
}
