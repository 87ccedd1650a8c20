/* scenarios.h - concurrent scenarios shared by the Criterion tests and the TSan driver
 * (Criterion itself cannot start under TSan: its arena mapping collides with TSan's shadow).
 * Each returns NULL on success or a message naming the first violated expectation. */
#ifndef SCENARIOS_H
#define SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>

/* 4 producers, cross-thread frees through a shared slot array, concurrent drains. reuse: freed
 * addresses are handed out again (to any thread) as an allocator does; skew: ticks added to
 * odd threads' clocks and taken from even ones' (a test build's clock offset, clock.h). Run
 * once per process: the modules' state is global. */
const char *scenario_pipeline(bool reuse, int64_t skew);
/* The same with the consumer on a thread of its own (HEAPPROF_CONSUMER=thread): producers ring
 * the bell when they fill a segment, a thread drains and sleeps on it (worker.c's loop). */
const char *scenario_pipeline_thread(bool reuse, int64_t skew);
/* The same with the consumer's place flipping between the thread and inline at every wake, as
 * HEAPPROF_CONSUMER=auto moves it (worker.c). */
const char *scenario_pipeline_flip(bool reuse, int64_t skew);
/* The offset the tests use: ~50 us at 3 GHz, far above any real cross-CPU disagreement. */
#define SCENARIO_SKEW 150000
const char *scenario_stacktab(void);

#endif
