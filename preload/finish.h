/* finish.h - the end of an image (finish.c). */
#ifndef HP_FINISH_H
#define HP_FINISH_H

#include "hp.h"

/* End of this image: drain, write the report (and the leak check). Idempotent. */
enum { HP_FIN_EXIT, HP_FIN__EXIT, HP_FIN_EXEC, HP_FIN_DAEMON };
/* why: HP_FIN_EXIT (exit, return from main), HP_FIN__EXIT (_exit, quick_exit), HP_FIN_EXEC
 * (before exec: no leak check, the process goes on), HP_FIN_DAEMON (the parent side of daemon():
 * its report, no leak check and no status - the program goes on in the child). Returns the exit
 * status the leak check imposes, or 0. One finish at a time: a call while another thread's
 * finish runs returns 0 at once (or, if that one is an exec report, after it). */
int hp_finish(int why, uintptr_t caller_sp, const void *regs, size_t regs_size);
/* After a failed exec: the image goes on (recording never stopped: HP_FIN_EXEC leaves the state
 * ACTIVE); its exit report will replace the exec's. Only the thread whose exec took the finish
 * gives it back (another thread's failed exec, while a finish runs, changes nothing). */
void hp_resume(void);
/* True while a finish runs or after it ran (until a failed exec gives it back): a snapshot
 * (snapshot.c), which checks it under the agg lock, is then not written. */
bool hp_finish_started(void);
/* At start-up (our constructor): the quick_exit handler. */
void hp_finish_init(void);

#endif
