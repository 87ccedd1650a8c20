/* symbolize.c - frame strings with libdw (Dwfl over /proc/self/maps), C++ and Rust names
 * demangled by demangle.c (libiberty, linked in; no C++ runtime is pulled into C programs).
 * Forms: "0xADDR: fn (file:line)", "0xADDR: fn (in /path)", "0xADDR: ??? (in /path)", "0xADDR:
 * ???". Debug info: in the object, or separate by build-id under /usr/lib/debug (never the
 * network). libdw is loaded with dlopen on first use (report time, or a dlclose): a process that
 * never reports does not map it, and start-up stays as short as the program's own.
 * Owns: the names of objects unloaded by dlclose, kept for stacks recorded before the unload
 * (the section "objects unloaded by dlclose" below gives its invariants and its lock).
 * Threads: hp_sym_open .. hp_sym_close: one session at a time (the report or the leak check,
 * under the agg lock). hp_sym_before_unload: any thread, serialised by the unload lock. */
#include "symbolize.h"

#include "arena.h"
#include "config.h"
#include "demangle.h"
#include "fmt.h"
#include "sort.h"
#include "stacktab.h"
#include "state.h"

#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

/* The libdw functions used, resolved from dlopen("libdw.so.1"): filled once, then published
 * (never modified again) through dw_ptr. */
typedef struct dwfns {
    Dwfl *(*begin)(const Dwfl_Callbacks *);
    void (*end)(Dwfl *);
    int (*proc_report)(Dwfl *, pid_t);
    int (*report_end)(Dwfl *, int (*)(Dwfl_Module *, void *, const char *, Dwarf_Addr, void *),
                      void *);
    void (*report_begin)(Dwfl *);
    Dwfl_Module *(*report_elf)(Dwfl *, const char *, const char *, int, GElf_Addr, bool);
    Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
    const char *(*addrname)(Dwfl_Module *, GElf_Addr);
    const char *(*info)(Dwfl_Module *, void ***, Dwarf_Addr *, Dwarf_Addr *, Dwarf_Addr *,
                        Dwarf_Addr *, const char **, const char **);
    Dwfl_Line *(*getsrc)(Dwfl_Module *, Dwarf_Addr);
    const char *(*lineinfo)(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *, Dwarf_Word *);
    int (*getsymtab)(Dwfl_Module *);
    const char *(*getsym_info)(Dwfl_Module *, int, GElf_Sym *, GElf_Addr *, GElf_Word *, Elf **,
                               Dwarf_Addr *);
    Dwfl_Callbacks callbacks;
} dwfns;

static _Atomic(const dwfns *) dw_ptr; /* NULL until loaded */
static atomic_bool dw_failed;

static bool offline; /* hp_sym_set_offline: do not load or call libdw */

void hp_sym_set_offline(bool on)
{
    offline = on;
}

#define DW_SYM(field, name) ok &= (*(void **)&d->field = dlsym(h, name)) != NULL

/* libdw, loaded on first use from any thread, without a lock: dlopen takes the loader lock,
 * and a thread holding it (a destructor calling dlclose) may be waiting for us. Threads that
 * race each resolve their own copy; the first published wins, the others unmap theirs. */
