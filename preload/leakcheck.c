/* leakcheck.c - the leak check: conservative reachability over the live blocks.
 *
 * Phase 1 (reachable): roots are scanned word by word; a word that points into a live block
 * (its start or its interior) marks that block reachable, and reachable blocks are scanned in
 * turn (explicit mark stack, no recursion). Roots:
 *   - the writable PT_LOAD segments of every loaded object (globals, statics), except
 *     libheapprof.so's own;
 *   - the calling thread's registers (setjmp into its stack) and stack, from its stack pointer
 *     to the end of its mapping, and its static TLS (the mapping around the thread pointer);
 *   - the whole recorded stack of every other thread still registered as running (their
 *     registers are not available without ptrace: a value held only in another thread's
 *     register is missed, which can only make a block look leaked, never the reverse... of
 *     the calling thread's registers, which are scanned); in a fork child, also the stacks of
 *     the parent's threads that ran at the fork (inherited structs, tlbuf.h): the child keeps
 *     their memory (memcheck and LeakSanitizer do not scan them: they report what is held
 *     only there as lost);
 *   - blocks marked with heapprof_ignore() (intentional leaks): reachable, and scanned.
 * Every range except the objects' segments is clipped to the readable mappings of
 * /proc/self/maps, so guard pages and unmapped holes are never touched.
 * Phase 2 (indirect): each block still unreached is scanned; the unreached blocks it points to
 * (not itself) are indirectly lost, and so on. What remains unreached is definitely lost. As in
 * LeakSanitizer, a cycle of lost blocks with no other pointer is reported as indirectly lost.
 * Invariants: v[] sorted by lo, disjoint; a block enters the mark stack at most once per phase.
 * Threads: the caller holds the agg lock; other threads may still run (they pass through). */
#include "leakcheck.h"

#include "arena.h"
#include "config.h"
#include "fmt.h"
#include "livetab.h"
#include "log.h"
#include "sites.h"
#include "sort.h"
#include "stacktab.h"
#include "state.h"
#include "suppress.h"
#include "symbolize.h"
#include "unwind.h"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <fcntl.h>
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

enum { UNREACHED = 0, REACHABLE, INDIRECT };

#define MAPS_BYTES (1u << 20)
#define TCB_BYTES  2560 /* glibc's struct pthread on x86-64 is about 2.3 KiB */

typedef struct blk {
    uintptr_t lo, hi;
    uint32_t sid;
    uint8_t state;
    uint8_t ignored;
} blk;

typedef struct range {
    uintptr_t lo, hi;
    bool anon_rw; /* writable, private, no file: the program's mmap'd memory, stacks, arenas */
    bool guarded; /* right above an inaccessible mapping: a thread stack (live or cached) */
} range;

static struct {
    blk *v;
    size_t n, vbytes;
    uint32_t *stack;
    size_t top, sbytes;
    range *maps; /* readable mappings, sorted */
    size_t nmaps, mbytes;
    char *mapsbuf; /* /proc/self/maps' text: kept mapped until release(), so the list of
                    * mappings stays true while it is scanned */
    hp_leak_site *sites;
    size_t nsites, site_bytes;
    hp_leak_totals tot;
    bool ran;
} lk;

/* ---- the block array ---- */

/* Index of the block containing w, or SIZE_MAX. */
static size_t find(uintptr_t w)
{
    if (!lk.n || w < lk.v[0].lo || w >= lk.v[lk.n - 1].hi) return SIZE_MAX;
    size_t lo = 0, hi = lk.n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (lk.v[mid].lo <= w)
            lo = mid;
        else
            hi = mid;
    }
    return w < lk.v[lo].hi ? lo : SIZE_MAX;
}

/* glibc's allocator keeps pointers to chunk headers (the top chunk, free bins), and the header
 * of the chunk after a block sits at p + usable - 8, which can fall inside the block's last
 * requested bytes. Such a value is the allocator's, not the program's: it does not count as an
 * interior pointer. */
