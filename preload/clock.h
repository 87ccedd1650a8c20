/* clock.h - the raw clock behind event timestamps: the invariant TSC (when the kernel itself
 * uses it as its clocksource) or CLOCK_MONOTONIC.
 * What it promises: within one thread on one CPU, reads do not go backwards. What it does NOT
 * promise: order across CPUs. On a 2-vCPU KVM guest a read made after seeing another CPU's
 * value can be ~1,300 ticks smaller (shared/tools/tsc_order.c). Causal order between events is
 * built on top of it by order.h (per-address stripes, a floor and per-thread clamps), never
 * assumed from it.
 * Tests: built with -DHP_TEST_SKEW, every read of a thread adds that thread's
 * hp_clock_test_skew (ticks, may be negative), so that cross-CPU inversions happen on every
 * run, not only on machines whose clocks disagree. */
#ifndef HP_CLOCK_H
#define HP_CLOCK_H

#include "hp.h"

void hp_clock_init(void);
/* The current time in ticks (never 0, always odd). Not ordered with earlier or later
 * instructions: callers needing an order get it from order.h. */
static inline uint64_t hp_clock_read(void);
/* Ticks -> nanoseconds, calibrated from the start of the run to the call of hp_clock_calibrate. */
void hp_clock_calibrate(void);
uint64_t hp_clock_ns(uint64_t ticks_since_start);
uint64_t hp_clock_start(void);
/* Microseconds per tick measured from the start to now (one clock_gettime): 0 if the run is
 * still too short to measure it to 0.2% (about 30 µs of TSC). Exact (0.001) for "monotonic". */
double hp_clock_us_per_tick_now(void);
const char *hp_clock_name(void);

extern bool hp_clock_tsc; /* read-only after hp_clock_init */
uint64_t hp_clock_mono_ns(void);

#ifdef HP_TEST_SKEW
extern __thread int64_t hp_clock_test_skew __attribute__((tls_model("initial-exec")));
/* The test preload's offsets: threads alternate +/- this many ticks (~50 us at 3 GHz). */
#define HP_TEST_SKEW_TICKS 150000
void hp_clock_test_thread(void);
#define HP_CLOCK_SKEW(v) ((uint64_t)((int64_t)(v) + hp_clock_test_skew + (INT64_C(1) << 40)))
#else
#define HP_CLOCK_SKEW(v) (v)
#endif

static inline uint64_t hp_clock_read(void)
{
    if (HP_LIKELY(hp_clock_tsc)) return HP_CLOCK_SKEW(__builtin_ia32_rdtsc()) | 1;
    return HP_CLOCK_SKEW(hp_clock_mono_ns()) | 1;
}

#endif
