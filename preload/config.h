/* config.h - the HEAPPROF_* options (options.def), parsed once in the constructor.
 * A bad value gets one line on stderr and the default; the program runs on. */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H

#include "hp.h"

#include <limits.h>

#define HP_OPT_STR(name, def, help)         char name[PATH_MAX];
#define HP_OPT_INT(name, def, lo, hi, help) long name;
#define HP_OPT_BOOL(name, def, help)        bool name;
typedef struct hp_options {
#include "options.def"
} hp_options;
#undef HP_OPT_STR
#undef HP_OPT_INT
#undef HP_OPT_BOOL

extern hp_options hp_opt;

/* Parses envp (NULL-terminated "NAME=value" strings) into hp_opt. Returns the number of bad
 * values (each already reported). No malloc, no getenv. */
int hp_config_parse(char *const *envp);

#endif
