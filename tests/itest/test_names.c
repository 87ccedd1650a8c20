/* test_names.c - demangled names everywhere (preload/demangle.c, viewer/names.c): Rust programs
 * built with rustc -O -g in both manglings (legacy, the default for user code, and
 * -C symbol-mangling-version=v0) and a C++ program at -O2 with templates and GCC clones
 * (.constprop, .isra) run under the leak gate. No mangled name may appear in the report's ftbl,
 * in the leak report on stderr, or in heapview's text and JSON; the functions written in
 * tests/progs/rust_names.rs and cxx_names.cc appear under their source names.
 * HEAPVIEW (tests/tests.mk) is the heapview binary. */
#include "itest.h"

#include <criterion/criterion.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* A mangled symbol: "_Z" or "_R" + an upper-case tag starting a name (not "std::_Rb_tree"),
 * a Rust legacy hash "17h<16 hex>E", or its demangled form "::h<16 hex>". */
#define MANGLED                                                                                    \
    "(^|[^A-Za-z0-9_:$])_(Z[A-Za-z0-9_]|R[A-Z0-9])|17h[0-9a-f]{16}E|::h[0-9a-f]{16}|\\.llvm\\."

static void no_mangled(const char *what, const char *text)
{
    regex_t re;
    cr_assert_eq(regcomp(&re, MANGLED, REG_EXTENDED | REG_NEWLINE), 0);
    regmatch_t m;
    int rc = regexec(&re, text, 1, &m, 0);
    if (rc == 0) {
        const char *at = text + m.rm_so, *bol = at, *eol = strchr(at, '\n');
        while (bol > text && bol[-1] != '\n')
            bol--;
        cr_expect_neq(rc, 0, "%s: mangled name in: %.*s", what,
                      (int)(eol ? eol - bol : (long)strlen(bol)), bol);
    }
    regfree(&re);
}

static char *ftbl_text(const cJSON *j)
{
    const cJSON *ftbl = cJSON_GetObjectItem(j, "ftbl");
    size_t n = 1;
    const cJSON *f;
    cJSON_ArrayForEach(f, ftbl) n += strlen(f->valuestring) + 1;
    char *s = calloc(1, n), *p = s;
    cJSON_ArrayForEach(f, ftbl) p = stpcpy(stpcpy(p, f->valuestring), "\n");
    return s;
}

static char *viewer(const char *const *args, const char *report)
{
    const char *hv = getenv("HEAPVIEW");
    cr_assert_not_null(hv, "HEAPVIEW is not set (tests/tests.mk sets it)");
    const char *argv[12] = {hv};
    int n = 1;
    for (; *args; args++)
        argv[n++] = *args;
    argv[n++] = report;
    argv[n] = NULL;
    it_run r;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "heapview: %s", r.err);
    free(r.err);
    return r.out;
}

/* Runs prog under the leak gate; checks the ftbl, stderr and heapview for mangled names and
 * for each of want (a source name) in each of them, and the leaking function on stderr. */
static void check(const char *prog, const char *arg, const char *leaker, const char *const *want)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog(prog), arg, NULL};
    const char *env[] = {"HEAPPROF_LEAK_CHECK=1", NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, env, dir, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 23, "%s: exit status %d, %s", prog,
              r.status, r.err);
    char p[2][512];
    cr_assert_eq(it_reports(dir, p, 2), 1, "%s: one report", prog);
    cJSON *j = it_load(p[0]);
    cr_assert_not_null(j);
    char *ftbl = ftbl_text(j);
    char *text =
        viewer((const char *const[]){"--all", "--depth", "0", "--no-collapse", NULL}, p[0]);
    char *json = viewer(
        (const char *const[]){"--json", "--all", "--depth", "0", "--no-collapse", NULL}, p[0]);
    no_mangled("ftbl", ftbl);
    no_mangled("stderr", r.err);
    no_mangled("heapview", text);
    no_mangled("heapview --json", json);
    /* the entry's header names the allocation's site in the user's code (glue folded, as
     * "allocated at: SITE"), and the first frame of its stack is that caller too */
    const char *lost = strstr(r.err, "definitely lost, allocated at:");
    const char *eol = lost ? strchr(lost, '\n') : NULL;
    const char *name = lost ? strstr(lost, leaker) : NULL;
    cr_expect(name && eol && name < eol, "%s: the leak report's header names %s:\n%s", prog, leaker,
              r.err);
    const char *first = eol ? eol + 1 : NULL;
    const char *eol2 = first ? strchr(first, '\n') : NULL;
    name = first ? strstr(first, leaker) : NULL;
    cr_expect(name && eol2 && name < eol2, "%s: the leak report's first frame is %s:\n%s", prog,
              leaker, r.err);
    for (; *want; want++) {
        cr_expect(strstr(ftbl, *want), "%s: ftbl has no %s", prog, *want);
        cr_expect(strstr(text, *want), "%s: heapview has no %s:\n%s", prog, *want, text);
        cr_expect(strstr(json, *want), "%s: heapview --json has no %s", prog, *want);
    }
    free(ftbl);
    free(text);
    free(json);
    cJSON_Delete(j);
    it_run_free(&r);
}

Test(names, rust_legacy, .timeout = 60)
{
    check("rust_names", NULL, ": rust_names::make_leak (",
          (const char *const[]){"rust_names::make_leak (", "rust_names::build_index (", NULL});
}

Test(names, rust_v0, .timeout = 60)
{
    check("rust_names_v0", NULL, ": rust_names::make_leak (",
          (const char *const[]){"rust_names::make_leak (", "rust_names::build_index (", NULL});
}

Test(names, cxx_clones_and_templates, .timeout = 60)
{
    check("cxx_names", "leak", ": make_block(Config const&) [clone .isra.0] (",
          (const char *const[]){
              "make_block(Config const&) [clone .isra.0] (",
              "fill_blocks(std::vector<char*, std::allocator<char*> >&, unsigned long, int) "
              "[clone .constprop.0] (",
              "shapes::Pool<shapes::Circle>::grow(int) (", NULL});
}

/* HEAPPROF_DEMANGLE=0 keeps the linker's symbols, Rust hash included; heapview still shows
 * them demangled. */
Test(names, raw_symbols_on_request, .timeout = 60)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("rust_names"), NULL};
    const char *env[] = {"HEAPPROF_DEMANGLE=0", "HEAPPROF_QUIET=1", NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, env, dir, &r), 0);
    it_run_free(&r);
    char p[2][512];
    cr_assert_eq(it_reports(dir, p, 2), 1);
    cJSON *j = it_load(p[0]);
    cr_assert_not_null(j);
    cr_expect(it_has_frame(j, ": _ZN10rust_names9make_leak17h"), "raw legacy symbol with hash");
    cr_expect_not(it_has_frame(j, "rust_names::make_leak"));
    char *text =
        viewer((const char *const[]){"--all", "--depth", "0", "--no-collapse", NULL}, p[0]);
    no_mangled("heapview", text);
    cr_expect(strstr(text, "rust_names::make_leak ("), "%s", text);
    free(text);
    cJSON_Delete(j);
}
