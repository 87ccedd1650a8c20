/* test_clock.c - clock.c: reads in one thread do not go backwards; calibration to nanoseconds.
 * (Order across CPUs is NOT a property of the clock: see test_order.c.) */
#include "clock.h"

#include <criterion/criterion.h>
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
        uint64_t t = hp_clock_read();
        cr_assert_geq(t, prev);
        prev = t;
    }
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