static bool allocator_header(size_t i, uintptr_t w)
{
    const blk *b = &lk.v[i];
    if (w == b->lo || b->hi - w > 16 || !hp_real.malloc_usable_size) return false;
    return w == b->lo + hp_real.malloc_usable_size((void *)b->lo) - 8;
}

/* Index of the first block with lo >= a (n if none). */
static size_t find_from(uintptr_t a)
{
    size_t lo = 0, hi = lk.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lk.v[mid].lo < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void scan(uintptr_t lo, uintptr_t hi, uint8_t mark, size_t self)
{
    lo = (lo + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
    for (uintptr_t p = lo; p + sizeof(uintptr_t) <= hi; p += sizeof(uintptr_t)) {
        uintptr_t w = *(const uintptr_t *)p;
        size_t i = find(w);
        if (i == SIZE_MAX || i == self || lk.v[i].state != UNREACHED) continue;
        if (allocator_header(i, w)) continue;
        lk.v[i].state = mark;
        lk.stack[lk.top++] = (uint32_t)i;
    }
}

static void flood(uint8_t mark)
{
    while (lk.top) {
        size_t i = lk.stack[--lk.top];
        scan(lk.v[i].lo, lk.v[i].hi, mark, i);
    }
}

/* ---- readable mappings (/proc/self/maps, read with read(2): no stdio, no malloc) ---- */

static uintptr_t hex(const char **s)
{
    uintptr_t v = 0;
    for (;; (*s)++) {
        char c = **s;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uintptr_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uintptr_t)(c - 'a' + 10);
        else
            return v;
    }
}

static int load_maps(void)
{
    size_t cap = MAPS_BYTES;
    char *buf = hp_map(cap);
    if (!buf) return -1;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    if (fd >= 0) {
        ssize_t r;
        while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
            n += (size_t)r;
        close(fd);
    }
    buf[n] = 0;
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    lk.mbytes = lines * sizeof(range);
    lk.maps = hp_map(lk.mbytes);
    lk.mapsbuf = buf;
    if (!lk.maps) return -1;
    uintptr_t prev_hi = 0;
    bool prev_noaccess = false;
    for (const char *s = buf; *s;) {
        uintptr_t lo = hex(&s);
        s++; /* '-' */
        uintptr_t hi = hex(&s);
        s++; /* ' ' */
        const char *perm = s;
        while (*s && *s != '\n' && *s != '/' && *s != '[')
            s++;
        bool named = *s == '/' || (*s == '[' && strncmp(s, "[anon", 5) != 0); /* [heap], [stack] */
        if (perm[0] == 'r' && lo < hi)
            lk.maps[lk.nmaps++] = (range){lo, hi, perm[1] == 'w' && perm[3] == 'p' && !named,
                                          prev_hi == lo && prev_noaccess};
        prev_hi = hi;
        prev_noaccess = perm[0] == '-' && perm[1] == '-' && perm[2] == '-';
        while (*s && *s != '\n')
            s++;
        if (*s) s++;
    }
    return 0;
}

static const range *map_of(uintptr_t a)
{
    for (size_t i = 0; i < lk.nmaps; i++)
        if (a >= lk.maps[i].lo && a < lk.maps[i].hi) return &lk.maps[i];
    return NULL;
}

/* Memory that another thread may unmap while it is scanned (anonymous mappings, other threads'
 * stacks) is read under a SIGSEGV/SIGBUS handler: a fault skips the rest of that range. Only
 * the scanning thread's faults are caught (thread-local flag); the program's own handlers are
 * restored at once. */
static __thread sigjmp_buf probe_jb __attribute__((tls_model("initial-exec")));
static __thread volatile int probing __attribute__((tls_model("initial-exec")));

static void probe_fault(int sig, siginfo_t *si, void *uc)
{
    (void)si, (void)uc;
    if (probing) siglongjmp(probe_jb, 1);
    signal(sig, SIG_DFL); /* not ours: the fault happens again, with its default effect */
}

static void scan_guarded(uintptr_t lo, uintptr_t hi)
{
    struct sigaction sa = {.sa_sigaction = probe_fault, .sa_flags = SA_SIGINFO}, old_segv, old_bus;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    if (sigsetjmp(probe_jb, 1) == 0) {
        probing = 1;
        scan(lo, hi, REACHABLE, SIZE_MAX);
    }
    probing = 0;
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
}

/* Scans only the readable parts of [lo, hi). */
static void scan_safe(uintptr_t lo, uintptr_t hi)
{
    for (size_t i = 0; i < lk.nmaps; i++) {
        uintptr_t a = lk.maps[i].lo > lo ? lk.maps[i].lo : lo;
        uintptr_t b = lk.maps[i].hi < hi ? lk.maps[i].hi : hi;
        if (a < b) scan(a, b, REACHABLE, SIZE_MAX);
    }
}

/* ---- roots ---- */

static int segments_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (hp_unwind_is_self(lo)) continue; /* heapprof's own state is not the program's */
        scan_safe(lo, hi);
    }
    return 0;
}

