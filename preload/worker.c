/* worker.c - heapprof's own thread: drains the event queues when it is the consumer (agg.c)
 * and writes live snapshots when asked (snapshot.c).
 * Owns: whether this process has the thread, and what it does (consume, snapshots).
 *
 * Why a thread: inline, the thread whose hook fills a segment merges every thread's events
 * under the agg lock, on the program's own CPU (about a third of heapprof's cost on churn) and
 * through tables (live blocks, sites) that evict the program's data from that core's cache.
 * On a machine where the process may use a second CPU, this thread does it instead: a program
 * thread only records, and rings the bell (bell.h) once per filled segment; the thread, woken,
 * drains what the horizon allows and sleeps again. Backpressure stays with the producer
 * (agg.c). Why one thread for snapshots and the consumer: both need the agg lock, the same
 * signal-free, guarded, never-joined thread, and the same stack wipe.
 *
 * Sleep: on the bell, with a timeout of IDLE_DRAIN_MS while events are left in a queue (a
 * program that stops allocating mid-segment still gets drained), none when all are empty (an
 * idle program costs nothing), PLACE_MS while auto has put the consumer inline (no ring comes
 * then), and the next interval snapshot's deadline.
 * Invariants: every drain and every snapshot runs under the agg lock and wipes the stack it
 *   used before letting the lock go: whenever the leak check (which holds that lock) scans this
 *   thread's stack (lkroots.c, "a thread that never allocated"), the dead frames hold no block
 *   address (they would hide a leak); the consumer drains only while hp_state is ACTIVE.
 * Threads: every signal blocked from its first instruction (glibc's internal ones aside), the
 *   hook guard held for ever (what it allocates - libdw at a snapshot - passes through
 *   unrecorded), never joined: exit_group ends it; an end of the image waits only for the agg
 *   lock it may hold. Fork: the child starts its own (hp_worker_atfork_child), and drains inline
 *   until it runs; a vfork child (same memory, other pid) has none, a raw fork child neither
 *   (inline), an image after exec starts again from its constructor. */
#include "worker.h"

#include "agg.h"
#include "bell.h"
#include "clock.h"
#include "config.h"
#include "finish.h"
#include "log.h"
#include "snapshot.h"
#include "state.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define IDLE_DRAIN_MS 10
/* auto: how often the consumer's place is reconsidered; it goes inline when the program's threads
 * use more than ncpu - BUSY_INLINE CPUs, back to the thread below ncpu - BUSY_THREAD */
#define PLACE_MS    100
#define BUSY_INLINE 0.5
#define BUSY_THREAD 0.75

static struct {
    bool consume;    /* the consumer may run on the thread */
    bool adapt;      /* auto: ... while the program leaves a CPU for it (place_consumer) */
    int ncpu;        /* CPUs in the affinity mask at start-up */
    cpu_set_t mask;  /* that mask */
    long interval_s; /* snapshots every interval_s seconds; 0: none */
    bool snapshots;  /* snapshots on a signal or an interval */
} wk;

/* ---- the stack wipe ---- */

/* A drain reaches 360 bytes below the frame that calls it (measured by painting the stack: churn,
 * mix with its reallocs, containers, 4 threads; LTO inlines merge and apply into one frame; a
 * new mapping adds a system call's few frames): 16 KiB, a memset of about a microsecond a
 * drain, has room to spare. A snapshot's report needs less than finish.c's 1 MiB stack. Called
 * from the frame that called the drain or the report, so the wipe covers their frames. */
#define WIPE_DRAIN    (16u << 10)
#define WIPE_SNAPSHOT (1u << 20)
#define STACK_BYTES   (4u << 20)
static HP_NOINLINE void wipe_drain(void)
{
    char dead[WIPE_DRAIN];
    explicit_bzero(dead, sizeof dead);
    __asm__ volatile("" ::"r"(dead) : "memory");
}
static HP_NOINLINE void wipe_snapshot(void)
{
    char dead[WIPE_SNAPSHOT];
    explicit_bzero(dead, sizeof dead);
    __asm__ volatile("" ::"r"(dead) : "memory");
}

/* ---- the thread ---- */

static uint64_t now_ms(void)
{
    return hp_clock_mono_ns() / 1000000;
}

static void snapshot_now(void)
{
    /* before the lock: a finish (exit) in progress needs no drain from us */
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE || hp_finish_started()) return;
    hp_agg_lock_and_drain();
    hp_snapshot_write_locked();
    wipe_snapshot();
    hp_agg_unlock();
}

/* HEAPPROF_CONSUMER=auto: the thread pays only while the program leaves a CPU for it. When the
 * program's own threads keep every CPU the process may use busy (two allocating threads on two
 * CPUs), the thread only adds context switches and moves every event from one core's cache to
 * another's: then the program's threads drain inline, as before. Measured over PLACE_MS, from
 * the process's CPU clock less this thread's (two clock_gettime calls: no file is read, so no
 * descriptor of ours can meet a program that closes or reuses descriptors): the program's
 * threads' CPU time, in CPUs. Inline above ncpu - BUSY_INLINE CPUs, back on the thread below
 * ncpu - BUSY_THREAD (hysteresis: inline, the program's time includes the consumer's work).
 * Other processes' load is not seen: on a loaded machine the thread competes for a CPU like any
 * thread of the program. Either place is exact: every drain is under the agg lock, and a
 * producer reads the place afresh at each filled segment. */
