/* test_sample.c - sampling mode's parts (sample.h): the rate option, the Poisson countdown's
 * inclusion probability, the multiplicity's mean and determinism, the sampled-address set and
 * its filter. Expectations are the formulas of sample.h, computed here independently. */
#include "config.h"
#include "sample.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void with_rate(const char *v)
{
    char var[64];
    snprintf(var, sizeof var, "HEAPPROF_SAMPLE=%s", v);
    char *env[] = {"HEAPPROF_QUIET=1", var, NULL};
    hp_config_parse(env);
    cr_assert_eq(hp_sample_init(), 0);
}

Test(sample, rate_option)
{
    with_rate("512K");
    cr_expect_eq(hp_sample_rate, 512u << 10);
}
Test(sample, rate_suffixes)
{
    with_rate("64KiB");
    cr_expect_eq(hp_sample_rate, 64u << 10);
}
Test(sample, rate_mega)
{
    with_rate("1M");
    cr_expect_eq(hp_sample_rate, 1u << 20);
}
Test(sample, rate_plain_bytes)
{
    with_rate("4096");
    cr_expect_eq(hp_sample_rate, 4096);
}
Test(sample, rate_zero_is_exact_mode)
{
    with_rate("0");
    cr_expect_eq(hp_sample_rate, 0);
    cr_expect_eq(hp_sample_k(100, 1, 1), 1, "exact mode: every block stands for itself");
}
Test(sample, rate_bad_is_exact_mode)
{
    with_rate("lots");
    cr_expect_eq(hp_sample_rate, 0);
    with_rate("12Q");
    cr_expect_eq(hp_sample_rate, 0);
}

/* P(sampled) = 1 - e^(-n/R) for any history: 10^6 draws of n = 1000 at R = 64 KiB give
 * 15,142 expected, SD 122; 6 SD. And n = R: 63.2%. */
Test(sample, countdown_inclusion_probability)
{
    with_rate("64K");
    long hits = 0, n = 1000000;
    for (long i = 0; i < n; i++)
        hits += hp_sample_take(1000);
    double p = 1 - exp(-1000.0 / 65536), want = n * p, sd = sqrt(n * p * (1 - p));
    cr_expect(fabs(hits - want) <= 6 * sd, "n=1000: %ld sampled, expected %.0f", hits, want);
    hits = 0, n = 100000;
    for (long i = 0; i < n; i++)
        hits += hp_sample_take(65536);
    p = 1 - exp(-1.0), want = n * p, sd = sqrt(n * p * (1 - p));
    cr_expect(fabs(hits - want) <= 6 * sd, "n=R: %ld sampled, expected %.0f", hits, want);
}

/* E[k] = w = 1 / (1 - e^(-s/R)); k in {floor(w), floor(w) + 1}; the same block, the same k. */
static void k_mean(uint64_t size)
{
    double w = 1.0 / (1.0 - exp(-(double)size / 65536.0)), sum = 0;
    long n = 200000;
    for (long b = 0; b < n; b++) {
        uint64_t k = hp_sample_k(size, 1000 + (uint64_t)b * 7919, 3);
        cr_assert(k == (uint64_t)w || k == (uint64_t)w + 1, "size %lu: k %lu, w %f",
                  (unsigned long)size, (unsigned long)k, w);
        cr_assert_eq(k, hp_sample_k(size, 1000 + (uint64_t)b * 7919, 3), "deterministic");
        sum += (double)k;
    }
    /* a Bernoulli(frac) per block: SD of the mean <= 0.5 / sqrt(n) = 0.0011 */
    cr_expect(fabs(sum / n - w) <= 0.007, "size %lu: mean k %f, w %f", (unsigned long)size, sum / n,
              w);
}
Test(sample, multiplicity_is_unbiased)
{
    with_rate("64K");
    k_mean(1000);
    k_mean(72000); /* w = 1.5 */
    k_mean(100);
    cr_expect_eq(hp_sample_k(4u << 20, 5, 5), 1, "far above the rate: always sampled, once");
}

Test(sample, set_and_filter)
{
    with_rate("64K");
    enum { N = 100000 };
    static char blocks[N * 16];
    for (int i = 0; i < N; i++)
        cr_assert(hp_sample_insert(&blocks[i * 16]));
    for (int i = 0; i < N; i++)
        cr_assert(hp_sample_maybe(&blocks[i * 16]), "a sampled block is never filtered out");
    for (int i = 0; i < N; i += 2)
        cr_assert(hp_sample_remove(&blocks[i * 16]));
    for (int i = 0; i < N; i += 2)
        cr_assert_not(hp_sample_remove(&blocks[i * 16]), "removed once");
    for (int i = 1; i < N; i += 2)
        cr_assert(hp_sample_remove_try(&blocks[i * 16]), "the rest is still there");
    /* 100,000 blocks over 16,384 filter bytes: some reached 255 and stay (sticky); the others
     * are back to 0 */
    size_t nonzero = 0;
    for (size_t i = 0; i < (1u << HP_SAMPLE_FILT_BITS); i++) {
        uint8_t c = hp_sample_filt[i];
        cr_assert(c == 0 || c == 255, "filter byte %zu is %u", i, c);
        nonzero += c != 0;
    }
    cr_expect_lt(nonzero, 100, "only saturated bytes stay set: %zu", nonzero);
}
