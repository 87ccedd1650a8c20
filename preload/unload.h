/* unload.h - the dlclose interposer (unload.c). Its prototype comes from <dlfcn.h>; this header
 * only documents the contract: dlclose behaves as the real one (same result, errno, no
 * cancellation point), with heapprof's work for the object done before the real call (its
 * frames named) and after it (cached unwind rules dropped if the loader unloaded anything). */
#ifndef HP_UNLOAD_H
#define HP_UNLOAD_H

#include "hp.h"

#include <dlfcn.h>

#endif