static const dwfns *dw_load(void)
{
    const dwfns *got = hp_load_acquire(&dw_ptr);
    if (got || hp_load_relaxed(&dw_failed) || offline) return offline ? NULL : got;
    void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
    dwfns *mine = h ? hp_map(sizeof *mine) : NULL;
    if (!mine) {
        hp_store_relaxed(&dw_failed, true);
        return NULL;
    }
    dwfns *d = mine;
    bool ok = true;
    DW_SYM(begin, "dwfl_begin");
    DW_SYM(end, "dwfl_end");
    DW_SYM(proc_report, "dwfl_linux_proc_report");
    DW_SYM(report_end, "dwfl_report_end");
    DW_SYM(report_begin, "dwfl_report_begin");
    DW_SYM(report_elf, "dwfl_report_elf");
    DW_SYM(addrmodule, "dwfl_addrmodule");
    DW_SYM(addrname, "dwfl_module_addrname");
    DW_SYM(info, "dwfl_module_info");
    DW_SYM(getsrc, "dwfl_module_getsrc");
    DW_SYM(lineinfo, "dwfl_lineinfo");
    DW_SYM(getsymtab, "dwfl_module_getsymtab");
    DW_SYM(getsym_info, "dwfl_module_getsym_info");
    DW_SYM(callbacks.find_elf, "dwfl_linux_proc_find_elf");
    DW_SYM(callbacks.find_debuginfo, "dwfl_build_id_find_debuginfo");
    if (!ok) {
        hp_unmap(mine, sizeof *mine);
        hp_store_relaxed(&dw_failed, true);
        return NULL;
    }
    const dwfns *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&dw_ptr, &expected, mine, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        hp_unmap(mine, sizeof *mine); /* another thread published first: same functions */
        return expected;
    }
    return mine;
}

/* Function symbols of one module sorted by address: dwfl_module_addrname scans the whole
 * symbol table on every call, which costs seconds on a compiler's thousands of frames. */
typedef struct fsym {
    uintptr_t lo, hi;
    const char *name; /* owned by libdw, valid until dwfl_end */
} fsym;

typedef struct modsyms {
    Dwfl_Module *mod;
    fsym *v;
    size_t n, bytes;
} modsyms;

#define MAX_MODS 512

struct hp_sym {
    const dwfns *dw;
    Dwfl *dwfl;
    modsyms mods[MAX_MODS];
    size_t nmods;
};

static hp_sym sym_state;

/* ---- objects unloaded by dlclose ----
 * Record k (1-based) is one object at one address range: a return address ra with ra - 1 in
 * [lo, hi), in a stack whose id is <= cutoff, belongs to that object; its string was made
 * before the object was unmapped and is kept under (ra, k). A stack with a larger id was
 * recorded after that unload: it belongs to a later record of the range, or to whatever is
 * mapped there at report time. So an object later mapped at the same address gets its own names.
 * Invariants: rec[0..nrec) in unload order; every kept (ra, k) has 1 <= k <= nrec; a record's
 *             cutoff only grows (the same object, unloaded again from the same address).
 * Threads: un.lock guards all of it. It is held only around this state: never across the real
 *          dlclose, never while taking the loader lock (dlopen, dlsym, dl_iterate_phdr happen
 *          before it), never while waiting for agg or stacktab (stacktab reads are lock-free).
 *          Lock order: agg -> un.lock -> arena. */

typedef struct unloaded {
    uintptr_t lo, hi, base;
    uint32_t cutoff;
    const char *path; /* arena copy */
} unloaded;

typedef struct kept {
    uintptr_t ra; /* 0: empty slot */
    uint32_t obj;
    const char *name; /* NULL: libdw could not read the object */
} kept;

