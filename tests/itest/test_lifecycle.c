/* test_lifecycle.c - the program's behaviour is its own (status, signals, output, errno), and
 * every image writes exactly one complete report: exit paths, fork, exec, dlopen/dlclose. */
#include "itest.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static it_run run(const char *dir, const char *mode, const char *const *env)
{
    const char *argv[] = {it_prog("lifecycle"), mode, NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, env, dir, &r), 0);
    return r;
}

static cJSON *only_report(const char *dir)
{
    char p[4][512];
    int n = it_reports(dir, p, 4);
    cr_assert_eq(n, 1, "exactly one report, got %d", n);
    cJSON *j = it_load(p[0]);
    cr_assert_not_null(j, "complete JSON");
    return j;
}

static void exit_mode(const char *mode)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, mode, NULL);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7, "%s: status %d", mode, r.status);
    cJSON *j = only_report(dir);
    it_totals s;
    cr_expect(it_site(j, "leak42", &s, NULL, NULL));
    cr_expect_eq(s.eb, 42, "%s: the 42 bytes are live at exit", mode);
    cJSON_Delete(j);
    it_run_free(&r);
}

Test(lifecycle, return_from_main)
{
    exit_mode("return");
}
Test(lifecycle, exit)
{
    exit_mode("exit");
}
Test(lifecycle, _exit)
{
    exit_mode("_exit");
}
Test(lifecycle, _Exit)
{
    exit_mode("_Exit");
}

static void signal_mode(const char *mode, int sig)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, mode, NULL);
    cr_expect(WIFSIGNALED(r.status) && WTERMSIG(r.status) == sig, "%s: status %d", mode, r.status);
    char p[4][512];
    cr_expect_eq(it_reports(dir, p, 4), 0, "%s: no report (never a truncated one)", mode);
    it_run_free(&r);
}

Test(lifecycle, abort_keeps_signal)
{
    signal_mode("abort", SIGABRT);
}
Test(lifecycle, segv_keeps_signal)
{
    signal_mode("segv", SIGSEGV);
}
Test(lifecycle, kill_keeps_signal)
{
    signal_mode("kill", SIGKILL);
}

Test(lifecycle, errno_and_glibc_semantics)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, "errno", NULL);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
              "check %d failed (see lifecycle.c errno_checks)", WEXITSTATUS(r.status));
    it_run_free(&r);
    /* The same checks natively: the program is right about glibc. */
    const char *argv[] = {it_prog("lifecycle"), "errno", NULL};
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    it_run_free(&r);
}

Test(lifecycle, fork_child_has_own_report)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, "fork", NULL);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    char p[4][512];
    cr_assert_eq(it_reports(dir, p, 4), 2, "parent and child");
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        cJSON *j = it_load(p[i]);
        cr_assert_not_null(j);
        it_totals s;
        cr_assert(it_site(j, "mk", &s, NULL, NULL));
        if (s.tb == 1300) { /* parent: 1000 + 300, both live */
            cr_expect_eq(s.eb, 1300);
            seen |= 1;
        } else { /* child: inherits the 1000, adds 200, frees the 1000 */
            cr_expect_eq(s.tb, 1200);
            cr_expect_eq(s.eb, 200);
            seen |= 2;
        }
        cJSON_Delete(j);
    }
    cr_expect_eq(seen, 3);
    it_run_free(&r);
}

Test(lifecycle, fork_while_threads_allocate, .timeout = 120)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, "forkstorm", (const char *const[]){"HEAPPROF_QUIET=1", NULL});
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "no deadlock, status %d",
              r.status);
    char p[64][512];
    cr_expect_eq(it_reports(dir, p, 64), 51, "parent + 50 children");
    it_run_free(&r);
}

Test(lifecycle, exec_keeps_both_reports)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, "exec", NULL);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    char p[4][512];
    cr_assert_eq(it_reports(dir, p, 4), 2, "one report per image, none overwritten");
    uint64_t sizes = 0;
    for (int i = 0; i < 2; i++) {
        cJSON *j = it_load(p[i]);
        cr_assert_not_null(j);
        it_totals s;
        cr_assert(it_site(j, "mk", &s, NULL, NULL));
        sizes += s.tb * 1000;
        cr_expect_eq(it_u64(j, "pid"), it_u64(j, "pid"));
        cJSON_Delete(j);
    }
    cr_expect_eq(sizes, (111 + 222) * 1000, "111 before exec, 222 after");
    it_run_free(&r);
}

Test(lifecycle, posix_spawn_and_vfork)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, "spawn", NULL);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d", r.status);
    char p[8][512];
    cr_assert_eq(it_reports(dir, p, 8), 3, "parent, spawned child, vforked child");
    uint64_t sum = 0;
    for (int i = 0; i < 3; i++) {
        cJSON *j = it_load(p[i]);
        cr_assert_not_null(j);
        it_totals s;
        cr_assert(it_site(j, "mk", &s, NULL, NULL));
        sum += s.tb;
        cJSON_Delete(j);
    }
    cr_expect_eq(sum, 5 + 222 + 222, "each image counts only its own blocks");
    it_run_free(&r);
}