/* The stack pointer of the program's frame that called exit(), found by unwinding: the frames
 * below it (exit's own, the atexit handlers that already returned, _dl_fini, heapprof) are not
 * the program's state, and their unused slots hold stale copies of dead pointers. 0 if exit is
 * not on the stack (then the scan starts at the caller's frame given to hp_leakcheck_run). */
static uintptr_t caller_of_exit_sp(void)
{
    uintptr_t ex = (uintptr_t)dlsym(RTLD_DEFAULT, "exit");
    unw_context_t uc;
    unw_cursor_t c;
    if (!ex || unw_getcontext(&uc) || unw_init_local(&c, &uc)) return 0;
    for (int depth = 0; depth < 128 && unw_step(&c) > 0; depth++) {
        unw_proc_info_t pi;
        if (unw_get_proc_info(&c, &pi) == 0 && pi.start_ip == ex) {
            unw_word_t sp;
            if (unw_step(&c) <= 0 || unw_get_reg(&c, UNW_REG_SP, &sp)) return 0;
            return (uintptr_t)sp;
        }
    }
    return 0;
}

/* Called from a hook (a thread's first one): it must not call anything that can take a lock
 * that the program may hold around an allocation. pthread_getattr_np, the obvious source,
 * holds the thread's lock while it allocates (its cpu set, and for the main thread fopen of
 * /proc/self/maps): a hook reached from inside it (Rust's runtime start-up, any program that
 * asks before its first malloc) waited for that lock forever. So: two registers, no call. */
void hp_leakcheck_thread_stack(uintptr_t *sp, uintptr_t *tp)
{
    *sp = (uintptr_t)__builtin_frame_address(0);
    *tp = (uintptr_t)__builtin_thread_pointer();
}

/* A thread's stack, from what hp_leakcheck_thread_stack noted and the mappings read now.
 * glibc places every thread's descriptor (the thread pointer) at the top of its stack, in the
 * page that ends it, whether glibc mapped the stack (guard page below) or the program gave it
 * (pthread_attr_setstack: a mapping, or a heap block). The main thread's descriptor lives in
 * ld.so's TLS block instead: its stack is the mapping that holds __libc_stack_end. */
static bool thread_stack(uintptr_t sp, uintptr_t tp, uintptr_t main_end, uintptr_t *lo,
                         uintptr_t *hi)
{
    const range *m = map_of(sp);
    if (m && main_end >= m->lo && main_end < m->hi) {
        *lo = m->lo;
        *hi = m->hi;
        return true;
    }
    size_t b = find(tp);
    if (b != SIZE_MAX) {
        *lo = lk.v[b].lo;
        *hi = lk.v[b].hi;
        return true;
    }
    m = map_of(tp);
    if (!m) return false;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), top = (tp | (page - 1)) + 1;
    *lo = m->lo;
    *hi = top < m->hi ? top : m->hi; /* not into a mapping the kernel merged above it */
    return true;
}

