/* sample.h - sampling mode (HEAPPROF_SAMPLE=R): which allocations are recorded, and how many
 * blocks each recorded one stands for.
 * Which: a Poisson process over allocated bytes with mean R, per thread (tcmalloc's and
 * jemalloc's rule). Each thread counts down the bytes left to its next sample point; an
 * allocation of n bytes that reaches it is sampled, and the next distance is drawn afresh from
 * Exp(R) from the block's end (the process is memoryless, so the remainder is not carried).
 * Hence P(a block of s bytes is sampled) = 1 - e^(-s/R), whatever came before it.
 * How many: a sampled block of s bytes stands for w(s) = 1 / (1 - e^(-s/R)) blocks of s bytes
 * (Horvitz-Thompson: dividing by the inclusion probability makes every sum over blocks
 * unbiased: E[sum over sampled of w(s) f(block)] = sum over all of f(block)). The counters stay
 * integers: the consumer adds k = floor(w) or floor(w) + 1, the latter with probability
 * frac(w), decided by a hash of the block's birth stamp, size and site, so the free of the same
 * block subtracts the same k without storing it (E[k] = w, still unbiased).
 * Frees: only a sampled block's free is recorded. The sampled addresses live in a set under a
 * mutex; a free first reads one byte of a counting filter (hash of the address -> number of
 * sampled live blocks hashing there, sticky at 255), lock-free: zero means "not sampled".
 * Invariants: p in the set <=> p's last allocation was sampled and recorded and its free not
 *             yet seen; filt[h] >= #{p in set : hash(p) == h} (== below 255).
 * Threads: the countdown is the thread's own (hp_tls); the set takes its lock only in a hook
 *          (guard set), and a signal handler nested in a hook only try-locks it. */
#ifndef HP_SAMPLE_H
#define HP_SAMPLE_H

#include "state.h"

#define HP_SAMPLE_FILT_BITS 14 /* 16 KiB of filter: L1-resident on the free path */

/* Mean bytes between samples; 0: exact mode (every allocation recorded). Set once at start-up. */
extern uint64_t hp_sample_rate;
extern _Atomic uint8_t hp_sample_filt[1u << HP_SAMPLE_FILT_BITS];

/* Parses HEAPPROF_SAMPLE (hp_opt.SAMPLE): bytes with an optional K, M or G suffix; 0 or empty:
 * off. A bad value: one line and exact mode. -1: no memory for the set (exact mode). */
int hp_sample_init(void);
/* "512K"-style text of the rate, for messages. */
const char *hp_sample_rate_text(void);

/* The hot test: true when an allocation of n bytes on this thread is not sampled; then its
 * bytes are counted and the caller calls the real allocator directly. False: the caller takes
 * the hook's slow path (a sample point, or the thread's first allocation), which calls
 * hp_sample_take. It needs no test of the mode: in exact mode sample_left stays 0 (only
 * hp_sample_take, called in sampling mode only, sets it). Nor of the guard: a call from inside
 * heapprof or from a signal handler nested in a hook would pass through unrecorded anyway; it
 * only moves the thread's next sample point (a handler's update may be lost: the same). */
static inline bool hp_sample_skip(size_t n)
{
    hp_tls *l = &hp_tls_v;
    if (HP_LIKELY(n < l->sample_left)) {
        l->sample_left -= n;
        return true;
    }
    return false;
}
/* In a hook: decides for an allocation of n bytes (draws the thread's first distance, or the
 * next one after a sample). True: sample it. */
bool hp_sample_take(size_t n);

/* The filter byte of an address: 16-byte granules folded over 256 KiB windows, so that frees of
 * neighbouring blocks read neighbouring filter bytes (few lines in the cache); the fold mixes
 * the window in, so blocks at the same offset of different windows (page-aligned large blocks)
 * spread too. */
static inline size_t hp_sample_hash(uintptr_t p)
{
    return (size_t)(((p >> 4) ^ (p >> (4 + HP_SAMPLE_FILT_BITS))) &
                    ((1u << HP_SAMPLE_FILT_BITS) - 1));
}
/* The hot test of a free: false when p is certainly not a sampled live block. */
static inline bool hp_sample_maybe(const void *p)
{
    return hp_load_relaxed(&hp_sample_filt[hp_sample_hash((uintptr_t)p)]) != 0;
}
/* In a hook: p was sampled (before its allocation event). False: no memory (do not record it). */
bool hp_sample_insert(const void *p);
/* In a hook: true if p was a sampled live block (now removed: record its free). */
bool hp_sample_remove(const void *p);
/* In a signal handler nested in a hook: as hp_sample_remove, but never waits for the lock
 * (false if it is held: the free passes through unrecorded, agg.c detects it). */
bool hp_sample_remove_try(const void *p);

/* The consumer's multiplicity of a block (1 in exact mode); see above. */
uint64_t hp_sample_k(uint64_t size, uint64_t birth, uint32_t sid);

void hp_sample_atfork_prepare(void);
void hp_sample_atfork_parent(void);
void hp_sample_atfork_child(void);

#endif
