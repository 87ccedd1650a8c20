/* test_load.c - load.c: good reports (DHAT's, heapprof's, hand-written) give the numbers of
 * tests/data/viewer/README.md (hand-computed; DHAT's own summary agrees); every bad input
 * gives one precise message, never a crash. */
#include "hvtest.h"

#include <criterion/criterion.h>
#include <string.h>

/* leaky.c, defaults: 3 x 100 leaked, 1000 x 16 churned, 1 x 10000 at the peak. */
static void expect_leaky(const hv_report *r)
{
    cr_expect_eq(r->nsites, 3);
    cr_expect_eq(r->tot[HV_TB], 26300);
    cr_expect_eq(r->tot[HV_TBK], 1004);
    cr_expect_eq(r->gmax_bytes, 10300);
    cr_expect_eq(r->gmax_blocks, 4);
    cr_expect_eq(r->tot[HV_EB], 300);
    cr_expect_eq(r->tot[HV_EBK], 3);
    const hv_site *l = hvt_site(r, "leak_one", 11);
    cr_expect_eq(l->v[HV_TB], 300);
    cr_expect_eq(l->v[HV_TBK], 3);
    cr_expect_eq(l->v[HV_EB], 300);
    cr_expect_eq(l->v[HV_GB], 300);
    const hv_site *c = hvt_site(r, "churn", 18);
    cr_expect_eq(c->v[HV_TB], 16000);
    cr_expect_eq(c->v[HV_TBK], 1000);
    cr_expect_eq(c->v[HV_MB], 16);
    cr_expect_eq(c->v[HV_MBK], 1);
    cr_expect_eq(c->v[HV_GB], 0);
    cr_expect_eq(c->v[HV_EB], 0);
    const hv_site *p = hvt_site(r, "make_peak", 27);
    cr_expect_eq(p->v[HV_TB], 10000);
    cr_expect_eq(p->v[HV_GB], 10000);
    cr_expect_eq(p->v[HV_EB], 0);
    cr_expect_str_eq(r->cmd, "./leaky");
}

Test(load, dhat_leaky)
{
    hv_report *r = hvt_load("dhat-leaky.json");
    expect_leaky(r);
    cr_expect_not(r->heapprof);
    cr_expect(r->complete);
    cr_expect_str_eq(r->tu, "instrs");
    cr_expect_str_eq(r->mtu, "Minstr");
    cr_expect_eq(r->tuth, 500);
    /* DHAT's innermost frame is its own malloc replacement: a system frame. */
    const hv_site *l = hvt_site(r, "leak_one", 11);
    cr_expect(r->frames[hv_site_frames(r, l)[0]].system);
    cr_expect_str_eq(r->frames[hv_site_frames(r, l)[0]].func, "malloc");
    hv_report_free(r);
}

Test(load, heapprof_leaky)
{
    hv_report *r = hvt_load("hp-leaky.json");
    expect_leaky(r);
    cr_expect(r->heapprof);
    cr_expect_str_eq(r->tu, "µs");
    cr_expect_str_eq(r->clock, "tsc");
    cr_expect_eq(r->depth, 64);
    hv_report_free(r);
}

/* grow.c: G = malloc 16 + 10 reallocs to 32..176; D = malloc 64 + 4 reallocs to 128..1024. */
Test(load, heapprof_grow_realloc_counters)
{
    hv_report *r = hvt_load("hp-grow.json");
    cr_expect_eq(r->tot[HV_TB], 3040);
    cr_expect_eq(r->tot[HV_TBK], 16);
    cr_expect_eq(r->gmax_bytes, 1200);
    const hv_site *g = hvt_site(r, "grow_by_16", 0);
    cr_expect_eq(g->v[HV_TBK], 11);
    cr_expect_eq(g->v[HV_TB], 1056);
    cr_expect_eq(g->v[HV_RS], 10);
    cr_expect_eq(g->v[HV_RSG], 160);
    const hv_site *d = hvt_site(r, "grow_double", 0);
    cr_expect_eq(d->v[HV_TB], 1984);
    cr_expect_eq(d->v[HV_RS], 4);
    cr_expect_eq(d->v[HV_RSG], 64 + 128 + 256 + 512);
    hv_report_free(r);
}