uintptr_t hp_leakcheck_exit_caller_sp(void)
{
    return caller_of_exit_sp();
}

static HP_NOINLINE void scan_roots(const hp_thread *me, uintptr_t from_sp, const void *regs,
                                   size_t regs_size)
{
    /* The program's callee-saved registers as they were when it called into heapprof (_exit,
     * the API). At exit none: by then they hold the exit path's values, and the program's were
     * saved in frames below the caller of exit, which are not its state. */
    if (regs) scan((uintptr_t)regs, (uintptr_t)regs + regs_size, REACHABLE, SIZE_MAX);
    dl_iterate_phdr(segments_cb, NULL);
    uintptr_t sp = caller_of_exit_sp();
    if (!sp) sp = from_sp;
    if (!sp) sp = (uintptr_t)__builtin_frame_address(0);
    const range *st = map_of(sp);
    if (st) scan_safe(sp, st->hi);
    /* Static TLS sits just below the thread pointer, the thread control block (DTV pointer,
     * pthread_setspecific values) just above. Its exact size comes from ld.so; guessing wider
     * could reach into heapprof's own tables, which point at every block. */
    uintptr_t tp = (uintptr_t)__builtin_thread_pointer();
    size_t tls_size = 0, tls_align = 0;
    void (*info)(size_t *, size_t *) =
        (void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
    if (info) info(&tls_size, &tls_align);
    if (tls_size > (1u << 20)) tls_size = 0;
    scan_safe(tp - tls_size, tp + TCB_BYTES);
    /* Anonymous writable memory the program mapped itself (Python's object arenas, exited
     * threads' cached stacks, ...), as memcheck scans all client memory. Not: heapprof's own
     * mappings, and any mapping that holds a live block (the allocator's heaps, whose free
     * chunks keep stale pointers; a large block's own mapping is scanned if it is reached). */
    for (size_t i = 0; i < lk.nmaps; i++) {
        const range *m = &lk.maps[i];
        /* st: scanned from sp; guarded: thread stacks, live ones scanned below, cached ones of
         * exited threads hold only dead frames (memcheck does not scan them either) */
        if (!m->anon_rw || m->guarded || m == st || hp_arena_owns(m->lo, m->hi)) continue;
        size_t b = find_from(m->lo);
        if (b < lk.n && lk.v[b].lo < m->hi) continue;
        scan_guarded(m->lo, m->hi);
    }
    uintptr_t *main_end = (uintptr_t *)dlsym(RTLD_DEFAULT, "__libc_stack_end");
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next) {
        uintptr_t slo, shi;
        /* running, or (fork child) a thread of the parent's whose stack the child still maps;
         * a struct claimed since holds its new owner's stack (hp_tlbuf_attach) */
        bool live = hp_load_acquire(&t->state) == HP_T_ACTIVE || hp_load_relaxed(&t->inherited);
        if (t == me || !live ||
            !thread_stack(t->stack_lo, t->stack_hi, main_end ? *main_end : 0, &slo, &shi))
            continue;
        for (size_t i = 0; i < lk.nmaps; i++) { /* readable parts, guarded: it runs */
            uintptr_t a = lk.maps[i].lo > slo ? lk.maps[i].lo : slo;
            uintptr_t b = lk.maps[i].hi < shi ? lk.maps[i].hi : shi;
            if (a < b) scan_guarded(a, b);
        }
    }
    for (size_t i = 0; i < lk.n; i++)
        if (lk.v[i].ignored && lk.v[i].state == UNREACHED) {
            lk.v[i].state = REACHABLE;
            lk.stack[lk.top++] = (uint32_t)i;
        }
    flood(REACHABLE);
}

/* ---- the check ---- */

static void release(void)
{
    hp_unmap(lk.v, lk.vbytes);
    hp_unmap(lk.stack, lk.sbytes);
    hp_unmap(lk.maps, lk.mbytes);
    hp_unmap(lk.mapsbuf, MAPS_BYTES);
    lk.mapsbuf = NULL;
    lk.v = NULL;
    lk.stack = NULL;
    lk.maps = NULL;
    lk.n = lk.nmaps = lk.top = 0;
}

