/* test_rust.c - Rust programs under the leak gate (docs/leak-check.md, "Rust programs") and the
 * heap-statistics example of docs/rust.md (examples/rust-stats) under cargo test.
 *
 * The gate's expectations are independent of it: memcheck's LEAK SUMMARY on the same binary
 * (run live, nothing recorded) gives the definitely and indirectly lost totals, which must
 * equal the gate's; the leak program's header gives the same numbers by hand. Functions are
 * matched by substring, which holds for mangled and demangled names alike.
 * The programs are built with rustc -O -g (tests/tests.mk); cargo comes from scripts/deps.sh. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEAK_STATUS 23

typedef struct lost {
    uint64_t db, dk, ib, ik;
    bool ok;
} lost;

/* "1,234" -> 1234; *s moves past the number */
static uint64_t num(const char **s)
{
    uint64_t v = 0;
    while (**s == ' ')
        (*s)++;
    for (; (**s >= '0' && **s <= '9') || **s == ','; (*s)++)
        if (**s != ',') v = v * 10 + (uint64_t)(**s - '0');
    return v;
}

/* "<kind> <bytes> bytes in <blocks> blocks" after key in text */
static bool pair(const char *text, const char *key, uint64_t *bytes, uint64_t *blocks)
{
    const char *s = strstr(text, key);
    if (!s) return false;
    s += strlen(key);
    *bytes = num(&s);
    if (strncmp(s, " bytes in ", 10) != 0) return false;
    s += 10;
    *blocks = num(&s);
    return true;
}

static lost memcheck_lost(const char *err)
{
    lost l = {0};
    if (strstr(err, "All heap blocks were freed -- no leaks are possible")) {
        l.ok = true;
        return l;
    }
    l.ok =
        pair(err, "definitely lost:", &l.db, &l.dk) && pair(err, "indirectly lost:", &l.ib, &l.ik);
    return l;
}

/* the gate's "heapprof: leak check: D bytes in K blocks definitely lost, I bytes in J blocks
 * indirectly lost, ..." (block/blocks) */
static lost gate_lost(const char *err)
{
    lost l = {0};
    const char *s = strstr(err, "heapprof: leak check: ");
    if (!s) return l;
    s += strlen("heapprof: leak check: ");
    l.db = num(&s);
    if (strncmp(s, " bytes in ", 10) != 0) return l;
    s += 10;
    l.dk = num(&s);
    s = strstr(s, "definitely lost, ");
    if (!s) return l;
    s += strlen("definitely lost, ");
    l.ib = num(&s);
    if (strncmp(s, " bytes in ", 10) != 0) return l;
    s += 10;
    l.ik = num(&s);
    l.ok = strstr(s, "indirectly lost") != NULL;
    return l;
}

static void memcheck(const char *prog, it_run *m)
{
    const char *argv[] = {"valgrind", "--leak-check=full", prog, NULL};
    cr_assert_eq(it_exec(argv, NULL, NULL, 150, m), 0);
    cr_assert(WIFEXITED(m->status), "valgrind did not run %s:\n%s", prog, m->err);
    cr_assert(strstr(m->err, "Memcheck") != NULL,
              "valgrind is missing: install the Debian package valgrind (scripts/deps.sh test)");
}

static const char *const GATE[] = {"HEAPPROF_LEAK_CHECK=1", "RUST_BACKTRACE=0", NULL};

/* std's once-per-process blocks (the main thread's info for the stack-overflow handler, the
 * args, stdout's buffer...) stay reachable from std's statics: no Rust program without a leak
 * of its own fails the gate, and memcheck agrees block for block. */
Test(rust_gate, clean_program_exits_0_like_memcheck, .timeout = 180)
{
    const char *argv[] = {it_prog("rust_clean"), "a", "b", NULL};
    it_run g, m;
    cr_assert_eq(it_exec_hp(argv, GATE, it_tmpdir(), &g), 0);
    memcheck(argv[0], &m);
    cr_expect(WIFEXITED(g.status) && WEXITSTATUS(g.status) == 0, "gate status %d:\n%s", g.status,
              g.err);
    cr_expect(strstr(g.out, "rust_clean: 3 args,") && strstr(g.out, "200 keys, sum 333283335000, "
                                                                    "worker 140\n"),
              "the program did its work: %s", g.out);
    lost gl = gate_lost(g.err), ml = memcheck_lost(m.err);
    cr_assert(gl.ok, "no leak-check summary from the gate:\n%s", g.err);
    cr_assert(ml.ok, "no LEAK SUMMARY from memcheck:\n%s", m.err);
    cr_expect(ml.db == 0 && ml.ib == 0, "memcheck finds a leak in the clean program:\n%s", m.err);
    cr_expect(gl.db == ml.db && gl.dk == ml.dk && gl.ib == ml.ib && gl.ik == ml.ik,
              "gate %lu/%lu + %lu/%lu, memcheck %lu/%lu + %lu/%lu:\n%s", (unsigned long)gl.db,
              (unsigned long)gl.dk, (unsigned long)gl.ib, (unsigned long)gl.ik,
              (unsigned long)ml.db, (unsigned long)ml.dk, (unsigned long)ml.ib,
              (unsigned long)ml.ik, g.err);
    it_run_free(&g);
    it_run_free(&m);
}

