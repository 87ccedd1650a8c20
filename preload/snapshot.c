/* snapshot.c - live snapshots: a complete report (totals so far, what is live now) of a running
 * image, on a signal (HEAPPROF_DUMP_SIGNAL) and/or every HEAPPROF_INTERVAL seconds, numbered
 * <stem>.1.json, <stem>.2.json, ... (report.c names them), written by a thread of heapprof's own.
 * Owns: the request counter, the snapshot thread, the sequence number, the signal handler.
 *
 * The handler does one thing that is async-signal-safe: it increments the request counter and
 * wakes the thread with a futex system call (errno saved). Not a pipe or an eventfd: a daemon
 * that closes every descriptor (close_range(3, ~0), a loop to _SC_OPEN_MAX) would close ours,
 * and the handler would then write into whatever file got that number next; a counter in our
 * own memory cannot be taken away. The thread sleeps in FUTEX_WAIT with the interval as timeout,
 * so a request is served at once even when every program thread is idle in poll: no hook call
 * is needed.
 *
 * Invariants: a snapshot is written under the agg lock, after a drain, only while
 *   hp_state == ACTIVE and no finish has started (checked under the lock): never while finish.c
 *   writes the exit or exec report, never after it; seq == the number of the last snapshot
 *   written by this process (0: none yet); the handler touches nothing but `requests`.
 * Threads: the handler runs in any program thread the kernel picks; the snapshot thread blocks
 *   every signal, holds the hook guard for ever (what it allocates - libdw at a report - passes
 *   through unrecorded, as the API's does), is never joined and never waited for: exit waits
 *   only for a snapshot already in progress (the agg lock), and exit_group ends the thread.
 *   Fork: the child starts its own (atfork_child); a vfork child (same memory, other pid) and
 *   an image after exec (the handler is gone; the eventual new image starts again) do not. */
#include "snapshot.h"

#include "agg.h"
#include "config.h"
#include "finish.h"
#include "log.h"
#include "report.h"
#include "sites.h"
#include "state.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct {
    int sig;                   /* the dump signal, 0: none */
    long interval_s;           /* 0: none */
    _Atomic uint32_t requests; /* bumped by the handler; the futex word */
    _Atomic pid_t pid;         /* the process whose thread serves requests (0: none yet) */
    unsigned seq;              /* last snapshot's number (the snapshot thread only) */
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
        syscall(SYS_futex, &sn.requests, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    errno = saved;
}

/* ---- the snapshot thread ---- */

static void snapshot_now(void)
{
    /* before the lock: a finish (exit) in progress needs no drain from us */
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE || hp_finish_started()) return;
    hp_agg_lock_and_drain();
    /* under the lock: a finish that started meanwhile waits for this lock; it writes the last
     * word, so no snapshot after its start */
    if (hp_load_acquire(&hp_state) == HP_ST_ACTIVE && !hp_finish_started()) {
        /* nothing allocated yet: no file (as at exit, docs/options.md), and a report without
         * a single event is not a valid one (an empty timeline) */
        static atomic_int told;
        if (hp_sites_totals()->tbk)
            hp_report_write_snapshot(&sn.seq);
        else
            hp_log_once(&told, "no allocation recorded yet: no snapshot", NULL, NULL);
    }
    hp_agg_unlock();
}

/* The report walks every live block, and their addresses stay behind in the dead frames of this
 * thread's stack, which the leak check scans as a thread's (lkroots.c, "a thread that never
 * allocated") and would take for references to leaked blocks. So each snapshot's frames are
 * wiped: the report needs less than finish.c's 1 MiB stack, from the same depth as this frame. */
#define WIPE_BYTES  (1u << 20)
#define STACK_BYTES (4u << 20)
static HP_NOINLINE void wipe_stack(void)
{
    char dead[WIPE_BYTES];
    explicit_bzero(dead, sizeof dead);
    __asm__ volatile("" ::"r"(dead) : "memory");
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Sleeps until a request comes (true) or the deadline passes (false); deadline 0: none. */
static bool wait_request(uint32_t *seen, uint64_t deadline)
{
    for (;;) {
        uint32_t r = hp_load_relaxed(&sn.requests);
        if (r != *seen) {
            *seen = r; /* requests that came together are served by one snapshot */
            return true;
        }
        struct timespec ts, *tp = NULL;
        if (deadline) {
            uint64_t now = now_ms();
            if (now >= deadline) return false;
            ts.tv_sec = (time_t)((deadline - now) / 1000);
            ts.tv_nsec = (long)((deadline - now) % 1000) * 1000000;
            tp = &ts;
        }
        /* returns at once if requests != r (EAGAIN); EINTR cannot happen (signals blocked) */
        syscall(SYS_futex, &sn.requests, FUTEX_WAIT_PRIVATE, r, tp, NULL, 0);
    }
}

static void *snapshot_main(void *arg)
{
    (void)arg;
    hp_tls_v.in_hook = HP_GUARD_INTERNAL; /* for ever: our allocations pass through */
    prctl(PR_SET_NAME, "heapprof-snap", 0, 0, 0);
    uint32_t seen = 0;
    uint64_t period = (uint64_t)sn.interval_s * 1000;
    uint64_t deadline = period ? now_ms() + period : 0;
    for (;;) {
        if (!wait_request(&seen, deadline)) {
            /* the interval's snapshot; a late one does not make the next ones pile up */
            uint64_t now = now_ms();
            deadline += period;
            if (deadline <= now) deadline = now + period;
        }
        snapshot_now();
        wipe_stack();
    }
    return NULL;
}

/* Starts the thread with every signal blocked from its first instruction (it inherits the
 * mask). pthread_create's own allocations (its TLS) pass through: the guard. */
static bool start_thread(void)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    uint8_t g = hp_internal_begin();
    pthread_attr_t a;
    pthread_t t;
    int e = pthread_attr_init(&a);
    if (!e) e = pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    if (!e) e = pthread_attr_setstacksize(&a, STACK_BYTES);
    if (!e) e = pthread_create(&t, &a, snapshot_main, NULL);
    pthread_attr_destroy(&a);
    hp_internal_end(g);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) hp_log("cannot start the snapshot thread: no snapshots", NULL, NULL);
    return !e;
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
    if (!sn.sig && !sn.interval_s) return;
    hp_store_release(&sn.pid, getpid());
    if (!start_thread()) {
        sn.sig = sn.interval_s = 0;
        return;
    }
    if (sn.sig && !install_handler()) sn.sig = 0;
}

void hp_snapshot_atfork_child(void)
{
    if (!sn.sig && !sn.interval_s) return;
    sn.seq = 0;
    hp_store_relaxed(&sn.requests, 0);
    hp_store_release(&sn.pid, getpid());
    start_thread(); /* the handler is inherited */
}
