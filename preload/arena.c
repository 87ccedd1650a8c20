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

void *hp_map(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    hp_fetch_add_relaxed(&ar.mapped, size);
    return p;
}

void hp_unmap(void *p, size_t size)
{
    if (p && munmap(p, size) == 0)
        atomic_fetch_sub_explicit(&ar.mapped, size, memory_order_relaxed);
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
