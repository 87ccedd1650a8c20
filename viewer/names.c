/* names.c - load-time demangling of frame names with libiberty (the demangler of c++filt,
 * gdb and perf; it knows C++ and Rust's legacy "_ZN..17h<hash>E" and v0 "_R..." schemes).
 * The demangler is the preload's own (preload/demangle.c, compiled into heapview): one
 * implementation of the contract, docs/report-format.md "Frames"; without libiberty-dev at
 * build time names stay as they arrive.
 * Owns nothing beyond the strings it returns. No global state: any thread. */
#include "names.h"

#include "../preload/demangle.h"

#include <stdlib.h>
#include <string.h>

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

/* The demangling itself, its rules and its length bound are the preload's (preload/demangle.c,
 * compiled into heapview too): one implementation for both sides of the contract. */
char *hv_names_demangle(const char *sym, size_t len)
{
    if (len > HP_DEMANGLE_MAX) return NULL;
    char name[HP_DEMANGLE_MAX + 1];
    memcpy(name, sym, len);
    name[len] = 0;
    size_t cap = 4 * HP_DEMANGLE_MAX + 64; /* a demangled name outgrows its symbol */
    char *out = malloc(cap);
    if (!out) return NULL;
    if (hp_demangle(name, out, cap) == 0) {
        free(out);
        return NULL;
    }
    return out;
}

bool hv_names_available(void)
{
    char out[64];
    return hp_demangle("_Z1fv", out, sizeof out) != 0;
}

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
