/* suppress.c - LeakSanitizer-format suppressions. The file is read with read(2) into mmap'd
 * memory and split in place; patterns point into it. No malloc, no stdio. Only a regular file
 * is read (a FIFO would block the exiting program, a device could never end), and at most
 * 1 MiB of it, in whole lines: a line cut short could suppress more than it says.
 * Invariants: pat[0..n) are NUL-terminated, non-empty; pat[0..N_BUILTIN) are the built-ins;
 * used_blocks[i] == 0 for i >= n.
 * Threads: load, match and the used counters run in the leak check, which is serialised. */
#include "suppress.h"

#include "arena.h"
#include "fmt.h"
#include "glob.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PATTERNS 1024
#define FILE_CAP     ((size_t)1 << 20) /* buffer; the file's text is at most FILE_CAP - 1 bytes */

/* Built in, always on; docs/leak-check.md gives the reason for each. They name system
 * binaries by their full path (anchored), so a program of the user's is never covered. */
#define DEFAULT_PATTERNS                                                                           \
    /* glibc keeps an exited thread's dynamic thread vector in its cache of thread stacks,         \
     * which heapprof does not scan (memcheck and LeakSanitizer do not report it either) */        \
    "_dl_allocate_tls", /* CPython 3.11 leaves static types' dictionaries at finalization */       \
        "PyType_Ready", /* these programs free nothing before exit, by design (memcheck reports    \
                           them too) */                                                            \
        "^/usr/bin/perl*", "^/usr/bin/sort$", "^/usr/bin/git$", "^/usr/lib/git-core/*",            \
        "^/usr/lib/gcc/*/cc1$", "^/usr/lib/gcc/*/cc1plus$", "^/usr/lib/gcc/*/lto1$",               \
        "^/usr/lib/gcc/*/collect2$", "^/usr/lib/gcc/*/lto-wrapper$",                               \
        "^/usr/bin/x86_64-linux-gnu-*" /* the gcc, g++, cpp drivers, as, ld */

enum { N_BUILTIN = sizeof((const char *[]){DEFAULT_PATTERNS}) / sizeof(const char *) };

static struct {
    bool loaded;
    const char *pat[MAX_PATTERNS];
    int n;
    uint64_t used_bytes[MAX_PATTERNS]; /* since the last hp_suppress_reset_used */
    uint64_t used_blocks[MAX_PATTERNS];
} sp = {.pat = {DEFAULT_PATTERNS}, .n = N_BUILTIN};

int hp_suppress_count(void)
{
    return sp.n;
}

static void report_bad(const char *path, int lineno, int *bad)
{
    char num[24];
    hp_fmt_u64(num, (uint64_t)lineno);
    char where[600];
    size_t n = strlen(path);
    if (n > 500) n = 500;
    memcpy(where, path, n);
    where[n] = ':';
    memcpy(where + n + 1, num, strlen(num) + 1);
    hp_log(where, ": malformed suppression (expected leak:PATTERN); line ignored", NULL);
    (*bad)++;
}

/* "heapprof: <path><what>" with the path cut to fit one line */
static void report_file(const char *path, const char *what, const char *why)
{
    char where[400];
    size_t n = strlen(path);
    if (n > sizeof where - 1) n = sizeof where - 1;
    memcpy(where, path, n);
    where[n] = 0;
    hp_log(where, what, why);
}

/* Reads path into a fresh FILE_CAP map, NUL-terminated, whole lines only; NULL if it cannot
 * (already reported and counted in *bad). */
