/* clock.h - event timestamps: one global order for events of all threads.
 * The invariant TSC (when the kernel itself trusts it as its clocksource) or CLOCK_MONOTONIC.
 * Invariant: for any two reads r1 -> r2 ordered by happens-before (even across threads),
 * hp_clock_read(r1) <= hp_clock_read(r2). hp_clock_read is a full instruction barrier
 * (rdtscp + lfence): it executes after every earlier instruction, including locked ones. */
#ifndef HP_CLOCK_H
#define HP_CLOCK_H

#include "hp.h"

void hp_clock_init(void);
/* The current time in ticks (never 0), read after every earlier instruction completed
 * (lfence; rdtsc): a malloc's timestamp is then later than the allocator's own work. */
static inline uint64_t hp_clock_read(void);
/* The same without the fence: may execute before earlier instructions complete, never after
 * later stores become visible. Used for free-like events, whose timestamp must precede the
 * real free's stores, and under the asymmetric-fence horizon protocol (tlbuf.h). */
static inline uint64_t hp_clock_read_early(void);
/* Ticks -> nanoseconds, calibrated from the start of the run to the call of hp_clock_calibrate. */
void hp_clock_calibrate(void);
uint64_t hp_clock_ns(uint64_t ticks_since_start);
uint64_t hp_clock_start(void);
const char *hp_clock_name(void);

extern bool hp_clock_tsc; /* read-only after hp_clock_init */
uint64_t hp_clock_mono_ns(void);

static inline uint64_t hp_clock_read(void)
{
    if (HP_LIKELY(hp_clock_tsc)) {
        __builtin_ia32_lfence(); /* earlier instructions (the allocator's loads) complete first */
        return __builtin_ia32_rdtsc() | 1;
    }
    return hp_clock_mono_ns() | 1;
}

static inline uint64_t hp_clock_read_early(void)
{
    if (HP_LIKELY(hp_clock_tsc)) return __builtin_ia32_rdtsc() | 1;
    return hp_clock_mono_ns() | 1;
}

#endif