int hp_leakcheck_run(const hp_thread *self, uintptr_t from_sp, const void *regs, size_t regs_size)
{
    release();
    hp_unmap(lk.sites, lk.site_bytes);
    memset(&lk.tot, 0, sizeof lk.tot);
    lk.ran = false;
    size_t n = hp_livetab_count();
    lk.vbytes = (n + 1) * sizeof(blk);
    lk.sbytes = (n + 1) * sizeof(uint32_t);
    lk.nsites = hp_sites_count();
    lk.site_bytes = lk.nsites * sizeof(hp_leak_site);
    lk.v = hp_map(lk.vbytes);
    lk.stack = hp_map(lk.sbytes);
    lk.sites = hp_map(lk.site_bytes);
    if (!lk.v || !lk.stack || !lk.sites || load_maps()) {
        release();
        hp_log("leak check: out of memory; no check", NULL, NULL);
        return -1;
    }
    size_t cur = 0;
    uintptr_t addr;
    hp_block b;
    while (lk.n < n && hp_livetab_next(&cur, &addr, &b))
        lk.v[lk.n++] = (blk){addr, addr + b.size, b.sid, UNREACHED, b.ignored};
    hp_sort_by_key(lk.v, lk.n, sizeof(blk), offsetof(blk, lo));

    scan_roots(self, from_sp, regs, regs_size);
    for (size_t i = 0; i < lk.n; i++) /* phase 2: what the unreached point to is indirect */
        if (lk.v[i].state == UNREACHED) {
            scan(lk.v[i].lo, lk.v[i].hi, INDIRECT, i);
            flood(INDIRECT);
        }

    hp_suppress_load(hp_opt.SUPPRESSIONS, &lk.tot.bad_suppressions);
    hp_sym *sym = hp_suppress_count() ? hp_sym_open() : NULL;
    for (size_t i = 0; i < lk.n; i++) {
        const blk *k = &lk.v[i];
        hp_leak_site *s = &lk.sites[k->sid < lk.nsites ? k->sid : 0];
        uint64_t sz = k->hi - k->lo;
        if (k->state == REACHABLE) {
            s->rb += sz;
            s->rbk++;
        } else if (k->state == INDIRECT) {
            s->ib += sz;
            s->ibk++;
        } else {
            s->db += sz;
            s->dbk++;
        }
    }
    for (uint32_t sid = 0; sid < lk.nsites; sid++) {
        hp_leak_site *s = &lk.sites[sid];
        if (s->dbk + s->ibk) s->sup = hp_suppress_match(hp_stacktab_get(sid), sym) >= 0;
        lk.tot.rb += s->rb;
        lk.tot.rbk += s->rbk;
        if (s->sup) {
            lk.tot.sb += s->db + s->ib;
            lk.tot.sbk += s->dbk + s->ibk;
        } else {
            lk.tot.db += s->db;
            lk.tot.dbk += s->dbk;
            lk.tot.ib += s->ib;
            lk.tot.ibk += s->ibk;
        }
    }
    hp_sym_close(sym);
    release();
    lk.ran = true;
    return 0;
}

const hp_leak_site *hp_leakcheck_site(uint32_t sid)
{
    if (!lk.ran || sid >= lk.nsites) return NULL;
    const hp_leak_site *s = &lk.sites[sid];
    return s->dbk + s->ibk + s->rbk ? s : NULL;
}

const hp_leak_totals *hp_leakcheck_totals(void)
{
    return lk.ran ? &lk.tot : NULL;
}

/* ---- the report on stderr ---- */

static void line(const char *a, const char *b, const char *c)
{
    hp_log(a, b, c);
}

