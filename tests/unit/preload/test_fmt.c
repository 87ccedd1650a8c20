/* test_fmt.c - the report writer's output primitives. */
#include "fmt.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *written(void (*fill)(hp_out *))
{
    static hp_out o;
    static char buf[4096];
    int p[2];
    cr_assert_eq(pipe(p), 0);
    hp_out_init(&o, p[1]);
    fill(&o);
    cr_assert_eq(hp_out_flush(&o), 0);
    close(p[1]);
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

static void numbers(hp_out *o)
{
    hp_out_u64(o, 0);
    hp_out_str(o, " ");
    hp_out_u64(o, 18446744073709551615ull);
    hp_out_str(o, " ");
    hp_out_hex(o, 0x7f00dead);
}

static void strings(hp_out *o)
{
    hp_out_json_str(o, "a\"b\\c\nd\x01 é");
}

Test(fmt, numbers)
{
    cr_expect_str_eq(written(numbers), "0 18446744073709551615 7F00DEAD");
}

Test(fmt, json_escapes)
{
    cr_expect_str_eq(written(strings), "\"a\\\"b\\\\c\\u000ad\\u0001 é\"");
}

Test(fmt, write_error_sticks)
{
    hp_out o;
    hp_out_init(&o, -1);
    for (int i = 0; i < 10000; i++)
        hp_out_str(&o, "0123456789");
    cr_expect_lt(hp_out_flush(&o), 0, "EBADF reported");
}

/* Every length of number, against the C library's formatting. */
Test(fmt, u64_as_printf)
{
    uint64_t vals[200];
    size_t n = 0;
    for (uint64_t p = 1, k = 0; k < 20; k++, p *= 10) {
        vals[n++] = p - 1;
        vals[n++] = p;
        vals[n++] = p + 1;
        vals[n++] = p * 7 + 3;
    }
    vals[n++] = 18446744073709551615ull;
    vals[n++] = 18446744073709551614ull;
    uint64_t x = 88172645463325252ull;
    while (n < sizeof vals / sizeof *vals) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        vals[n++] = x >> (x % 64);
    }
    for (size_t i = 0; i < n; i++) {
        char got[24], want[24];
        size_t len = hp_fmt_u64(got, vals[i]);
        snprintf(want, sizeof want, "%llu", (unsigned long long)vals[i]);
        cr_expect_str_eq(got, want);
        cr_expect_eq(len, strlen(want));
    }
}

/* Pieces that straddle the 64 KiB buffer's end (the slow paths) come out whole and in order. */
Test(fmt, across_the_buffer_end)
{
    FILE *f = tmpfile();
    cr_assert(f);
    static hp_out o;
    hp_out_init(&o, fileno(f));
    char want[1 << 18];
    size_t w = 0;
    for (uint64_t i = 0; w < sizeof want - 64; i++) {
        uint64_t v = i * 2654435761u;
        hp_out_u64(&o, v);
        hp_out_str(&o, i % 3 ? "," : ",\"key\":");
        w += (size_t)snprintf(want + w, sizeof want - w, "%llu%s", (unsigned long long)v,
                              i % 3 ? "," : ",\"key\":");
    }
    cr_assert_eq(hp_out_flush(&o), 0);
    static char got[sizeof want];
    rewind(f);
    size_t r = fread(got, 1, sizeof got, f);
    fclose(f);
    cr_expect_eq(r, w);
    cr_expect(memcmp(got, want, w) == 0, "the file is the concatenation of the pieces");
}
