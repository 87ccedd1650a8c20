/* test_leak_agree.c - the leak gate agrees with valgrind memcheck on real programs.
 *
 * Each program runs twice on the same small input: under the gate (HEAPPROF_LEAK_CHECK=1,
 * LD_PRELOAD=HP_LIB) and under `valgrind --leak-check=full --num-callers=30
 * --show-leak-kinds=definite,indirect,possible` (memcheck run live, nothing recorded; the
 * kinds option makes memcheck print its indirectly lost records too, which (a) needs).
 *
 * The rule:
 * - A loss record's site is the function that allocated it: the first frame that is not an
 *   allocator (malloc, calloc, realloc, operator new/new[], strdup, ..., CPython's PyMem_* and
 *   PyObject_* wrappers and generic object allocators, perl's safesys*), nor in valgrind's
 *   preload or in libheapprof.so. Names are compared up to their first '(' (parameter lists).
 *   memcheck's records are read from "N bytes in K blocks are definitely|indirectly|possibly
 *   lost in loss record" and their frames; its totals from the LEAK SUMMARY (or "no leaks are
 *   possible"). The gate's sites from "heapprof: N bytes in K blocks definitely|indirectly lost,
 *   allocated at:" and their frames; its totals from "heapprof: leak check: ...".
 * (a) Every site the gate reports as definitely or indirectly lost is reported by memcheck as
 *     definitely, indirectly or possibly lost, matched by function name. Where a name cannot be
 *     compared (the frame is "???" or its object has no symbols, on either side), the fallback
 *     is by counts: the bytes and blocks of the gate's unmatched sites must not exceed those of
 *     memcheck's records without a name (the message says so). So where memcheck reports 0
 *     lost, the gate must report 0.
 * (b) In the leak programs, every definitely lost record of memcheck appears in the gate's
 *     definitely or indirectly lost list (by name; by counts when memcheck cannot name it), and
 *     memcheck's totals equal the hand-computed ones in the programs' headers.
 * (c) The gate exits with 23 iff it reports unsuppressed leaks, and otherwise with the
 *     program's native status (the one under memcheck, which keeps it). Both runs print the same
 *     stdout, which must show the program did its work (so a missing module cannot pass).
 * perl frees nothing at exit by design and is suppressed by path (docs/leak-check.md): for it
 * the gate's unsuppressed list must be empty, while memcheck's lost list may be non-empty; if it
 * is, the gate must count suppressed blocks.
 *
 * Debian's python3 turns pymalloc off under valgrind, so memcheck sees every object's malloc and
 * the gate sees pymalloc's (objects of up to 512 bytes live in mmap'd arenas): blocks are not
 * one-to-one, which is why sites are compared by function and counts only as an upper bound.
 * Missing programs fail the test with the package to install (scripts/deps.sh test).
 *
 * Time: one process per python import (each memcheck run takes 5-8 s, so they run in parallel);
 * the whole file takes about 21 s with --jobs 2 on 2 cores. */
#include "itest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEAK_STATUS 23

typedef enum { LOST_DEF, LOST_IND, LOST_POSS } lost_kind;

typedef struct rec {
    lost_kind kind;
    uint64_t bytes, blocks; /* memcheck's "N (D direct, I indirect)": D */
    char fn[512];           /* first non-allocator frame, up to its first '('; "" if unnamed */
    char frame[512];        /* that frame as printed, for messages */
    uint64_t ip;            /* that frame's address */
} rec;

typedef struct leaks {
    rec *r;
    int n, cap;
    bool summary; /* the totals were found */
    uint64_t db, dk, ib, ik, pb, pk, sb, sk;
} leaks;

static void leaks_free(leaks *l)
{
    free(l->r);
    memset(l, 0, sizeof *l);
}

/* "1,234" -> 1234; *s moves past the number. */
static uint64_t num(const char **s)
{
    uint64_t v = 0;
    while (**s == ' ')
        (*s)++;
    for (; (**s >= '0' && **s <= '9') || **s == ','; (*s)++)
        if (**s != ',') v = v * 10 + (uint64_t)(**s - '0');
    return v;
}

static uint64_t num_after(const char *s, const char *key)
{
    const char *p = strstr(s, key);
    if (!p) return 0;
    p += strlen(key);
    return num(&p);
}

