/* demangle.h - readable names for C++ and Rust (legacy and v0) symbols, at report time.
 * Rules (docs/report-format.md, "Frames"): Rust's "::h<hash>" is dropped; ".llvm.<digits>" is
 * dropped; the compiler's clone suffixes (.cold, .isra.N, .constprop.N, .part.N, ...) stay as
 * c++filt prints them: "f(int) [clone .isra.0]". Never allocates (libiberty's callback entry
 * points demangle on the stack), so it is safe with or without the hook guard. */
#ifndef HP_DEMANGLE_H
#define HP_DEMANGLE_H

#include <stddef.h>

/* Longest symbol demangled; a longer one is kept as it is. libiberty's stack use grows with
 * the symbol's length (about 100 bytes per character): this bounds it to ~200 KiB. */
#define HP_DEMANGLE_MAX 2048

/* Writes the demangled form of sym into out (NUL-terminated, truncated to cap - 1) and returns
 * its length; returns 0 and leaves out unspecified when sym is not a mangled C++ or Rust name
 * (a C name, "???", a malformed symbol), or is longer than HP_DEMANGLE_MAX. cap >= 1. */
size_t hp_demangle(const char *sym, char *out, size_t cap);

#endif
