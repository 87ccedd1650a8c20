/* test_pipeline.c - tlbuf.c + order.h + agg.c end to end with concurrent producers
 * (scenarios.c): exact totals, nothing live, no unknown or missed free, whatever the clocks. */
#include "scenarios.h"

#include <criterion/criterion.h>

Test(pipeline, cross_thread_frees_exact, .timeout = 120)
{
    const char *bad = scenario_pipeline(false, 0);
    cr_expect_null(bad, "%s", bad);
}

/* Odd threads' clocks 50 us ahead, even ones' behind: every hand-off inverts the raw clocks. */
Test(pipeline, cross_thread_frees_exact_with_clock_offset, .timeout = 120)
{
    const char *bad = scenario_pipeline(false, SCENARIO_SKEW);
    cr_expect_null(bad, "%s", bad);
}

/* Freed addresses handed out again to any thread, as an allocator does. */
Test(pipeline, address_reuse_exact_with_clock_offset, .timeout = 120)
{
    const char *bad = scenario_pipeline(true, SCENARIO_SKEW);
    cr_expect_null(bad, "%s", bad);
}

Test(pipeline, address_reuse_exact, .timeout = 120)
{
    const char *bad = scenario_pipeline(true, 0);
    cr_expect_null(bad, "%s", bad);
}

/* The consumer on a thread of its own (HEAPPROF_CONSUMER=thread): producers only ring its bell
 * (and drain under backpressure); the thread drains whenever it is woken. */
Test(pipeline, consumer_thread_exact_with_reuse_and_clock_offset, .timeout = 120)
{
    const char *bad = scenario_pipeline_thread(true, SCENARIO_SKEW);
    cr_expect_null(bad, "%s", bad);
}

/* HEAPPROF_CONSUMER=auto moves the consumer between the thread and inline as CPUs free up or
 * fill: here at every wake of the thread. */
Test(pipeline, consumer_place_flipping_exact, .timeout = 120)
{
    const char *bad = scenario_pipeline_flip(true, SCENARIO_SKEW);
    cr_expect_null(bad, "%s", bad);
}

Test(pipeline, concurrent_interning_agrees, .timeout = 60)
{
    const char *bad = scenario_stacktab();
    cr_expect_null(bad, "%s", bad);
}