static void print_site(hp_sym *sym, uint32_t sid, const char *what, uint64_t bytes, uint64_t blocks)
{
    char nb[24], nk[24], frame[2048];
    hp_fmt_u64(nb, bytes);
    hp_fmt_u64(nk, blocks);
    char head[128];
    size_t n = 0;
    head[0] = 0;
    memcpy(head, nb, strlen(nb) + 1);
    n = strlen(head);
    memcpy(head + n, " bytes in ", 11);
    n += 10;
    memcpy(head + n, nk, strlen(nk) + 1);
    n = strlen(head);
    memcpy(head + n, blocks == 1 ? " block " : " blocks ", blocks == 1 ? 8 : 9);
    line(head, what, ", allocated at:");
    const hp_stack *st = hp_stacktab_get(sid);
    for (uint32_t i = 0; st && i < st->n && i < 16; i++) {
        hp_sym_frame(sym, st->ips[i], hp_sym_object(sid, st->ips[i]), frame, sizeof frame);
        line("    ", frame, NULL);
    }
}

/* Sites with something to print, biggest first (selection by repeated maximum: the number
 * of leaking sites is small, and no allocation is needed). */
static void print_class(hp_sym *sym, int cls, bool *done)
{
    for (;;) {
        uint64_t best = 0;
        uint32_t at = 0;
        for (uint32_t sid = 0; sid < lk.nsites; sid++) {
            const hp_leak_site *s = &lk.sites[sid];
            uint64_t v = cls == 0 ? (s->sup ? 0 : s->db) : cls == 1 ? (s->sup ? 0 : s->ib) : s->rb;
            if (!done[sid] && v > best) {
                best = v;
                at = sid;
            }
        }
        if (!best) return;
        done[at] = true;
        const hp_leak_site *s = &lk.sites[at];
        if (cls == 0) print_site(sym, at, "definitely lost", s->db, s->dbk);
        if (cls == 1) print_site(sym, at, "indirectly lost", s->ib, s->ibk);
        if (cls == 2) print_site(sym, at, "still reachable", s->rb, s->rbk);
    }
}

void hp_leakcheck_print(bool full)
{
    if (!lk.ran) return;
    const hp_leak_totals *t = &lk.tot;
    /* HEAPPROF_QUIET silences the clean summary, never the leaks the gate fails on */
    if (hp_opt.QUIET && !(t->dbk + t->ibk)) return;
    hp_log_set_quiet(false);
    if (t->dbk + t->ibk || full) {
        hp_sym *sym = hp_sym_open();
        size_t bytes = lk.nsites * sizeof(bool);
        bool *done = hp_map(bytes);
        if (done) {
            print_class(sym, 0, done);
            memset(done, 0, bytes);
            print_class(sym, 1, done);
            if (full) {
                memset(done, 0, bytes);
                print_class(sym, 2, done);
            }
            hp_unmap(done, bytes);
        }
        hp_sym_close(sym);
    }
    char a[24], b[24], c[24], d[24], e[24], f[24];
    hp_fmt_u64(a, t->db);
    hp_fmt_u64(b, t->dbk);
    hp_fmt_u64(c, t->ib);
    hp_fmt_u64(d, t->ibk);
    hp_fmt_u64(e, t->sb);
    hp_fmt_u64(f, t->sbk);
    char msg[400];
    size_t n = 0;
    const char *parts[] = {"leak check: ",
                           a,
                           " bytes in ",
                           b,
                           t->dbk == 1 ? " block definitely lost, " : " blocks definitely lost, ",
                           c,
                           " bytes in ",
                           d,
                           t->ibk == 1 ? " block indirectly lost, " : " blocks indirectly lost, ",
                           e,
                           " bytes in ",
                           f,
                           t->sbk == 1 ? " block suppressed" : " blocks suppressed",
                           NULL};
    for (int i = 0; parts[i]; i++) {
        size_t k = strlen(parts[i]);
        memcpy(msg + n, parts[i], k);
        n += k;
    }
    msg[n] = 0;
    line(msg, NULL, NULL);
    hp_log_set_quiet(hp_opt.QUIET);
}
