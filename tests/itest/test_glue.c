/* test_glue.c - allocation sites in the user's code (issue 9, part 2): programs that allocate
 * only through glue (libc's asprintf/strdup/qsort/getline, a program's xmalloc, C++ containers
 * at -O2, Rust's HashMap/format!/Vec) must have the calling user function as the one-line
 * site of every view of heapview, of --by-function, and of the leak report's entry header;
 * the glue stays in the full stacks. HEAPPROF_GLUE changes the leak report's list.
 * heapview is $HEAPVIEW (tests/tests.mk). */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define TIMEOUT_S 120

typedef struct glue_case {
    const char *prog, *mode; /* mode: argv[1] or NULL */
    const char *user;        /* the user function (a substring of its name, mangled or not) */
    const char *glue;        /* a glue function the full stacks must still show */
} glue_case;

static const glue_case cases[] = {
    {"glue_c", "asprintf", "label_asprintf", "asprintf"},
    {"glue_c", "strdup", "copy_strdup", "strdup"},
    {"glue_c", "qsort", "sort_qsort", "qsort"},
    {"glue_c", "getline", "read_getline", "getdelim"},
    {"glue_c", "xmalloc", "build_nodes", "xmalloc ("},
    {"glue_cxx", NULL, "grow_tables", "std::"},
    {"glue_rust", NULL, "index_words", "reserve_rehash"},
};

/* Runs a case under the preload with the leak gate (+ extra env); the report is dir's only one.
 * Every case leaks one block but qsort's (its merge buffer is freed inside qsort). */
static it_run run_case(const glue_case *c, const char *dir, const char *extra)
{
    int want = c->mode && strcmp(c->mode, "qsort") == 0 ? 0 : 23;
    const char *argv[] = {it_prog(c->prog), c->mode, NULL};
    const char *env[] = {"HEAPPROF_LEAK_CHECK=1", extra, NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, env, dir, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == want, "%s %s: status %d:\n%s",
              c->prog, c->mode ? c->mode : "", r.status, r.err);
    return r;
}

/* The text after "allocated at: " of the first leak entry header of err, up to the line's end
 * (static buffer), or "" if there is none. */
static const char *first_header(const char *err)
{
    static char line[1024];
    const char *h = strstr(err, "lost, allocated at: ");
    line[0] = 0;
    if (!h) return line;
    h += strlen("lost, allocated at: ");
    size_t n = strcspn(h, "\n");
    snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), h);
    return line;
}

/* True if a frame line of the leak report ("heapprof:     0x...") contains needle. */
static bool frame_line_has(const char *err, const char *needle)
{
    for (const char *l = err; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        size_t n = strcspn(l, "\n");
        if (strncmp(l, "heapprof:     0x", 16) == 0) {
            const char *hit = strstr(l, needle);
            if (hit && hit < l + n) return true;
        }
    }
    return false;
}

static char *heapview(const char *args, const char *report)
{
    const char *hv = getenv("HEAPVIEW");
    cr_assert_not_null(hv, "HEAPVIEW (the heapview binary) is not set: run through make");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s %s", hv, args, report);
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    it_run r;
    cr_assert_eq(it_exec(argv, NULL, NULL, TIMEOUT_S, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: %s", cmd, r.err);
    free(r.err);
    return r.out;
}

/* The summary's first row of the section titled title ("Leaks:", ...): its text after the
 * numbers (static buffer). */
static const char *top_row(const char *summary, const char *title)
{
    static char row[1024];
    row[0] = 0;
    char key[64];
    snprintf(key, sizeof key, "\n%s", title);
    const char *s = strstr(summary, key);
    if (!s) return row;
    const char *r = strstr(s, "\n  1 ");
    const char *next = strstr(s + 1, "\n\n");
    if (!r || (next && r > next)) return row;
    r += 1;
    size_t n = strcspn(r, "\n");
    snprintf(row, sizeof row, "%.*s", (int)(n < sizeof row ? n : sizeof row - 1), r);
    return row;
}

Test(glue, user_function_names_every_view_and_the_leak_report)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const glue_case *c = &cases[i];
        const char *dir = it_tmpdir();
        it_run r = run_case(c, dir, NULL);
        const char *what = c->mode ? c->mode : c->prog;
        bool leaks = strcmp(what, "qsort") != 0;
        cr_expect(!leaks || strstr(first_header(r.err), c->user),
                  "%s: leak header names %s, not %s:\n%s", what, first_header(r.err), c->user,
                  r.err);
        cr_expect(!leaks || frame_line_has(r.err, c->glue), "%s: the full stack lost %s:\n%s", what,
                  c->glue, r.err);
        char paths[2][512];
        cr_assert_eq(it_reports(dir, paths, 2), 1);
        char *sum = heapview("--top 1", paths[0]);
        /* qsort's buffer is freed inside qsort: no leak, no Leaks row */
        static const char *const views[] = {"Leaks:", "Peak:", "Hot:", "Hot by total"};
        for (size_t v = leaks ? 0 : 1; v < 4; v++)
            cr_expect(strstr(top_row(sum, views[v]), c->user), "%s: %s top row is '%s':\n%s", what,
                      views[v], top_row(sum, views[v]), sum);
        free(sum);
        char *full = heapview("--hot --top 1", paths[0]);
        cr_expect(strstr(full, "via "), "%s: the stack shows no glue:\n%s", what, full);
        free(full);
        char *byf = heapview("--json --hot --by-function --top 1", paths[0]);
        const char *fn = strstr(byf, "\"function\":");
        cr_expect(fn && strstr(fn, c->user) && strstr(fn, c->user) < strchr(fn, '\n'),
                  "%s: --by-function names:\n%s", what, byf);
        free(byf);
        it_run_free(&r);
    }
}

Test(glue, heapprof_glue_changes_the_leak_report)
{
    const glue_case *x = &cases[4], *a = &cases[0];
    it_run r = run_case(x, it_tmpdir(), NULL);
    cr_expect(strncmp(first_header(r.err), "build_nodes (glue_c.c:", 22) == 0, "%s", r.err);
    cr_expect(strstr(first_header(r.err), " via xmalloc"), "%s", r.err);
    it_run_free(&r);
    r = run_case(x, it_tmpdir(), "HEAPPROF_GLUE=-^xmalloc$");
    cr_expect(strncmp(first_header(r.err), "xmalloc (glue_c.c:", 18) == 0, "removed:\n%s", r.err);
    it_run_free(&r);
    r = run_case(x, it_tmpdir(), "HEAPPROF_GLUE=func:^build_nodes$,^nothing$");
    cr_expect(strncmp(first_header(r.err), "main (glue_c.c:", 15) == 0, "added:\n%s", r.err);
    cr_expect(strstr(first_header(r.err), " via build_nodes"), "%s", r.err);
    it_run_free(&r);
    r = run_case(a, it_tmpdir(), "HEAPPROF_GLUE=-*");
    cr_expect(!strstr(first_header(r.err), "label_asprintf"), "no defaults: libc is the site:\n%s",
              r.err);
    it_run_free(&r);
}
