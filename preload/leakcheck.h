/* leakcheck.h - which blocks live at exit are leaks: a conservative reachability scan, as
 * LeakSanitizer and memcheck do (docs/leak-check.md). Runs with the agg lock held, after a full
 * drain, with the hook guard set. The work is split along LeakSanitizer's lines: lkblocks (the
 * block set), lkscan (the one scan and flood, by named region), lkmaps (the mappings), lkalloc
 * (the allocator's own memory), lkroots (one function per root class), lkread (reads that never
 * fault), this file (the phases and the verdict) and lkprint (the report on stderr).
 * Memory: mmap only, 36 bytes per live block + the site table + fixed buffers (< 8 MiB). */
#ifndef HP_LEAKCHECK_H
#define HP_LEAKCHECK_H

#include "tlbuf.h"

typedef struct hp_leak_site {
    uint64_t db, dbk; /* definitely lost */
    uint64_t ib, ibk; /* indirectly lost */
    uint64_t rb, rbk; /* still reachable (and intentional leaks) */
    uint64_t sb, sbk; /* suppressed: the site matched, or reached only from suppressed blocks */
    uint64_t ub, ubk; /* unreadable: freed where heapprof did not see it */
    bool sup;         /* a suppression matched the site */
    /* Invariant after a run: db+ib+rb+sb+ub == the site's live bytes (eb), and so for blocks. */
} hp_leak_site;

typedef struct hp_leak_totals {
    uint64_t db, dbk, ib, ibk, rb, rbk; /* unsuppressed definite/indirect; all reachable */
    uint64_t sb, sbk;                   /* suppressed (and what only they reach) */
    uint64_t ub, ubk;                   /* unreadable: freed where heapprof did not see it */
    /* Invariant: each class is the sum of its per-site counts. */
    int bad_suppressions;   /* malformed lines (each already reported) */
    const char *no_verdict; /* why the check could not conclude (never fails), or NULL */
} hp_leak_totals;

/* The stack pointer of the program's frame that called exit() (0 if exit is not on this stack).
 * hp_leakcheck_run finds it itself, unless it runs on another stack than exit's (finish.c runs the
 * end of an image on a stack of its own): then call this first, on exit's stack, and pass it. */
uintptr_t hp_leakcheck_exit_caller_sp(void);
/* Classifies every live block. from_sp: the stack pointer of the program's frame that called
 * into heapprof (_exit, the API), where the scan of this thread's stack starts; frames below it
 * are heapprof's. (At exit the caller of exit() is found by unwinding.) regs: the program's
 * registers saved (setjmp) where it called into heapprof, or NULL. self: the calling thread's
 * struct (or NULL). Returns 0 (totals filled; no_verdict set if it could not conclude), or -1
 * if it did not run at all (memory). */
int hp_leakcheck_run(const hp_thread *self, uintptr_t from_sp, const void *regs, size_t regs_size);
/* After a run: the site's classes (NULL if the site has no block live, or no run). */
const hp_leak_site *hp_leakcheck_site(uint32_t sid);
const hp_leak_totals *hp_leakcheck_totals(void);
/* Did the last run find unsuppressed leaks it can stand by (the gate's verdict)? */
bool hp_leakcheck_failed(void);
/* Prints the leaking sites (and reachable ones if full), biggest first, the suppressions used
 * and a summary line (lkprint.c). */
void hp_leakcheck_print(bool full);
/* Notes where the calling thread's stack is, so a check from another thread scans it: an
 * address in it (*sp) and the thread pointer (*tp); the bounds are resolved from the mappings
 * when a check runs. Safe in a hook: reads two registers and calls nothing (see lkroots.c). */
void hp_leakcheck_thread_stack(uintptr_t *sp, uintptr_t *tp);

#endif
