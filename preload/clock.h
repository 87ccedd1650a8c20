/* clock.h - event timestamps: one global order for events of all threads.
 * The invariant TSC (when the kernel itself trusts it as its clocksource) or CLOCK_MONOTONIC.
 * Invariant: for any two reads r1 -> r2 ordered by happens-before (even across threads),
 * hp_clock_read(r1) <= hp_clock_read(r2). hp_clock_read is a full instruction barrier
 * (rdtscp + lfence): it executes after every earlier instruction, including locked ones. */
#ifndef HP_CLOCK_H
#define HP_CLOCK_H

#include "hp.h"

void hp_clock_init(void);
/* The current time in ticks (never 0). */
uint64_t hp_clock_read(void);
/* Ticks -> nanoseconds, calibrated from the start of the run to the call of hp_clock_calibrate. */
void hp_clock_calibrate(void);
uint64_t hp_clock_ns(uint64_t ticks_since_start);
uint64_t hp_clock_start(void);
const char *hp_clock_name(void);

#endif
