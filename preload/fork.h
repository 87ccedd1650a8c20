/* fork.h - fork and the children that are not forks (fork.c). */
#ifndef HP_FORK_H
#define HP_FORK_H

#include "hp.h"

/* Registers the atfork handlers (at start-up). 0 or an error number. */
int hp_fork_init(void);
/* True in a vfork child (or a CLONE_VM clone) that shares the parent's memory: it must touch
 * nothing. A raw fork/clone child with its own memory is adopted here (locks reset, profiled as
 * a fork child) and gets false. */
bool hp_is_vfork_child(void);

#endif