static bool is_alloc_fn(const char *fn)
{
    static const char *fns[] = {
        "malloc", "calloc", "realloc", "reallocarray", "memalign", "posix_memalign",
        "aligned_alloc", "valloc", "pvalloc", "operator new", "operator new[]", "strdup", "strndup",
        "__strdup", "__strndup", "wcsdup",
        /* CPython's allocator wrappers and its generic object allocators: every object of every
         * type is made through them, so the caller names the site */
        "PyMem_RawMalloc", "PyMem_RawCalloc", "PyMem_RawRealloc", "PyMem_Malloc", "PyMem_Calloc",
        "PyMem_Realloc", "PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc",
        "_PyObject_Malloc", "_PyObject_Calloc", "_PyObject_Realloc", "_PyMem_RawMalloc",
        "_PyMem_RawCalloc", "_PyMem_RawRealloc", "_PyObject_GC_New", "_PyObject_GC_NewVar",
        "_PyObject_GC_Malloc", "_PyObject_GC_Calloc", "gc_alloc", "PyType_GenericAlloc",
        "_PyType_AllocNoTrack",
        /* perl's */
        "Perl_safesysmalloc", "Perl_safesyscalloc", "Perl_safesysrealloc", NULL};
    for (int i = 0; fns[i]; i++)
        if (!strcmp(fn, fns[i])) return true;
    return strncmp(fn, "_PyMem_Debug", 12) == 0;
}

/* A frame's text after "0xADDR: " -> its function name up to the first '(' (not a leading
 * one), in fn ("" if "???"); the object path of "(in /path)" in obj. */
static void frame_fn(const char *text, char *fn, size_t fn_cap, char *obj, size_t obj_cap)
{
    const char *loc = strrchr(text, '(');
    while (loc && loc > text && loc[-1] != ' ') /* the location is "name (where)" */
        loc = memrchr(text, '(', (size_t)(loc - text));
    size_t n = loc && loc > text ? (size_t)(loc - 1 - text) : strlen(text);
    const char *cut = n > 1 ? memchr(text + 1, '(', n - 1) : NULL;
    if (cut) n = (size_t)(cut - text);
    snprintf(fn, fn_cap, "%.*s", (int)n, text);
    if (!strcmp(fn, "???")) fn[0] = 0;
    obj[0] = 0;
    if (loc && !strncmp(loc, "(in ", 4))
        snprintf(obj, obj_cap, "%.*s", (int)strcspn(loc + 4, ")"), loc + 4);
}

/* Feeds one frame (its address and its text after "0xADDR: ") to the current record: the
 * first frame that is neither an allocator nor in an allocator's object sets its site. memcheck
 * prints a frame per inlined function, all at the IP of the function they were inlined into,
 * innermost first; heapprof prints that function only. So the last frame at the IP chosen is the
 * one compared (*state: 0 looking, 1 chosen, 2 sealed). */
static void rec_frame(rec *r, int *state, uint64_t ip, const char *text)
{
    if (*state == 2 || (*state == 1 && ip != r->ip)) {
        *state = 2;
        return;
    }
    char fn[512], obj[512];
    frame_fn(text, fn, sizeof fn, obj, sizeof obj);
    if (strstr(obj, "vgpreload") || strstr(obj, "libheapprof")) return;
    if (fn[0] && is_alloc_fn(fn)) return;
    snprintf(r->fn, sizeof r->fn, "%s", fn);
    snprintf(r->frame, sizeof r->frame, "%.*s", (int)strcspn(text, "\n"), text);
    r->ip = ip;
    *state = 1;
}

static rec *rec_new(leaks *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->r = realloc(l->r, (size_t)l->cap * sizeof *l->r);
    }
    rec *r = &l->r[l->n++];
    memset(r, 0, sizeof *r);
    return r;
}

/* A frame line's text after "0xADDR: " (and the address in *ip), or NULL if line (past its
 * prefix) is no frame. */
static const char *frame_text(const char *s, uint64_t *ip)
{
    while (*s == ' ')
        s++;
    if (!strncmp(s, "at ", 3) || !strncmp(s, "by ", 3)) s += 3;
    if (strncmp(s, "0x", 2)) return NULL;
    *ip = strtoull(s, NULL, 16);
    const char *c = strstr(s, ": ");
    return c ? c + 2 : NULL;
}