/* Does the gate's loss record whose header starts with head name fn in its frames? */
static bool record_names(const char *err, const char *head, const char *fn)
{
    const char *s = strstr(err, head);
    if (!s) return false;
    s += strlen(head);
    const char *end = s + strlen(s); /* the record ends at the next line that is not a frame */
    const char *const stops[] = {"lost, allocated at:", "heapprof: suppressions used",
                                 "heapprof: leak check:"};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        const char *x = strstr(s, stops[i]);
        if (x && x < end) end = x;
    }
    const char *f = strstr(s, fn);
    return f && f < end;
}

/* rust_leak.rs: Box::leak of a Box<Vec<u32>> of 1000 (24 B box, definitely; 4000 B of
 * elements, indirectly) in leak_config, mem::forget of a 3333-byte Vec in forget_buffer. */
Test(rust_gate, box_leak_and_forget_are_named, .timeout = 180)
{
    const char *argv[] = {it_prog("rust_leak"), NULL};
    it_run g, m;
    cr_assert_eq(it_exec_hp(argv, GATE, it_tmpdir(), &g), 0);
    memcheck(argv[0], &m);
    cr_expect(WIFEXITED(g.status) && WEXITSTATUS(g.status) == LEAK_STATUS, "gate status %d:\n%s",
              g.status, g.err);
    cr_expect_str_eq(g.out, "rust_leak: 100 keys, worker 50, cfg 1000\n");
    lost gl = gate_lost(g.err), ml = memcheck_lost(m.err);
    cr_assert(gl.ok && ml.ok, "summaries:\n%s\n%s", g.err, m.err);
    cr_expect(ml.db == 3357 && ml.dk == 2 && ml.ib == 4000 && ml.ik == 1,
              "memcheck's totals are not the header's:\n%s", m.err);
    cr_expect(gl.db == ml.db && gl.dk == ml.dk && gl.ib == ml.ib && gl.ik == ml.ik,
              "gate %lu/%lu + %lu/%lu vs memcheck:\n%s", (unsigned long)gl.db, (unsigned long)gl.dk,
              (unsigned long)gl.ib, (unsigned long)gl.ik, g.err);
    cr_expect(record_names(g.err, "3333 bytes in 1 block definitely lost", "forget_buffer"),
              "the forgotten Vec names forget_buffer:\n%s", g.err);
    cr_expect(record_names(g.err, "24 bytes in 1 block definitely lost", "leak_config"),
              "the leaked Box names leak_config:\n%s", g.err);
    cr_expect(record_names(g.err, "4000 bytes in 1 block indirectly lost", "leak_config"),
              "the Vec's elements name leak_config:\n%s", g.err);
    it_run_free(&g);
    it_run_free(&m);
}

/* ---- examples/rust-stats: dhat::HeapStats-style assertions from heapprof, under cargo test ----
 */

static const char *rust_stats_target(void)
{
    static char t[600];
    snprintf(t, sizeof t, "CARGO_TARGET_DIR=%s/rust-stats-target", getenv("HP_PROGS"));
    return t;
}

static void need_cargo(void)
{
    const char *argv[] = {"cargo", "--version", NULL};
    it_run r;
    int rc = it_exec(argv, NULL, NULL, 30, &r);
    bool ok = rc == 0 && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
    it_run_free(&r);
    cr_assert(ok, "cargo is missing: install the Debian package cargo (scripts/deps.sh test)");
}

/* Without the library: the example's tests pass, its get() saying "not profiled". Under the
 * library: its exact counts hold (tests/stats.rs), and the test binary did run profiled (it
 * wrote a report). The build runs first, without the library, so only the tests are profiled
 * in the second run (cargo itself too, harmlessly). */
Test(rust_stats, cargo_test_with_and_without_the_library, .timeout = 300)
{
    need_cargo();
    cr_assert(access("examples/rust-stats/Cargo.toml", R_OK) == 0, "run from the repository root");
    const char *env[] = {rust_stats_target(), "CARGO_TERM_COLOR=never", NULL};
    const char *plain[] = {"sh", "-c", "cd examples/rust-stats && cargo test --offline 2>&1", NULL};
    it_run r;
    cr_assert_eq(it_exec(plain, env, NULL, 240, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "cargo test:\n%s", r.out);
    cr_expect(strstr(r.out, "test exact_counts_for_a_known_pattern ... ok") &&
                  strstr(r.out, "test not_profiled_without_the_library ... ok"),
              "both tests ran:\n%s", r.out);
    it_run_free(&r);

    const char *dir = it_tmpdir();
    const char *prof[] = {"sh", "-c",
                          "cd examples/rust-stats && cargo test --offline -- --test-threads=1 2>&1",
                          NULL};
    const char *env2[] = {rust_stats_target(), "CARGO_TERM_COLOR=never", "HEAPPROF_QUIET=1", NULL};
    cr_assert_eq(it_exec_lib(it_lib(), prof, env2, dir, 240, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "cargo test under heapprof:\n%s",
              r.out);
    cr_expect(strstr(r.out, "test exact_counts_for_a_known_pattern ... ok") != NULL, "%s", r.out);
    char paths[64][512];
    int n = it_reports(dir, paths, 64);
    bool stats_bin = false;
    for (int i = 0; i < n && i < 64; i++) {
        cJSON *j = it_load(paths[i]);
        const cJSON *cmd = j ? cJSON_GetObjectItemCaseSensitive(j, "cmd") : NULL;
        if (cJSON_IsString(cmd) && strstr(cmd->valuestring, "/deps/stats-")) stats_bin = true;
        cJSON_Delete(j);
    }
    cr_expect(stats_bin, "no report from the test binary among %d: it did not run profiled", n);
    it_run_free(&r);
}
