/* real.c - the real functions behind heapprof's interposers, and the bootstrap buffer.
 * One table names every real function heapprof calls: its symbol, its slot in hp_real, and
 * whether the process can be profiled without it. All are resolved once, in hp_init, with
 * dlsym(RTLD_NEXT): no interposer resolves lazily or per call (dlsym allocates and takes the
 * loader lock: neither belongs in an exec, an _exit or a signal handler). The one exception is
 * a failure path: libstdc++'s operator new, when libstdc++ was loaded after start-up (a C
 * program that dlopens a C++ library) and an allocation failed (hp_real_late).
 * The bootstrap buffer serves the allocations dlsym makes while the table is being filled.
 * It also notes whose malloc the program calls (RTLD_DEFAULT): not ours when another allocator
 * is preloaded before heapprof or linked into the program (hp_real_front_malloc).
 * Owns: hp_real, hp_real_front_malloc, the bootstrap buffer. A leaf: it calls dlsym and nothing of
 * heapprof's. Invariant: after hp_real_resolve() returned true, every required slot is non-NULL.
 * Threads: resolution runs once (hp_init's CAS); the buffer is a lock-free bump allocator. */
#include "state.h"

#include "sample.h"

#include <dlfcn.h>
#include <link.h> /* ElfW */
#include <stddef.h>

hp_real_fns hp_real;
const char *hp_real_front_malloc;

static const struct real_sym {
    const char *name;
    size_t slot; /* offset in hp_real */
    bool required;
} syms[] = {
#define REAL(field, sym, req)                                                                      \
    {                                                                                              \
        sym, offsetof(hp_real_fns, field), req                                                     \
    }
    REAL(malloc, "malloc", true),
    REAL(free, "free", true),
    REAL(calloc, "calloc", true),
    REAL(realloc, "realloc", true),
    REAL(memalign, "memalign", false),
    REAL(posix_memalign, "posix_memalign", false),
    REAL(aligned_alloc, "aligned_alloc", false),
    REAL(valloc, "valloc", false),
    REAL(pvalloc, "pvalloc", false),
    REAL(malloc_usable_size, "malloc_usable_size", false),
#define N_MALLOC_FAMILY 10 /* the entries above: one allocator's functions */
    REAL(dlclose, "dlclose", false),
    /* the ends of an image (exits.c): if missing, the system call */
    REAL(_exit, "_exit", false),
    REAL(execve, "execve", false),
    REAL(execvpe, "execvpe", false),
    REAL(fexecve, "fexecve", false),
    REAL(execveat, "execveat", false),
    /* libstdc++'s operators new: the failure path of ours (new_handler, bad_alloc) */
    REAL(new_[HP_NEW], "_Znwm", false),
    REAL(new_[HP_NEW_ARR], "_Znam", false),
    REAL(new_[HP_NEW_NT], "_ZnwmRKSt9nothrow_t", false),
    REAL(new_[HP_NEW_ARR_NT], "_ZnamRKSt9nothrow_t", false),
    REAL(new_[HP_NEW_AL], "_ZnwmSt11align_val_t", false),
    REAL(new_[HP_NEW_ARR_AL], "_ZnamSt11align_val_t", false),
    REAL(new_[HP_NEW_AL_NT], "_ZnwmSt11align_val_tRKSt9nothrow_t", false),
    REAL(new_[HP_NEW_ARR_AL_NT], "_ZnamSt11align_val_tRKSt9nothrow_t", false),
#undef REAL
};

static void **slot_of(const struct real_sym *s)
{
    return (void **)((char *)&hp_real + s->slot);
}

/* True if a symbol is defined at f (its object in *info). Not a non-PIE program's canonical
 * PLT entry for an imported function (python3's for malloc): dlsym returns that address, and
 * dladdr matches it with the undefined symbol (st_shndx == SHN_UNDEF, st_value != 0); calling
 * it jumps back to the first definition, ours. */
static bool defined_at(void *f, Dl_info *info)
{
    const ElfW(Sym) *sym = NULL;
    return dladdr1(f, info, (void **)&sym, RTLD_DL_SYMENT) && info->dli_fname && sym &&
           sym->st_shndx != SHN_UNDEF && info->dli_saddr == f;
}

bool hp_real_resolve(void)
{
    bool ok = true;
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        *slot_of(&syms[i]) = dlsym(RTLD_NEXT, syms[i].name);
        ok &= !syms[i].required || *slot_of(&syms[i]) != NULL;
    }
    /* Our own malloc and the one the program resolves: two objects when something comes first
     * (dladdr only reads the loader's tables; l_name stays valid while the object is loaded) */
    Dl_info front, self;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    if (m && defined_at(m, &front) && dladdr((void *)hp_real_resolve, &self) &&
        front.dli_fbase != self.dli_fbase) {
        hp_real_front_malloc = front.dli_fname[0] ? front.dli_fname : "the program";
        /* The program's blocks come from that allocator: what still reaches our hooks
         * (reallocarray, operator new) must go to it too, where it defines the function
         * (RTLD_DEFAULT finds ours otherwise: keep RTLD_NEXT's then) */
        for (size_t i = 0; i < N_MALLOC_FAMILY; i++) {
            void *f = dlsym(RTLD_DEFAULT, syms[i].name);
            Dl_info fi;
            if (f && defined_at(f, &fi) && fi.dli_fbase != self.dli_fbase) *slot_of(&syms[i]) = f;
        }
    }
    return ok;
}

void *hp_real_late(void **slot)
{
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (slot_of(&syms[i]) == slot && !*slot) *slot = dlsym(RTLD_NEXT, syms[i].name);
    return *slot;
}

static struct {
    _Alignas(16) char boot[256 << 10];
    atomic_size_t boot_used;
} in;

/* ---- bootstrap buffer: [size_t size][pad to align][payload] ---- */

void *hp_boot_alloc(size_t size, size_t align)
{
    if (align < 16) align = 16;
    size_t need = size + align + 16;
    size_t at = atomic_fetch_add_explicit(&in.boot_used, need, memory_order_relaxed);
    if (at + need > sizeof in.boot) return NULL;
    uintptr_t p = ((uintptr_t)in.boot + at + 16 + align - 1) & ~(uintptr_t)(align - 1);
    ((size_t *)p)[-1] = size;
    /* sampling mode's free tests this filter byte alone first (sample.h): never "not sampled" */
    hp_store_relaxed(&hp_sample_filt[hp_sample_hash(p)], 255);
    return (void *)p;
}

bool hp_boot_owns(const void *p)
{
    return (const char *)p >= in.boot && (const char *)p < in.boot + sizeof in.boot;
}

size_t hp_boot_size(const void *p)
{
    return ((const size_t *)p)[-1];
}
