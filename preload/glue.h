/* glue.h - allocator glue: the frames between the program's own code and the heap (libc's
 * strdup and printf internals, operator new and container growth, Rust's RawVec and format!,
 * xmalloc-style wrappers...). A site is named after the first frame that is not glue; the glue
 * stays visible as "via ...". One table, compiled into both the preload (the leak report,
 * lkprint.c) and heapview (model.c), so the two name sites the same way.
 *
 * Pattern syntax: suppressions' (glob.h: '*', '^', '$', substring otherwise), optionally
 * prefixed "func:" (the default), "file:" (the source file, as the frame shows it) or "lib:"
 * (the object path); file and lib patterns are tried on the whole path and on its last
 * component, so "lib:^libc.so." matches "/lib/x86_64-linux-gnu/libc.so.6". func patterns are
 * written on demangled names; a frame whose name is still mangled (Rust legacy
 * "_ZN5alloc7raw_vec...", v0 "_RNv...", C++ "_ZNSt...") is also tried in its plain path form
 * ("alloc::raw_vec::..."), see hp_glue_plain.
 *
 * User changes (heapview --glue, HEAPPROF_GLUE): "PAT" adds a pattern, "-PAT" removes the
 * default pattern with exactly that text, "-*" removes every default.
 * Pure functions: no state, no allocation, no stdio (safe at report time in the preload). */
#ifndef HP_GLUE_H
#define HP_GLUE_H

#include <stdbool.h>
#include <stddef.h>

#define HP_GLUE_MAX 64 /* user changes kept; more are ignored (hp_glue_change returns false) */

typedef struct hp_glue {
    const char *add[HP_GLUE_MAX]; /* user patterns (not copied: the caller keeps them alive) */
    size_t nadd;
    const char *del[HP_GLUE_MAX]; /* default patterns removed */
    size_t ndel;
    bool no_defaults; /* "-*" */
} hp_glue;

/* The built-in table, NULL-terminated (docs/heapview.md lists the same). */
extern const char *const hp_glue_defaults[];

/* Applies one change ("PAT", "-PAT", "-*") to g. False if g is full or spec is empty. */
bool hp_glue_change(hp_glue *g, const char *spec);

/* True if the frame (func, file, lib: each may be NULL) is glue under g (NULL: the defaults). */
bool hp_glue_match(const hp_glue *g, const char *func, const char *file, const char *lib);

/* True for the allocator entry points themselves (malloc, operator new, __rust_alloc...):
 * "via malloc" says nothing, so callers name the glue frame only when it is not one of them. */
bool hp_glue_is_allocator(const char *func);

/* Writes into buf (cap >= 1) the plain path of a mangled name: Rust legacy and C++ nested
 * names ("_ZN5alloc7raw_vec11finish_grow17h..E" -> "alloc::raw_vec::finish_grow::h.."), and the
 * simple paths of Rust v0 ("_RNvNtCs..._5alloc3fmt6format" -> "alloc::fmt::format"). Returns
 * false (buf empty) when name is not mangled or not understood. A cheap fallback for matching
 * only, not a demangler. */
bool hp_glue_plain(const char *name, char *buf, size_t cap);

/* Splits a frame string "0xADDR: func (file:line)" or "0xADDR: func (in /lib)" (the address
 * is optional) in place: writes NULs into s and sets *func, *file, *lib (NULL when absent). */
void hp_glue_split(char *s, char **func, char **file, char **lib);

#endif
