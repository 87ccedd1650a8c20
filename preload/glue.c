/* glue.c - the allocator-glue table and its matcher (see glue.h). Pure: no state, no
 * allocation, no stdio; the preload calls it at report time, heapview at load time.
 * Invariant: every entry of hp_glue_defaults is a valid pattern for hp_glue_change("-" entry),
 * so any default can be removed by its text (docs/heapview.md lists them). */
#include "glue.h"

#include "glob.h"

#include <string.h>

/* Why each group is glue: the function allocates on its caller's behalf, so the caller is the
 * code that asked for the memory. Objects first (cheap, and complete when the object is known:
 * frames of a library without debug info show only "(in /lib/...)"), then names (libc6-dbg,
 * Valgrind DHAT files, static or inlined copies), then libc's source files. */
const char *const hp_glue_defaults[] = {
    /* objects: the C and C++ runtimes, the allocators */
    "lib:^libc.so.", "lib:^libc-2.", "lib:^libstdc++.so.", "lib:^libc++.so.", "lib:^libc++abi.so.",
    "lib:^libjemalloc.so", "lib:^libtcmalloc", "lib:^libmimalloc.so",
    /* the allocator entry points (also when a program links its own copy) */
    "^malloc$", "^calloc$", "^realloc$", "^reallocarray$", "^free$", "^memalign$",
    "^posix_memalign$", "^aligned_alloc$", "^valloc$", "^pvalloc$", "^__libc_", "^_int_malloc",
    "^__GI_", "^_int_realloc", "^_int_memalign", "^tcache_",
    /* libc functions that return or keep memory they allocated */
    "^strdup$", "^strndup$", "^__strdup$", "^__strndup$", "^wcsdup$", "^asprintf$", "^__asprintf",
    "^vasprintf$", "^__vasprintf", "^___vasprintf", "^printf$", "^fprintf$", "^vfprintf$",
    "^__vfprintf", "^vfwprintf$", "^__vfwprintf", "^outstring_func", "^__printf_buffer",
    "^__wprintf_buffer", "^__vsnprintf", "^__vstrfmon", "^printf_positional", "^puts$", "^fputs$",
    "^fwrite$", "^_IO_", "^__libio_", "^fopen$", "^fopen64$", "^fdopen$", "^open_memstream$",
    "^__open_memstream", "^getline$", "^getdelim$", "^__getdelim", "^qsort$", "^qsort_r$",
    "^__qsort_r", "^msort_with_tmp", "^scandir", "^opendir$", "^__opendir", "^__alloc_dir",
    "^realpath$", "^__realpath", "^setlocale$", "^_nl_", "^tzset$", "^__tzset", "^localtime",
    "^__tz_", "^tzfile_", "^getpwnam", "^getpwuid", "^getgrnam", "^getaddrinfo$", "^__nss_",
    "^nss_", "^regcomp$", "^re_compile", "^__regcomp", "^glob$", "^__glob", "^wordexp$",
    "^backtrace_symbols$", "^strerror$", "^__strerror",
    /* libc's own sources (debug info from libc6-dbg, DHAT files) */
    "file:^vfprintf-internal.c$", "file:^vfprintf-process-arg.c$", "file:^vfprintf.c$",
    "file:^printf_buffer", "file:^Xprintf_buffer", "file:^vasprintf.c$", "file:^asprintf.c$",
    "file:^msort.c$", "file:^qsort.c$", "file:^iogetdelim.c$", "file:^getline.c$",
    "file:^memstream.c$", "file:^strdup.c$", "file:^strndup.c$", "file:^iofopen.c$",
    "file:^genops.c$", "file:^filedoalloc.c$", "file:^fileops.c$", "file:^malloc.c$", "file:^dl-",
    "file:/libio/", "file:/stdio-common/",
    /* C++: operator new, the allocators, the standard containers' growth */
    "^operator new", "^_Znw", "^_Zna", "^std::", "^__gnu_cxx::", "^__cxxabiv1::", "^__cxa_",
    "_M_realloc_insert", "_M_realloc_append", "_M_create", "_M_allocate", "_M_get_node",
    "_M_create_node", "_M_default_append",
    /* Rust: the global allocator shims, alloc (Vec, String, Box, RawVec, format!), std,
     * hashbrown's tables, core::fmt's writes into a String */
    "^__rust_alloc", "^__rust_realloc", "^__rust_dealloc", "^__rdl_", "^__rg_", "^alloc::",
    "^<alloc::", "^hashbrown::", "^<hashbrown::", "^<std::", "^core::fmt::", "RawVec*::grow",
    "RawVec*::reserve", "finish_grow", "RawTable*::reserve_rehash",
    "^<T as alloc::", "^<str as alloc::", "^<[T] as alloc::",
    /* jemalloc (also statically linked, and tikv-jemallocator's _rjem_ prefix) */
    "^je_", "^_rjem_", "^mallocx$", "^rallocx$", "^imalloc", "^arena_malloc", "^tcache_alloc",
    /* wrappers programs put around malloc: GNU xmalloc, GLib, CPython, Redis, SQLite, OpenSSL */
    "^xmalloc$", "^xcalloc$", "^xzalloc$", "^xrealloc$", "^xreallocarray$", "^xnmalloc$",
    "^xstrdup$", "^xstrndup$", "^xmemdup", "^g_malloc", "^g_try_malloc", "^g_realloc",
    "^g_try_realloc", "^g_slice_alloc", "^g_strdup", "^g_strndup", "^g_memdup", "^PyMem_",
    "^_PyMem_", "^PyObject_Malloc$", "^PyObject_Calloc$", "^PyObject_Realloc$", "^_PyObject_Malloc",
    "^_PyObject_Calloc", "^_PyObject_Realloc", "^pymalloc_", "^_PyObject_GC_", "^PyObject_GC_",
    "^_PyObject_New", "^PyType_GenericAlloc$", "^zmalloc", "^zcalloc", "^zrealloc", "^ztry",
    "^zstrdup", "^sqlite3Malloc", "^sqlite3_malloc", "^sqlite3_realloc", "^sqlite3Realloc",
    "^sqlite3DbMalloc", "^sqlite3DbRealloc", "^sqlite3MemMalloc", "^sqlite3MemRealloc",
    "^sqlite3DbStrDup", "^sqlite3DbStrNDup", "^CRYPTO_*alloc", "^CRYPTO_*dup", NULL};

