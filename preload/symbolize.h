/* symbolize.h - return addresses -> "0xADDR: function (file:line)" strings, at report time,
 * with elfutils libdw, as Valgrind writes frames. Runs only with the hook guard set (libdw
 * allocates; those calls pass through unrecorded). */
#ifndef HP_SYMBOLIZE_H
#define HP_SYMBOLIZE_H

#include "hp.h"

typedef struct hp_sym hp_sym;

/* A symbolizer for the current process's mappings, or NULL (frames then print as ???). */
hp_sym *hp_sym_open(void);
/* Writes the frame for return address ra (the call is at ra-1) into buf; returns its length. */
size_t hp_sym_frame(hp_sym *s, uintptr_t ra, char *buf, size_t cap);
void hp_sym_close(hp_sym *s);
/* While on, hp_sym_open returns NULL (frames print as "0xADDR: ???"): for the end of an image
 * reached from a signal handler, which may have interrupted the program's malloc; libdw's
 * dlopen and libdw itself allocate, and would wait for ever on that malloc's lock. */
void hp_sym_set_offline(bool on);
/* dlclose is about to unmap the object loaded at base: symbolize now every recorded frame
 * inside [lo, hi) and keep the strings, so the report can still name them. */
void hp_sym_before_unload(const char *path, uintptr_t base, uintptr_t lo, uintptr_t hi);

#endif
