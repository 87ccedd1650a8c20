/* symbolize.c - frame strings with libdw (Dwfl over /proc/self/maps), demangled through the
 * program's own __cxa_demangle when it has one (no C++ runtime is pulled into C programs).
 * Forms: "0xADDR: fn (file:line)", "0xADDR: fn (in /path)", "0xADDR: ??? (in /path)", "0xADDR:
 * ???". Debug info: in the object, or separate by build-id under /usr/lib/debug (never the
 * network). libdw is loaded with dlopen on first use (report time, or a dlclose): a process that
 * never reports does not map it, and start-up stays as short as the program's own. */
#include "symbolize.h"

#include "arena.h"
#include "config.h"
#include "fmt.h"
#include "sort.h"
#include "stacktab.h"
#include "state.h"

#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

/* The libdw functions used, resolved from dlopen("libdw.so.1"). */
static struct {
    bool tried, ok;
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
} dw;

#define DW_SYM(field, name) ok &= (*(void **)&dw.field = dlsym(h, name)) != NULL

static bool offline; /* hp_sym_set_offline: do not load or call libdw */

void hp_sym_set_offline(bool on)
{
    offline = on;
}

static bool dw_load(void)
{
    if (offline) return false;
    if (dw.tried) return dw.ok;
    dw.tried = true;
    void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) return false;
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
    dw.ok = ok;
    return ok;
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
    Dwfl *dwfl;
    demangle_fn demangle;
    modsyms mods[MAX_MODS];
    size_t nmods;
};

static hp_sym sym_state;

/* Frames of unloaded objects: return address -> string, kept for the report. */
static struct {
    uintptr_t *key;
    char **val;
    size_t cap, n;
} unl;

static char **unl_slot(uintptr_t ra, bool add)
{
    if (add && unl.n + 1 > unl.cap / 2) {
        size_t cap = unl.cap ? unl.cap * 2 : 1024;
        uintptr_t *k = hp_map(cap * sizeof *k);
        char **v = hp_map(cap * sizeof *v);
        if (!k || !v) return NULL;
        for (size_t i = 0; i < unl.cap; i++) {
            if (!unl.key[i]) continue;
            size_t j = (unl.key[i] * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
            while (k[j])
                j = (j + 1) & (cap - 1);
            k[j] = unl.key[i];
            v[j] = unl.val[i];
        }
        hp_unmap(unl.key, unl.cap * sizeof *k);
        hp_unmap(unl.val, unl.cap * sizeof *v);
        unl.key = k;
        unl.val = v;
        unl.cap = cap;
    }
    if (!unl.cap) return NULL;
    size_t i = (ra * 0x9E3779B97F4A7C15ull >> 20) & (unl.cap - 1);
    while (unl.key[i] && unl.key[i] != ra)
        i = (i + 1) & (unl.cap - 1);
    if (!unl.key[i]) {
        if (!add) return NULL;
        unl.key[i] = ra;
        unl.n++;
    }
    return &unl.val[i];
}

hp_sym *hp_sym_open(void)
{
    hp_sym *s = &sym_state;
    if (!dw_load()) return NULL;
    s->nmods = 0; /* module indexes of an earlier session were unmapped by hp_sym_close */
    s->dwfl = dw.begin(&dw.callbacks);
    if (!s->dwfl) return NULL;
    if (dw.proc_report(s->dwfl, getpid()) != 0 || dw.report_end(s->dwfl, NULL, NULL)) {
        dw.end(s->dwfl);
        return NULL;
    }
    s->demangle = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
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
    int n = dw.getsymtab(m);
    if (n <= 0) return ms;
    ms->bytes = (size_t)n * sizeof(fsym);
    ms->v = hp_map(ms->bytes);
    if (!ms->v) return ms;
    for (int i = 1; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr addr;
        const char *name = dw.getsym_info(m, i, &sym, &addr, NULL, NULL, NULL);
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
    if (s && s->dwfl) dw.end(s->dwfl);
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

static void put_name(sbuf *b, hp_sym *s, const char *name)
{
    char plain[1024];
    const char *at = strchr(name, '@'); /* "fn@@GLIBC_2.34": drop the symbol version */
    if (at && (size_t)(at - name) < sizeof plain) {
        memcpy(plain, name, (size_t)(at - name));
        plain[at - name] = 0;
        name = plain;
    }
    if (s->demangle && name[0] == '_' && name[1] == 'Z') {
        int st = -1;
        char *d = s->demangle(name, NULL, NULL, &st);
        if (d && st == 0) {
            put(b, d);
            hp_real.free(d);
            return;
        }
        if (d) hp_real.free(d);
    }
    put(b, name);
}

size_t hp_sym_frame(hp_sym *s, uintptr_t ra, char *buf, size_t cap)
{
    sbuf b = {buf, 0, cap};
    buf[0] = 0;
    char **kept = unl_slot(ra, false);
    if (kept && *kept) {
        put(&b, *kept);
        return b.n;
    }
    uintptr_t pc = ra ? ra - 1 : 0;
    put_hex(&b, pc);
    put(&b, ": ");
    Dwfl_Module *m = s ? dw.addrmodule(s->dwfl, pc) : NULL;
    if (!m) {
        put(&b, "???");
        return b.n;
    }
    bool indexed;
    const char *name = fast_name(s, m, pc, &indexed);
    if (!name && !indexed) /* the index has every symbol: libdw would scan them all again */
        name = dw.addrname(m, pc);
    const char *path = NULL, *debugfile = NULL;
    dw.info(m, NULL, NULL, NULL, NULL, NULL, &path, &debugfile);
    put_name(&b, s, name ? name : "???");
    /* Line tables of separate debug files (libc6-dbg & co.) are compressed DWARF: reading
     * them costs tens of milliseconds per process at exit. Only on request (HEAPPROF_DEBUGINFO). */
    bool separate = debugfile && path && strcmp(debugfile, path) != 0;
    bool lines = name && (!separate || strcmp(hp_opt.DEBUGINFO, "all") == 0);
    Dwfl_Line *line = lines ? dw.getsrc(m, pc) : NULL;
    int lineno = 0;
    const char *file = line ? dw.lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
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

void hp_sym_before_unload(const char *path, uintptr_t base, uintptr_t lo, uintptr_t hi)
{
    if (!dw_load()) return;
    static hp_sym one; /* large (module table): not on the stack */
    memset(&one, 0, sizeof one);
    one.dwfl = dw.begin(&dw.callbacks);
    if (!one.dwfl) return;
    dw.report_begin(one.dwfl);
    if (!dw.report_elf(one.dwfl, path, path, -1, base, false) ||
        dw.report_end(one.dwfl, NULL, NULL) != 0) {
        dw.end(one.dwfl);
        return;
    }
    one.demangle = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
    char buf[2048];
    uint32_t n = hp_stacktab_count();
    for (uint32_t id = 1; id <= n; id++) {
        const hp_stack *st = hp_stacktab_get(id);
        for (uint32_t i = 0; st && i < st->n; i++) {
            uintptr_t ra = st->ips[i];
            if (ra <= lo || ra > hi) continue; /* the call instruction ra-1 must lie inside */
            char **slot = unl_slot(ra, true);
            if (!slot || *slot) continue;
            size_t len = hp_sym_frame(&one, ra, buf, sizeof buf);
            char *copy = hp_arena_alloc(len + 1);
            if (copy) {
                memcpy(copy, buf, len + 1);
                *slot = copy;
            }
        }
    }
    hp_sym_close(&one);
}