static struct {
    pthread_mutex_t lock;
    unloaded *rec;
    size_t nrec, rec_cap;
    atomic_size_t nrec_pub; /* nrec, read without the lock: zero means no record at all */
    kept *names;
    size_t n, cap;
    hp_sym one; /* the symbolizer of the object being unloaded (large: not on a stack) */
} un = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t kept_hash(uintptr_t ra, uint32_t obj, size_t cap)
{
    return (size_t)(((ra ^ ((uint64_t)obj << 47)) * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

static kept *kept_slot_locked(uintptr_t ra, uint32_t obj, bool add)
{
    if (add && (un.n + 1) * 2 > un.cap) {
        size_t cap = un.cap ? un.cap * 2 : 1024;
        kept *v = hp_map(cap * sizeof *v);
        if (!v) return NULL;
        for (size_t i = 0; i < un.cap; i++) {
            if (!un.names[i].ra) continue;
            size_t j = kept_hash(un.names[i].ra, un.names[i].obj, cap);
            while (v[j].ra)
                j = (j + 1) & (cap - 1);
            v[j] = un.names[i];
        }
        hp_unmap(un.names, un.cap * sizeof *v);
        un.names = v;
        un.cap = cap;
    }
    if (!un.cap) return NULL;
    size_t i = kept_hash(ra, obj, un.cap);
    while (un.names[i].ra && (un.names[i].ra != ra || un.names[i].obj != obj))
        i = (i + 1) & (un.cap - 1);
    if (!un.names[i].ra) {
        if (!add) return NULL;
        un.names[i] = (kept){.ra = ra, .obj = obj};
        un.n++;
    }
    return &un.names[i];
}

hp_sym *hp_sym_open(void)
{
    hp_sym *s = &sym_state;
    s->dw = dw_load();
    if (!s->dw) return NULL;
    s->nmods = 0; /* module indexes of an earlier session were unmapped by hp_sym_close */
    s->dwfl = s->dw->begin(&s->dw->callbacks);
    if (!s->dwfl) return NULL;
    if (s->dw->proc_report(s->dwfl, getpid()) != 0 || s->dw->report_end(s->dwfl, NULL, NULL)) {
        s->dw->end(s->dwfl);
        return NULL;
    }
    return s;
}

static modsyms *mod_syms(hp_sym *s, Dwfl_Module *m)
{
    for (size_t i = 0; i < s->nmods; i++)
        if (s->mods[i].mod == m) return &s->mods[i];
    if (s->nmods == MAX_MODS) return NULL;
    modsyms *ms = &s->mods[s->nmods++];
    *ms = (modsyms){0}; /* the slot may hold a previous session's (unmapped) index */
    ms->mod = m;
    int n = s->dw->getsymtab(m);
    if (n <= 0) return ms;
    ms->bytes = (size_t)n * sizeof(fsym);
    ms->v = hp_map(ms->bytes);
    if (!ms->v) return ms;
    for (int i = 1; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr addr;
        const char *name = s->dw->getsym_info(m, i, &sym, &addr, NULL, NULL, NULL);
        int type = GELF_ST_TYPE(sym.st_info);
        if (!name || !*name || sym.st_shndx == SHN_UNDEF || addr == 0 ||
            (type != STT_FUNC && type != STT_GNU_IFUNC && !(type == STT_NOTYPE && sym.st_size)))
            continue;
        ms->v[ms->n++] = (fsym){addr, addr + (sym.st_size ? sym.st_size : 1), name};
    }
    hp_sort_by_key(ms->v, ms->n, sizeof(fsym), offsetof(fsym, lo));
    return ms;
}

/* The function containing pc, or NULL. *indexed: all the module's symbols are in the index. */
static const char *fast_name(hp_sym *s, Dwfl_Module *m, uintptr_t pc, bool *indexed)
{
    modsyms *ms = mod_syms(s, m);
    *indexed = ms && ms->v;
    if (!ms || !ms->n || pc < ms->v[0].lo) return NULL;
    size_t lo = 0, hi = ms->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ms->v[mid].lo <= pc)
            lo = mid;
        else
            hi = mid;
    }
    /* several symbols may start at one address (aliases): any that contains pc */
    for (size_t i = lo + 1; i-- > 0 && ms->v[i].lo == ms->v[lo].lo;)
        if (pc < ms->v[i].hi) return ms->v[i].name;
    return NULL;
}

void hp_sym_close(hp_sym *s)
{
    if (s)
        for (size_t i = 0; i < s->nmods; i++)
            hp_unmap(s->mods[i].v, s->mods[i].bytes);
    if (s && s->dwfl) s->dw->end(s->dwfl);
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (k > b->cap - 1 - b->n) k = b->cap - 1 - b->n;
    memcpy(b->p + b->n, s, k);
    b->n += k;
    b->p[b->n] = 0;
}

static void put_hex(sbuf *b, uint64_t v)
{
    char out[24] = "0x";
    hp_fmt_hex(out + 2, v);
    put(b, out);
}

static void put_u(sbuf *b, unsigned long v)
{
    char out[24];
    hp_fmt_u64(out, v);
    put(b, out);
}

static void put_name(sbuf *b, const char *name)
{
    char plain[1024], readable[2048];
    const char *at = strchr(name, '@'); /* "fn@@GLIBC_2.34": drop the symbol version */
    if (at && (size_t)(at - name) < sizeof plain) {
        memcpy(plain, name, (size_t)(at - name));
        plain[at - name] = 0;
        name = plain;
    }
    bool readable_ok = hp_opt.DEMANGLE && hp_demangle(name, readable, sizeof readable);
    put(b, readable_ok ? readable : name);
}

/* The frame as the objects mapped now (those s was opened on) describe it. */
static size_t live_frame(hp_sym *s, uintptr_t ra, char *buf, size_t cap)
{
    sbuf b = {buf, 0, cap};
    buf[0] = 0;
    uintptr_t pc = ra ? ra - 1 : 0;
    put_hex(&b, pc);
    put(&b, ": ");
    Dwfl_Module *m = s ? s->dw->addrmodule(s->dwfl, pc) : NULL;
    if (!m) {
        put(&b, "???");
        return b.n;
    }
    bool indexed;
    const char *name = fast_name(s, m, pc, &indexed);
    if (!name && !indexed) /* the index has every symbol: libdw would scan them all again */
        name = s->dw->addrname(m, pc);
    const char *path = NULL, *debugfile = NULL;
    s->dw->info(m, NULL, NULL, NULL, NULL, NULL, &path, &debugfile);
    put_name(&b, name ? name : "???");
    /* Line tables of separate debug files (libc6-dbg & co.) are compressed DWARF: reading
     * them costs tens of milliseconds per process at exit. Only on request (HEAPPROF_DEBUGINFO). */
    bool separate = debugfile && path && strcmp(debugfile, path) != 0;
    bool lines = name && (!separate || strcmp(hp_opt.DEBUGINFO, "all") == 0);
    Dwfl_Line *line = lines ? s->dw->getsrc(m, pc) : NULL;
    int lineno = 0;
    const char *file = line ? s->dw->lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (file && lineno > 0) {
        const char *base = strrchr(file, '/');
        put(&b, " (");
        put(&b, base ? base + 1 : file);
        put(&b, ":");
        put_u(&b, (unsigned long)lineno);
        put(&b, ")");
    } else if (path) {
        put(&b, " (in ");
        put(&b, path);
        put(&b, ")");
    }
    return b.n;
}

size_t hp_sym_frame(hp_sym *s, uintptr_t ra, uint32_t obj, char *buf, size_t cap)
{
    if (!obj) return live_frame(s, ra, buf, cap);
    sbuf b = {buf, 0, cap};
    buf[0] = 0;
    pthread_mutex_lock(&un.lock);
    const kept *k = obj <= un.nrec ? kept_slot_locked(ra, obj, false) : NULL;
    if (k && k->name) {
        put(&b, k->name);
    } else { /* libdw could not read it at the time: say at least which object it was */
        put_hex(&b, ra ? ra - 1 : 0);
        put(&b, ": ??? (in ");
        put(&b, obj <= un.nrec ? un.rec[obj - 1].path : "an unloaded object");
        put(&b, ")");
    }
    pthread_mutex_unlock(&un.lock);
    return b.n;
}

/* ra's call instruction (ra - 1) lies inside the object */
static bool inside(const unloaded *u, uintptr_t ra)
{
    return ra > u->lo && ra <= u->hi;
}

uint32_t hp_sym_object(uint32_t sid, uintptr_t ra)
{
    if (hp_load_acquire(&un.nrec_pub) == 0) return 0; /* nothing was ever unloaded */
    uint32_t obj = 0;
    pthread_mutex_lock(&un.lock);
    for (size_t k = 0; k < un.nrec; k++)
        if (sid <= un.rec[k].cutoff && inside(&un.rec[k], ra)) {
            obj = (uint32_t)k + 1; /* the first unload after the stack was recorded */
            break;
        }
    pthread_mutex_unlock(&un.lock);
    return obj;
}

static unloaded *new_record_locked(const char *path, uintptr_t base, uintptr_t lo, uintptr_t hi,
                                   uint32_t cutoff)
{
    if (un.nrec == UINT32_MAX - 1) return NULL;
    if (un.nrec == un.rec_cap) {
        size_t cap = un.rec_cap ? un.rec_cap * 2 : 64;
        unloaded *v = hp_map(cap * sizeof *v);
        if (!v) return NULL;
        if (un.nrec) memcpy(v, un.rec, un.nrec * sizeof *v);
        hp_unmap(un.rec, un.rec_cap * sizeof *v);
        un.rec = v;
        un.rec_cap = cap;
    }
    size_t pl = strlen(path);
    char *copy = hp_arena_alloc(pl + 1);
    if (!copy) return NULL;
    memcpy(copy, path, pl + 1);
    unloaded *u = &un.rec[un.nrec++];
    *u = (unloaded){.lo = lo, .hi = hi, .base = base, .cutoff = cutoff, .path = copy};
    hp_store_release(&un.nrec_pub, un.nrec);
    return u;
}

/* un.one: a symbolizer of just the object at base (read from its file, not from memory). */
static bool open_one_locked(const dwfns *dw, const char *path, uintptr_t base)
{
    hp_sym *s = &un.one;
    memset(s, 0, sizeof *s);
    s->dw = dw;
    s->dwfl = dw->begin(&dw->callbacks);
    if (!s->dwfl) return false;
    dw->report_begin(s->dwfl);
    if (!dw->report_elf(s->dwfl, path, path, -1, base, false) ||
        dw->report_end(s->dwfl, NULL, NULL) != 0) {
        dw->end(s->dwfl);
        s->dwfl = NULL;
        return false;
    }
    return true;
}

void hp_sym_before_unload(const char *path, uintptr_t base, uintptr_t lo, uintptr_t hi)
{
    /* before the lock: dlopen takes the loader lock */
    const dwfns *dw = dw_load();
    pthread_mutex_lock(&un.lock);
    uint32_t n = hp_stacktab_count(), from = 1;
    unloaded *u = NULL;
    for (size_t k = un.nrec; k-- > 0;) /* the latest record of this address range */
        if (un.rec[k].lo < hi && lo < un.rec[k].hi) {
            u = &un.rec[k];
            break;
        }
    if (u && u->lo == lo && u->hi == hi && u->base == base && strcmp(u->path, path) == 0) {
        from = u->cutoff + 1; /* the same object again: only stacks recorded since */
        u->cutoff = n;
    } else {
        u = new_record_locked(path, base, lo, hi, n);
    }
    uint32_t obj = u ? (uint32_t)(u - un.rec) + 1 : 0;
    bool opened = false, failed = !dw || !u;
    char buf[2048];
    for (uint32_t id = from; id <= n && !failed; id++) {
        const hp_stack *st = hp_stacktab_get(id);
        for (uint32_t i = 0; st && i < st->n; i++) {
            uintptr_t ra = st->ips[i];
            if (ra <= lo || ra > hi) continue; /* the call instruction ra-1 must lie inside */
            kept *slot = kept_slot_locked(ra, obj, true);
            if (!slot || slot->name) continue;
            if (!opened) { /* only when there is something to name */
                opened = open_one_locked(dw, path, base);
                failed = !opened;
                if (failed) break;
            }
            size_t len = live_frame(&un.one, ra, buf, sizeof buf);
            char *copy = hp_arena_alloc(len + 1);
            if (copy) {
                memcpy(copy, buf, len + 1);
                slot->name = copy;
            }
        }
    }
    if (opened) hp_sym_close(&un.one);
    pthread_mutex_unlock(&un.lock);
}

void hp_sym_atfork_prepare(void)
{
    pthread_mutex_lock(&un.lock);
}

void hp_sym_atfork_parent(void)
{
    pthread_mutex_unlock(&un.lock);
}

void hp_sym_atfork_child(void)
{
    pthread_mutex_init(&un.lock, NULL);
}
