/* demangle.c - C++ and Rust symbols -> readable names with libiberty (GNU binutils' demangler).
 * Why libiberty, linked statically from Debian's libiberty-dev: it is the demangler of c++filt,
 * gdb and perf, it knows C++ and both Rust schemes (legacy "_ZN..17h<hash>E" and v0 "_R..."),
 * and its callback entry points (cplus_demangle_v3_callback, rust_demangle_callback) never call
 * malloc. libiberty.a is position-independent; the two objects used (cp-demangle.o,
 * rust-demangle.o, with safe-ctype.o) add ~80 KB to libheapprof.so and need only libc: no C++
 * runtime enters a C program. Its symbols stay local (-Wl,--exclude-libs), so a program with its
 * own libiberty keeps its own. The alternative, the program's __cxa_demangle found by dlsym,
 * exists only in C++ programs and knows no Rust; dlopen of binutils' libbfd-<version>.so (which
 * exports cplus_demangle) depends on a file name that changes with every binutils release.
 * Without libiberty.a at build time (HP_HAVE_IBERTY=0) hp_demangle returns 0 and frames keep
 * their raw symbols; heapview demangles them when it loads the report.
 * Invariant: out[0..return) is the name, out[return] == 0, return < cap. */
#include "demangle.h"

#include <stdbool.h>
#include <string.h>

#ifndef HP_HAVE_IBERTY
#define HP_HAVE_IBERTY 0
#endif

#if HP_HAVE_IBERTY
#include <libiberty/demangle.h>

typedef struct dbuf {
    char *p;
    size_t n, cap;
} dbuf;

static void put_cb(const char *s, size_t k, void *opaque)
{
    dbuf *b = opaque;
    if (k > b->cap - 1 - b->n) k = b->cap - 1 - b->n; /* truncate, keep the NUL */
    if (k) memcpy(b->p + b->n, s, k); /* libiberty passes (NULL, 0) for an empty Rust piece */
    b->n += k;
    b->p[b->n] = 0;
}

static void put_str(dbuf *b, const char *s, size_t k)
{
    put_cb(s, k, b);
}

/* The length of the known compiler suffix that ends sym[0..len) (".cold", ".isra.3",
 * ".llvm.123456", ".lto_priv.0" ...), or 0. */
static size_t suffix_len(const char *sym, size_t len)
{
    static const char *const words[] = {"llvm",     "cold",  "isra",       "constprop", "part",
                                        "lto_priv", "clone", "localalias", "cold_part"};
    size_t e = len;
    while (e > 0 && sym[e - 1] >= '0' && sym[e - 1] <= '9')
        e--;
    if (e < len) { /* ".N" after the word */
        if (e == 0 || sym[e - 1] != '.') return 0;
        e--;
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t w = strlen(words[i]);
        if (e > w + 1 && sym[e - w - 1] == '.' && memcmp(sym + e - w, words[i], w) == 0)
            return len - (e - w - 1);
    }
    return 0;
}

size_t hp_demangle(const char *sym, char *out, size_t cap)
{
    size_t len = strlen(sym);
    if (len < 3 || len > HP_DEMANGLE_MAX || sym[0] != '_' || (sym[1] != 'Z' && sym[1] != 'R'))
        return 0;
    /* Split off the suffixes: libiberty drops them from Rust names and prints them as
     * "[clone ...]" for C++; we want one rule for both languages. */
    char base[HP_DEMANGLE_MAX + 1];
    size_t blen = len, k;
    while ((k = suffix_len(sym, blen)) != 0)
        blen -= k;
    memcpy(base, sym, blen);
    base[blen] = 0;
    dbuf b = {out, 0, cap};
    out[0] = 0;
    /* Rust first: a legacy Rust symbol is also a valid C++ one, which would print its hash. */
    bool ok = rust_demangle_callback(base, DMGL_PARAMS | DMGL_ANSI, put_cb, &b) != 0;
    if (!ok) {
        b.n = 0; /* a v0 symbol that failed half-way may have printed a part */
        out[0] = 0;
        ok = sym[1] == 'Z' &&
             cplus_demangle_v3_callback(base, DMGL_PARAMS | DMGL_ANSI, put_cb, &b) != 0;
    }
    if (!ok || b.n == 0) return 0;
    /* the suffixes, in their order, as c++filt writes clones; .llvm.N (an LTO hash that
     * changes from build to build and tells the reader nothing) is dropped */
    for (size_t at = blen; at < len;) {
        size_t end = at + 1;
        while (end < len && sym[end] != '.')
            end++;
        if (end < len && sym[end + 1] >= '0' && sym[end + 1] <= '9') /* ".word.N" */
            for (end++; end < len && sym[end] != '.';)
                end++;
        bool llvm = end - at >= 5 && memcmp(sym + at, ".llvm", 5) == 0 &&
                    (at + 5 == end || sym[at + 5] == '.');
        if (!llvm) {
            put_str(&b, " [clone ", 8);
            put_str(&b, sym + at, end - at);
            put_str(&b, "]", 1);
        }
        at = end;
    }
    return b.n;
}
#else
size_t hp_demangle(const char *sym, char *out, size_t cap)
{
    (void)sym, (void)out, (void)cap;
    return 0;
}
#endif