bool hp_glue_change(hp_glue *g, const char *spec)
{
    if (!spec || !*spec) return false;
    if (strcmp(spec, "-*") == 0) {
        g->no_defaults = true;
        return true;
    }
    if (spec[0] == '-') {
        if (!spec[1] || g->ndel == HP_GLUE_MAX) return false;
        g->del[g->ndel++] = spec + 1;
        return true;
    }
    if (g->nadd == HP_GLUE_MAX) return false;
    g->add[g->nadd++] = spec;
    return true;
}

bool hp_glue_is_allocator(const char *func)
{
    static const char *const a[] = {"^malloc$",
                                    "^calloc$",
                                    "^realloc$",
                                    "^reallocarray$",
                                    "^free$",
                                    "^memalign$",
                                    "^posix_memalign$",
                                    "^aligned_alloc$",
                                    "^valloc$",
                                    "^pvalloc$",
                                    "^operator new",
                                    "^_Znw",
                                    "^_Zna",
                                    "^__rust_alloc",
                                    "^__rust_realloc",
                                    "^__rdl_alloc",
                                    "^__rdl_realloc",
                                    "^__rg_alloc",
                                    "^__rg_realloc",
                                    "^__libc_malloc",
                                    "^__libc_calloc",
                                    "^__libc_realloc",
                                    NULL};
    if (!func) return false;
    for (size_t i = 0; a[i]; i++)
        if (hp_glob_match(a[i], func)) return true;
    return false;
}

/* ---- mangled names: plain paths for matching ---- */

typedef struct out {
    char *buf;
    size_t cap, n;
} out;

static void put(out *o, const char *s, size_t k)
{
    if (k > o->cap - 1 - o->n) k = o->cap - 1 - o->n;
    memcpy(o->buf + o->n, s, k);
    o->n += k;
    o->buf[o->n] = 0;
}

/* Reads a decimal length at *p (advancing); 0 if none or absurd. */
static size_t read_len(const char **p)
{
    size_t n = 0;
    while (**p >= '0' && **p <= '9') {
        n = n * 10 + (size_t)(**p - '0');
        if (n > 4096) return 0;
        (*p)++;
    }
    return n;
}

/* Rust legacy escapes inside an identifier: $LT$ < , $GT$ >, $u20$ ' ', $RF$ &, $C$ ',',
 * $BP$ *, $u27$ ', $u5b$ [, $u5d$ ], ".." ::; a leading "_$" is "$". */
static void put_ident(out *o, const char *s, size_t k)
{
    static const struct {
        const char *from, *to;
    } esc[] = {{"$LT$", "<"},  {"$GT$", ">"},  {"$u20$", " "}, {"$RF$", "&"},
               {"$C$", ","},   {"$BP$", "*"},  {"$u27$", "'"}, {"$u5b$", "["},
               {"$u5d$", "]"}, {"$u7b$", "{"}, {"$u7d$", "}"}, {"$SP$", "@"}};
    const char *e = s + k;
    if (k >= 2 && s[0] == '_' && s[1] == '$') s++;
    while (s < e) {
        bool done = false;
        if (*s == '$')
            for (size_t i = 0; i < sizeof esc / sizeof *esc && !done; i++) {
                size_t l = strlen(esc[i].from);
                if ((size_t)(e - s) >= l && memcmp(s, esc[i].from, l) == 0) {
                    put(o, esc[i].to, strlen(esc[i].to));
                    s += l;
                    done = true;
                }
            }
        if (done) continue;
        if (*s == '.' && s + 1 < e && s[1] == '.') {
            put(o, "::", 2);
            s += 2;
            continue;
        }
        put(o, s, 1);
        s++;
    }
}