/* Parses memcheck's stderr (lines "==PID== ..."). */
static leaks parse_memcheck(const char *err)
{
    leaks l = {0};
    rec *cur = NULL;
    int state = 0;
    for (const char *line = err; line && *line;) {
        const char *eol = strchr(line, '\n');
        char buf[2048];
        snprintf(buf, sizeof buf, "%.*s", (int)(eol ? eol - line : (long)strlen(line)), line);
        line = eol ? eol + 1 : NULL;
        if (strncmp(buf, "==", 2)) continue; /* the program's own stderr */
        char *s = strstr(buf + 2, "== ");
        if (!s) continue;
        s += 3;
        uint64_t ip = 0;
        const char *f = cur ? frame_text(s, &ip) : NULL;
        if (f) {
            rec_frame(cur, &state, ip, f);
            continue;
        }
        cur = NULL;
        const char *kinds[] = {" are definitely lost in loss record",
                               " are indirectly lost in loss record",
                               " are possibly lost in loss record"};
        for (int k = 0; k < 3; k++) {
            if (!strstr(s, kinds[k])) continue;
            cur = rec_new(&l);
            state = 0;
            cur->kind = (lost_kind)k;
            const char *p = s;
            cur->bytes = num(&p);
            if (*p == ' ' && p[1] == '(') { /* "N (D direct, I indirect) bytes" */
                p += 2;
                cur->bytes = num(&p);
            }
            cur->blocks = num_after(p, " bytes in ");
        }
        if (strstr(s, "no leaks are possible")) l.summary = true;
        if (strstr(s, "definitely lost: ")) {
            l.db = num_after(s, "definitely lost: ");
            l.dk = num_after(s, " bytes in ");
            l.summary = true;
        }
        if (strstr(s, "indirectly lost: ")) {
            l.ib = num_after(s, "indirectly lost: ");
            l.ik = num_after(s, " bytes in ");
        }
        if (strstr(s, "possibly lost: ")) {
            l.pb = num_after(s, "possibly lost: ");
            l.pk = num_after(s, " bytes in ");
        }
        if (strstr(s, "suppressed: ") && strstr(s, " blocks")) {
            l.sb = num_after(s, "suppressed: ");
            l.sk = num_after(s, " bytes in ");
        }
    }
    return l;
}

/* Parses the gate's stderr (lines "heapprof: ..."). */
static leaks parse_gate(const char *err)
{
    leaks l = {0};
    rec *cur = NULL;
    int state = 0;
    for (const char *line = err; line && *line;) {
        const char *eol = strchr(line, '\n');
        char buf[2048];
        snprintf(buf, sizeof buf, "%.*s", (int)(eol ? eol - line : (long)strlen(line)), line);
        line = eol ? eol + 1 : NULL;
        if (strncmp(buf, "heapprof: ", 10)) continue;
        const char *s = buf + 10;
        uint64_t ip = 0;
        const char *f = cur && *s == ' ' ? frame_text(s, &ip) : NULL;
        if (f) {
            rec_frame(cur, &state, ip, f);
            continue;
        }
        cur = NULL;
        if (!strncmp(s, "leak check: ", 12) && strstr(s, "definitely lost, ")) { /* the summary */
            const char *p = s + 12;
            l.db = num(&p);
            l.dk = num_after(p, " bytes in ");
            p = strstr(p, "definitely lost, ");
            if (!p) continue;
            p += 17;
            l.ib = num(&p);
            l.ik = num_after(p, " bytes in ");
            p = strstr(p, "indirectly lost, ");
            if (!p) continue;
            p += 17;
            l.sb = num(&p);
            l.sk = num_after(p, " bytes in ");
            l.summary = strstr(p, "suppressed") != NULL;
            continue;
        }
        bool def = strstr(s, " definitely lost, allocated at:") != NULL;
        if (!def && !strstr(s, " indirectly lost, allocated at:")) continue;
        cur = rec_new(&l);
        state = 0;
        cur->kind = def ? LOST_DEF : LOST_IND;
        const char *p = s;
        cur->bytes = num(&p);
        cur->blocks = num_after(p, " bytes in ");
    }
    return l;
}

static const char *kind_name(lost_kind k)
{
    return k == LOST_DEF ? "definitely" : k == LOST_IND ? "indirectly" : "possibly";
}