Test(load, dhat_grow_totals)
{
    hv_report *r = hvt_load("dhat-grow.json");
    cr_expect_eq(r->tot[HV_TB], 3040);
    cr_expect_eq(r->tot[HV_TBK], 16);
    cr_expect_eq(r->gmax_bytes, 1200);
    cr_expect_eq(r->gmax_blocks, 2);
    cr_expect_eq(r->tot[HV_RS], 0, "DHAT has no realloc counters");
    hv_report_free(r);
}

/* The site with a frame of function func at line (dhat-rs's files: the user's frame is not the
 * first one, which is alloc's). */
static const hv_site *site_with(const hv_report *r, const char *func, unsigned line)
{
    for (size_t i = 0; i < r->nsites; i++) {
        const hv_site *s = &r->sites[i];
        for (uint32_t k = 0; k < s->nfs; k++) {
            const hv_frame *f = &r->frames[hv_site_frames(r, s)[k]];
            if (strcmp(f->func, func) == 0 && f->line == line) return s;
        }
    }
    cr_assert_fail("no site with a frame %s:%u", func, line);
    return NULL;
}

/* A dhat-rs file (tests/data/viewer/src/make_dhatrs.py; the numbers are those dhat-rs's own
 * tests/heap.rs asserts): loads like DHAT's, FILE:LINE:COL read as file and line. */
Test(load, dhatrs_heap)
{
    hv_report *r = hvt_load("dhatrs-heap.json");
    cr_expect(r->dhat_rs);
    cr_expect_not(r->heapprof);
    cr_expect(r->complete);
    cr_expect_str_eq(r->mode, "rust-heap");
    cr_expect_str_eq(r->tu, "µs");
    cr_expect_eq(r->tuth, 10);
    cr_expect_eq(r->tg, 517);
    cr_expect_eq(r->te, 1034);
    cr_expect_eq(r->nsites, 4);
    cr_expect_eq(r->tot[HV_TBK], 14);
    cr_expect_eq(r->tot[HV_TB], 1642);
    cr_expect_eq(r->gmax_blocks, 3);
    cr_expect_eq(r->gmax_bytes, 1432);
    cr_expect_eq(r->tot[HV_EBK], 1);
    cr_expect_eq(r->tot[HV_EB], 432 - 400);
    const hv_site *v5 = site_with(r, "heap::main", 38), *v6 = site_with(r, "heap::main", 39),
                  *v3 = site_with(r, "heap::main", 35), *v7 = site_with(r, "heap::main", 49);
    cr_expect_eq(v5->v[HV_TB], 1000);
    cr_expect_eq(v5->v[HV_GB], 1000);
    cr_expect_eq(v6->v[HV_TB], 600);
    cr_expect_eq(v6->v[HV_TBK], 2);
    cr_expect_eq(v6->v[HV_MB], 400);
    cr_expect_eq(v3->v[HV_EB], 32);
    cr_expect_eq(v7->v[HV_TBK], 10);
    cr_expect_eq(v7->v[HV_MB], 1);
    cr_expect_eq(v7->v[HV_GB], 0);
    for (size_t i = 0; i < r->nframes; i++)
        if (r->frames[i].func && strcmp(r->frames[i].func, "heap::main") == 0)
            cr_expect_str_eq(r->frames[i].file, "dhat-rs/tests/heap.rs", "%s", r->frames[i].text);
    hv_report_free(r);
}

