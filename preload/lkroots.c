/* lkroots.c - the leak check's root classes (lkroots.h).
 * Invariants: ex[0..nex) are ranges already scanned or never to be scanned as the program's
 * memory (sorted before hp_lkroots_mappings uses them).
 * Threads: one check at a time; other threads may run: every read goes through lkread. */
#include "lkroots.h"

#include "arena.h"
#include "lkalloc.h"
#include "lkblocks.h"
#include "lkmaps.h"
#include "lkread.h"
#include "lkscan.h"
#include "sort.h"
#include "unwind.h"

#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_EX     65536
#define TCB_BYTES  2560         /* glibc's struct pthread on x86-64 is about 2.3 KiB */
#define DESC_SCAN  (16u * 1024) /* a thread's descriptor is in the top of its stack mapping */
#define DESC_LIMIT 4096         /* where its tid may be, from the descriptor's start */

typedef struct span {
    uintptr_t lo, hi;
} span;

static struct {
    span *ex; /* MAX_EX */
    size_t nex;
    span *tmp;      /* MAX_EX: one mapping's exclusions */
    uintptr_t *tps; /* descriptors of threads already scanned */
    size_t ntps;
    size_t tid_off; /* the tid's offset in glibc's struct pthread, 0 if unknown */
} rt;

static void exclude(uintptr_t lo, uintptr_t hi)
{
    if (lo < hi && rt.nex < MAX_EX) rt.ex[rt.nex++] = (span){lo, hi};
}

int hp_lkroots_begin(void)
{
    hp_lkroots_end();
    rt.ex = hp_map(MAX_EX * sizeof(span));
    rt.tmp = hp_map(MAX_EX * sizeof(span));
    rt.tps = hp_map(MAX_EX * sizeof(uintptr_t));
    if (!rt.ex || !rt.tmp || !rt.tps) return -1;
    /* heapprof's own mappings: they hold every block's address */
    uintptr_t *lo = (uintptr_t *)rt.tmp, *hi = lo + MAX_EX / 2;
    size_t n = hp_arena_ranges(lo, hi, MAX_EX / 2);
    for (size_t i = 0; i < n && i < MAX_EX / 2; i++)
        exclude(lo[i], hi[i]);
    /* (the stack this check runs on is heapprof's: finish.c's own, registered above, or the
     * caller's, which hp_lkroots_this_thread scans from the program's frame up) */
    return 0;
}

void hp_lkroots_end(void)
{
    hp_unmap(rt.ex, MAX_EX * sizeof(span));
    hp_unmap(rt.tmp, MAX_EX * sizeof(span));
    hp_unmap(rt.tps, MAX_EX * sizeof(uintptr_t));
    rt.ex = rt.tmp = NULL;
    rt.tps = NULL;
    rt.nex = rt.ntps = 0;
}

void hp_lkroots_registers(const void *regs, size_t size)
{
    if (regs) hp_lkscan_root(LKR_REGISTERS, NULL, (uintptr_t)regs, (uintptr_t)regs + size);
}

/* ---- globals ---- */

static int segments_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        /* the .bss past the file shows as anonymous memory: the page-rounded span is this
         * object's */
        uintptr_t pg = HP_LKREAD_PAGE - 1;
        exclude(lo & ~pg, (hi + pg) & ~pg);
        if (hp_unwind_is_self(lo)) continue; /* heapprof's own state is not the program's */
        const char *name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : "(main program)";
        hp_lkscan_root(LKR_GLOBALS, name, lo, hi);
    }
    return 0;
}

void hp_lkroots_globals(void)
{
    dl_iterate_phdr(segments_cb, NULL);
}

/* ---- the calling thread ---- */