/* Does l hold a record of function fn (named) of one of the kinds in mask (1 << kind)? */
static bool has_fn(const leaks *l, const char *fn, unsigned mask)
{
    for (int i = 0; i < l->n; i++)
        if ((mask >> l->r[i].kind & 1) && l->r[i].fn[0] && !strcmp(l->r[i].fn, fn)) return true;
    return false;
}

/* Checks that every record of `from` (kinds in from_mask) is among the records of `in` (kinds
 * in in_mask) by name; the rest, by counts against the unnamed records of `in`. */
static void expect_covered(const char *what, const leaks *from, unsigned from_mask, const leaks *in,
                           unsigned in_mask, const char *from_err, const char *in_err)
{
    uint64_t left_b = 0, left_k = 0, pool_b = 0, pool_k = 0;
    char left[2048] = "";
    for (int i = 0; i < in->n; i++)
        if ((in_mask >> in->r[i].kind & 1) && !in->r[i].fn[0]) {
            pool_b += in->r[i].bytes;
            pool_k += in->r[i].blocks;
        }
    for (int i = 0; i < from->n; i++) {
        const rec *r = &from->r[i];
        if (!(from_mask >> r->kind & 1)) continue;
        if (r->fn[0] && has_fn(in, r->fn, in_mask)) continue;
        if (r->fn[0] && pool_b == 0) {
            cr_expect(false,
                      "%s: %lu bytes in %lu blocks %s lost at %s: not in the other's list\n"
                      "--- this side:\n%s\n--- the other:\n%s",
                      what, (unsigned long)r->bytes, (unsigned long)r->blocks, kind_name(r->kind),
                      r->frame, from_err, in_err);
            continue;
        }
        left_b += r->bytes;
        left_k += r->blocks;
        size_t n = strlen(left);
        snprintf(left + n, sizeof left - n, " [%lu B %s lost at %s]", (unsigned long)r->bytes,
                 kind_name(r->kind), r->fn[0] ? r->frame : "???");
    }
    if (left_b == 0 && left_k == 0) return;
    cr_expect(left_b <= pool_b && left_k <= pool_k,
              "%s: not matched by name (a frame is ??? or unsymbolised), so by counts: %lu bytes "
              "in %lu blocks%s, but the other side has only %lu bytes in %lu blocks without a "
              "name\n--- this side:\n%s\n--- the other:\n%s",
              what, (unsigned long)left_b, (unsigned long)left_k, left, (unsigned long)pool_b,
              (unsigned long)pool_k, from_err, in_err);
}

typedef struct agree_case {
    const char *name;
    const char *const *argv;
    bool leaky;              /* a leak program: (b) applies */
    bool perl;               /* suppressed by path: the comparison of the header */
    const char *stdout_has;  /* proof of work: both runs' stdout contains it (NULL: non-empty) */
    uint64_t db, dk, ib, ik; /* leak programs: memcheck's hand-computed totals */
} agree_case;

static void need(const char *path, const char *pkg)
{
    cr_assert(access(path, X_OK) == 0,
              "%s is missing: install the Debian package %s (scripts/deps.sh test)", path, pkg);
}

static void need_valgrind(void)
{
    const char *argv[] = {"valgrind", "--version", NULL};
    it_run r;
    cr_assert_eq(it_exec(argv, NULL, NULL, 30, &r), 0);
    bool ok = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
    it_run_free(&r);
    cr_assert(ok,
              "valgrind is missing: install the Debian package valgrind (scripts/deps.sh test)");
}

