/* suppress.c - LeakSanitizer-format suppressions. The file is read with read(2) into mmap'd
 * memory and split in place; patterns point into it. No malloc, no stdio.
 * Invariants: pat[0..n) are NUL-terminated, non-empty. */
#include "suppress.h"

#include "arena.h"
#include "fmt.h"
#include "glob.h"
#include "log.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define MAX_PATTERNS 1024

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

static struct {
    bool loaded;
    const char *pat[MAX_PATTERNS];
    int n;
} sp = {.pat = {DEFAULT_PATTERNS}, .n = 12};
#define N_BUILTIN 12

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

void hp_suppress_load(const char *path, int *bad)
{
    if (sp.loaded || !path || !*path) return;
    sp.loaded = true;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        hp_log("cannot read the suppressions file ", path, "; no suppressions");
        (*bad)++;
        return;
    }
    size_t cap = 1 << 20;
    char *buf = hp_map(cap);
    size_t n = 0;
    ssize_t r;
    while (buf && n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    if (!buf) return;
    buf[n] = 0;
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
    for (uint32_t i = 0; i < st->n; i++) {
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

static struct {
    uint64_t bytes, blocks;
} used[MAX_PATTERNS];

void hp_suppress_used(int idx, uint64_t bytes, uint64_t blocks)
{
    if (idx < 0 || idx >= sp.n) return;
    used[idx].bytes += bytes;
    used[idx].blocks += blocks;
}

void hp_suppress_reset_used(void)
{
    memset(used, 0, sizeof used);
}

void hp_suppress_print_used(void)
{
    bool head = false;
    for (int k = 0; k < sp.n; k++) {
        if (!used[k].blocks) continue;
        if (!head) hp_log("suppressions used (blocks, bytes, pattern):", NULL, NULL);
        head = true;
        char a[24], b[24], line[200];
        hp_fmt_u64(a, used[k].blocks);
        hp_fmt_u64(b, used[k].bytes);
        size_t n = 0;
        const char *parts[] = {"  ", a, " ", b, " ", sp.pat[k], k < N_BUILTIN ? " (built-in)" : "", NULL};
        for (int i = 0; parts[i]; i++) {
            size_t l = strlen(parts[i]);
            if (n + l >= sizeof line) l = sizeof line - 1 - n;
            memcpy(line + n, parts[i], l);
            n += l;
        }
        line[n] = 0;
        hp_log(line, NULL, NULL);
    }
}
