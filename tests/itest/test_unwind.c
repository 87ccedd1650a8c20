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
    /* a Rust program: std's own frames, a thread, HashMap and Vec growth */
    verify((const char *const[]){it_prog("rust_clean"), NULL});
}

/* The walker's reuse of its previous walk (fastunwind.c, "The walk") where stacks change in
 * every way it must notice: recursion of varying depth, a function re-called from another call
 * site of the same caller, an rbp-based frame at the same sp with another rbp, longjmp out of
 * deep frames, C++ exceptions through allocating frames, a handler allocating, threads, fork.
 * Each of these fails (MISMATCH) if the walker trusts a frame's pc and sp without the word
 * above it, or ignores rbp where a rule reads it (tried by hand: both mutations caught on every
 * run). Several runs: the signals land elsewhere each time. */
Test(unwind, reuse_edges, .timeout = 120)
{
    for (int i = 0; i < 5; i++)
        verify((const char *const[]){it_prog("unwreuse"), NULL});
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
