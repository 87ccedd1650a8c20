/* test_clock.c - clock.c: one order across threads, and a calibration to nanoseconds. */
#include "clock.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static void setup(void)
{
    hp_clock_init();
}

TestSuite(clock, .init = setup);

Test(clock, monotonic_in_a_thread)
{
    uint64_t prev = hp_clock_read();
    for (int i = 0; i < 1000000; i++) {
        uint64_t t = i & 1 ? hp_clock_read() : hp_clock_read_early();
        cr_assert_geq(t, prev);
        prev = t;
    }
}

/* A value published by one thread after reading the clock is always older than a clock read
 * made by another thread after it saw the value (the property the merge relies on). */
static _Atomic uint64_t published;
static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200000; i++)
        atomic_store_explicit(&published, hp_clock_read_early(), memory_order_release);
    return NULL;
}

Test(clock, ordered_across_threads)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    for (int i = 0; i < 200000; i++) {
        uint64_t seen = atomic_load_explicit(&published, memory_order_acquire);
        uint64_t now = hp_clock_read();
        cr_assert_geq(now, seen, "a later read is never older (%lu < %lu)", now, seen);
    }
    pthread_join(t, NULL);
}

Test(clock, calibration_to_ns)
{
    uint64_t t0 = hp_clock_read();
    struct timespec d = {0, 50 * 1000 * 1000};
    nanosleep(&d, NULL);
    uint64_t t1 = hp_clock_read();
    hp_clock_calibrate();
    uint64_t ns = hp_clock_ns(t1 - t0);
    cr_expect(ns > 45000000 && ns < 200000000, "50 ms measured as %lu ns", ns);
}
