/* symbolize.c - frame strings with libdw (Dwfl over /proc/self/maps), demangled through the
 * program's own __cxa_demangle when it has one (no C++ runtime is pulled into C programs).
 * Forms: "0xADDR: fn (file:line)", "0xADDR: fn (in /path)", "0xADDR: ??? (in /path)", "0xADDR: ???".
 * Debug info: in the object, or separate by build-id under /usr/lib/debug (never the network). */
#include "symbolize.h"

#include "state.h"

#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <string.h>
#include <unistd.h>

typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

struct hp_sym {
    Dwfl *dwfl;
    demangle_fn demangle;
};

static hp_sym sym_state;

static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
};

hp_sym *hp_sym_open(void)
{
    hp_sym *s = &sym_state;
    s->dwfl = dwfl_begin(&callbacks);
    if (!s->dwfl)
        return NULL;
    if (dwfl_linux_proc_report(s->dwfl, getpid()) != 0 || dwfl_report_end(s->dwfl, NULL, NULL)) {
        dwfl_end(s->dwfl);
        return NULL;
    }
    s->demangle = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
    return s;
}

void hp_sym_close(hp_sym *s)
{
    if (s && s->dwfl)
        dwfl_end(s->dwfl);
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (k > b->cap - 1 - b->n)
        k = b->cap - 1 - b->n;
    memcpy(b->p + b->n, s, k);
    b->n += k;
    b->p[b->n] = 0;
}

static void put_hex(sbuf *b, uint64_t v)
{
    char tmp[20], out[20];
    size_t i = 0;
    do {
        tmp[i++] = "0123456789ABCDEF"[v & 15];
        v >>= 4;
    } while (v);
    for (size_t j = 0; j < i; j++)
        out[j] = tmp[i - 1 - j];
    out[i] = 0;
    put(b, "0x");
    put(b, out);
}

static void put_u(sbuf *b, unsigned long v)
{
    char tmp[24], out[24];
    size_t i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t j = 0; j < i; j++)
        out[j] = tmp[i - 1 - j];
    out[i] = 0;
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
        if (d)
            hp_real.free(d);
    }
    put(b, name);
}

size_t hp_sym_frame(hp_sym *s, uintptr_t ra, char *buf, size_t cap)
{
    sbuf b = {buf, 0, cap};
    buf[0] = 0;
    uintptr_t pc = ra ? ra - 1 : 0;
    put_hex(&b, pc);
    put(&b, ": ");
    Dwfl_Module *m = s ? dwfl_addrmodule(s->dwfl, pc) : NULL;
    if (!m) {
        put(&b, "???");
        return b.n;
    }
    const char *name = dwfl_module_addrname(m, pc);
    const char *path = NULL;
    dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, &path, NULL);
    put_name(&b, s, name ? name : "???");
    Dwfl_Line *line = name ? dwfl_module_getsrc(m, pc) : NULL;
    int lineno = 0;
    const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
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
