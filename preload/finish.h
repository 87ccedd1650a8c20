/* finish.h - the end of an image (finish.c). */
#ifndef HP_FINISH_H
#define HP_FINISH_H

#include "hp.h"

/* End of this image: drain, write the report (and the leak check). Idempotent. */
enum { HP_FIN_EXIT, HP_FIN__EXIT, HP_FIN_EXEC };
/* why: HP_FIN_EXIT (exit, return from main), HP_FIN__EXIT (_exit, quick_exit), HP_FIN_EXEC
 * (before exec: no leak check, the process goes on). Returns the exit status the leak check
 * imposes, or 0. */
int hp_finish(int why, uintptr_t caller_sp, const void *regs, size_t regs_size);
/* After a failed exec: the image goes on (recording never stopped: HP_FIN_EXEC leaves the state
 * ACTIVE); its exit report will replace the exec's. */
void hp_resume(void);
/* At start-up (our constructor): the quick_exit handler. */
void hp_finish_init(void);

#endif