/* Frame locations: DHAT's FILE:LINE and "in LIB", dhat-rs's FILE:LINE:COL. */
Test(load, frame_locations)
{
    static const struct {
        const char *text, *func, *file, *lib;
        unsigned line;
    } c[] = {
        {"0x4011A6: leak_one (leaky.c:11)", "leak_one", "leaky.c", NULL, 11},
        {"0x55a4c2b1e5b9: heap::main (dhat-rs/tests/heap.rs:38:18)", "heap::main",
         "dhat-rs/tests/heap.rs", NULL, 38},
        {"0x1: f (a.rs:7:0)", "f", "a.rs", NULL, 7},
        {"0x1: g (???:0:0)", "g", "???", NULL, 0},
        {"0x48C2D5: malloc (in /usr/libexec/valgrind/vgpreload_dhat-amd64-linux.so)", "malloc",
         NULL, "/usr/libexec/valgrind/vgpreload_dhat-amd64-linux.so", 0},
        {"0x1: h (x:y:12)", "h", "x:y", NULL, 12},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        hv_frame f;
        char *text = strdup(c[i].text);
        cr_assert_eq(hv_frame_init(&f, text), 0);
        cr_expect_str_eq(f.func, c[i].func, "%s", c[i].text);
        if (c[i].file)
            cr_expect(f.file && strcmp(f.file, c[i].file) == 0, "%s: file %s", c[i].text,
                      f.file ? f.file : "(none)");
        else
            cr_expect_null(f.file, "%s", c[i].text);
        if (c[i].lib) cr_expect(f.lib && strcmp(f.lib, c[i].lib) == 0, "%s", c[i].text);
        cr_expect_eq(f.line, c[i].line, "%s: line %u", c[i].text, f.line);
        free(f.func);
        free(f.file);
        free(f.lib);
        free(text);
    }
}

/* The command line says who wrote the file. */
Test(load_cli, dhatrs_writer)
{
    char *out;
    cr_expect_eq(hvt_run(HVT_DATA "dhatrs-heap.json", &out, NULL), 0);
    cr_expect(strstr(out, "(dhat-rs)") != NULL, "%s", out);
    cr_expect(strstr(out, "Total    1.60 KiB in 14 blocks") != NULL, "%s", out);
    free(out);
    cr_expect_eq(hvt_run("--json " HVT_DATA "dhatrs-heap.json", &out, NULL), 0);
    cr_expect(strstr(out, "\"writer\":\t\"dhat-rs\"") != NULL, "%s", out);
    free(out);
}

Test(load, hand_leak_classes)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    cr_expect(r->has_leak_check);
    cr_expect_eq(r->lc.definite_bytes, 200);
    cr_expect_eq(r->lc.indirect_bytes, 2048);
    cr_expect_eq(r->lc.reachable_bytes, 1000100);
    cr_expect_eq(r->lc.exit_code, 23);
    cr_expect_eq(r->tot[HV_TB], 1010896);
    cr_expect_eq(r->tot[HV_DB], 200);
    cr_expect_eq(r->tot[HV_IB], 2048);
    cr_expect_eq(r->tot[HV_RB], 1000100);
    const hv_site *a = hvt_site(r, "parse_line", 40);
    cr_expect(a->has_leak);
    cr_expect_eq(a->v[HV_DBK], 2);
    cr_expect_eq(a->v[HV_RBK], 1);
    cr_expect_not(hvt_site(r, "parse_line", 55)->has_leak);
    hv_report_free(r);
}

