/* test_livetab.c - the live table against a plain array model, with colliding addresses. */
#include "livetab.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static void setup(void)
{
    cr_assert_eq(hp_livetab_init(), 0);
}

TestSuite(livetab, .init = setup);

Test(livetab, insert_remove_lookup)
{
    hp_block b = {.birth = 5, .size = 100, .sid = 3}, out;
    cr_assert_eq(hp_livetab_insert(0x1000, &b, NULL), HP_LIVE_NEW);
    cr_expect_eq(hp_livetab_count(), 1);
    cr_expect_not(hp_livetab_remove(0x2000, &out));
    cr_assert(hp_livetab_remove(0x1000, &out));
    cr_expect(out.birth == 5 && out.size == 100 && out.sid == 3);
    cr_expect_not(hp_livetab_remove(0x1000, &out), "removed once only");
    cr_expect_eq(hp_livetab_count(), 0);
}

/* An address inserted while live (a free the hooks did not see) is never silently overwritten:
 * the caller gets the old block back. */
Test(livetab, insert_over_live_returns_the_old_block)
{
    hp_block a = {.birth = 5, .size = 100, .sid = 3}, b = {.birth = 9, .size = 7, .sid = 4}, old;
    cr_assert_eq(hp_livetab_insert(0x1000, &a, &old), HP_LIVE_NEW);
    cr_assert_eq(hp_livetab_insert(0x1000, &b, &old), HP_LIVE_REPLACED);
    cr_expect(old.birth == 5 && old.size == 100 && old.sid == 3);
    cr_expect_eq(hp_livetab_count(), 1);
    hp_block out;
    cr_assert(hp_livetab_remove(0x1000, &out));
    cr_expect(out.birth == 9 && out.size == 7 && out.sid == 4);
}

/* Random operations mirrored in a model: the table must agree after every step, through
 * growth and backward-shift deletions in long clusters (addresses 16 apart collide often). */
Test(livetab, agrees_with_model)
{
    enum { KEYS = 50000, OPS = 400000 };
    static uint64_t model[KEYS]; /* 0 = absent, else size */
    uint64_t rng = 88172645463325252ull;
    size_t live = 0;
    for (int op = 0; op < OPS; op++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        size_t k = rng % KEYS;
        uintptr_t addr = 0x10000 + k * 16;
        hp_block b = {.birth = (uint64_t)op, .size = 1 + rng % 1000, .sid = (uint32_t)(k % 1000)};
        hp_block out;
        if (model[k]) {
            cr_assert(hp_livetab_remove(addr, &out), "op %d: key %zu lost", op, k);
            cr_assert_eq(out.size, model[k]);
            model[k] = 0;
            live--;
        } else {
            cr_assert_not(hp_livetab_remove(addr, &out));
            cr_assert_eq(hp_livetab_insert(addr, &b, NULL), HP_LIVE_NEW);
            model[k] = b.size;
            live++;
        }
        cr_assert_eq(hp_livetab_count(), live);
    }
    size_t cur = 0, seen = 0;
    uintptr_t a;
    hp_block b;
    while (hp_livetab_next(&cur, &a, &b)) {
        cr_assert_eq(model[(a - 0x10000) / 16], b.size);
        seen++;
    }
    cr_expect_eq(seen, live, "iteration visits every live block once");
}

/* A slot keeps each field whole at its limits, and the ignored mark apart from them. */
Test(livetab, fields_at_their_limits)
{
    hp_block b = {.birth = UINT64_MAX - 1, .size = HP_LIVE_MAX_SIZE, .sid = HP_LIVE_MAX_SID}, out;
    cr_assert_eq(hp_livetab_insert(0x1000, &b, NULL), HP_LIVE_NEW);
    hp_block c = {.birth = 0, .size = 1, .sid = 0};
    cr_assert_eq(hp_livetab_insert(0x2000, &c, NULL), HP_LIVE_NEW);
    cr_assert(hp_livetab_set_ignored(0x2000));
    cr_assert(hp_livetab_remove(0x1000, &out));
    cr_expect(out.birth == UINT64_MAX - 1 && out.size == HP_LIVE_MAX_SIZE &&
              out.sid == HP_LIVE_MAX_SID && !out.ignored);
    cr_assert(hp_livetab_remove(0x2000, &out));
    cr_expect(out.birth == 0 && out.size == 1 && out.sid == 0 && out.ignored);
}

/* Issue 12's memory goal: past the first growth, the table never takes more than 48 bytes a
 * live block (24-byte slots, at least half full), and a growth loses nothing (every block's
 * fields read back after 300,000 inserts across eleven growths). */
Test(livetab, at_most_48_bytes_a_block)
{
    enum { N = 300000 };
    size_t grows = 0, last = hp_livetab_bytes();
    for (uintptr_t i = 1; i <= N; i++) {
        hp_block b = {.birth = i * 3, .size = i % 1000, .sid = (uint32_t)(i % 5000)};
        cr_assert_eq(hp_livetab_insert(i * 48, &b, NULL), HP_LIVE_NEW);
        size_t bytes = hp_livetab_bytes();
        if (bytes != last) grows++, last = bytes;
        if (grows)
            cr_assert_leq(bytes, 48 * hp_livetab_count(), "%zu bytes for %zu blocks", bytes,
                          (size_t)i);
    }
    cr_expect_geq(grows, 10, "grown by half each time: %zu growths", grows);
    for (uintptr_t i = 1; i <= N; i++) {
        hp_block out;
        cr_assert(hp_livetab_remove(i * 48, &out), "block %zu lost", (size_t)i);
        cr_assert(out.birth == i * 3 && out.size == i % 1000 && out.sid == i % 5000);
    }
    cr_expect_eq(hp_livetab_count(), 0);
}
