/* test_sites.c - DHAT's counters, driven by a hand-written event sequence (the same as
 * tests/progs/peak.c, whose numbers DHAT confirms in test_exact.c). */
#include "sites.h"

#include <criterion/criterion.h>
#include <string.h>

static void setup(void)
{
    cr_assert_eq(hp_sites_init(), 0);
}

TestSuite(sites, .init = setup);

Test(sites, lazy_peak_snapshot)
{
    /* A=s1(1000) B=s2(2000) free A; C=s3(2500) D=s1(100); free B; E=s2(10); free C D E */
    hp_sites_alloc(1, 1000, 10, 1);
    hp_sites_alloc(2, 2000, 20, 1);
    hp_sites_free(1, 1000, 10, 30, 1);
    hp_sites_alloc(3, 2500, 40, 1);
    hp_sites_alloc(1, 100, 50, 1);
    hp_sites_free(2, 2000, 20, 60, 1);
    hp_sites_alloc(2, 10, 70, 1);
    hp_sites_free(3, 2500, 40, 80, 1);
    hp_sites_free(1, 100, 50, 90, 1);
    hp_sites_free(2, 10, 70, 100, 1);
    hp_sites_finish();
    const hp_heap_totals *h = hp_sites_totals();
    cr_expect_eq(h->maxb, 4600);
    cr_expect_eq(h->maxbk, 3);
    cr_expect_eq(h->tg, 50, "t-gmax is the allocation that reached 4600");
    cr_expect_eq(h->tb, 5610);
    cr_expect_eq(h->curb, 0);
    const hp_site *s1 = hp_sites_get(1), *s2 = hp_sites_get(2), *s3 = hp_sites_get(3);
    cr_expect_eq(s1->gb, 100);
    cr_expect_eq(s2->gb, 2000);
    cr_expect_eq(s3->gb, 2500);
    cr_expect_eq(s1->tl, (30 - 10) + (90 - 50));
    cr_expect_eq(s1->mb, 100, "DHAT: live bytes at the last maximum s1 caused");
    cr_expect_eq(s2->mb, 2000);
    cr_expect_eq(s3->mb, 2500);
}

Test(sites, peak_pending_at_end)
{
    hp_sites_alloc(1, 10, 1, 1);
    hp_sites_alloc(2, 20, 2, 1);
    hp_sites_finish(); /* never shrank: the snapshot is the end state */
    cr_expect_eq(hp_sites_get(1)->gb, 10);
    cr_expect_eq(hp_sites_get(2)->gb, 20);
    cr_expect_eq(hp_sites_totals()->maxb, 30);
}

Test(sites, realloc_counts_like_dhat)
{
    hp_sites_alloc(1, 300, 1, 1);
    hp_sites_resize(1, 300, 500, 2); /* grow: +1 block in totals, +200 live */
    hp_sites_resize(1, 500, 50, 3);  /* shrink: snapshot at 500 first */
    hp_sites_finish();
    const hp_site *s = hp_sites_get(1);
    cr_expect_eq(s->tb, 850);
    cr_expect_eq(s->tbk, 3);
    cr_expect_eq(s->curb, 50);
    cr_expect_eq(s->curbk, 1);
    cr_expect_eq(s->gb, 500);
    cr_expect_eq(s->rs, 2);
    cr_expect_eq(s->rsg, 200);
    cr_expect_eq(hp_sites_totals()->maxb, 500);
}

Test(sites, equal_peaks_latest_wins)
{
    hp_sites_alloc(1, 100, 1, 1);
    hp_sites_free(1, 100, 1, 2, 1);
    hp_sites_alloc(2, 100, 3, 1);
    hp_sites_free(2, 100, 3, 4, 1);
    hp_sites_finish();
    cr_expect_eq(hp_sites_get(1)->gb, 0);
    cr_expect_eq(hp_sites_get(2)->gb, 100, "the snapshot is taken at the later peak");
    cr_expect_eq(hp_sites_totals()->tg, 3, "the latest of two equal peaks");
}

/* A lifetime's bucket is that of its whole µs, floor(life * us_per_tick) (report-format.md),
 * at every bucket's edge for a rate such as a 3 GHz TSC's, where the product is not an
 * integer: sites.c reads the bucket from the product's exponent; the oracle truncates and
 * counts bits. */
Test(sites, life_bucket_edges)
{
    const double rate = 1.0 / 2999.7;
    hp_sites_set_rate(rate);
    hp_sites_alloc(1, 16, 0, 1);
    uint32_t before[HP_HIST_N];
    memcpy(before, hp_sites_hist(1)->life, sizeof before);
    int checked = 0;
    uint64_t ts = 1;
    for (int i = 0; i < HP_HIST_N + 2; i++) {
        uint64_t edge = (uint64_t)((double)(1ull << i) / rate);
        for (uint64_t life = edge > 3 ? edge - 3 : 0; life <= edge + 3; life++) {
            uint64_t us = (uint64_t)((double)life * rate);
            unsigned want = 0;
            while (want < HP_HIST_N - 1 && us >> (want + 1))
                want++;
            hp_sites_alloc(1, 16, ts, 1); /* (events in time order) */
            hp_sites_free(1, 16, ts, ts + life, 1);
            ts += life;
            const uint32_t *now = hp_sites_hist(1)->life;
            for (unsigned b = 0; b < HP_HIST_N; b++)
                cr_assert_eq(now[b] - before[b], b == want, "life %llu (%llu us): bucket %u",
                             (unsigned long long)life, (unsigned long long)us, b);
            memcpy(before, now, sizeof before);
            checked++;
        }
    }
    cr_expect_eq(checked, (HP_HIST_N + 2) * 7, "7 lifetimes around each of 42 edges");
}
