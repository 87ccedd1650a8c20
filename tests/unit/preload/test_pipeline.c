/* test_pipeline.c - tlbuf.c + agg.c end to end with concurrent producers (scenarios.c). */
#include "scenarios.h"

#include <criterion/criterion.h>

Test(pipeline, cross_thread_frees_exact, .timeout = 120)
{
    const char *bad = scenario_pipeline();
    cr_expect_null(bad, "%s", bad);
}

Test(pipeline, concurrent_interning_agrees, .timeout = 60)
{
    const char *bad = scenario_stacktab();
    cr_expect_null(bad, "%s", bad);
}
