/* api_test.c - a Criterion suite that asserts on its own heap through include/heapprof.h.
 * Run under the preload (make example-api) the assertions are live; run alone, every heapprof_*
 * call returns -1 and the tests skip themselves. */
#include <heapprof.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* The code under test: joins words with a separator. */
static char *join(const char *const *words, size_t n, char sep)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(words[i]) + 1;
    char *out = malloc(len), *p = out;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(words[i]);
        memcpy(p, words[i], k);
        p += k;
        if (i + 1 < n) *p++ = sep;
    }
    *p = 0;
    return out;
}

static void need_profiler(void)
{
    if (!heapprof_active()) cr_skip_test("not running under libheapprof.so");
}

Test(api, join_allocates_once_and_frees_cleanly)
{
    need_profiler();
    const char *w[] = {"heap", "prof", "api"};
    struct heapprof_stats a, b, c;
    cr_assert_eq(heapprof_stats(&a), 0);
    char *s = join(w, 3, '-');
    cr_assert_eq(heapprof_stats(&b), 0);
    cr_expect_str_eq(s, "heap-prof-api");
    cr_expect_eq(b.total_blocks - a.total_blocks, 1, "one allocation");
    cr_expect_eq(b.live_bytes - a.live_bytes, 1 + 5 + 5 + 4, "exactly the bytes asked for");
    free(s);
    cr_assert_eq(heapprof_stats(&c), 0);
    cr_expect_eq(c.live_bytes, a.live_bytes, "no net growth");
}

Test(api, no_leak_now)
{
    need_profiler();
    const char *w[] = {"x"};
    free(join(w, 1, ','));
    cr_expect_eq(heapprof_leak_check(), 0);
}
