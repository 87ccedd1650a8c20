/* test_real.c - transparency on real programs nobody on the team wrote: each runs natively and
 * under the preload, in a fresh directory with deterministic input; stdout and exit status must
 * be the same, the run must end (timeout), and every process must leave a valid report. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Shape and invariants of docs/report-format.md. Returns NULL or what is wrong. */
static const char *check_report(const cJSON *j)
{
    static const char *top[] = {"dhatFileVersion",
                                "mode",
                                "verb",
                                "bklt",
                                "bkacc",
                                "tu",
                                "Mtu",
                                "tuth",
                                "cmd",
                                "pid",
                                "te",
                                "tg",
                                "pps",
                                "ftbl",
                                NULL};
    for (int i = 0; top[i]; i++)
        if (!cJSON_GetObjectItemCaseSensitive(j, top[i])) return top[i];
    if (it_u64(j, "dhatFileVersion") != 2) return "version";
    const cJSON *ftbl = cJSON_GetObjectItem(j, "ftbl");
    const cJSON *root = cJSON_GetArrayItem(ftbl, 0);
    if (!cJSON_IsString(root) || strcmp(root->valuestring, "[root]")) return "ftbl[0]";
    int nf = cJSON_GetArraySize(ftbl);
    it_totals t = it_sum(j);
    if (t.tb != it_u64(j, "hp_total_bytes") || t.tbk != it_u64(j, "hp_total_blocks") ||
        t.gb != it_u64(j, "hp_gmax_bytes") || t.eb != it_u64(j, "hp_end_bytes"))
        return "totals differ from the sum of the sites";
    const cJSON *pp;
    cJSON_ArrayForEach(pp, cJSON_GetObjectItem(j, "pps"))
    {
        static const char *k[] = {"tb", "tbk", "tl", "mb", "mbk", "gb", "gbk", "eb", "ebk", NULL};
        for (int i = 0; k[i]; i++)
            if (it_u64(pp, k[i]) == UINT64_MAX) return k[i];
        if (it_u64(pp, "eb") > it_u64(pp, "tb") || it_u64(pp, "gb") > it_u64(pp, "tb") ||
            it_u64(pp, "ebk") > it_u64(pp, "tbk"))
            return "site invariants";
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(pp, "fs"))
        {
            if (!cJSON_IsNumber(f) || f->valueint < 1 || f->valueint >= nf) return "fs index";
        }
    }
    if (it_u64(j, "tg") > it_u64(j, "te")) return "tg > te";
    return NULL;
}

static void transparent(const char *name, const char *script, int min_reports)
{
    const char *dir = it_tmpdir();
    char work[600], rep[600];
    snprintf(work, sizeof work, "%s/work", dir);
    snprintf(rep, sizeof rep, "%s/reports", dir);
    mkdir(work, 0755);
    mkdir(rep, 0755);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    it_run a, b;
    cr_assert_eq(it_exec(argv, NULL, work, 240, &a), 0);
    /* a second, clean work directory for the profiled run */
    const char *clean[] = {"/bin/sh", "-c", "rm -rf ./* ./.git", NULL};
    it_run c;
    cr_assert_eq(it_exec(clean, NULL, work, 60, &c), 0);
    it_run_free(&c);
    char pre[600], out[700];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", it_lib());
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s/heapprof.%%p.json", rep);
    const char *env[] = {pre, out, "HEAPPROF_QUIET=1", NULL};
    cr_assert_eq(it_exec(argv, env, work, 240, &b), 0);
    cr_expect(WIFEXITED(a.status), "%s: native run did not finish (status %d)", name, a.status);
    cr_expect_eq(a.status, b.status, "%s: status %d natively, %d profiled; stderr: %.300s", name,
                 a.status, b.status, b.err);
    cr_expect_str_eq(a.out, b.out, "%s: stdout differs", name);
    char paths[512][512];
    int n = it_reports(rep, paths, 512);
    cr_expect_geq(n, min_reports, "%s: %d reports", name, n);
    for (int i = 0; i < n && i < 512; i++) {
        cJSON *j = it_load(paths[i]);
        cr_assert_not_null(j, "%s: %s is not JSON", name, paths[i]);
        const char *bad = check_report(j);
        cr_expect_null(bad, "%s: %s: %s", name, paths[i], bad);
        cJSON_Delete(j);
    }
    it_run_free(&a);
    it_run_free(&b);
}

Test(real, python3, .timeout = 240)
{
    transparent("python3",
                "/usr/bin/python3 -c 'import json, collections\n"
                "d = {str(i): [i, str(i) * 3] for i in range(50000)}\n"
                "s = json.dumps(d)\n"
                "print(len(s), sum(collections.Counter(s).values()))'",
                1);
}

Test(real, perl, .timeout = 240)
{
    transparent("perl",
                "perl -e 'my %h; $h{$_} = [1 .. ($_ % 30)] for 1 .. 50000; my $t = 0;"
                " $t += scalar(@{$h{$_}}) for keys %h; print \"$t\\n\"'",
                1);
}

Test(real, sqlite3, .timeout = 240)
{
    transparent("sqlite3",
                "sqlite3 db 'create table t(a integer primary key, b text);"
                " with recursive c(x) as (select 1 union all select x + 1 from c where x < 50000)"
                " insert into t select x, hex(x * 7919) from c; create index i on t(b);"
                " select count(*), max(b) from t where b like \"4%\";'",
                1);
}

Test(real, sort, .timeout = 240)
{
    transparent("sort", "seq 200000 | sed 's/$/x/' > in && sort -r in | md5sum", 2);
}

Test(real, xz_threads, .timeout = 240)
{
    transparent("xz -T2", "seq 300000 > in && xz -T2 -c in | xz -dc | sha256sum", 2);
}

Test(real, gxx_compile_and_run, .timeout = 240)
{
    char script[1200];
    snprintf(script, sizeof script,
             "cp %s/tests/progs/cxx.cc . && g++ -O1 -o cxx cxx.cc && ./cxx; echo status $?",
             getcwd((char[512]){0}, 512));
    transparent("g++", script, 3);
}

Test(real, make_j2, .timeout = 240)
{
    transparent("make -j2",
                "printf 'all: a b c\\na:\\n\\techo a; sleep 0.1\\nb:\\n\\tprintf \"int "
                "main(){return 0;}\" > "
                "b.c && cc -o b b.c && ./b && echo b\\nc: a\\n\\techo c | tr c C\\n' > Makefile && "
                "make -s -j2 | sort",
                4);
}

Test(real, git, .timeout = 240)
{
    transparent("git",
                "git init -q r && cd r && seq 1000 > f && git add f && "
                "git -c user.name=t -c user.email=t@example.com commit -qm one && "
                "seq 1001 > f && git -c user.name=t -c user.email=t@example.com commit -qam two && "
                "git log --format=%s && git diff HEAD~1 --stat | tail -1",
                3);
}

/* A program that needs to stay single-threaded: unshare(CLONE_NEWUSER) refuses a multi-threaded
 * process, so under heapprof's default (no thread of its own) `unshare --user` succeeds or
 * fails exactly as natively (with HEAPPROF_CONSUMER=auto on 2 CPUs it fails: "Invalid
 * argument"). */
Test(real, unshare_user_stays_single_threaded, .timeout = 240)
{
    transparent("unshare --user", "unshare --user sh -c 'echo inside; exit 3'; echo status $?", 1);
}