typedef struct place {
    uint64_t wall, cpu; /* ns at the window's start: monotonic, and the program threads' CPU */
} place;

static uint64_t clock_ns(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t) != 0) return 0;
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* CPU time of the program's threads so far (the process's, less this thread's) */
static uint64_t program_cpu_ns(void)
{
    uint64_t all = clock_ns(CLOCK_PROCESS_CPUTIME_ID), self = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    return all > self ? all - self : 0;
}

static void place_consumer(place *p)
{
    uint64_t wall = hp_clock_mono_ns();
    if (p->wall && wall - p->wall < PLACE_MS * 1000000u) return;
    uint64_t cpu = program_cpu_ns();
    if (p->wall && cpu >= p->cpu) {
        double busy = (double)(cpu - p->cpu) / (double)(wall - p->wall); /* in CPUs */
        bool on = hp_agg_on_thread();
        if (on && busy > wk.ncpu - BUSY_INLINE)
            hp_agg_set_thread(false);
        else if (!on && busy < wk.ncpu - BUSY_THREAD)
            hp_agg_set_thread(true);
    }
    p->wall = wall;
    p->cpu = cpu;
}

/* true: events are left in a queue */
static bool consume_now(void)
{
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE) return false;
    hp_agg_lock();
    bool left = hp_agg_consume_locked();
    wipe_drain();
    hp_agg_unlock();
    return left;
}

static void *worker_main(void *arg)
{
    (void)arg;
    hp_tls_v.in_hook = HP_GUARD_INTERNAL; /* for ever: our allocations pass through */
    prctl(PR_SET_NAME, "heapprof", 0, 0, 0);
    uint32_t seen_req = 0;
    uint64_t period = (uint64_t)wk.interval_s * 1000;
    uint64_t deadline = period ? now_ms() + period : 0;
    place pl = {0, 0};
    for (;;) {
        uint32_t rung = hp_bell_seen(); /* a ring after this read ends the next wait at once */
        bool snap = wk.snapshots && hp_snapshot_requested(&seen_req);
        uint64_t now = deadline ? now_ms() : 0;
        if (deadline && now >= deadline) {
            snap = true; /* the interval's snapshot; a late one does not make the next pile up */
            deadline += period;
            if (deadline <= now) deadline = now + period;
        }
        if (snap) snapshot_now();
        if (wk.adapt) place_consumer(&pl);
        bool on = wk.consume && hp_agg_on_thread();
        bool left = on && consume_now();
        uint64_t timeout = left ? IDLE_DRAIN_MS : 0;
        if (wk.adapt && !on) timeout = PLACE_MS; /* inline: no ring comes; look again */
        if (deadline) {
            now = now_ms();
            uint64_t d = deadline > now ? deadline - now : 1;
            if (!timeout || d < timeout) timeout = d;
        }
        hp_bell_wait(rung, timeout);
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
    if (!e) e = pthread_create(&t, &a, worker_main, NULL);
    pthread_attr_destroy(&a);
    hp_internal_end(g);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e)
        hp_log("cannot start heapprof's thread: events are merged inline, no snapshots", NULL,
               NULL);
    if (!e && wk.consume) hp_agg_set_thread(true);
    return !e;
}

/* HEAPPROF_CONSUMER: inline (the default: a program stays single-threaded, which some need:
 * unshare(CLONE_NEWUSER) refuses a multi-threaded process), thread, or auto: the thread when
 * the process may run on two CPUs or more at start-up (its affinity mask; a mask too large for
 * cpu_set_t: many CPUs). */
static bool consumer_on_thread(void)
{
    wk.ncpu = sched_getaffinity(0, sizeof wk.mask, &wk.mask) == 0 ? CPU_COUNT(&wk.mask) : 0;
    if (!wk.ncpu) { /* a mask larger than cpu_set_t: many CPUs */
        wk.ncpu = CPU_SETSIZE;
        memset(&wk.mask, 0xff, sizeof wk.mask);
    }
    if (!strcmp(hp_opt.CONSUMER, "thread")) return true;
    if (!strcmp(hp_opt.CONSUMER, "inline")) return false;
    wk.adapt = wk.ncpu >= 2;
    return wk.adapt;
}

bool hp_worker_start(void)
{
    wk.consume = consumer_on_thread();
    wk.interval_s = hp_snapshot_interval_s();
    wk.snapshots = hp_snapshot_wanted();
    if (!wk.consume && !wk.snapshots) return false;
    if (start_thread()) return true;
    wk.consume = wk.snapshots = false;
    return false;
}

void hp_worker_atfork_child(void)
{
    hp_bell_atfork_child();
    if (!wk.consume && !wk.snapshots) return;
    start_thread();
}
