/* test_glue.c - allocator-glue folding (preload/glue.c through model.c): a site is named after
 * its first frame that is not glue, with the glue it called as "via". On hand-glue-dhat.json
 * (Valgrind DHAT frames with libc6-dbg names and files, a C++ and two Rust sites, mangled) and
 * hand-glue-hp.json (heapprof frames, libc known only by object); see tests/data/viewer/README.md.
 */
#include "hvtest.h"

#include "../preload/glue.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* Name (function) of site i's first user frame and of its "via" frame ("" if none). */
static const char *name_of(const hv_report *r, size_t i)
{
    const hv_site *s = &r->sites[i];
    return r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]].func;
}

static const char *via_of(const hv_report *r, size_t i)
{
    const hv_frame *v = hv_site_via(r, &r->sites[i]);
    return v ? v->func : "";
}

Test(glue, dhat_frames_named_after_the_caller)
{
    hv_report *r = hvt_load("hand-glue-dhat.json");
    /* sites in file order: asprintf, qsort, xmalloc, vector growth, Rust Vec, Rust format! */
    static const char *const want[][2] = {
        {"make_label", "asprintf"},
        {"sort_names", "qsort"},
        {"new_node", "xmalloc"},
        {"fill(std::vector<int, std::allocator<int> >&)",
         "std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(__gnu_cxx::__"
         "normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)"},
        /* Rust sites, mangled in the file, demangled when loaded (viewer/names.c) */
        {"app::build_index", "alloc::raw_vec::finish_grow"},
        {"app::label", "alloc::fmt::format_inner"},
    };
    cr_assert_eq(r->nsites, 6);
    for (size_t i = 0; i < 6; i++) {
        cr_expect_str_eq(name_of(r, i), want[i][0], "site %zu", i);
        cr_expect_str_eq(via_of(r, i), want[i][1], "site %zu", i);
    }
    hv_report_free(r);
}

Test(glue, heapprof_frames_by_object)
{
    hv_report *r = hvt_load("hand-glue-hp.json");
    cr_assert_eq(r->nsites, 2);
    cr_expect_str_eq(name_of(r, 0), "make_label");
    cr_expect_str_eq(via_of(r, 0), "__asprintf");
    cr_expect_str_eq(name_of(r, 1), "copy_name");
    cr_expect_str_eq(via_of(r, 1), "__strdup");
    hv_report_free(r);
}

Test(glue, user_changes_and_no_fold)
{
    hv_report *r = hvt_load("hand-glue-dhat.json");
    hp_glue g = {0};
    cr_assert(hp_glue_change(&g, "-^xmalloc$"));
    hv_report_set_glue(r, &g, true);
    cr_expect_str_eq(name_of(r, 2), "xmalloc", "removed: the wrapper is the site again");
    cr_expect_str_eq(name_of(r, 0), "make_label", "the other defaults still apply");
    cr_assert(hp_glue_change(&g, "func:^new_node$"));
    hv_report_set_glue(r, &g, true);
    cr_expect_str_eq(name_of(r, 2), "xmalloc", "the first frame not glue: new_node is outside it");
    hp_glue h = {0};
    cr_assert(hp_glue_change(&h, "^new_node$"));
    hv_report_set_glue(r, &h, true);
    cr_expect_str_eq(name_of(r, 2), "main", "added: a pool wrapper folded into its caller");
    cr_expect_str_eq(via_of(r, 2), "new_node");
    hv_report_set_glue(r, &h, false);
    cr_expect_str_eq(name_of(r, 0), "outstring_func", "--no-fold: the innermost frame");
    cr_expect_str_eq(name_of(r, 2), "xmalloc");
    cr_expect_str_eq(via_of(r, 0), "");
    hp_glue none = {0};
    cr_assert(hp_glue_change(&none, "-*"));
    hv_report_set_glue(r, &none, true);
    cr_expect_str_eq(name_of(r, 3), "operator new(unsigned long)", "-*: no defaults");
    hv_report_set_glue(r, NULL, true);
    cr_expect_str_eq(name_of(r, 3), "fill(std::vector<int, std::allocator<int> >&)");
    hv_report_free(r);
}

