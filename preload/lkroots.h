/* lkroots.h - the leak check's roots, one function per class (docs/leak-check.md has the
 * table). Each scans its regions through lkscan.h, naming them, and notes the memory it
 * covered so hp_lkroots_mappings does not scan it again as the program's memory. Call
 * begin, then the classes in this order, then end. One check at a time (the agg lock). */
#ifndef HP_LKROOTS_H
#define HP_LKROOTS_H

#include "tlbuf.h"

int hp_lkroots_begin(void);
void hp_lkroots_end(void);
/* The calling thread's callee-saved registers where it called into heapprof (setjmp). */
void hp_lkroots_registers(const void *regs, size_t size);
/* The writable segments of every loaded object but heapprof's (globals, statics). */
void hp_lkroots_globals(void);
/* The calling thread's stack from the program's frame that called into heapprof (the caller
 * of exit(), found by unwinding, else from_sp) up, and its static TLS and control block. */
void hp_lkroots_this_thread(uintptr_t exit_caller_sp, uintptr_t from_sp);
/* Every other thread's stack, TLS and descriptor: the threads heapprof saw (and, in a fork
 * child, the parent's), and threads that never allocated, found by their descriptors. */
void hp_lkroots_threads(const hp_thread *me);
/* The memory the program mapped itself: anonymous mappings and writable file mappings, less
 * the allocator's (lkalloc.h), heapprof's own, the stacks, and the objects' segments. */
void hp_lkroots_mappings(void);
/* Blocks passed to heapprof_ignore_block(). */
void hp_lkroots_ignored(void);

#endif
