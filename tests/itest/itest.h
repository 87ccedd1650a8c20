/* itest.h - helpers for the integration tests: run a program (optionally under the preload or
 * under Valgrind DHAT), capture its output and status, load a report with cJSON, and read
 * totals and call sites out of it. Paths come from the environment set by tests/tests.mk:
 * HP_LIB (libheapprof.so), HP_PROGS (built test programs). */
#ifndef ITEST_H
#define ITEST_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct it_run {
    int status; /* as from waitpid */
    char *out;  /* stdout, NUL-terminated (malloc'd) */
    char *err;  /* stderr */
    double secs;
} it_run;

typedef struct it_totals {
    uint64_t tb, tbk, gb, gbk, eb, ebk, sites;
} it_totals;

const char *it_lib(void);
/* HP_PROGS/name */
const char *it_prog(const char *name);
/* A fresh temporary directory (created); the test's reports go there. */
const char *it_tmpdir(void);
/* Runs argv with extra "NAME=value" variables added to the environment (NULL-terminated list,
 * may be NULL), in directory cwd (NULL: current), killed after timeout_s. */
int it_exec(const char *const *argv, const char *const *env, const char *cwd, int timeout_s,
            it_run *r);
void it_run_free(it_run *r);
/* Runs argv under the preload lib (e.g. the test build HP_SKEW_LIB) with
 * HEAPPROF_OUT=<dir>/heapprof.%p.json (+ env), killed after timeout_s. */
int it_exec_lib(const char *lib, const char *const *argv, const char *const *env, const char *dir,
                int timeout_s, it_run *r);
/* Runs argv under the preload with HEAPPROF_OUT=<dir>/heapprof.%p.json (+ env). */
int it_exec_hp(const char *const *argv, const char *const *env, const char *dir, it_run *r);
/* Runs argv under valgrind --tool=dhat; returns the parsed DHAT file (NULL on failure). */
cJSON *it_dhat(const char *const *argv, const char *dir);
/* Parses a JSON file (NULL if it cannot). */
cJSON *it_load(const char *path);
/* Number of report files in dir (names heapprof.*.json), and the n-th one's path (sorted). */
int it_reports(const char *dir, char paths[][512], int max);
it_totals it_sum(const cJSON *report);
/* The site whose stack contains a frame with function fn (the innermost such frame closest to
 * the allocation); with skip_alloc, frames of malloc/operator new... are skipped first
 * (DHAT's files start with the allocator's frame). Sums all sites that match. NULL-safe. */
bool it_site(const cJSON *report, const char *fn, it_totals *out, uint64_t *mb, uint64_t *mbk);
/* The worker sites a0..a3 of tests/progs/threads.c (and threads_je), summed into *sum; the
 * first one missing is named in *missing (false returned). */
bool it_workers(const cJSON *report, it_totals *sum, const char **missing);
uint64_t it_u64(const cJSON *obj, const char *key);
/* True if any frame string of the report contains needle. */
bool it_has_frame(const cJSON *report, const char *needle);

#endif
