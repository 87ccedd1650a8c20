/* heapprof.h - the C API of heapprof, for tests that assert on their own heap.
 *
 * Works whether or not the program runs under libheapprof.so: the functions below are inline
 * wrappers around weak references to symbols that only the preloaded library defines. Without
 * the library the references are NULL and every call is a cheap no-op returning -1 ("not
 * profiled"). No linking flag is needed; include the header and call.
 *
 *   struct heapprof_stats s0, s1;
 *   heapprof_stats(&s0);  f();  heapprof_stats(&s1);
 *   assert(s1.live_bytes == s0.live_bytes);      // f() allocates no net memory
 *
 * All counts follow docs/report-format.md (exact, all threads, merged in time order). */
#ifndef HEAPPROF_H
#define HEAPPROF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct heapprof_stats {
    uint64_t live_bytes, live_blocks;   /* allocated now */
    uint64_t total_bytes, total_blocks; /* allocated since the start (reallocs included) */
    uint64_t peak_bytes, peak_blocks;   /* the global maximum so far */
};

/* Exported by libheapprof.so only. */
__attribute__((weak)) int heapprof_get_stats(struct heapprof_stats *out);
__attribute__((weak)) long heapprof_check_leaks(void);
__attribute__((weak)) int heapprof_ignore_block(const void *p);
__attribute__((weak)) void heapprof_set_recording(int on);
__attribute__((weak)) int heapprof_dump_report(const char *path);

/* 1 if the program runs under libheapprof.so, 0 if not. */
static inline int heapprof_active(void)
{
    return heapprof_get_stats != 0;
}

/* Fills *out with the heap's numbers now. 0, or -1 if not profiled. */
static inline int heapprof_stats(struct heapprof_stats *out)
{
    return heapprof_get_stats ? heapprof_get_stats(out) : -1;
}

/* Runs the leak check now (docs/leak-check.md): prints the leaking sites on stderr and returns
 * the number of leaked blocks (definitely + indirectly lost, unsuppressed). Never exits.
 * -1 if not profiled, or if the check could not conclude (it says why on stderr). */
static inline long heapprof_leak_check(void)
{
    return heapprof_check_leaks ? heapprof_check_leaks() : -1;
}

/* Marks the block p (as returned by malloc/new) as an intentional leak: never reported, and
 * what it points to counts as reachable. 0, -1 if p is not a live block or not profiled. */
static inline int heapprof_ignore(const void *p)
{
    return heapprof_ignore_block ? heapprof_ignore_block(p) : -1;
}

/* Stops / resumes recording this thread's allocations (nests). Frees are always recorded, so
 * blocks allocated before stay exact. */
static inline void heapprof_disable(void)
{
    if (heapprof_set_recording) heapprof_set_recording(0);
}

static inline void heapprof_enable(void)
{
    if (heapprof_set_recording) heapprof_set_recording(1);
}

/* Writes a report now to path (replaced if it exists). 0, or -1 (see stderr; or not profiled). */
static inline int heapprof_dump(const char *path)
{
    return heapprof_dump_report ? heapprof_dump_report(path) : -1;
}

#ifdef __cplusplus
}
#endif

#endif
