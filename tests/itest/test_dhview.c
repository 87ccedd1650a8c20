/* test_dhview.c - Valgrind's own viewer opens our reports unchanged: dh_view.js (the file
 * dh_view.html loads) runs in node over each report (tests/dhview/dhview_check.js) and must show
 * the report's total without an error. The check itself rejects a DHAT file missing "tg". */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DH_VIEW_JS "/usr/libexec/valgrind/dh_view.js"

static void opens(const char *const *argv)
{
    if (access(DH_VIEW_JS, R_OK) != 0) cr_skip_test("valgrind's dh_view.js is not installed");
    const char *dir = it_tmpdir();
    it_run r;
    cr_assert_eq(it_exec_hp(argv, (const char *const[]){"HEAPPROF_QUIET=1", NULL}, dir, &r), 0);
    it_run_free(&r);
    char p[8][512];
    int n = it_reports(dir, p, 8);
    cr_assert_geq(n, 1);
    for (int i = 0; i < n && i < 8; i++) {
        const char *check[] = {"node", "tests/dhview/dhview_check.js", DH_VIEW_JS, p[i], NULL};
        it_run c;
        cr_assert_eq(it_exec(check, NULL, NULL, 60, &c), 0);
        cr_expect(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "%s: %s%s", argv[0], c.out,
                  c.err);
        it_run_free(&c);
    }
}

Test(dhview, test_programs, .timeout = 120)
{
    opens((const char *const[]){it_prog("basic"), NULL});
    opens((const char *const[]){it_prog("cxx"), NULL});
    opens((const char *const[]){it_prog("demo"), NULL});
    opens((const char *const[]){it_prog("threads"), "4", "10000", NULL});
}

Test(dhview, python3, .timeout = 120)
{
    opens((const char *const[]){"/usr/bin/python3", "-c", "import json; print(json.dumps({}))",
                                NULL});
}

/* A sampled report (hp_sample, docs/report-format.md): dh_view.js ignores the extra key and
 * shows the estimated total as it is (tests/data/viewer/hand-sampled.json: 6,832,128 bytes). */
Test(dhview, sampled_report, .timeout = 60)
{
    if (access(DH_VIEW_JS, R_OK) != 0) cr_skip_test("valgrind's dh_view.js is not installed");
    const char *check[] = {"node", "tests/dhview/dhview_check.js", DH_VIEW_JS,
                           "tests/data/viewer/hand-sampled.json", NULL};
    it_run c;
    cr_assert_eq(it_exec(check, NULL, NULL, 60, &c), 0);
    cr_expect(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "%s%s", c.out, c.err);
    cr_expect(strstr(c.out, "6,832,128 bytes") != NULL, "%s", c.out);
    it_run_free(&c);
}
