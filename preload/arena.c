/* arena.c - heapprof's own memory: mmap-backed chunks carved by a bump pointer.
 * Never malloc: malloc is us, and re-entering it from a hook would record ourselves.
 * Invariants: cur <= end; every returned pointer is 16-byte aligned and zero-filled;
 *             mapped == bytes currently mapped by this module.
 * Threads: one mutex, taken only when a module needs new permanent memory (rare: a new
 * stack, a new thread, a new event segment when no recycled one is left). */
#include "arena.h"

#include <pthread.h>
#include <sys/mman.h>

#define CHUNK (1u << 20)

static struct {
    pthread_mutex_t lock;
    char *cur, *end;
    atomic_size_t mapped;
} ar = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Registry of heapprof's own mappings, so the leak check never takes them for the program's
 * memory (they hold every block's address). A spin lock: hp_map may run under ar.lock. */
#define MAX_MAPS 8192
static struct {
    atomic_flag busy;
    uintptr_t lo[MAX_MAPS], hi[MAX_MAPS];
    size_t n;
    bool overflow;
} reg = {.busy = ATOMIC_FLAG_INIT};

static void reg_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&reg.busy, memory_order_acquire))
        ;
}

static void reg_unlock(void)
{
    atomic_flag_clear_explicit(&reg.busy, memory_order_release);
}

/* Notes [p, p + size) in the registry; under its lock. */
static void reg_add_locked(void *p, size_t size)
{
    if (reg.n < MAX_MAPS) {
        reg.lo[reg.n] = (uintptr_t)p;
        reg.hi[reg.n++] = (uintptr_t)p + size;
    } else {
        reg.overflow = true;
    }
}

void *hp_map(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    hp_fetch_add_relaxed(&ar.mapped, size);
    reg_lock();
    reg_add_locked(p, size);
    reg_unlock();
    return p;
}

void *hp_map_nowait(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    /* The registry's holder may be the code this handler interrupted: a bounded wait. */
    for (int i = 0; atomic_flag_test_and_set_explicit(&reg.busy, memory_order_acquire); i++) {
        if (i == 10000) {
            munmap(p, size);
            return NULL;
        }
        __builtin_ia32_pause();
    }
    reg_add_locked(p, size);
    reg_unlock();
    hp_fetch_add_relaxed(&ar.mapped, size);
    return p;
}

void hp_unmap(void *p, size_t size)
{
    if (!p || munmap(p, size) != 0) return;
    atomic_fetch_sub_explicit(&ar.mapped, size, memory_order_relaxed);
    reg_lock();
    for (size_t i = 0; i < reg.n; i++)
        if (reg.lo[i] == (uintptr_t)p) {
            reg.lo[i] = reg.lo[--reg.n];
            reg.hi[i] = reg.hi[reg.n];
            break;
        }
    reg_unlock();
}

bool hp_arena_owns(uintptr_t lo, uintptr_t hi)
{
    bool own = false;
    reg_lock();
    own = reg.overflow;
    for (size_t i = 0; i < reg.n && !own; i++)
        own = reg.lo[i] < hi && lo < reg.hi[i];
    reg_unlock();
    return own;
}

size_t hp_arena_ranges(uintptr_t *lo, uintptr_t *hi, size_t max)
{
    reg_lock();
    size_t n = reg.overflow ? SIZE_MAX : reg.n;
    for (size_t i = 0; i < reg.n && i < max; i++) {
        lo[i] = reg.lo[i];
        hi[i] = reg.hi[i];
    }
    reg_unlock();
    return n;
}

void *hp_arena_alloc(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size >= CHUNK / 4) return hp_map(size);
    pthread_mutex_lock(&ar.lock);
    if ((size_t)(ar.end - ar.cur) < size) {
        char *c = hp_map(CHUNK);
        if (!c) {
            pthread_mutex_unlock(&ar.lock);
            return NULL;
        }
        ar.cur = c; /* the tail of the old chunk is abandoned: < CHUNK/4 per chunk */
        ar.end = c + CHUNK;
    }
    void *p = ar.cur;
    ar.cur += size;
    pthread_mutex_unlock(&ar.lock);
    return p;
}

size_t hp_arena_mapped(void)
{
    return hp_load_relaxed(&ar.mapped);
}

void hp_arena_atfork_prepare(void)
{
    pthread_mutex_lock(&ar.lock);
}

void hp_arena_atfork_parent(void)
{
    pthread_mutex_unlock(&ar.lock);
}

void hp_arena_atfork_child(void)
{
    pthread_mutex_init(&ar.lock, NULL);
}