static void agree(const agree_case *c)
{
    need_valgrind();
    it_run g, m;
    const char *env[] = {"HEAPPROF_LEAK_CHECK=1", NULL};
    cr_assert_eq(it_exec_hp(c->argv, env, it_tmpdir(), &g), 0);
    const char *v[32] = {"valgrind", "--leak-check=full", "--num-callers=30",
                         "--show-leak-kinds=definite,indirect,possible"};
    int n = 4;
    for (const char *const *a = c->argv; *a && n < 31; a++)
        v[n++] = *a;
    v[n] = NULL;
    cr_assert_eq(it_exec(v, NULL, NULL, 150, &m), 0);
    cr_log_info("%s: gate %.2f s, memcheck %.2f s", c->name, g.secs, m.secs);

    leaks gl = parse_gate(g.err), ml = parse_memcheck(m.err);
    cr_assert(WIFEXITED(m.status) && ml.summary, "%s: memcheck did not finish its leak check:\n%s",
              c->name, m.err);
    cr_assert(WIFEXITED(g.status) && gl.summary, "%s: the gate did not finish (status %d):\n%s",
              c->name, g.status, g.err);
    int native = WEXITSTATUS(m.status);
    cr_expect_str_eq(g.out, m.out, "%s: the same stdout under both", c->name);
    cr_expect(c->stdout_has ? strstr(m.out, c->stdout_has) != NULL : m.out[0] != 0,
              "%s: the program did not do its work (stdout \"%s\", status %d):\n%s", c->name, m.out,
              native, m.err);

    /* the gate's own list is complete: its sites add up to its summary */
    uint64_t sd = 0, si = 0;
    for (int i = 0; i < gl.n; i++)
        *(gl.r[i].kind == LOST_DEF ? &sd : &si) += gl.r[i].bytes;
    cr_expect(sd == gl.db && si == gl.ib, "%s: the gate's sites (%lu, %lu) vs its summary:\n%s",
              c->name, (unsigned long)sd, (unsigned long)si, g.err);

    /* (c) */
    bool leaked = gl.db + gl.ib > 0;
    int gs = WEXITSTATUS(g.status);
    cr_expect_eq(gs, leaked ? LEAK_STATUS : native,
                 "%s: the gate exits %d; it reports %lu+%lu bytes lost, native status %d:\n%s",
                 c->name, gs, (unsigned long)gl.db, (unsigned long)gl.ib, native, g.err);

    if (c->perl) {
        cr_expect(!leaked, "%s: perl is suppressed by path, yet the gate reports:\n%s", c->name,
                  g.err);
        if (ml.db + ml.ib + ml.pb > 0)
            cr_expect(gl.sk > 0,
                      "%s: memcheck reports %lu bytes lost, the gate suppresses none:\n%s", c->name,
                      (unsigned long)(ml.db + ml.ib + ml.pb), g.err);
        cr_log_info("%s: memcheck lost %lu+%lu+%lu bytes; gate suppressed %lu bytes in %lu blocks",
                    c->name, (unsigned long)ml.db, (unsigned long)ml.ib, (unsigned long)ml.pb,
                    (unsigned long)gl.sb, (unsigned long)gl.sk);
    } else {
        /* (a) */
        char what[128];
        snprintf(what, sizeof what, "%s: (a) gate -> memcheck", c->name);
        expect_covered(what, &gl, 1u << LOST_DEF | 1u << LOST_IND, &ml, 7u, g.err, m.err);
        if (ml.db + ml.ib + ml.pb == 0)
            cr_expect(!leaked, "%s: memcheck reports 0 bytes lost, the gate %lu+%lu:\n%s", c->name,
                      (unsigned long)gl.db, (unsigned long)gl.ib, g.err);
    }
    if (c->leaky) {
        /* (b), and memcheck's totals are the hand-computed ones */
        char what[128];
        snprintf(what, sizeof what, "%s: (b) memcheck -> gate", c->name);
        expect_covered(what, &ml, 1u << LOST_DEF, &gl, 1u << LOST_DEF | 1u << LOST_IND, m.err,
                       g.err);
        cr_expect(ml.db == c->db && ml.dk == c->dk && ml.ib == c->ib && ml.ik == c->ik,
                  "%s: memcheck's totals %lu/%lu %lu/%lu, the program's header says %lu/%lu "
                  "%lu/%lu:\n%s",
                  c->name, (unsigned long)ml.db, (unsigned long)ml.dk, (unsigned long)ml.ib,
                  (unsigned long)ml.ik, (unsigned long)c->db, (unsigned long)c->dk,
                  (unsigned long)c->ib, (unsigned long)c->ik, m.err);
    }
    cr_log_info("%s: gate %lu/%lu def %lu/%lu ind (status %d); memcheck %lu/%lu def %lu/%lu ind "
                "%lu/%lu poss (status %d)",
                c->name, (unsigned long)gl.db, (unsigned long)gl.dk, (unsigned long)gl.ib,
                (unsigned long)gl.ik, gs, (unsigned long)ml.db, (unsigned long)ml.dk,
                (unsigned long)ml.ib, (unsigned long)ml.ik, (unsigned long)ml.pb,
                (unsigned long)ml.pk, native);
    leaks_free(&gl);
    leaks_free(&ml);
    it_run_free(&g);
    it_run_free(&m);
}

