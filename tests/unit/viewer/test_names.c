/* test_names.c - names.c and its call in load.c: frame names that arrive mangled (an old
 * report, a DHAT file written with --demangle=no) are shown demangled, with the rules of
 * docs/report-format.md "Frames". Expected names are written by hand from the sources the
 * symbols come from (tests/progs/rust_names.rs, cxx_names.cc) and Itanium/Rust mangling rules. */
#include "hvtest.h"
#include "names.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static void expect_name(const char *sym, const char *want)
{
    char *got = hv_names_demangle(sym, strlen(sym));
    if (!want) {
        cr_expect_null(got, "%s: left as it is, got %s", sym, got ? got : "");
    } else {
        cr_assert_not_null(got, "%s: not demangled", sym);
        cr_expect_str_eq(got, want, "%s", sym);
    }
    free(got);
}

Test(names, rules)
{
    cr_assert(hv_names_available(), "heapview built without libiberty-dev");
    expect_name("_ZN5leaky9make_leak17h0123456789abcdefE", "leaky::make_leak");
    expect_name("_ZN5leaky9make_leak17h0123456789abcdefE.llvm.1234567", "leaky::make_leak");
    expect_name("_RNvCsbt0fQicOZbh_10rust_names11build_index", "rust_names::build_index");
    expect_name("_RNvNvNtCslNYArtu3iFV_5alloc3fmt6format12format_inner.llvm.99",
                "alloc::fmt::format::format_inner");
    expect_name("_ZN5leaky4copy17h0123456789abcdefE.cold", "leaky::copy [clone .cold]");
    expect_name("_Z3fooi.isra.0", "foo(int) [clone .isra.0]");
    expect_name("_Z3fooi.constprop.2", "foo(int) [clone .constprop.2]");
    expect_name("_ZN3foo3barEv.part.0.isra.0", "foo::bar() [clone .part.0] [clone .isra.0]");
    expect_name("_Z3fooi.cold.llvm.77", "foo(int) [clone .cold]");
    expect_name("_ZN6shapes4PoolINS_6CircleEE4growEi", "shapes::Pool<shapes::Circle>::grow(int)");
    expect_name("main", NULL);
    expect_name("_Zbogus", NULL);
    expect_name("_R", NULL);
    expect_name("???", NULL);
}

Test(names, frame_keeps_address_and_location)
{
    char *f = hv_names_frame("0x10A0: _ZN5leaky9make_leak17h0123456789abcdefE (leaky.rs:12)");
    cr_expect_str_eq(f, "0x10A0: leaky::make_leak (leaky.rs:12)");
    free(f);
    f = hv_names_frame("0x4842788: _Znwm@@GLIBCXX_3.4 (in /usr/lib/libstdc++.so.6)");
    cr_expect_str_eq(f, "0x4842788: operator new(unsigned long) (in /usr/lib/libstdc++.so.6)");
    free(f);
    f = hv_names_frame("_Z3fooi");
    cr_expect_str_eq(f, "foo(int)");
    free(f);
    f = hv_names_frame("0x1100: leaky::helper::h0123456789abcdef (leaky.rs:5)");
    cr_expect_str_eq(f, "0x1100: leaky::helper (leaky.rs:5)");
    free(f);
    f = hv_names_frame("0x1100: std::vector<int>::push_back(int&&) (stl_vector.h:10)");
    cr_expect_str_eq(f, "0x1100: std::vector<int>::push_back(int&&) (stl_vector.h:10)");
    free(f);
    f = hv_names_frame("[root]");
    cr_expect_str_eq(f, "[root]");
    free(f);
}

static const char *const want_funcs[] = {
    "[root]",
    "operator new(unsigned long)",
    "leaky::make_leak",
    "rust_names::build_index",
    "alloc::raw_vec::RawVecInner<A>::finish_grow",
    "fill_blocks(std::vector<char*, std::allocator<char*> >&, unsigned long, int) [clone "
    ".constprop.0]",
    "shapes::Pool<shapes::Circle>::grow(int)",
    "foo(int) [clone .cold]",
    "leaky::helper",
    "main",
    "alloc::fmt::format::format_inner",
};

Test(names, load_demangles_frames)
{
    hv_report *r = hvt_load("hand-mangled.json");
    cr_assert_eq(r->nframes, sizeof want_funcs / sizeof want_funcs[0]);
    for (size_t i = 1; i < r->nframes; i++)
        cr_expect_str_eq(r->frames[i].func, want_funcs[i], "ftbl[%zu]", i);
    cr_expect_str_eq(r->frames[2].text, "0x10A0: leaky::make_leak (leaky.rs:12)");
    cr_expect_str_eq(r->frames[2].file, "leaky.rs");
    cr_expect_eq(r->frames[2].line, 12);
    cr_expect(r->frames[1].system, "operator new is still recognised as the allocator");
    const hv_site *s = hvt_site(r, "leaky::make_leak", 12);
    cr_expect_eq(s->v[HV_TB], 100);
    hv_report_free(r);
}

/* No mangled form reaches the text or JSON output. */
static void no_mangled(const char *out)
{
    cr_assert_not_null(out);
    cr_expect_eq(hvt_count(out, ": _Z"), 0, "%s", out);
    cr_expect_eq(hvt_count(out, " _Z"), 0, "%s", out);
    cr_expect_eq(hvt_count(out, "_RNv"), 0, "%s", out);
    cr_expect_eq(hvt_count(out, "17h0123456789abcdefE"), 0, "%s", out);
    cr_expect_eq(hvt_count(out, "::h0123456789abcdef"), 0, "%s", out);
    cr_expect_eq(hvt_count(out, ".llvm."), 0, "%s", out);
}

Test(names, cli_text_and_json)
{
    char *out = NULL;
    cr_assert_eq(hvt_run("--all --depth 0 --no-collapse " HVT_DATA "hand-mangled.json", &out, NULL),
                 0);
    no_mangled(out);
    cr_expect_gt(hvt_count(out, "leaky::make_leak"), 0, "%s", out);
    free(out);
    out = NULL;
    cr_assert_eq(
        hvt_run("--json --all --depth 0 --no-collapse " HVT_DATA "hand-mangled.json", &out, NULL),
        0);
    no_mangled(out);
    cr_expect_gt(hvt_count(out, "leaky::make_leak"), 0, "%s", out);
    free(out);
}

/* Found by make fuzz: a Rust v0 identifier of length 0 ("00") makes the demangler hand back an
 * empty piece with a NULL pointer, which must not reach memcpy (UBSan: viewer-asan-test). */
Test(names, empty_demangled_piece)
{
    char *f =
        hv_names_frame("0x10B0: _RNvCsbt0fQicOZbh_00rust_ngrou_douild_index (rust_names.rs:9)");
    cr_assert_not_null(f);
    free(f);
}