Test(lifecycle, failed_exec_goes_on)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, "execfail", NULL);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    cJSON *j = only_report(dir);
    it_totals s;
    cr_assert(it_site(j, "mk", &s, NULL, NULL));
    cr_expect_eq(s.tb, 444, "recording resumed after the failed exec");
    cJSON_Delete(j);
    it_run_free(&r);
}

Test(lifecycle, dlclosed_frames_still_named)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("dl"), it_prog("libdlhelper.so"), NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, NULL, dir, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d", r.status);
    cJSON *j = only_report(dir);
    it_totals s;
    cr_assert(it_site(j, "dl_alloc", &s, NULL, NULL), "frame in the unloaded library named");
    cr_expect_eq(s.tb, 132);
    cr_expect_eq(s.eb, 77);
    cr_expect(it_has_frame(j, "dl_alloc (dlhelper.c:"));
    cJSON_Delete(j);
    it_run_free(&r);
}

Test(lifecycle, output_and_stderr_line)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("demo"), NULL};
    it_run a, b;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &a), 0);
    cr_assert_eq(it_exec_hp(argv, NULL, dir, &b), 0);
    cr_expect_str_eq(a.out, b.out, "same stdout");
    cr_expect_eq(a.status, b.status);
    cr_expect_str_eq(b.err, a.err, "quiet by default: the program's own stderr, nothing added");
    cr_expect_eq(it_reports(dir, NULL, 0), 1, "the report is written all the same");
    it_run_free(&a);
    it_run_free(&b);
    const char *dir1 = it_tmpdir();
    cr_assert_eq(it_exec_hp(argv, (const char *const[]){"HEAPPROF_VERBOSE=1", NULL}, dir1, &b), 0);
    cr_expect(strstr(b.err, "heapprof: report written to ") != NULL, "stderr: %s", b.err);
    it_run_free(&b);
    const char *dir2 = it_tmpdir();
    cr_assert_eq(it_exec_hp(argv, (const char *const[]){"HEAPPROF_QUIET=1", NULL}, dir2, &b), 0);
    cr_expect_str_eq(b.err, "", "HEAPPROF_QUIET=1: nothing on stderr");
    it_run_free(&b);
}

Test(lifecycle, bad_config_values_fall_back)
{
    const char *dir = it_tmpdir();
    const char *env[] = {"HEAPPROF_DEPTH=lots", NULL};
    it_run r = run(dir, "return", env);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7, "program runs on");
    cr_expect(strstr(r.err, "HEAPPROF_DEPTH") != NULL, "one line names the variable: %s", r.err);
    cJSON *j = only_report(dir);
    cr_expect_eq(it_u64(j, "hp_depth"), 64, "the default depth");
    cJSON_Delete(j);
    it_run_free(&r);
}

Test(lifecycle, depth_limits_frames)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, "return", (const char *const[]){"HEAPPROF_DEPTH=2", NULL});
    cJSON *j = only_report(dir);
    const cJSON *pp;
    cJSON_ArrayForEach(pp, cJSON_GetObjectItem(j, "pps"))
        cr_expect_leq(cJSON_GetArraySize(cJSON_GetObjectItem(pp, "fs")), 2);
    cJSON_Delete(j);
    it_run_free(&r);
}