static char *read_file(const char *path, int *bad)
{
    /* O_NONBLOCK: opening a FIFO nobody writes to must not wait for a writer */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        char why[200] = "; no suppressions";
        const char *e = strerrordesc_np(errno); /* not translated: no locale, no malloc */
        if (e) {
            size_t k = strlen(e) < 150 ? strlen(e) : 150;
            memcpy(why, ": ", 2);
            memcpy(why + 2, e, k);
            memcpy(why + 2 + k, "; no suppressions", sizeof "; no suppressions");
        }
        hp_log("cannot read the suppressions file ", path, why);
        (*bad)++;
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        report_file(path, ": not a regular file; no suppressions from it", NULL);
        (*bad)++;
        return NULL;
    }
    char *buf = hp_map(FILE_CAP);
    if (!buf) {
        close(fd);
        report_file(path, ": out of memory; no suppressions from it", NULL);
        (*bad)++;
        return NULL;
    }
    size_t n = 0;
    ssize_t r = 0;
    while (n < FILE_CAP - 1 &&
           ((r = read(fd, buf + n, FILE_CAP - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0) n += (size_t)r;
    char extra;
    bool more = n == FILE_CAP - 1 && read(fd, &extra, 1) == 1;
    close(fd);
    if (r < 0) {
        hp_unmap(buf, FILE_CAP);
        report_file(path, ": read error; no suppressions from it", NULL);
        (*bad)++;
        return NULL;
    }
    if (more) { /* keep whole lines only: a cut pattern would be a shorter, wider one */
        char *nl = memrchr(buf, '\n', n);
        n = nl ? (size_t)(nl - buf) : 0;
        report_file(path, ": larger than 1 MiB; the lines after its first MiB are ignored", NULL);
        (*bad)++;
    }
    buf[n] = 0;
    return buf;
}

void hp_suppress_load(const char *path, int *bad)
{
    if (sp.loaded || !path || !*path) return;
    sp.loaded = true;
    char *buf = read_file(path, bad);
    if (!buf) return;
    int lineno = 0;
    for (char *s = buf; *s && sp.n < MAX_PATTERNS;) {
        char *eol = strchr(s, '\n');
        if (eol) *eol = 0;
        lineno++;
        char *a = s, *z = s + strlen(s);
        while (*a == ' ' || *a == '\t' || *a == '\r')
            a++;
        while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\r'))
            *--z = 0;
        if (*a && *a != '#') {
            if (strncmp(a, "leak:", 5) == 0 && a[5])
                sp.pat[sp.n++] = a + 5;
            else
                report_bad(path, lineno, bad);
        }
        if (!eol) break;
        s = eol + 1;
    }
}

/* "0xADDR: fn (file:line)" / "0xADDR: fn (in /path)": does any part match? */
static bool frame_matches(const char *frame, const char *pat)
{
    char fn[1024], where[1024];
    const char *s = strstr(frame, ": ");
    if (!s) return false;
    s += 2;
    const char *paren = strrchr(s, '(');
    size_t fl = paren && paren > s ? (size_t)(paren - s - 1) : strlen(s);
    if (fl >= sizeof fn) fl = sizeof fn - 1;
    memcpy(fn, s, fl);
    fn[fl] = 0;
    if (hp_glob_match(pat, fn)) return true;
    if (!paren) return false;
    const char *w = paren + 1;
    if (strncmp(w, "in ", 3) == 0) w += 3;
    size_t wl = strlen(w);
    if (wl && w[wl - 1] == ')') wl--;
    if (wl >= sizeof where) wl = sizeof where - 1;
    memcpy(where, w, wl);
    where[wl] = 0;
    char *colon = strrchr(where, ':'); /* file:line -> file */
    if (colon && colon[1] >= '0' && colon[1] <= '9') *colon = 0;
    return hp_glob_match(pat, where);
}

int hp_suppress_match(const hp_stack *st, hp_sym *sym)
{
    if (!sp.n || !st) return -1;
    char frame[2048];
    for (uint32_t i = 0; i < st->n; i++) { /* frames outermost loop: LeakSanitizer's order */
        hp_sym_frame(sym, st->ips[i], hp_sym_object(st->id, st->ips[i]), frame, sizeof frame);
        for (int k = 0; k < sp.n; k++)
            if (frame_matches(frame, sp.pat[k])) return k;
    }
    return -1;
}

bool hp_suppress_stack_matches(const hp_stack *st, hp_sym *sym, const char *pattern)
{
    if (!st) return false;
    char frame[2048];
    for (uint32_t i = 0; i < st->n; i++) {
        hp_sym_frame(sym, st->ips[i], hp_sym_object(st->id, st->ips[i]), frame, sizeof frame);
        if (frame_matches(frame, pattern)) return true;
    }
    return false;
}

void hp_suppress_used(int idx, uint64_t bytes, uint64_t blocks)
{
    if (idx < 0 || idx >= sp.n) return;
    sp.used_bytes[idx] += bytes;
    sp.used_blocks[idx] += blocks;
}

void hp_suppress_reset_used(void)
{
    memset(sp.used_bytes, 0, sizeof sp.used_bytes);
    memset(sp.used_blocks, 0, sizeof sp.used_blocks);
}

void hp_suppress_print_used(void)
{
    bool any = false;
    for (int k = 0; k < sp.n && !any; k++)
        any = sp.used_blocks[k] != 0;
    if (!any) return;
    hp_log("suppressions used:", NULL, NULL);
    for (int k = 0; k < sp.n; k++) {
        if (!sp.used_blocks[k]) continue;
        char blocks[24], bytes[24], line[400];
        hp_fmt_u64(blocks, sp.used_blocks[k]);
        hp_fmt_u64(bytes, sp.used_bytes[k]);
        const char *parts[] = {
            "  ",  blocks,          sp.used_blocks[k] == 1 ? " block, " : " blocks, ",
            bytes, " bytes: leak:", sp.pat[k]};
        size_t n = 0;
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            size_t len = strlen(parts[i]);
            if (len > sizeof line - 1 - n) len = sizeof line - 1 - n; /* a long pattern is cut */
            memcpy(line + n, parts[i], len);
            n += len;
        }
        line[n] = 0;
        hp_log(line, k < N_BUILTIN ? " (built-in)" : NULL, NULL);
    }
}
