/* config.c - HEAPPROF_* environment variables -> hp_opt. Run once, before any recording.
 * Reads the environment array directly (getenv is not guaranteed usable that early and the
 * style keeps the environment out of everything after start-up). */
#include "config.h"

#include "log.h"

#include <string.h>

hp_options hp_opt;

static const char *lookup(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') return *envp + n + 1;
    return NULL;
}

static bool parse_long(const char *s, long *out)
{
    if (!*s) return false;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000) return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

static int set_str(char *dst, const char *val, const char *def, const char *var)
{
    if (!val) {
        strcpy(dst, def);
        return 0;
    }
    if (strlen(val) >= PATH_MAX || (!*val && *def)) {
        hp_log(var, ": value is empty or too long; using the default ", def);
        strcpy(dst, def);
        return 1;
    }
    strcpy(dst, val);
    return 0;
}

static int set_int(long *dst, const char *val, long def, long lo, long hi, const char *var)
{
    *dst = def;
    if (!val) return 0;
    long v;
    if (!parse_long(val, &v) || v < lo || v > hi) {
        hp_log(var, ": not a whole number in the allowed range; using the default: ", val);
        return 1;
    }
    *dst = v;
    return 0;
}

static int set_bool(bool *dst, const char *val, bool def, const char *var)
{
    *dst = def;
    if (!val) return 0;
    if (!strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "true")) {
        *dst = true;
        return 0;
    }
    if (!strcmp(val, "0") || !strcmp(val, "no") || !strcmp(val, "false") || !*val) {
        *dst = false;
        return 0;
    }
    hp_log(var, ": expected 0 or 1; using the default: ", val);
    return 1;
}

int hp_config_parse(char *const *envp)
{
    int bad = 0;
    /* QUIET first, so that it also silences messages about the other options. */
    bad += set_bool(&hp_opt.QUIET, lookup(envp, "HEAPPROF_QUIET"), 0, "HEAPPROF_QUIET");
    hp_log_set_quiet(hp_opt.QUIET);
#define HP_OPT_STR(name, def, help)                                                                \
    bad += set_str(hp_opt.name, lookup(envp, "HEAPPROF_" #name), def, "HEAPPROF_" #name);
#define HP_OPT_INT(name, def, lo, hi, help)                                                        \
    bad += set_int(&hp_opt.name, lookup(envp, "HEAPPROF_" #name), def, lo, hi, "HEAPPROF_" #name);
#define HP_OPT_BOOL(name, def, help)                                                               \
    if (&hp_opt.name != &hp_opt.QUIET) /* parsed first, above */                                   \
        bad += set_bool(&hp_opt.name, lookup(envp, "HEAPPROF_" #name), def, "HEAPPROF_" #name);
#include "options.def"
#undef HP_OPT_STR
#undef HP_OPT_INT
#undef HP_OPT_BOOL
    if (strcmp(hp_opt.LEAK_CHECK, "0") && strcmp(hp_opt.LEAK_CHECK, "1") &&
        strcmp(hp_opt.LEAK_CHECK, "full")) {
        hp_log("HEAPPROF_LEAK_CHECK: expected 0, 1 or full; using 0: ", hp_opt.LEAK_CHECK, NULL);
        strcpy(hp_opt.LEAK_CHECK, "0");
        bad++;
    }
    if (strcmp(hp_opt.CONSUMER, "auto") && strcmp(hp_opt.CONSUMER, "thread") &&
        strcmp(hp_opt.CONSUMER, "inline")) {
        hp_log("HEAPPROF_CONSUMER: expected inline, auto or thread; using inline: ",
               hp_opt.CONSUMER, NULL);
        strcpy(hp_opt.CONSUMER, "inline");
        bad++;
    }
    if (strcmp(hp_opt.DEBUGINFO, "local") && strcmp(hp_opt.DEBUGINFO, "all")) {
        hp_log("HEAPPROF_DEBUGINFO: expected local or all; using local: ", hp_opt.DEBUGINFO, NULL);
        strcpy(hp_opt.DEBUGINFO, "local");
        bad++;
    }
    return bad;
}
