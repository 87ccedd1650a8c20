/* itest.c - see itest.h. Test-side code: ordinary libc, malloc and stdio are fine here. */
#include "itest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *it_lib(void)
{
    const char *l = getenv("HP_LIB");
    return l ? l : "build/release/libheapprof.so";
}

const char *it_prog(const char *name)
{
    static char buf[8][512];
    static int k;
    const char *d = getenv("HP_PROGS");
    char *b = buf[k++ % 8];
    snprintf(b, 512, "%s/%s", d ? d : "build/release/tests/progs", name);
    return b;
}

static char tmpdirs[8][256];
static int n_tmpdirs;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_tmpdirs(void)
{
    if (getenv("HP_KEEP")) return; /* HP_KEEP=1 keeps the reports for a look after a failure */
    for (int i = 0; i < n_tmpdirs && i < 8; i++)
        nftw(tmpdirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *it_tmpdir(void)
{
    if (n_tmpdirs == 0) atexit(rm_tmpdirs);
    char *b = tmpdirs[n_tmpdirs++ % 8];
    snprintf(b, 256, "/tmp/hp-itest.XXXXXX");
    return mkdtemp(b);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

int it_exec(const char *const *argv, const char *const *env, const char *cwd, int timeout_s,
            it_run *r)
{
    int po[2], pe[2];
    memset(r, 0, sizeof *r);
    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) return -1;
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        if (cwd && chdir(cwd)) _exit(126);
        for (const char *const *e = env; e && *e; e++)
            putenv((char *)*e);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    sbuf out = {0}, err = {0};
    sb_add(&out, "", 0);
    sb_add(&err, "", 0);
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds) {
        int left = (int)((t0 + timeout_s - now()) * 1000);
        if (left <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, left) <= 0) continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buf[65536];
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                sb_add(i ? &err : &out, buf, (size_t)n);
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    waitpid(pid, &r->status, 0);
    r->secs = now() - t0;
    r->out = out.p;
    r->err = err.p;
    return 0;
}

void it_run_free(it_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int it_exec_lib(const char *lib, const char *const *argv, const char *const *env, const char *dir,
                int timeout_s, it_run *r)
{
    static char pre[600], out[600];
    const char *e[32];
    int n = 0;
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", lib);
    snprintf(out, sizeof out, "HEAPPROF_OUT=%s/heapprof.%%p.json", dir);
    e[n++] = pre;
    e[n++] = out;
    for (const char *const *x = env; x && *x && n < 30; x++)
        e[n++] = *x;
    e[n] = NULL;
    return it_exec(argv, e, NULL, timeout_s, r);
}

int it_exec_hp(const char *const *argv, const char *const *env, const char *dir, it_run *r)
{
    return it_exec_lib(it_lib(), argv, env, dir, 120, r);
}

cJSON *it_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    fclose(f);
    b[got] = 0;
    cJSON *j = cJSON_ParseWithLength(b, got);
    free(b);
    return j;
}

cJSON *it_dhat(const char *const *argv, const char *dir)
{
    char file[600], opt[700];
    snprintf(file, sizeof file, "%s/dhat.out", dir);
    snprintf(opt, sizeof opt, "--dhat-out-file=%s", file);
    const char *v[64] = {
        "valgrind", "-q", "--tool=dhat", opt, "--run-libc-freeres=no", "--run-cxx-freeres=no"};
    int n = 6;
    for (const char *const *a = argv; *a && n < 62; a++)
        v[n++] = *a;
    v[n] = NULL;
    it_run r;
    if (it_exec(v, NULL, NULL, 300, &r)) return NULL;
    it_run_free(&r);
    return it_load(file);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int it_reports(const char *dir, char paths[][512], int max)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "heapprof.", 9) == 0 && l > 5 && !strcmp(e->d_name + l - 5, ".json"))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        if (i < max) snprintf(paths[i], 512, "%s/%s", dir, names[i]);
        free(names[i]);
    }
    return n;
}