/* "_ZN" [qualifiers] ("St" | <len><ident>)* "E": stops quietly at anything else. */
static bool plain_itanium(const char *p, out *o)
{
    while (*p == 'K' || *p == 'V' || *p == 'r')
        p++;
    bool any = false;
    if (p[0] == 'S' && p[1] == 't') {
        put(o, "std", 3);
        p += 2;
        any = true;
    }
    while (*p >= '1' && *p <= '9') {
        size_t k = read_len(&p);
        if (!k || strnlen(p, k) < k) break;
        if (any) put(o, "::", 2);
        put_ident(o, p, k);
        p += k;
        any = true;
    }
    return any;
}

/* Rust v0 "_R" paths made of crate roots (C [s<base62>_] ident) and nested names
 * (N <namespace> path ident), outermost first; stops at impls, generics and types. */
static bool plain_v0(const char *p, out *o)
{
    bool any = false;
    while (*p) {
        if (*p == 'N' && p[1]) {
            p += 2;
        } else if (*p == 'C') {
            p++;
        } else if (*p == 's') { /* disambiguator: s <base62> _ */
            const char *u = strchr(p, '_');
            if (!u) break;
            p = u + 1;
        } else if ((*p >= '0' && *p <= '9') || *p == 'u') {
            if (*p == 'u') p++; /* punycode: kept as is */
            size_t k = read_len(&p);
            if (!k) break;
            if (*p == '_') p++;
            if (strnlen(p, k) < k) break;
            if (any) put(o, "::", 2);
            put(o, p, k);
            p += k;
            any = true;
        } else {
            break;
        }
    }
    return any;
}

bool hp_glue_plain(const char *name, char *buf, size_t cap)
{
    out o = {buf, cap, 0};
    buf[0] = 0;
    if (cap < 2 || !name) return false;
    bool ok = false;
    if (strncmp(name, "_ZN", 3) == 0)
        ok = plain_itanium(name + 3, &o);
    else if (strncmp(name, "__ZN", 4) == 0)
        ok = plain_itanium(name + 4, &o);
    else if (strncmp(name, "_R", 2) == 0)
        ok = plain_v0(name + 2, &o);
    if (!ok) buf[0] = 0;
    return ok && buf[0];
}

/* ---- matching ---- */

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* One pattern against one frame; plain is the mangled name's path form ("" if none). */
static bool pattern_match(const char *pat, const char *func, const char *plain, const char *file,
                          const char *lib)
{
    if (strncmp(pat, "lib:", 4) == 0)
        return lib && (hp_glob_match(pat + 4, lib) || hp_glob_match(pat + 4, base_name(lib)));
    if (strncmp(pat, "file:", 5) == 0)
        return file && (hp_glob_match(pat + 5, file) || hp_glob_match(pat + 5, base_name(file)));
    if (strncmp(pat, "func:", 5) == 0) pat += 5;
    if (!func) return false;
    return hp_glob_match(pat, func) || (plain[0] && hp_glob_match(pat, plain));
}

static bool removed(const hp_glue *g, const char *pat)
{
    for (size_t i = 0; i < g->ndel; i++)
        if (strcmp(g->del[i], pat) == 0) return true;
    return false;
}

bool hp_glue_match(const hp_glue *g, const char *func, const char *file, const char *lib)
{
    char plain[512];
    plain[0] = 0;
    if (func) hp_glue_plain(func, plain, sizeof plain);
    if (g)
        for (size_t i = 0; i < g->nadd; i++)
            if (pattern_match(g->add[i], func, plain, file, lib)) return true;
    if (g && g->no_defaults) return false;
    for (size_t i = 0; hp_glue_defaults[i]; i++)
        if ((!g || !removed(g, hp_glue_defaults[i])) &&
            pattern_match(hp_glue_defaults[i], func, plain, file, lib))
            return true;
    return false;
}

/* ---- frame strings ---- */

void hp_glue_split(char *s, char **func, char **file, char **lib)
{
    *func = *file = *lib = NULL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { /* "0xADDR: " */
        char *p = s + 2;
        while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
            p++;
        if (p[0] == ':' && p[1] == ' ') s = p + 2;
    }
    *func = s;
    size_t n = strlen(s);
    if (n < 4 || s[n - 1] != ')') return;
    char *open = NULL; /* the last " (" : the location */
    for (char *p = s; (p = strstr(p, " (")) != NULL; p++)
        open = p;
    if (!open) return;
    char *loc = open + 2;
    s[n - 1] = 0;
    if (strncmp(loc, "in ", 3) == 0 && loc[3]) {
        *lib = loc + 3;
        *open = 0;
        return;
    }
    char *colon = strrchr(loc, ':');
    bool digits = colon && colon > loc && colon[1];
    for (char *d = colon ? colon + 1 : NULL; digits && *d; d++)
        digits = *d >= '0' && *d <= '9';
    if (!digits) {
        s[n - 1] = ')'; /* not a location: part of the name */
        return;
    }
    *colon = 0;
    *file = loc;
    *open = 0;
}
