/* test_config.c - HEAPPROF_* parsing: defaults, good values, bad values fall back. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

Test(config, defaults)
{
    char *env[] = {"PATH=/bin", NULL};
    cr_expect_eq(hp_config_parse(env), 0);
    cr_expect_str_eq(hp_opt.OUT, "heapprof.%p.json");
    cr_expect_eq(hp_opt.DEPTH, 64);
    cr_expect_not(hp_opt.QUIET);
    cr_expect_str_eq(hp_opt.LEAK_CHECK, "0");
    cr_expect_eq(hp_opt.EXITCODE, 23);
}

Test(config, values)
{
    char *env[] = {"HEAPPROF_OUT=/tmp/x.%p.json", "HEAPPROF_DEPTH=12",   "HEAPPROF_QUIET=1",
                   "HEAPPROF_LEAK_CHECK=full",    "HEAPPROF_EXITCODE=3", NULL};
    cr_expect_eq(hp_config_parse(env), 0);
    cr_expect_str_eq(hp_opt.OUT, "/tmp/x.%p.json");
    cr_expect_eq(hp_opt.DEPTH, 12);
    cr_expect(hp_opt.QUIET);
    cr_expect_str_eq(hp_opt.LEAK_CHECK, "full");
    cr_expect_eq(hp_opt.EXITCODE, 3);
}

Test(config, bad_values_fall_back)
{
    char *env[] = {"HEAPPROF_QUIET=1",
                   "HEAPPROF_DEPTH=0",
                   "HEAPPROF_EXITCODE=-1",
                   "HEAPPROF_LEAK_CHECK=maybe",
                   "HEAPPROF_OUT=",
                   "HEAPPROF_DISABLE=2",
                   NULL};
    cr_expect_eq(hp_config_parse(env), 5);
    cr_expect_eq(hp_opt.DEPTH, 64);
    cr_expect_eq(hp_opt.EXITCODE, 23);
    cr_expect_str_eq(hp_opt.LEAK_CHECK, "0");
    cr_expect_str_eq(hp_opt.OUT, "heapprof.%p.json");
    cr_expect_not(hp_opt.DISABLE);
}

/* docs/options.md lists every option of options.def. */
Test(config, documented)
{
    FILE *f = fopen("docs/options.md", "r");
    cr_assert_not_null(f, "run from the repository root");
    static char doc[65536];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = 0;
#define HP_OPT_STR(name, def, help)         cr_expect(strstr(doc, "HEAPPROF_" #name), #name);
#define HP_OPT_INT(name, def, lo, hi, help) cr_expect(strstr(doc, "HEAPPROF_" #name), #name);
#define HP_OPT_BOOL(name, def, help)        cr_expect(strstr(doc, "HEAPPROF_" #name), #name);
#include "options.def"
}

/* HEAPPROF_CONSUMER: three words; anything else is one bad value and the default. */
Test(config, consumer_values)
{
    char *ok[] = {"HEAPPROF_QUIET=1", "HEAPPROF_CONSUMER=inline", NULL};
    cr_expect_eq(hp_config_parse(ok), 0);
    cr_expect_str_eq(hp_opt.CONSUMER, "inline");
    char *thr[] = {"HEAPPROF_QUIET=1", "HEAPPROF_CONSUMER=thread", NULL};
    cr_expect_eq(hp_config_parse(thr), 0);
    cr_expect_str_eq(hp_opt.CONSUMER, "thread");
    char *au[] = {"HEAPPROF_QUIET=1", "HEAPPROF_CONSUMER=auto", NULL};
    cr_expect_eq(hp_config_parse(au), 0);
    cr_expect_str_eq(hp_opt.CONSUMER, "auto");
    char *bad[] = {"HEAPPROF_QUIET=1", "HEAPPROF_CONSUMER=threads", NULL};
    cr_expect_eq(hp_config_parse(bad), 1);
    cr_expect_str_eq(hp_opt.CONSUMER, "inline");
    char *none[] = {"HEAPPROF_QUIET=1", NULL};
    cr_expect_eq(hp_config_parse(none), 0);
    cr_expect_str_eq(hp_opt.CONSUMER, "inline", "the default: no thread of heapprof's own");
}
