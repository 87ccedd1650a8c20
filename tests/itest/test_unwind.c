/* test_unwind.c - the cached-CFI unwinder (preload/fastunwind.c) gives exactly libunwind's
 * stacks: every allocation of each program is unwound both ways (HEAPPROF_VERIFY_UNWIND=1) and
 * the library reports the first difference on stderr. A deliberately wrong walker is caught by
 * this check (tried by hand when it was written: one return address off by one at frame 3). */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void verify(const char *const *argv)
{
    const char *dir = it_tmpdir();
    it_run r;
    cr_assert_eq(it_exec_hp(argv, (const char *const[]){"HEAPPROF_VERIFY_UNWIND=1", NULL}, dir, &r),
                 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: status %d", argv[0],
              r.status);
    cr_expect(strstr(r.err, "MISMATCH") == NULL, "%s: %s", argv[0], r.err);
    char p[64][512];
    cr_expect_geq(it_reports(dir, p, 64), 1, "%s wrote a report", argv[0]);
    it_run_free(&r);
}

Test(unwind, test_programs, .timeout = 120)
{
    verify((const char *const[]){it_prog("cxx"), NULL});
    verify((const char *const[]){it_prog("demo"), NULL});
    verify((const char *const[]){it_prog("threads"), "4", "20000", NULL});
    verify((const char *const[]){it_prog("lifecycle"), "fork", NULL});
}

Test(unwind, real_programs, .timeout = 300)
{
    verify((const char *const[]){"python3", "-c",
                                 "import json,re,collections,decimal\n"
                                 "print(len(json.dumps({str(i): [i] * 5 for i in range(5000)})))",
                                 NULL});
    verify((const char *const[]){"perl", "-e", "my %h; $h{$_}=[1..($_%30)] for 1..2000;", NULL});
    verify((const char *const[]){
        "sqlite3", ":memory:", "create table t(a,b); insert into t values(1,2); select * from t;",
        NULL});
    verify((const char *const[]){"sort", "/etc/services", NULL});
}

Test(unwind, compiler, .timeout = 300)
{
    const char *dir = it_tmpdir();
    char out[600];
    snprintf(out, sizeof out, "%s/x.o", dir);
    verify((const char *const[]){"g++", "-O1", "-c", "-o", out, "tests/progs/cxx.cc", NULL});
}
