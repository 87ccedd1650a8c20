/* symbolize.h - return addresses -> "0xADDR: function (file:line)" strings, at report time,
 * with elfutils libdw, as Valgrind writes frames. Runs only with the hook guard set (libdw
 * allocates; those calls pass through unrecorded). */
#ifndef HP_SYMBOLIZE_H
#define HP_SYMBOLIZE_H

#include "hp.h"

typedef struct hp_sym hp_sym;

/* A symbolizer for the current process's mappings, or NULL (frames then print as ???). */
hp_sym *hp_sym_open(void);
/* Which object return address ra of stack sid was in when the stack was recorded: 0 for the
 * object mapped there now (or none), k >= 1 for the k-th object unloaded from there since.
 * Equal (ra, object) pairs give equal frame strings; the report keys its frame table on both. */
uint32_t hp_sym_object(uint32_t sid, uintptr_t ra);
/* Writes the frame for return address ra (the call is at ra-1) in object obj (from
 * hp_sym_object) into buf; returns its length. s may be NULL (then live frames print ???). */
size_t hp_sym_frame(hp_sym *s, uintptr_t ra, uint32_t obj, char *buf, size_t cap);
void hp_sym_close(hp_sym *s);
/* While on, hp_sym_open returns NULL (frames print as "0xADDR: ???"): for the end of an image
 * reached from a signal handler, which may have interrupted the program's malloc; libdw's
 * dlopen and libdw itself allocate, and would wait for ever on that malloc's lock. */
void hp_sym_set_offline(bool on);
/* dlclose is about to unmap the object loaded at base (file path, PT_LOAD span [lo, hi)): name
 * now every frame inside it of the stacks recorded so far, and keep the strings for them.
 * Any thread; takes the unload lock (never the loader lock while holding it). */
void hp_sym_before_unload(const char *path, uintptr_t base, uintptr_t lo, uintptr_t hi);
/* fork: the unload lock, after the agg lock and before the arena's (init.c). */
void hp_sym_atfork_prepare(void);
void hp_sym_atfork_parent(void);
void hp_sym_atfork_child(void);

#endif