Test(load, from_memory_without_nul)
{
    static const char doc[] =
        "{\"dhatFileVersion\":2,\"mode\":\"heap\",\"tu\":\"µs\",\"Mtu\":\"s\",\"tuth\":1,"
        "\"cmd\":\"x\",\"pid\":1,\"te\":10,\"tg\":5,\"pps\":[{\"tb\":8,\"tbk\":1,\"tl\":3,"
        "\"mb\":8,\"mbk\":1,\"gb\":8,\"gbk\":1,\"eb\":0,\"ebk\":0,\"fs\":[1]}],"
        "\"ftbl\":[\"[root]\",\"0x1: f (f.c:1)\"]}";
    char *copy = malloc(sizeof doc - 1); /* exact length: no terminator to lean on */
    memcpy(copy, doc, sizeof doc - 1);
    hv_report *r;
    char err[256];
    cr_assert_eq(hv_load_buffer(copy, sizeof doc - 1, &r, err, sizeof err), 0, "%s", err);
    cr_expect_eq(r->tot[HV_TB], 8);
    cr_expect_str_eq(r->frames[1].func, "f");
    hv_report_free(r);
    /* Every prefix is truncated: an error, never a crash or a read past the end. */
    for (size_t n = 0; n < sizeof doc - 1; n++) {
        char *p = malloc(n ? n : 1);
        memcpy(p, doc, n);
        r = NULL;
        cr_expect_eq(hv_load_buffer(p, n, &r, err, sizeof err), -1, "prefix %zu loaded", n);
        cr_expect_null(r);
        cr_expect_neq(err[0], '\0');
        free(p);
    }
    free(copy);
}

/* ---- the bad-input list ---- */

#define BAD(name, file, needle)                                                                    \
    Test(load_bad, name)                                                                           \
    {                                                                                              \
        const char *e = hvt_load_error("bad/" file);                                               \
        cr_expect(strstr(e, needle) != NULL, "%s: got \"%s\", want \"%s\"", file, e, needle);      \
        cr_expect_null(strchr(e, '\n'), "one line");                                               \
    }

BAD(empty, "empty.json", "empty file")
BAD(whitespace, "whitespace.json", "empty file (only whitespace)")
BAD(truncated, "truncated.json", "truncated JSON: the file ends inside pps")
BAD(truncated_end, "truncated-end.json", "truncated JSON")
BAD(not_json, "notjson.txt", "not JSON")
BAD(array, "array.json", "the top level is an array, not an object")
BAD(trailing, "trailing.json", "trailing data")
BAD(nul, "nul.json", "NUL byte at byte 200")
BAD(duplicate_key, "dup-key.json", "duplicate key \"te\"")
BAD(deep_nesting, "deep.json", "not valid JSON")
BAD(huge_int, "huge-int.json", "pps[0].tb: number too large")
BAD(huge, "huge.json", "pps[0].tb: number too large (1e+30 > 2^53)")
BAD(negative, "negative.json", "pps[1].tbk: negative count (-5)")
BAD(fs_range, "fs-range.json", "pps[2].fs[5]: frame index 99 out of range (ftbl has 10 entries)")
BAD(fs_zero, "fs-zero.json", "pps[0].fs[0]: frame index 0 out of range")
BAD(missing_site_field, "missing-tl.json", "pps[1].tl: missing required field")
BAD(missing_top_field, "missing-ftbl.json", "missing required field \"ftbl\"")
BAD(wrong_type, "te-string.json", "te: expected a number, got a string")
BAD(wrong_shape, "pps-object.json", "pps: expected an array, got an object")
BAD(fraction, "fraction.json", "pps[0].tb: not an integer (300.5)")
BAD(totals, "totals.json", "hp_total_bytes is 1 but the sum of tb over pps is 26300")
BAD(invariant, "eb-gt-tb.json", "pps[0]: inconsistent counters: eb (301) > tb (300)")
BAD(root_frame, "root.json", "ftbl[0]: expected \"[root]\"")
BAD(wrong_version, "version3.json", "dhatFileVersion 3 is not supported (heapview reads version 2)")
BAD(unknown_mode, "mode.json", "unknown mode \"heapish\"")
BAD(control_char_in_message, "mode-newline.json", "unknown mode \"hea,\\x0a\"")
BAD(dhat_copy_mode, "dhat-copy.json", "DHAT copy-mode profiles are not supported")
BAD(dhat_adhoc_mode, "dhat-adhoc.json", "DHAT ad-hoc-mode profiles are not supported")
BAD(dhatrs_adhoc_mode, "dhatrs-adhoc.json", "dhat-rs ad-hoc profiles are not supported")

