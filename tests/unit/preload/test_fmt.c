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