uint64_t it_u64(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : UINT64_MAX;
}

static void add(it_totals *t, const cJSON *pp)
{
    t->tb += it_u64(pp, "tb");
    t->tbk += it_u64(pp, "tbk");
    t->gb += it_u64(pp, "gb");
    t->gbk += it_u64(pp, "gbk");
    t->eb += it_u64(pp, "eb");
    t->ebk += it_u64(pp, "ebk");
    t->sites++;
}

it_totals it_sum(const cJSON *report)
{
    it_totals t = {0};
    const cJSON *pp;
    cJSON_ArrayForEach(pp, cJSON_GetObjectItemCaseSensitive(report, "pps")) add(&t, pp);
    return t;
}

/* "0xADDR: name (where)" -> does name equal fn? */
static bool frame_is(const char *frame, const char *fn)
{
    const char *s = strstr(frame, ": ");
    if (!s) return false;
    s += 2;
    size_t n = strlen(fn);
    return strncmp(s, fn, n) == 0 && (s[n] == ' ' || s[n] == 0 || s[n] == '(');
}

static bool is_alloc_frame(const char *frame)
{
    static const char *fns[] = {"malloc",         "calloc",        "realloc",        "memalign",
                                "posix_memalign", "aligned_alloc", "valloc",         "pvalloc",
                                "reallocarray",   "operator new",  "operator new[]", NULL};
    if (strstr(frame, "vgpreload")) return true;
    for (int i = 0; fns[i]; i++)
        if (frame_is(frame, fns[i])) return true;
    return false;
}

bool it_site(const cJSON *report, const char *fn, it_totals *out, uint64_t *mb, uint64_t *mbk)
{
    const cJSON *ftbl = cJSON_GetObjectItemCaseSensitive(report, "ftbl");
    const cJSON *pp;
    bool found = false;
    memset(out, 0, sizeof *out);
    if (mb) *mb = 0;
    if (mbk) *mbk = 0;
    cJSON_ArrayForEach(pp, cJSON_GetObjectItemCaseSensitive(report, "pps"))
    {
        const cJSON *fs = cJSON_GetObjectItemCaseSensitive(pp, "fs");
        int n = cJSON_GetArraySize(fs), i = 0;
        for (; i < n; i++) { /* skip the allocator's own frames */
            const cJSON *f = cJSON_GetArrayItem(ftbl, cJSON_GetArrayItem(fs, i)->valueint);
            if (!f || !cJSON_IsString(f) || !is_alloc_frame(f->valuestring)) break;
        }
        if (i >= n) continue;
        const cJSON *f = cJSON_GetArrayItem(ftbl, cJSON_GetArrayItem(fs, i)->valueint);
        if (!f || !cJSON_IsString(f) || !frame_is(f->valuestring, fn)) continue;
        add(out, pp);
        if (mb) *mb += it_u64(pp, "mb");
        if (mbk) *mbk += it_u64(pp, "mbk");
        found = true;
    }
    return found;
}

bool it_workers(const cJSON *report, it_totals *sum, const char **missing)
{
    static const char *const fns[] = {"a0", "a1", "a2", "a3"};
    memset(sum, 0, sizeof *sum);
    for (int i = 0; i < 4; i++) {
        it_totals s;
        if (!it_site(report, fns[i], &s, NULL, NULL)) {
            *missing = fns[i];
            return false;
        }
        sum->tb += s.tb;
        sum->tbk += s.tbk;
        sum->gb += s.gb;
        sum->gbk += s.gbk;
        sum->eb += s.eb;
        sum->ebk += s.ebk;
        sum->sites += s.sites;
    }
    return true;
}

bool it_has_frame(const cJSON *report, const char *needle)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(report, "ftbl"))
    {
        if (cJSON_IsString(f) && strstr(f->valuestring, needle)) return true;
    }
    return false;
}