void hp_lkroots_this_thread(uintptr_t exit_caller_sp, uintptr_t from_sp)
{
    uintptr_t sp = exit_caller_sp ? exit_caller_sp : from_sp;
    if (!sp) sp = (uintptr_t)__builtin_frame_address(0);
    const hp_lkmap *st = hp_lkmaps_of(sp);
    if (st) {
        hp_lkscan_root(LKR_STACK, st->name, sp, st->hi);
        exclude(st->lo, st->hi);
    }
    /* Static TLS sits just below the thread pointer, the thread control block (DTV pointer,
     * pthread_setspecific values) just above. Its exact size comes from ld.so; guessing wider
     * could reach into heapprof's own tables, which point at every block. */
    uintptr_t tp = (uintptr_t)__builtin_thread_pointer();
    size_t tls_size = 0, tls_align = 0;
    void (*info)(size_t *, size_t *) =
        (void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
    if (info) info(&tls_size, &tls_align);
    if (tls_size > (1u << 20)) tls_size = 0;
    hp_lkscan_root(LKR_TLS, NULL, tp - tls_size, tp + TCB_BYTES);
    exclude(tp - tls_size, tp + TCB_BYTES);
    if (rt.ntps < MAX_EX) rt.tps[rt.ntps++] = tp;
}

/* ---- other threads ---- */

/* A thread's stack, from the address in it and the thread pointer noted at its first hook.
 * glibc places every thread's descriptor (the thread pointer) at the top of its stack, in the
 * page that ends it, whether glibc mapped the stack (guard page below) or the program gave it
 * (pthread_attr_setstack: a mapping, or a heap block). The main thread's descriptor lives in
 * ld.so's TLS block instead: its stack is the mapping that holds __libc_stack_end. */
static bool thread_stack(uintptr_t sp, uintptr_t tp, uintptr_t main_end, uintptr_t *lo,
                         uintptr_t *hi, uintptr_t *map_lo, uintptr_t *map_hi)
{
    const hp_lkmap *m = hp_lkmaps_of(sp);
    if (m && main_end >= m->lo && main_end < m->hi) {
        *lo = *map_lo = m->lo;
        *hi = *map_hi = m->hi;
        return true;
    }
    size_t b = hp_lkb_find(tp);
    if (b != SIZE_MAX) {
        *lo = *map_lo = hp_lkb_at(b)->lo;
        *hi = *map_hi = hp_lkb_at(b)->hi;
        return true;
    }
    m = hp_lkmaps_of(tp);
    if (!m) return false;
    uintptr_t top = (tp + TCB_BYTES + HP_LKREAD_PAGE - 1) & ~(uintptr_t)(HP_LKREAD_PAGE - 1);
    *lo = *map_lo = m->lo;
    *hi = top < m->hi ? top : m->hi; /* not into a mapping the kernel merged above it */
    *map_hi = m->hi;
    return true;
}

/* The offset of the tid in glibc's struct pthread: from the descriptor glibc exports for
 * libthread_db (_thread_db_pthread_tid: size in bits, count, offset; glibc >= 2.34), else found
 * in the calling thread's own descriptor. Tids are small where pid_max is (32768 on many
 * machines, and the counter wraps): a tid below 1000 is too small to tell from a flag, so
 * without glibc's descriptor the search stays conservative (every thread taken as live). */
static void find_tid_offset(void)
{
    rt.tid_off = 0;
    const uint32_t *d = (const uint32_t *)dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid");
    if (d && d[0] == 32 && d[1] == 1 && d[2] >= 64 && d[2] < DESC_LIMIT) {
        rt.tid_off = d[2];
        return;
    }
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (tid < 1000) return; /* too small to tell from a flag: stay conservative */
    uintptr_t tp = (uintptr_t)__builtin_thread_pointer();
    int32_t v[DESC_LIMIT / 4];
    size_t got = hp_lkread(tp, v, sizeof v);
    for (size_t k = 512 / 4; k < got / 4; k++)
        if (v[k] == tid) {
            rt.tid_off = k * 4;
            return;
        }
}

static bool known_tp(uintptr_t tp)
{
    for (size_t i = 0; i < rt.ntps; i++)
        if (rt.tps[i] == tp) return true;
    return false;
}

/* A glibc thread descriptor in the top of mapping m: tcbhead_t starts with two pointers to
 * itself (tcb at 0, self at 16). 0 if none. */
static uintptr_t descriptor_in(const hp_lkmap *m, uintptr_t *buf, size_t cap)
{
    size_t len = m->hi - m->lo < cap ? m->hi - m->lo : cap;
    uintptr_t at = m->hi - len;
    size_t got = hp_lkread(at, buf, len);
    if (got != len) return 0;
    for (size_t k = 0; k + 2 < len / sizeof(uintptr_t); k++) {
        uintptr_t a = at + k * sizeof(uintptr_t);
        if (buf[k] == a && buf[k + 2] == a) return a;
    }
    return 0;
}

void hp_lkroots_threads(const hp_thread *me)
{
    uintptr_t *main_end = (uintptr_t *)dlsym(RTLD_DEFAULT, "__libc_stack_end");
    for (hp_thread *t = hp_tlbuf_first(); t; t = t->next) {
        uintptr_t lo, hi, mlo, mhi;
        /* running, or (fork child) a thread of the parent's whose stack the child still maps;
         * a struct claimed since holds its new owner's stack (hp_tlbuf_attach) */
        bool live = hp_load_acquire(&t->state) == HP_T_ACTIVE || hp_load_relaxed(&t->inherited);
        if (t == me || !live ||
            !thread_stack(t->stack_lo, t->stack_hi, main_end ? *main_end : 0, &lo, &hi, &mlo, &mhi))
            continue;
        hp_lkscan_root(LKR_THREAD,
                       hp_load_relaxed(&t->inherited) ? "(the parent's, at fork)" : NULL, lo, hi);
        exclude(mlo, mhi);
        if (rt.ntps < MAX_EX) rt.tps[rt.ntps++] = t->stack_hi;
    }
    /* Threads that never called an allocation function, and stacks glibc caches for reuse
     * after a thread exits (dead frames: memcheck does not scan them either): told apart by
     * the descriptor's tid, which the kernel clears when the thread exits. */
    find_tid_offset();
    uintptr_t *buf = (uintptr_t *)rt.tmp; /* DESC_SCAN bytes; tmp is free until mappings */
    pid_t pid = getpid();
    for (size_t i = 0; i < hp_lkmaps_count(); i++) {
        const hp_lkmap *m = hp_lkmaps_at(i);
        if (m->kind != LKM_ANON || !m->readable || !m->writable) continue;
        uintptr_t tp = descriptor_in(m, buf, DESC_SCAN);
        if (!tp || known_tp(tp)) continue;
        int32_t tid = 0;
        bool live = true; /* without the offset, a thread of unknown state: scanned */
        if (rt.tid_off && hp_lkread(tp + rt.tid_off, &tid, sizeof tid) == sizeof tid)
            live = tid > 0 && syscall(SYS_tgkill, pid, tid, 0) == 0;
        uintptr_t top = (tp + TCB_BYTES + HP_LKREAD_PAGE - 1) & ~(uintptr_t)(HP_LKREAD_PAGE - 1);
        if (top > m->hi) top = m->hi;
        if (live)
            hp_lkscan_root(LKR_THREAD, "(a thread that never allocated)", m->lo, top);
        else
            hp_lkscan_skip("stack of an exited thread, kept for reuse", m->name, m->lo, m->hi);
        exclude(m->lo, m->hi);
        if (rt.ntps < MAX_EX) rt.tps[rt.ntps++] = tp;
    }
}

/* ---- the program's own mappings ---- */

static void add_tmp(size_t *n, uintptr_t lo, uintptr_t hi, bool *full)
{
    if (*n < MAX_EX)
        rt.tmp[(*n)++] = (span){lo, hi};
    else
        *full = true;
}

/* The allocator's parts of mapping m and what other classes covered, into tmp (sorted).
 * False if m holds memory of an allocator whose layout is unknown (then m is not scanned). */
static bool exclusions_of(const hp_lkmap *m, size_t *n)
{
    bool full = false;
    *n = 0;
    for (size_t i = 0; i < rt.nex; i++) /* ex is sorted: the overlapping ones */
        if (rt.ex[i].lo < m->hi && m->lo < rt.ex[i].hi) add_tmp(n, rt.ex[i].lo, rt.ex[i].hi, &full);
    size_t heaps_from = *n;
    uintptr_t base = (m->lo + HP_LKALLOC_HEAP_MAX - 1) & ~(uintptr_t)(HP_LKALLOC_HEAP_MAX - 1);
    for (uintptr_t hhi; base < m->hi; base += HP_LKALLOC_HEAP_MAX)
        if (hp_lkalloc_arena_heap(base, &hhi)) add_tmp(n, base, hhi, &full);
    size_t heaps_to = *n;
    for (size_t b = hp_lkb_first_from(m->lo); b < hp_lkb_count(); b++) {
        const hp_lkblk *k = hp_lkb_at(b);
        if (k->lo >= m->hi) break;
        bool in_heap = false;
        for (size_t h = heaps_from; h < heaps_to && !in_heap; h++)
            in_heap = k->lo >= rt.tmp[h].lo && k->lo < rt.tmp[h].hi;
        if (in_heap) continue;
        uintptr_t clo, chi;
        if (hp_lkalloc_mmapped_chunk(k->lo, &clo, &chi))
            add_tmp(n, clo, chi, &full);
        else
            return false; /* an allocator's arena of unknown layout: its free memory is stale */
    }
    if (full) return false;
    hp_sort_by_key(rt.tmp, *n, sizeof(span), offsetof(span, lo));
    return true;
}

void hp_lkroots_mappings(void)
{
    hp_sort_by_key(rt.ex, rt.nex, sizeof(span), offsetof(span, lo));
    for (size_t i = 0; i < hp_lkmaps_count(); i++) {
        const hp_lkmap *m = hp_lkmaps_at(i);
        if (!m->readable) continue;
        if (m->kind == LKM_HEAP) {
            hp_lkscan_skip("the allocator's brk heap", m->name, m->lo, m->hi);
            continue;
        }
        if (m->kind != LKM_ANON && !(m->kind == LKM_FILE && m->writable)) continue;
        size_t n;
        if (!exclusions_of(m, &n)) {
            hp_lkscan_skip("the allocator's memory", m->name, m->lo, m->hi);
            continue;
        }
        hp_lkr_class c = m->kind == LKM_ANON ? LKR_ANON : LKR_FILEMAP;
        uintptr_t p = m->lo;
        for (size_t k = 0; k <= n && p < m->hi; k++) {
            uintptr_t end = k < n ? rt.tmp[k].lo : m->hi;
            if (end > m->hi) end = m->hi;
            if (end > p) hp_lkscan_root(c, m->name, p, end);
            if (k < n && rt.tmp[k].hi > p) p = rt.tmp[k].hi;
        }
    }
}

void hp_lkroots_ignored(void)
{
    for (size_t i = 0; i < hp_lkb_count(); i++) {
        const hp_lkblk *k = hp_lkb_at(i);
        if (k->ignored && k->state == LK_UNREACHED)
            hp_lkscan_root_block(i, LKR_IGNORED, LK_REACHABLE);
    }
}
