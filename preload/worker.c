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
 * idle program costs nothing), and the next interval snapshot's deadline.
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
#include "config.h"
#include "finish.h"
#include "log.h"
#include "snapshot.h"
#include "state.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#define IDLE_DRAIN_MS 10

static struct {
    bool consume;    /* the consumer runs on the thread */
    long interval_s; /* snapshots every interval_s seconds; 0: none */
    bool snapshots;  /* snapshots on a signal or an interval */
} wk;

/* ---- the stack wipe ---- */

/* A drain reaches a few KiB deep (merge, apply, the tables, at worst a new mapping); a
 * snapshot's report less than finish.c's 1 MiB stack. Called from the frame that called the
 * drain or the report, so the wipe covers their frames. */
#define WIPE_DRAIN    (64u << 10)
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
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
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
        bool left = wk.consume && consume_now();
        uint64_t timeout = left ? IDLE_DRAIN_MS : 0;
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

/* HEAPPROF_CONSUMER: thread, inline, or auto: the thread when the process may run on two CPUs
 * or more at start-up (its affinity mask; a mask too large for cpu_set_t: many CPUs). */
static bool consumer_on_thread(void)
{
    if (!strcmp(hp_opt.CONSUMER, "thread")) return true;
    if (!strcmp(hp_opt.CONSUMER, "inline")) return false;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return true;
    return CPU_COUNT(&set) >= 2;
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