Test(load_bad, missing_file)
{
    hv_report *r;
    char err[256];
    cr_expect_eq(hv_load_file(HVT_DATA "no-such-file.json", &r, err, sizeof err), -1);
    cr_expect_str_eq(err, "No such file or directory");
}

Test(load_bad, directory)
{
    hv_report *r;
    char err[256];
    cr_expect_eq(hv_load_file(HVT_DATA "bad", &r, err, sizeof err), -1);
    cr_expect_str_eq(err, "is a directory");
}

/* The command line: "heapview: <file>: <reason>", exit 2, nothing on stdout. */
Test(load_cli, one_line_exit_2)
{
    static const struct {
        const char *file, *line;
    } cases[] = {
        {HVT_DATA "no-such-file.json",
         "heapview: " HVT_DATA "no-such-file.json: No such file or directory\n"},
        /* a directory is merged (test_merge.c); this one holds no report */
        {HVT_DATA "bad", "heapview: " HVT_DATA "bad: no report in this directory\n"},
        {HVT_DATA "bad/empty.json", "heapview: " HVT_DATA "bad/empty.json: empty file\n"},
        {HVT_DATA "bad/negative.json",
         "heapview: " HVT_DATA "bad/negative.json: pps[1].tbk: negative count (-5)\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out, *err, args[512];
        snprintf(args, sizeof args, "%s", cases[i].file);
        cr_expect_eq(hvt_run(args, &out, &err), 2, "%s", cases[i].file);
        cr_expect_str_eq(err, cases[i].line);
        cr_expect_str_eq(out, "");
        free(out);
        free(err);
    }
}

Test(load_cli, stdin_dash)
{
    char *out;
    cr_expect_eq(
        hvt_run("--check --max-total-blocks 1004 - < " HVT_DATA "hp-leaky.json", &out, NULL), 0);
    cr_expect(strstr(out, "passed") != NULL, "%s", out);
    free(out);
}

/* tests/progs/basic.c (numbers by hand in tests/itest/test_exact.c): several of its sites are
 * allocated while the heap is below an earlier maximum, so DHAT's mb is 0 while gb/eb are not;
 * both DHAT's file and ours must load. */
static void expect_basic(const hv_report *r)
{
    cr_expect_eq(r->tot[HV_TB], 1613);
    cr_expect_eq(r->tot[HV_TBK], 11);
    cr_expect_eq(r->gmax_bytes, 813);
    cr_expect_eq(r->gmax_blocks, 9);
    cr_expect_eq(r->tot[HV_EB], 101);
    cr_expect_eq(r->tot[HV_EBK], 2);
}

Test(load, mb_zero_with_live_bytes)
{
    hv_report *r = hvt_load("hp-basic.json");
    expect_basic(r);
    hv_report_free(r);
    r = hvt_load("dhat-basic.json");
    expect_basic(r);
    hv_report_free(r);
}

/* A report of the library's own leak checker (tests/progs/leaks.c indirect): a 16-byte struct
 * definitely lost that points to a 200-byte buffer, indirectly lost (by hand, and memcheck's
 * verdict in tests/data/leak/memcheck.txt). */
Test(load, library_leak_classes)
{
    hv_report *r = hvt_load("hp-leakcheck.json");
    cr_assert(r->has_leak_check);
    cr_expect_eq(r->lc.definite_bytes, 16);
    cr_expect_eq(r->lc.definite_blocks, 1);
    cr_expect_eq(r->lc.indirect_bytes, 200);
    cr_expect_eq(r->lc.indirect_blocks, 1);
    cr_expect_eq(r->lc.exit_code, 23);
    uint64_t db = 0, ib = 0;
    for (size_t i = 0; i < r->nsites; i++) {
        db += r->sites[i].v[HV_DB];
        ib += r->sites[i].v[HV_IB];
    }
    cr_expect_eq(db, 16);
    cr_expect_eq(ib, 200);
    hv_report_free(r);
}

/* The later classes (docs/report-format.md): suppressed and unreadable, per site and in the
 * totals; numbers by hand in tests/data/viewer/README.md. */
Test(load, suppressed_and_unreadable_classes)
{
    hv_report *r = hvt_load("hand-leakcheck-classes.json");
    cr_assert(r->has_leak_check);
    cr_expect_eq(r->lc.suppressed_bytes, 2048);
    cr_expect_eq(r->lc.suppressed_blocks, 1);
    cr_expect_eq(r->lc.unreadable_bytes, 100);
    cr_expect_eq(r->lc.unreadable_blocks, 1);
    cr_expect_null(r->lc.no_verdict);
    const hv_site *a = hvt_site(r, "parse_line", 40);
    cr_expect_eq(a->v[HV_DB], 100);
    cr_expect_eq(a->v[HV_UB], 100);
    cr_expect_eq(a->v[HV_UBK], 1);
    cr_expect_eq(a->v[HV_SB], 0);
    const hv_site *b = hvt_site(r, "Cache::insert(Key const&)", 88);
    cr_expect(b->sup);
    cr_expect_eq(b->v[HV_SB], 2048);
    cr_expect_eq(b->v[HV_SBK], 1);
    cr_expect_eq(b->v[HV_IB], 0);
    cr_expect_eq(r->tot[HV_SB], 2048);
    cr_expect_eq(r->tot[HV_UB], 100);
    cr_expect_eq(r->tot[HV_UBK], 1);
    hv_report_free(r);
}

/* A report from before sb/ub existed: still loads, the new classes are 0, db+ib+rb == eb. */
Test(load, old_report_without_new_classes)
{
    hv_report *r = hvt_load("hand-leakcheck.json");
    cr_expect_eq(r->lc.unreadable_bytes, 0);
    cr_expect_eq(r->lc.unreadable_blocks, 0);
    cr_expect_null(r->lc.no_verdict);
    cr_expect_eq(r->tot[HV_SB] + r->tot[HV_SBK] + r->tot[HV_UB] + r->tot[HV_UBK], 0);
    cr_expect_eq(hvt_site(r, "parse_line", 40)->v[HV_DB], 200);
    hv_report_free(r);
}

Test(load, no_verdict)
{
    static const char doc[] =
        "{\"dhatFileVersion\":2,\"mode\":\"heap\",\"tu\":\"µs\",\"Mtu\":\"s\",\"tuth\":1,"
        "\"cmd\":\"x\",\"pid\":1,\"te\":10,\"tg\":5,\"hp_leak_check\":{\"mode\":\"1\","
        "\"definite_bytes\":0,\"definite_blocks\":0,\"indirect_bytes\":0,\"indirect_blocks\":0,"
        "\"reachable_bytes\":0,\"reachable_blocks\":0,\"suppressed_bytes\":0,"
        "\"suppressed_blocks\":0,\"unreadable_bytes\":0,\"unreadable_blocks\":0,"
        "\"no_verdict\":\"cannot read /proc/self/maps (Permission denied)\",\"exit_code\":0},"
        "\"pps\":[{\"tb\":8,\"tbk\":1,\"tl\":3,\"mb\":8,\"mbk\":1,\"gb\":8,\"gbk\":1,\"eb\":8,"
        "\"ebk\":1,\"fs\":[1]}],\"ftbl\":[\"[root]\",\"0x1: f (f.c:1)\"]}";
    hv_report *r;
    char err[256];
    cr_assert_eq(hv_load_buffer(doc, sizeof doc - 1, &r, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(r->lc.no_verdict, "cannot read /proc/self/maps (Permission denied)");
    hv_report_free(r);
}

BAD(leak_classes_sum, "leak-classes-sum.json",
    "pps[1].hp_leak: db+ib+rb+sb+ub != eb or dbk+ibk+rbk+sbk+ubk != ebk")
