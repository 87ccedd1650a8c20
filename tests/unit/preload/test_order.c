/* test_order.c - order.h: causal stamps whatever the clocks. Threads are pinned to different
 * CPUs (when the machine has two) and given opposite test clock offsets (clock.h), so raw
 * clock reads invert on every hand-off; the stamps must not. */
#include "order.h"

#include "scenarios.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

static void setup(void)
{
    hp_clock_init();
}

TestSuite(order, .init = setup);

static void pin(int cpu)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % (n > 0 ? n : 1), &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

enum { ROUNDS = 200000 };
static _Atomic int turn;
static _Atomic uint64_t handed; /* the stamp of the last event, handed with the token */
static _Atomic long inversions, raw_inversions;

/* Two threads pass one address back and forth (alloc by one, free by the other, as a
 * producer/consumer pair does): each event's stamp must exceed the one it followed. */
static void *pingpong(void *arg)
{
    int me = (int)(intptr_t)arg;
    pin(me);
    hp_clock_test_skew = me ? SCENARIO_SKEW : -SCENARIO_SKEW;
    uint64_t last = 0;
    for (int i = 0; i < ROUNDS; i++) {
        while (atomic_load_explicit(&turn, memory_order_acquire) != me)
            ;
        uint64_t before = atomic_load_explicit(&handed, memory_order_relaxed);
        if (hp_clock_read() <= before) atomic_fetch_add(&raw_inversions, 1);
        uint64_t ts = hp_order_stamp(&last, 0x5000);
        if (ts <= before) atomic_fetch_add(&inversions, 1);
        atomic_store_explicit(&handed, ts, memory_order_relaxed);
        atomic_store_explicit(&turn, !me, memory_order_release);
    }
    return NULL;
}

Test(order, per_address_causal_across_cpus, .timeout = 60)
{
    pthread_t a, b;
    pthread_create(&a, NULL, pingpong, (void *)0);
    pthread_create(&b, NULL, pingpong, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    /* the offsets make half of the raw reads go back in time: the test is not vacuous */
    cr_assert_gt(raw_inversions, ROUNDS / 2, "raw inversions %ld", (long)raw_inversions);
    cr_expect_eq(inversions, 0, "%ld stamps not after the event they followed", (long)inversions);
}

Test(order, per_thread_non_decreasing_when_the_clock_jumps_back)
{
    uint64_t last = 0, prev = 0;
    for (int i = 0; i < 100000; i++) {
        /* a migration to a CPU whose clock is behind */
        hp_clock_test_skew = i & 1024 ? -SCENARIO_SKEW : SCENARIO_SKEW;
        uint64_t ts = hp_order_stamp(&last, (uintptr_t)i * 4096);
        cr_assert_geq(ts, prev);
        cr_assert_eq(ts & 1, 1, "stamps are odd");
        prev = ts;
    }
}

static _Atomic uint64_t floor_set;
static void *behind(void *arg)
{
    (void)arg;
    pin(1);
    hp_clock_test_skew = -SCENARIO_SKEW;
    while (!atomic_load_explicit(&floor_set, memory_order_acquire))
        ;
    uint64_t last = 0;
    return (void *)(uintptr_t)hp_order_stamp(&last, 0x9000);
}

/* The horizon's promise: once the consumer raised the floor to F, no new stamp is below F,
 * even from a CPU whose clock is behind the consumer's. */
Test(order, floor_bounds_every_later_stamp)
{
    pin(0);
    hp_clock_test_skew = SCENARIO_SKEW;
    pthread_t t;
    pthread_create(&t, NULL, behind, NULL);
    uint64_t f = hp_clock_read();
    hp_order_raise_floor(f);
    atomic_store_explicit(&floor_set, f, memory_order_release);
    void *r;
    pthread_join(t, &r);
    cr_expect_geq((uint64_t)(uintptr_t)r, f);
}