Test(glue, flags_on_the_command_line)
{
    char *out = NULL;
    cr_assert_eq(hvt_run("--hot --top 1 " HVT_DATA "hand-glue-dhat.json", &out, NULL), 0);
    cr_expect(strstr(out, "via xmalloc (glue.c:5)") && strstr(out, "new_node (glue.c:25)"), "%s",
              out);
    free(out);
    cr_assert_eq(hvt_run("--hot --top 1 --no-fold " HVT_DATA "hand-glue-dhat.json", &out, NULL), 0);
    cr_expect(strstr(out, "xmalloc (glue.c:5)") && !strstr(out, "via"), "%s", out);
    free(out);
    cr_assert_eq(hvt_run("--glue '-^xmalloc$' " HVT_DATA "hand-glue-dhat.json", &out, NULL), 0);
    cr_expect(strstr(out, "20     200/Minstr  xmalloc (glue.c:5)\n"), "%s", out);
    free(out);
    cr_assert_eq(
        hvt_run("--glue '^new_node$' --by-function " HVT_DATA "hand-glue-dhat.json", &out, NULL),
        0);
    cr_expect(strstr(out, "200/Minstr  main via new_node (2 sites)") ||
                  strstr(out, "main via new_node"),
              "%s", out);
    free(out);
    cr_assert_eq(hvt_run("--json --hot " HVT_DATA "hand-glue-dhat.json", &out, NULL), 0);
    cr_expect(strstr(out, "\"function\":\t\"new_node\",\n\t\t\t\t\"via\":\t\"xmalloc\"") ||
                  strstr(out, "\"via\""),
              "%s", out);
    free(out);
    char *err = NULL;
    cr_expect_eq(hvt_run("--glue '' " HVT_DATA "hand-glue-dhat.json", NULL, &err), 2);
    free(err);
}

/* The matcher itself: object, name, file, mangled forms. */
Test(glue, patterns)
{
    cr_expect(hp_glue_match(NULL, "anything", NULL, "/usr/lib/x86_64-linux-gnu/libc.so.6"));
    cr_expect_not(hp_glue_match(NULL, "anything", NULL, "/usr/lib/libcrypto.so.3"));
    cr_expect(hp_glue_match(NULL, "msort_with_tmp", NULL, NULL));
    cr_expect(hp_glue_match(NULL, "x", "/build/glibc-xyz/stdlib/msort.c", NULL));
    cr_expect_not(hp_glue_match(NULL, "x", "timsort.c", NULL));
    cr_expect(hp_glue_match(NULL, "alloc::raw_vec::RawVecInner<A>::finish_grow", NULL, NULL));
    cr_expect(hp_glue_match(NULL, "hashbrown::raw::RawTable<T,A>::reserve_rehash", NULL, NULL));
    cr_expect(hp_glue_match(NULL, "_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17h0E",
                            NULL, NULL));
    cr_expect(hp_glue_match(NULL, "_ZNSt6vectorIiSaIiEE17_M_realloc_insertIJRKiEEEvN9__gnu_cxx",
                            NULL, NULL));
    cr_expect(hp_glue_match(NULL, "g_malloc0", NULL, NULL));
    cr_expect(hp_glue_match(NULL, "CRYPTO_zalloc", NULL, NULL));
    cr_expect(hp_glue_match(NULL, "PyObject_Malloc", NULL, NULL));
    cr_expect_not(hp_glue_match(NULL, "main", "app.c", NULL));
    cr_expect_not(hp_glue_match(NULL, "xmalloc_stats", NULL, NULL));
    cr_expect_not(hp_glue_match(NULL, "_ZN3app4main17h0E", NULL, NULL));
    char buf[128];
    cr_expect(hp_glue_plain("_ZN58_$LT$alloc..string..String$u20$as$u20$core..fmt..Write$GT$9write_"
                            "str17h0123456789abcdefE",
                            buf, sizeof buf));
    cr_expect_str_eq(buf,
                     "<alloc::string::String as core::fmt::Write>::write_str::h0123456789abcdef");
    cr_expect(hp_glue_plain("_RNvNtCslNYArtu3iFV_5alloc3fmt12format_inner", buf, sizeof buf));
    cr_expect_str_eq(buf, "alloc::fmt::format_inner");
    cr_expect_not(hp_glue_plain("main", buf, sizeof buf));
}