Test(lifecycle, unwritable_output_says_so)
{
    const char *argv[] = {it_prog("lifecycle"), "return", NULL};
    char pre[600];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    const char *env[] = {pre, "HEAPPROF_OUT=/nonexistent-dir/x.json", NULL};
    it_run r;
    cr_assert_eq(it_exec(argv, env, NULL, 60, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7, "status kept");
    cr_expect(strstr(r.err, "heapprof: cannot create the report") != NULL, "stderr: %s", r.err);
    it_run_free(&r);
}

Test(lifecycle, existing_file_and_symlink_not_overwritten)
{
    const char *dir = it_tmpdir();
    char target[600], link_path[600], out[700], pre[600];
    snprintf(target, sizeof target, "%s/precious", dir);
    snprintf(link_path, sizeof link_path, "%s/r.json", dir);
    FILE *f = fopen(target, "w");
    fputs("keep me", f);
    fclose(f);
    cr_assert_eq(symlink(target, link_path), 0);
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s", link_path);
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    const char *argv[] = {it_prog("lifecycle"), "return", NULL};
    const char *env[] = {pre, out, NULL};
    it_run r;
    cr_assert_eq(it_exec(argv, env, NULL, 60, &r), 0);
    f = fopen(target, "r");
    char buf[32] = {0};
    cr_assert(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    cr_expect_str_eq(buf, "keep me", "the symlink's target is untouched");
    char alt[700];
    snprintf(alt, sizeof alt, "%s/r.1.json", dir);
    cJSON *j = it_load(alt);
    cr_expect_not_null(j, "the report went to r.1.json instead");
    cJSON_Delete(j);
    it_run_free(&r);
}

Test(lifecycle, jemalloc_underneath, .timeout = 120)
{
    const char *dir = it_tmpdir();
    char pre[700];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s /usr/lib/x86_64-linux-gnu/libjemalloc.so.2", it_lib());
    char out[600];
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s/heapprof.%%p.json", dir);
    const char *env[] = {pre, out, NULL};
    const char *argv[] = {it_prog("basic"), NULL};
    it_run r;
    cr_assert_eq(it_exec(argv, env, NULL, 60, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d %s", r.status, r.err);
    cJSON *j = only_report(dir);
    /* Debian's jemalloc links libstdc++, whose start-up allocates its 72704-byte emergency
     * pool: one more block, live to the end. basic's own blocks are exactly as on glibc. */
    it_totals t = it_sum(j);
    cr_expect_eq(t.tb, 1613 + 72704, "same exact totals on jemalloc (+ libstdc++ pool)");
    cr_expect_eq(t.tbk, 11 + 1);
    cr_expect_eq(t.gb, 813 + 72704);
    cr_expect_eq(t.eb, 101 + 72704);
    it_totals s;
    cr_expect(it_site(j, "site_realloc", &s, NULL, NULL) && s.tb == 850 && s.tbk == 3);
    cJSON_Delete(j);
    it_run_free(&r);
    /* A program linked with -ljemalloc, and threads on top of it. */
    const char *dir2 = it_tmpdir();
    const char *argv2[] = {it_prog("threads_je"), "4", "50000", NULL};
    cr_assert_eq(it_exec_hp(argv2, NULL, dir2, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d %s", r.status, r.err);
    j = only_report(dir2);
    it_totals w;
    const char *missing = NULL;
    cr_assert(it_workers(j, &w, &missing), "site %s", missing);
    cr_expect_eq(w.tbk, 200000);
    cr_expect_eq(w.eb, 0);
    cJSON_Delete(j);
    it_run_free(&r);
}

/* Faults: the program keeps its behaviour, heapprof says once what it could not do, and never
 * leaves a partial report. */
Test(faults, disk_full)
{
    const char *dir = it_tmpdir();
    char opts[64];
    snprintf(opts, sizeof opts, "size=4k");
    const char *mnt[] = {"mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir, NULL};
    it_run m;
    cr_assert_eq(it_exec(mnt, NULL, NULL, 30, &m), 0);
    if (!WIFEXITED(m.status) || WEXITSTATUS(m.status) != 0) {
        it_run_free(&m);
        cr_skip_test("cannot mount a small tmpfs here (needs root)");
    }
    it_run_free(&m);
    const char *argv[] = {"/usr/bin/python3", "-c", "pass", NULL}; /* report >> 4 KiB */
    it_run r;
    cr_assert_eq(it_exec_hp(argv, NULL, dir, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status kept: %d", r.status);
    cr_expect(strstr(r.err, "disk full; no report") != NULL, "stderr: %s", r.err);
    char p[4][512];
    cr_expect_eq(it_reports(dir, p, 4), 0, "no partial report");
    const char *ls[] = {"sh", "-c", "ls -A \"$0\" | wc -l", dir, NULL};
    it_run l;
    cr_assert_eq(it_exec(ls, NULL, NULL, 30, &l), 0);
    cr_expect_str_eq(l.out, "0\n", "no temporary file left behind");
    it_run_free(&l);
    it_run_free(&r);
    const char *um[] = {"umount", dir, NULL};
    cr_assert_eq(it_exec(um, NULL, NULL, 30, &m), 0);
    it_run_free(&m);
}

Test(faults, address_space_exhausted)
{
    /* Under a 6 MB address-space limit the profiler's own mappings fail (here: libdw cannot be
     * loaded to write the report): the program still runs and exits as natively, and heapprof
     * says what it could not do. (A program that itself runs close to such a limit can run out
     * sooner under any profiler: heapprof's tables and libraries take address space too.) */
    const char *argv[] = {"prlimit", "--as=6144000", it_prog("basic"), NULL};
    it_run a, b;
    cr_assert_eq(it_exec(argv, NULL, NULL, 60, &a), 0);
    const char *dir = it_tmpdir();
    /* VERBOSE: where nothing fails (libdw loads under the limit on some systems), the report
     * lines are what it says; quiet by default would leave stderr empty */
    cr_assert_eq(it_exec_hp(argv, (const char *const[]){"HEAPPROF_VERBOSE=1", NULL}, dir, &b), 0);
    cr_expect_eq(a.status, b.status);
    cr_expect_str_eq(a.out, b.out);
    cr_expect(strstr(b.err, "heapprof: ") != NULL, "says what it could not do: %s", b.err);
    it_run_free(&a);
    it_run_free(&b);
}

Test(faults, disabled_records_nothing)
{
    const char *dir = it_tmpdir();
    it_run r = run(dir, "return", (const char *const[]){"HEAPPROF_DISABLE=1", NULL});
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7);
    char p[4][512];
    cr_expect_eq(it_reports(dir, p, 4), 0);
    it_run_free(&r);
}
