/* names.c - load-time demangling of frame names with libiberty (the demangler of c++filt,
 * gdb and perf; it knows C++ and Rust's legacy "_ZN..17h<hash>E" and v0 "_R..." schemes).
 * Linked statically from Debian's libiberty-dev (libiberty.a); without it (HV_HAVE_IBERTY=0)
 * names stay as they arrive. The rules are the preload's (preload/demangle.c): one contract,
 * docs/report-format.md "Frames", tested on both sides with the same symbols.
 * Owns nothing beyond the strings it returns. No global state: any thread. */
#include "names.h"

#include <stdlib.h>
#include <string.h>

#ifndef HV_HAVE_IBERTY
#define HV_HAVE_IBERTY 0
#endif

/* libiberty's stack use grows with the symbol (~100 bytes per character): longer ones stay. */
#define NAMES_MAX 8192

typedef struct nbuf {
    char *p;
    size_t n, cap;
    bool oom;
} nbuf;

static void put(nbuf *b, const char *s, size_t k)
{
    if (b->oom) return;
    if (b->n + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + k + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (k) memcpy(b->p + b->n, s, k);
    b->n += k;
    b->p[b->n] = 0;
}

#if HV_HAVE_IBERTY
#include <libiberty/demangle.h>

static void put_cb(const char *s, size_t k, void *opaque)
{
    put(opaque, s, k);
}

/* The length of the known compiler suffix ending sym[0..len) (".cold", ".isra.3",
 * ".llvm.123456", ...), or 0. */
static size_t suffix_len(const char *sym, size_t len)
{
    static const char *const words[] = {"llvm",     "cold",  "isra",       "constprop", "part",
                                        "lto_priv", "clone", "localalias", "cold_part"};
    size_t e = len;
    while (e > 0 && sym[e - 1] >= '0' && sym[e - 1] <= '9')
        e--;
    if (e < len) {
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

char *hv_names_demangle(const char *sym, size_t len)
{
    if (len < 3 || len > NAMES_MAX || sym[0] != '_' || (sym[1] != 'Z' && sym[1] != 'R'))
        return NULL;
    size_t blen = len, k;
    while ((k = suffix_len(sym, blen)) != 0)
        blen -= k;
    char *base = strndup(sym, blen);
    if (!base) return NULL;
    nbuf b = {0};
    /* Rust first: a legacy Rust symbol is also a valid C++ one, which would print its hash */
    bool ok = rust_demangle_callback(base, DMGL_PARAMS | DMGL_ANSI, put_cb, &b) != 0;
    if (!ok && sym[1] == 'Z') {
        b.n = 0; /* drop what a half-parsed Rust name printed */
        ok = cplus_demangle_v3_callback(base, DMGL_PARAMS | DMGL_ANSI, put_cb, &b) != 0;
    }
    free(base);
    if (!ok || b.n == 0 || b.oom) {
        free(b.p);
        return NULL;
    }
    /* the suffixes in their order as c++filt writes clones; .llvm.N (an LTO hash that
     * changes from build to build) is dropped */
    for (size_t at = blen; at < len;) {
        size_t end = at + 1;
        while (end < len && sym[end] != '.')
            end++;
        if (end < len && sym[end + 1] >= '0' && sym[end + 1] <= '9')
            for (end++; end < len && sym[end] != '.';)
                end++;
        bool llvm = end - at >= 5 && memcmp(sym + at, ".llvm", 5) == 0 &&
                    (at + 5 == end || sym[at + 5] == '.');
        if (!llvm) {
            put(&b, " [clone ", 8);
            put(&b, sym + at, end - at);
            put(&b, "]", 1);
        }
        at = end;
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

bool hv_names_available(void)
{
    return true;
}
#else
char *hv_names_demangle(const char *sym, size_t len)
{
    (void)sym, (void)len;
    return NULL;
}

bool hv_names_available(void)
{
    return false;
}
#endif

/* Length of a trailing "::h" + 16 hex digits (a Rust legacy hash left by a demangler that
 * keeps it, e.g. in DHAT files), or 0. */
static size_t rust_hash_len(const char *s, size_t n)
{
    if (n < 19 + 1 || memcmp(s + n - 19, "::h", 3) != 0) return 0;
    for (size_t i = n - 16; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 19;
}

char *hv_names_frame(const char *text)
{
    const char *s = text;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { /* "0xADDR: " */
        const char *p = s + 2;
        while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
            p++;
        if (p[0] == ':' && p[1] == ' ') s = p + 2;
    }
    /* A mangled name has no space: the name is s up to the first space (or the end). A
     * demangled one may have spaces; only its hash can be at the end, before " (loc)". */
    size_t tok = strcspn(s, " ");
    size_t name_len = strcspn(s, "@ "); /* "_ZdlPv@@GLIBCXX_3.4": the version goes */
    char *d = hv_names_demangle(s, name_len);
    size_t cut = 0, keep_from = tok;
    if (!d) { /* maybe a demangled Rust name with its hash: before " (" or at the end */
        const char *loc = strstr(s, " (");
        size_t fn_len = loc ? (size_t)(loc - s) : strlen(s);
        cut = rust_hash_len(s, fn_len);
        if (!cut) return strdup(text);
        name_len = fn_len - cut;
        keep_from = fn_len;
    }
    nbuf b = {0};
    put(&b, text, (size_t)(s - text));
    if (d)
        put(&b, d, strlen(d));
    else
        put(&b, s, name_len);
    put(&b, s + keep_from, strlen(s + keep_from));
    free(d);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