#define PY "/usr/bin/python3"

static void python_import(const char *mod)
{
    need(PY, "python3");
    char code[256];
    snprintf(code, sizeof code, "import %s; print('imported', %s.__name__)", mod, mod);
    char want[128];
    snprintf(want, sizeof want, "imported %s\n", mod);
    const char *argv[] = {PY, "-c", code, NULL};
    agree(&(agree_case){.name = mod, .argv = argv, .stdout_has = want});
}

Test(leak_agree, python_ctypes, .timeout = 180)
{
    python_import("ctypes");
}
Test(leak_agree, python_decimal, .timeout = 180)
{
    python_import("decimal");
}
Test(leak_agree, python_ssl, .timeout = 180)
{
    python_import("ssl");
}
Test(leak_agree, python_sqlite3, .timeout = 180)
{
    python_import("sqlite3");
}

Test(leak_agree, python_threads, .timeout = 180)
{
    need(PY, "python3");
    const char *argv[] = {PY, "-c",
                          "import threading\n"
                          "out = []\n"
                          "def work(n):\n"
                          "    d = {i: str(i) * 3 for i in range(n)}\n"
                          "    l = [bytearray(64 + i) for i in range(n)]\n"
                          "    out.append(len(d) + len(l))\n"
                          "ts = [threading.Thread(target=work, args=(300,)) for _ in range(4)]\n"
                          "for t in ts: t.start()\n"
                          "for t in ts: t.join()\n"
                          "print('threads', sum(out))\n",
                          NULL};
    agree(&(agree_case){.name = "python threads", .argv = argv, .stdout_has = "threads 2400\n"});
}

Test(leak_agree, perl, .timeout = 180)
{
    need("/usr/bin/perl", "perl");
    const char *argv[] = {"/usr/bin/perl", "-e",
                          "my %h; $h{$_} = \"v$_\" for 1 .. 200;"
                          "my @m = sort grep { /^v1\\d$/ } values %h;"
                          "print join(',', @m), \"\\n\";",
                          NULL};
    agree(&(agree_case){.name = "perl",
                        .argv = argv,
                        .perl = true,
                        .stdout_has = "v10,v11,v12,v13,v14,v15,v16,v17,v18,v19\n"});
}

Test(leak_agree, sqlite3_cli, .timeout = 180)
{
    need("/usr/bin/sqlite3", "sqlite3");
    cr_assert(access("tests/progs/agree.sql", R_OK) == 0, "run from the repository root");
    const char *argv[] = {"/usr/bin/sqlite3", ":memory:", ".read tests/progs/agree.sql", NULL};
    agree(&(agree_case){.name = "sqlite3", .argv = argv});
}

Test(leak_agree, cxx_containers, .timeout = 180)
{
    const char *argv[] = {it_prog("agree_cxx"), NULL};
    agree(&(agree_case){.name = "agree_cxx", .argv = argv, .stdout_has = "10 200 24 30\n"});
}

Test(leak_agree, c_own_arena, .timeout = 180)
{
    const char *argv[] = {it_prog("agree_arena"), NULL};
    agree(&(agree_case){.name = "agree_arena", .argv = argv, .stdout_has = "20 links, string 63"});
}

Test(leak_agree, c_leaks, .timeout = 180)
{
    const char *argv[] = {it_prog("agree_leaks"), NULL};
    /* agree_leaks.c's header: 100 + 16 + 48 definite in 3 blocks; 256 indirect in 1 */
    agree(&(agree_case){.name = "agree_leaks",
                        .argv = argv,
                        .leaky = true,
                        .stdout_has = "kept 10\n",
                        .db = 164,
                        .dk = 3,
                        .ib = 256,
                        .ik = 1});
}

Test(leak_agree, cxx_leaks, .timeout = 180)
{
    const char *argv[] = {it_prog("agree_leaks_cxx"), NULL};
    /* agree_leaks_cxx.cc's header: Widget 48 + vector 24 + int[25] 100 definite in 3 blocks;
     * the vector's buffer indirect: 50 longs pushed one by one end in a 64-long buffer */
    agree(&(agree_case){.name = "agree_leaks_cxx",
                        .argv = argv,
                        .leaky = true,
                        .stdout_has = "kept 8\n",
                        .db = 172,
                        .dk = 3,
                        .ib = 512,
                        .ik = 1});
}
