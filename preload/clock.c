/* clock.c - TSC or CLOCK_MONOTONIC timestamps and their conversion to nanoseconds.
 * Why not always clock_gettime: three reads per malloc at ~20 ns each cost more than the merge.
 * The TSC is used only if the kernel's clocksource is "tsc" (then it is invariant: constant rate,
 * running in every C-state; it is NOT trusted to order events across CPUs, see clock.h).
 * Calibration: ticks and
 * CLOCK_MONOTONIC are read together at start and at the end of the run; the ratio is exact
 * over the run, so no start-up delay is spent measuring the frequency. */
#include "clock.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool hp_clock_tsc;

static struct {
    uint64_t t0, ns0; /* ticks and CLOCK_MONOTONIC ns at start */
    double ns_per_tick;
} ck = {.ns_per_tick = 1.0};

uint64_t hp_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool kernel_uses_tsc(void)
{
    char buf[32] = {0};
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                  O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n >= 3 && strncmp(buf, "tsc", 3) == 0;
}

#ifdef HP_TEST_SKEW
__thread int64_t hp_clock_test_skew __attribute__((tls_model("initial-exec")));

void hp_clock_test_thread(void)
{
    static _Atomic unsigned n;
    hp_clock_test_skew = hp_fetch_add_relaxed(&n, 1) & 1 ? HP_TEST_SKEW_TICKS : -HP_TEST_SKEW_TICKS;
}
#endif

void hp_clock_init(void)
{
    hp_clock_tsc = kernel_uses_tsc();
    ck.ns0 = hp_clock_mono_ns();
    ck.t0 = hp_clock_read();
}

void hp_clock_calibrate(void)
{
    uint64_t ns = hp_clock_mono_ns(), t = hp_clock_read();
    if (hp_clock_tsc && t > ck.t0 && ns > ck.ns0)
        ck.ns_per_tick = (double)(ns - ck.ns0) / (double)(t - ck.t0);
}

uint64_t hp_clock_ns(uint64_t ticks)
{
    return (uint64_t)((double)ticks * ck.ns_per_tick);
}

/* Below this many ticks since the start, the two reads' distance (~50 ns) would weigh more than
 * 0.2% (at 3 GHz: 30 µs). */
#define MIN_TICKS 100000u

double hp_clock_us_per_tick_now(void)
{
    if (!hp_clock_tsc) return 0.001;
    uint64_t ns = hp_clock_mono_ns(), t = hp_clock_read();
    if (t < ck.t0 + MIN_TICKS || ns <= ck.ns0) return 0;
    return (double)(ns - ck.ns0) / (double)(t - ck.t0) / 1000.0;
}

uint64_t hp_clock_start(void)
{
    return ck.t0;
}

const char *hp_clock_name(void)
{
    return hp_clock_tsc ? "tsc" : "monotonic";
}
