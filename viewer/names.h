/* names.h - mangled C++ and Rust names in frame strings -> readable names, at load time.
 * A report written by a heapprof built without libiberty, a DHAT file written with
 * --demangle=no, or an old report may carry raw symbols; heapview shows them as the library
 * does today (docs/report-format.md, "Frames"): demangled, Rust's "::h<hash>" and ".llvm.N"
 * dropped, GCC clone suffixes as c++filt prints them ("f(int) [clone .isra.0]"). */
#ifndef HV_NAMES_H
#define HV_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The readable form of the symbol sym[0..len) (malloc'd, NUL-terminated), or NULL when it is
 * not a mangled C++/Rust name (or on out of memory: the caller keeps sym either way). */
char *hv_names_demangle(const char *sym, size_t len);
/* The frame string text with its function name made readable: "0xADDR: NAME (loc)" keeps its
 * address and location. Returns a malloc'd string (a copy when nothing changes), NULL only
 * when out of memory. */
char *hv_names_frame(const char *text);
/* True when heapview was built with a demangler (libiberty). */
bool hv_names_available(void);

#endif
