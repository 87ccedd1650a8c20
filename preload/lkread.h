/* lkread.h - reads of this process's own memory that never fault, for the leak check: other
 * threads keep running while it scans, and may unmap what it reads (a freed block, a stack, an
 * arena), and a block freed where heapprof could not see it may be gone already. A read of
 * memory that is not there fails; it does not raise a signal, and the process's signal
 * handlers are never touched. */
#ifndef HP_LKREAD_H
#define HP_LKREAD_H

#include "hp.h"

#define HP_LKREAD_PAGE 4096u

/* Chooses the reading method: process_vm_readv on the process itself, or, where a seccomp
 * filter forbids it, a pipe (write(2) of the memory fails with EFAULT). 0, or an errno value
 * (then nothing can be read safely: the check gives no verdict). */
int hp_lkread_open(void);
void hp_lkread_close(void);
/* Copies up to n bytes from address a into buf (n <= 64 KiB): the readable prefix, whose
 * length is returned (0: the page at a is not readable). */
size_t hp_lkread(uintptr_t a, void *buf, size_t n);
/* The page holding address a, from a small cache of recently read pages (heap blocks are
 * scanned in flood order, not address order): NULL if the page is not readable. */
const uintptr_t *hp_lkread_page(uintptr_t a);

#endif
