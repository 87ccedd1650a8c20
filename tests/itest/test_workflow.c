/* test_workflow.c - the cargo/make workflow (issue 9, part 4): HEAPPROF_ONLY selects processes
 * under make and cargo; the library adds nothing to the program's stderr; the launcher lists
 * the run's reports and keeps the exit status; a process whose allocations bypass the library
 * gets one line and no report; heapview escapes what a report says and bounds what one site
 * may hold. Expectations come from the reports themselves (pid, cmd, totals) and from the
 * same commands run without the library. */
#include "itest.h"

#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *repo_file(const char *rel)
{
    static char buf[4][PATH_MAX];
    static int k;
    char lib[PATH_MAX];
    snprintf(lib, sizeof lib, "%s", it_lib()); /* <repo>/build/release/libheapprof.so */
    char *d = dirname(dirname(dirname(lib)));
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", d, rel);
    return buf[k];
}

static const char *heapview(void)
{
    static char buf[PATH_MAX];
    const char *e = getenv("HEAPVIEW");
    if (e) return e;
    char lib[PATH_MAX];
    snprintf(lib, sizeof lib, "%s", it_lib());
    snprintf(buf, sizeof buf, "%s/heapview", dirname(lib));
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The "cmd" of each report in dir, joined with '\n' (malloc'd), and their number in *n. */
static char *report_cmds(const char *dir, int *n)
{
    char p[64][512];
    *n = it_reports(dir, p, 64);
    size_t cap = 1;
    char *all = calloc(1, 1);
    for (int i = 0; i < *n && i < 64; i++) {
        cJSON *j = it_load(p[i]);
        cr_assert_not_null(j, "%s", p[i]);
        const cJSON *c = cJSON_GetObjectItem(j, "cmd");
        const char *s = cJSON_IsString(c) ? c->valuestring : "?";
        cap += strlen(s) + 1;
        all = realloc(all, cap);
        strcat(strcat(all, s), "\n");
        cJSON_Delete(j);
    }
    return all;
}

/* ---- quiet by default: `git fsck 2>&1 | wc -l` is the same with and without the library ---- */

Test(workflow, git_fsck_adds_nothing_to_stderr)
{
    const char *repo = it_tmpdir(), *dir = it_tmpdir();
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && git init -q && echo x > f && git add f && "
             "git -c user.name=t -c user.email=t@t commit -qm x",
             repo);
    const char *init[] = {"sh", "-c", cmd, NULL};
    it_run r;
    cr_assert_eq(it_exec(init, NULL, NULL, 60, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "git init: %s", r.err);
    it_run_free(&r);
    const char *fsck[] = {"git", "-C", repo, "fsck", NULL};
    it_run a, b;
    cr_assert_eq(it_exec(fsck, NULL, NULL, 60, &a), 0);
    cr_assert_eq(it_exec_hp(fsck, NULL, dir, &b), 0);
    cr_expect_eq(a.status, b.status);
    cr_expect_str_eq(b.out, a.out);
    cr_expect_str_eq(b.err, a.err, "the library added to stderr: %s", b.err);
    cr_expect_geq(it_reports(dir, NULL, 0), 1, "git ran under the library");
    it_run_free(&a);
    it_run_free(&b);
}

/* ---- HEAPPROF_ONLY under make: two programs, make and sh inert ---- */

static char *make_run(const char *only, int *n)
{
    const char *mk = it_tmpdir(), *dir = it_tmpdir();
    char text[2048], mf[600], env[600];
    snprintf(text, sizeof text, "check:\n\t%s >/dev/null\n\t%s >/dev/null\n\techo done\n",
             it_prog("basic"), it_prog("threads"));
    snprintf(mf, sizeof mf, "%s/Makefile", mk);
    write_file(mf, text);
    snprintf(env, sizeof env, "HEAPPROF_ONLY=%s", only);
    /* the outer make's jobserver is not ours to use */
    const char *argv[] = {"env",  "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u", "MAKELEVEL",
                          "make", "-s", "-C",        mk,   "check",  NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, (const char *const[]){env, NULL}, dir, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "make: %s", r.err);
    cr_expect_str_eq(r.out, "done\n");
    cr_expect_str_eq(r.err, "", "inert processes say nothing");
    it_run_free(&r);
    return report_cmds(dir, n);
}

Test(workflow, only_under_make)
{
    int n;
    char *cmds = make_run("basic", &n);
    cr_expect_eq(n, 1, "one report, basic's: %s", cmds);
    cr_expect(strstr(cmds, "/progs/basic\n") != NULL, "%s", cmds);
    free(cmds);

    cmds = make_run("threads,basic", &n);
    cr_expect_eq(n, 2, "basic and threads, not make or sh: %s", cmds);
    cr_expect(strstr(cmds, "/progs/basic\n") && strstr(cmds, "/progs/threads\n"), "%s", cmds);
    free(cmds);

    cmds = make_run("*/progs/thr*", &n); /* a path glob: '*' crosses '/' */
    cr_expect_eq(n, 1, "%s", cmds);
    cr_expect(strstr(cmds, "/progs/threads\n") != NULL, "%s", cmds);
    free(cmds);

    cmds = make_run("make", &n); /* make alone: its children are not recorded */
    cr_expect_eq(n, 1, "%s", cmds);
    cr_expect(strncmp(cmds, "make ", 5) == 0, "%s", cmds);
    free(cmds);
}

/* ---- HEAPPROF_ONLY under cargo: only the test binary, not cargo, rustc or the build script ----
 */

Test(workflow, only_under_cargo, .timeout = 600)
{
    it_run v;
    const char *ver[] = {"cargo", "--version", NULL};
    if (it_exec(ver, NULL, NULL, 60, &v) || !WIFEXITED(v.status) || WEXITSTATUS(v.status) != 0)
        cr_assert_fail("cargo is missing (scripts/deps.sh test installs it)");
    it_run_free(&v);
    const char *crate = it_tmpdir(), *dir = it_tmpdir();
    char path[600], home[600], target[600];
    snprintf(path, sizeof path, "%s/Cargo.toml", crate);
    write_file(path, "[package]\nname = \"hpwf\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                     "[dependencies]\n");
    snprintf(path, sizeof path, "%s/src", crate);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/src/main.rs", crate);
    write_file(path,
               "fn table(n: usize) -> Vec<u64> { (0..n as u64).collect() }\n"
               "fn main() { println!(\"{}\", table(10).len()); }\n"
               "#[cfg(test)]\nmod tests {\n"
               "    #[test]\n    fn big_table() { assert_eq!(super::table(40000).len(), 40000); }\n"
               "}\n");
    snprintf(home, sizeof home, "CARGO_HOME=%s/cargo-home", crate);
    snprintf(target, sizeof target, "CARGO_TARGET_DIR=%s/target", crate);
    const char *env[] = {home, target, "HEAPPROF_ONLY=hpwf-*", "CARGO_TERM_COLOR=never", NULL};
    const char *argv[] = {"sh", "-c", "cd \"$0\" && cargo test -q --offline", crate, NULL};
    it_run r;
    cr_assert_eq(it_exec_lib(it_lib(), argv, env, dir, 600, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "cargo test: %s%s", r.out, r.err);
    cr_expect(strstr(r.out, "1 passed") != NULL, "%s", r.out);
    cr_expect_eq(count(r.err, "heapprof:"), 0, "%s", r.err);
    it_run_free(&r);
    int n;
    char *cmds = report_cmds(dir, &n);
    cr_expect_eq(n, 1, "the test binary only: %s", cmds);
    cr_expect(strstr(cmds, "/target/debug/deps/hpwf-") != NULL, "%s", cmds);
    free(cmds);
    char p[2][512];
    cr_assert_eq(it_reports(dir, p, 2), 1);
    cJSON *j = it_load(p[0]);
    cr_assert_not_null(j);
    /* the test's table: 40,000 u64 = 320,000 bytes (names may still be mangled: a substring) */
    cr_expect(it_has_frame(j, "big_table"), "the test's function is in the report");
    cr_expect_geq(it_sum(j).tb, 320000);
    cJSON_Delete(j);
}

/* ---- the launcher: one line per report, the program's exit status ---- */

Test(workflow, launcher_lists_reports)
{
    const char *dir = it_tmpdir();
    char out[600], script[1024];
    snprintf(out, sizeof out, "%s/heapprof.%%p.json", dir);
    /* sh's $0 holds an escape sequence: it is in sh's command line */
    snprintf(script, sizeof script, "%s >/dev/null; exit 7", it_prog("basic"));
    const char *argv[] = {repo_file("scripts/heapprof"),
                          "--lib",
                          it_lib(),
                          "-o",
                          out,
                          "--",
                          "sh",
                          "-c",
                          script,
                          "x\033[2Jy",
                          NULL};
    it_run r;
    cr_assert_eq(it_exec(argv, NULL, NULL, 120, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7, "status %d", r.status);
    for (const char *c = r.err; *c; c++)
        cr_expect(*c == '\n' || ((unsigned char)*c >= 0x20 && *c != 0x7f),
                  "a raw control byte 0x%02x in the listing", (unsigned char)*c);
    cr_expect(strstr(r.err, "\\u001b[2J") != NULL, "the escape, escaped: %s", r.err);
    char p[8][512];
    int n = it_reports(dir, p, 8);
    cr_expect_eq(n, 2, "sh and basic");
    cr_expect_eq(count(r.err, "\n"), n, "one line per report: %s", r.err);
    for (int i = 0; i < n && i < 8; i++) {
        cJSON *j = it_load(p[i]);
        cr_assert_not_null(j);
        char want[5000];
        snprintf(want, sizeof want, "heapprof: %s  pid %llu  ", p[i],
                 (unsigned long long)it_u64(j, "pid"));
        const char *line = strstr(r.err, want);
        cr_expect_not_null(line, "%s in: %s", want, r.err);
        if (line) {
            snprintf(want, sizeof want, "  total %llu bytes in %llu blocks  leaked %llu bytes",
                     (unsigned long long)it_sum(j).tb, (unsigned long long)it_sum(j).tbk,
                     (unsigned long long)it_sum(j).eb);
            const char *end = strchr(line, '\n');
            const char *t = strstr(line, want);
            cr_expect(t && t < end, "%s in: %.*s", want, (int)(end - line), line);
        }
        cJSON_Delete(j);
    }
    it_run_free(&r);

    /* nothing matched --only: the listing says so, the status is still the program's */
    const char *dir2 = it_tmpdir();
    snprintf(out, sizeof out, "%s/heapprof.%%p.json", dir2);
    const char *argv2[] = {repo_file("scripts/heapprof"),
                           "--lib",
                           it_lib(),
                           "-o",
                           out,
                           "--only",
                           "nothing-here",
                           "sh",
                           "-c",
                           "exit 3",
                           NULL};
    cr_assert_eq(it_exec(argv2, NULL, NULL, 60, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3, "status %d", r.status);
    cr_expect_str_eq(r.err,
                     "heapprof: no report written (no process matched --only nothing-here?)\n");
    it_run_free(&r);
}

/* ---- no allocation through the library: one line, no report ---- */

Test(workflow, jemalloc_preloaded_first)
{
    const char *dir = it_tmpdir();
    char both[1024];
    snprintf(both, sizeof both, "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 %s", it_lib());
    const char *argv[] = {it_prog("basic"), NULL};
    it_run a, b;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &a), 0);
    cr_assert_eq(it_exec_lib(both, argv, NULL, dir, 60, &b), 0);
    cr_expect_eq(b.status, a.status);
    cr_expect_str_eq(b.out, a.out);
    cr_expect_str_eq(b.err,
                     "heapprof: malloc is served by /usr/lib/x86_64-linux-gnu/libjemalloc.so.2, "
                     "loaded before libheapprof.so: nothing recorded, no report; put "
                     "libheapprof.so first in LD_PRELOAD\n");
    cr_expect_eq(it_reports(dir, NULL, 0), 0, "no empty report marked complete");
    it_run_free(&a);
    it_run_free(&b);
}

Test(workflow, no_allocation_at_all)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("noalloc"), NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, NULL, dir, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    cr_expect_str_eq(r.out, "noalloc\n");
    cr_expect_eq(count(r.err, "\n"), 1, "%s", r.err);
    cr_expect(strstr(r.err, "heapprof: no allocation reached heapprof in pid ") == r.err, "%s",
              r.err);
    cr_expect(strstr(r.err, "/progs/noalloc): no report; ") != NULL, "%s", r.err);
    cr_expect_eq(it_reports(dir, NULL, 0), 0);
    it_run_free(&r);
    cr_assert_eq(it_exec_hp(argv, (const char *const[]){"HEAPPROF_QUIET=1", NULL}, dir, &r), 0);
    cr_expect_str_eq(r.err, "", "quiet");
    it_run_free(&r);
}

/* ---- heapview: escapes, and a bound on one site ---- */

static const char hostile_head[] =
    "{\"dhatFileVersion\":2,\"mode\":\"heap\",\"verb\":\"Allocated\",\"bklt\":true,"
    "\"bkacc\":false,\"tu\":\"instrs\",\"Mtu\":\"Minstr\",\"tuth\":500,"
    "\"cmd\":\"evil \\u001b[2J \\u009b31m cmd\",\"pid\":7,\"te\":1000,\"tg\":10,\n\"pps\":[";
static const char hostile_tail[] = "],\n\"ftbl\":[\"[root]\",\"0x1: evil\\u001b]0;title\\u0007"
                                   "\\u009b2J (x.c:1)\"]}\n";

static void write_report(const char *path, long frames)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(hostile_head, f);
    fputs("{\"tb\":10,\"tbk\":1,\"tl\":6,\"mb\":10,\"mbk\":1,\"gb\":10,\"gbk\":1,\"eb\":0,"
          "\"ebk\":0,\"fs\":[1",
          f);
    for (long i = 1; i < frames; i++)
        fputs(",1", f);
    fputs("]}", f);
    fputs(hostile_tail, f);
    fclose(f);
}

Test(workflow, heapview_escapes_names_and_cmd)
{
    char path[600];
    snprintf(path, sizeof path, "%s/esc.json", it_tmpdir());
    write_report(path, 3);
    const char *views[][3] = {
        {heapview(), path, NULL}, {heapview(), "--peak", path}, {heapview(), "--folded", path}};
    for (size_t v = 0; v < 3; v++) {
        const char *argv[] = {views[v][0], views[v][1], views[v][2], NULL};
        it_run r;
        cr_assert_eq(it_exec(argv, NULL, NULL, 60, &r), 0);
        cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s", r.err);
        for (const unsigned char *c = (const unsigned char *)r.out; *c; c++) {
            cr_expect(*c == '\n' || (*c >= 0x20 && *c != 0x7f), "raw control byte 0x%02x", *c);
            cr_expect(!(c[0] == 0xc2 && c[1] >= 0x80 && c[1] < 0xa0), "raw C1 character");
        }
        /* (--folded turns ';' into ':') */
        cr_expect(strstr(r.out, "evil\\x1b]0") && strstr(r.out, "title\\x07\\u009b2J"), "%s",
                  r.out);
        if (v == 0) cr_expect(strstr(r.out, "evil \\x1b[2J \\u009b31m cmd") != NULL, "%s", r.out);
        it_run_free(&r);
    }
}

/* Runs argv, output to /dev/null, and returns its peak RSS in KiB (getrusage of the child). */
static long run_rss(const char *const *argv, int *status)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    struct rusage ru;
    cr_assert_eq(wait4(pid, status, 0, &ru), pid);
    return ru.ru_maxrss;
}

Test(workflow, hostile_site_bounded, .timeout = 300)
{
    char path[600];
    snprintf(path, sizeof path, "%s/hostile.json", it_tmpdir());
    write_report(path, 20000000); /* 40 MB of ",1" */
    const char *sum[] = {heapview(), path, NULL}, *json[] = {heapview(), "--json", path, NULL};
    int st;
    long kib = run_rss(sum, &st);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
    /* the file is mapped (40 MB); without the bound: 1.7 GB here, 9.8 GB for --json */
    cr_expect_lt(kib, 150 * 1024, "summary: %ld KiB", kib);
    kib = run_rss(json, &st);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
    cr_expect_lt(kib, 150 * 1024, "--json: %ld KiB", kib);
    it_run r;
    cr_assert_eq(it_exec(sum, NULL, NULL, 120, &r), 0);
    char want[800];
    snprintf(want, sizeof want,
             "heapview: %s: 1 site had more than 1000 frames: kept the first 1000 of each, "
             "19999000 frames cut\n",
             path);
    cr_expect_str_eq(r.err, want);
    it_run_free(&r);
}
