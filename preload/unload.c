/* unload.c - the dlclose interposer: heapprof's work before and after an object goes away.
 * Before the real dlclose: the object's frames in the stacks recorded so far are named
 * (symbolize.c keeps the strings: once unmapped, the object can no longer be read). After it,
 * if the loader's count of unloaded objects moved: every thread's cached unwind rules are
 * dropped (hp_unwind_forget_objects), so an object mapped later at the same address is unwound
 * with its own CFI.
 * Invariants: returns what the real dlclose returns, with its errno; heapprof's work runs with
 *             cancellation disabled (dlclose is no cancellation point; libdw's open() is one)
 *             and holds no heapprof lock across the real dlclose (destructors run there and may
 *             allocate, dlopen or dlclose).
 * Threads: any. The naming is serialised by symbolize.c's unload lock, taken after the loader
 *          lock is released (dlinfo, dl_iterate_phdr and libdw's dlopen come first). */
#include "unload.h"

#include "state.h"
#include "symbolize.h"
#include "unwind.h"

#include <errno.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <string.h>

typedef struct range_q {
    uintptr_t base;
    const char *name;
    uintptr_t lo, hi; /* the span of its PT_LOAD segments */
} range_q;

static int find_range_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    range_q *q = data;
    if (info->dlpi_addr != q->base || !info->dlpi_name || strcmp(info->dlpi_name, q->name))
        return 0;
    q->lo = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < q->lo) q->lo = a;
        if (a + ph->p_memsz > q->hi) q->hi = a + ph->p_memsz;
    }
    return 1;
}

/* The loader's count of objects unloaded so far (dlpi_subs), or ULLONG_MAX if it has none. */
static int subs_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
        *(unsigned long long *)data = info->dlpi_subs;
    return 1;
}

static unsigned long long unloads_so_far(void)
{
    unsigned long long n = ULLONG_MAX;
    dl_iterate_phdr(subs_cb, &n);
    return n;
}

/* Names the object's recorded frames while it is still mapped. */
static void before_unload(void *handle)
{
    struct link_map *lm = NULL;
    if (!handle || dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm || !lm->l_name ||
        !lm->l_name[0])
        return;
    range_q q = {.base = lm->l_addr, .name = lm->l_name};
    if (dl_iterate_phdr(find_range_cb, &q) && q.hi > q.lo)
        hp_sym_before_unload(lm->l_name, lm->l_addr, q.lo, q.hi);
}

HP_EXPORT int dlclose(void *handle)
{
    if (HP_UNLIKELY(!hp_real.dlclose)) hp_init();
    if (HP_UNLIKELY(!hp_real.dlclose)) return -1; /* only while this thread resolves them */
    int saved = errno;
    unsigned long long before = unloads_so_far();
    hp_thread *t = hp_enter();
    if (t) {
        int cs; /* hp_leave may drain the event queues: still no cancellation point */
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
        uint8_t g = hp_internal_begin(); /* libdw allocates: heapprof's own, passed through */
        before_unload(handle);
        hp_internal_end(g);
        hp_leave(t);
        pthread_setcancelstate(cs, &cs);
    }
    errno = saved;
    int r = hp_real.dlclose(handle);
    saved = errno;
    unsigned long long after = unloads_so_far();
    if (after == ULLONG_MAX || after != before) hp_unwind_forget_objects();
    errno = saved;
    return r;
}
