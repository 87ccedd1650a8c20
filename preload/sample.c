/* sample.c - sampling mode: the per-thread Poisson countdown, the set of sampled live
 * addresses, and each sampled block's multiplicity (sample.h has the rules and the formula).
 * The set: open addressing, linear probing, deletion by backward shift, under one mutex; it
 * holds only sampled live blocks (live bytes / R of them on average), so it stays small and
 * its lock is taken about once per R bytes allocated, and on a filter false positive.
 * Threads: hp_sample_rate and the filter are read lock-free; everything else under ss.lock. */
#include "sample.h"

#include "arena.h"
#include "clock.h"
#include "config.h"
#include "fmt.h"
#include "log.h"

#include <math.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

uint64_t hp_sample_rate;
_Atomic uint8_t hp_sample_filt[1u << HP_SAMPLE_FILT_BITS];

static struct {
    pthread_mutex_t lock;
    uintptr_t *tab; /* 0: empty */
    size_t cap;     /* power of two */
    size_t count;
    unsigned shift;
    char text[32]; /* the rate as given, for messages */
} ss = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- the option ---- */

static bool parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s < '0' || *s > '9') return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (1ull << 40)) return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    unsigned sh = 0;
    if (*s == 'k' || *s == 'K') sh = 10;
    if (*s == 'm' || *s == 'M') sh = 20;
    if (*s == 'g' || *s == 'G') sh = 30;
    if (sh) s++;
    if (sh && (*s == 'i' || *s == 'I')) s++; /* 512KiB */
    if (*s == 'b' || *s == 'B') s++;
    if (*s) return false;
    *out = v << sh;
    return v < (1ull << 40);
}

static bool tab_alloc(size_t cap)
{
    uintptr_t *t = hp_map(cap * sizeof *t);
    if (!t) return false;
    ss.tab = t;
    ss.cap = cap;
    ss.shift = 64 - (unsigned)__builtin_ctzll(cap);
    return true;
}

int hp_sample_init(void)
{
    const char *v = hp_opt.SAMPLE;
    uint64_t r = 0;
    if (!*v || !strcmp(v, "0")) return 0;
    if (!parse_size(v, &r) || r == 0) {
        hp_log("HEAPPROF_SAMPLE: expected bytes between samples (e.g. 512K, 64K, 1M) or 0; "
               "recording every allocation: ",
               v, NULL);
        return 0;
    }
    if (!tab_alloc(1024)) return -1;
    size_t n = strlen(v) < sizeof ss.text ? strlen(v) : sizeof ss.text - 1;
    memcpy(ss.text, v, n);
    ss.text[n] = 0;
    hp_sample_rate = r;
    return 0;
}

const char *hp_sample_rate_text(void)
{
    return ss.text;
}

/* ---- the countdown ---- */

/* xorshift64*: the thread's own stream, seeded from its TLS address and the clock. */
static uint64_t next_u64(uint64_t *s)
{
    if (HP_UNLIKELY(!*s)) *s = ((uintptr_t)s * 0x9E3779B97F4A7C15ull) ^ hp_clock_read() ^ 1;
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* A distance to the next sample point: Exp(R), at least 1 byte. */
static uint64_t draw(uint64_t *s)
{
    double u = ((double)(next_u64(s) >> 11) + 1.0) * 0x1p-53; /* (0, 1] */
    double d = -log(u) * (double)hp_sample_rate;
    if (d < 1.0) return 1;
    if (d > 0x1p62) return 1ull << 62;
    return (uint64_t)d;
}

bool hp_sample_take(size_t n)
{
    hp_tls *l = &hp_tls_v;
    if (HP_UNLIKELY(l->sample_left == 0)) l->sample_left = draw(&l->sample_rng); /* first */
    if (n < l->sample_left) {
        l->sample_left -= n;
        return false;
    }
    l->sample_left = draw(&l->sample_rng); /* from this block's end (sample.h) */
    return true;
}

/* ---- the set ---- */

static size_t home(uintptr_t a)
{
    return (size_t)(((uint64_t)(a >> 4) * 0x9E3779B97F4A7C15ull) >> ss.shift);
}

static void put_locked(uintptr_t a)
{
    size_t i = home(a);
    while (ss.tab[i] && ss.tab[i] != a)
        i = (i + 1) & (ss.cap - 1);
    if (!ss.tab[i]) ss.count++;
    ss.tab[i] = a;
}

static bool grow_locked(void)
{
    uintptr_t *old = ss.tab;
    size_t oldcap = ss.cap;
    if (!tab_alloc(oldcap * 2)) return false;
    ss.count = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i]) put_locked(old[i]);
    hp_unmap(old, oldcap * sizeof *old);
    return true;
}

static void filt_add(uintptr_t a)
{
    _Atomic uint8_t *f = &hp_sample_filt[hp_sample_hash(a)];
    uint8_t c = hp_load_relaxed(f);
    if (c != 255) hp_store_relaxed(f, (uint8_t)(c + 1)); /* under the lock: no lost update */
}

static void filt_del(uintptr_t a)
{
    _Atomic uint8_t *f = &hp_sample_filt[hp_sample_hash(a)];
    uint8_t c = hp_load_relaxed(f);
    if (c != 255) hp_store_relaxed(f, (uint8_t)(c - 1)); /* sticky at 255 */
}

bool hp_sample_insert(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    pthread_mutex_lock(&ss.lock);
    bool ok = (ss.count + 1) * 4 <= ss.cap * 3 || grow_locked();
    if (ok) {
        size_t before = ss.count;
        put_locked(a);
        /* already there: its free passed through (a handler's, sample.h); the consumer
         * closes the old block when this allocation comes (agg.c) */
        if (ss.count != before) filt_add(a);
    }
    pthread_mutex_unlock(&ss.lock);
    return ok;
}

static bool remove_locked(uintptr_t a)
{
    size_t i = home(a);
    while (ss.tab[i] != a) {
        if (!ss.tab[i]) return false;
        i = (i + 1) & (ss.cap - 1);
    }
    /* backward shift: keep every key reachable from its home without crossing an empty slot */
    size_t j = i;
    for (;;) {
        j = (j + 1) & (ss.cap - 1);
        if (!ss.tab[j]) break;
        size_t h = home(ss.tab[j]);
        if (((j - h) & (ss.cap - 1)) >= ((j - i) & (ss.cap - 1))) {
            ss.tab[i] = ss.tab[j];
            i = j;
        }
    }
    ss.tab[i] = 0;
    ss.count--;
    filt_del(a);
    return true;
}

bool hp_sample_remove(const void *p)
{
    pthread_mutex_lock(&ss.lock);
    bool was = remove_locked((uintptr_t)p);
    pthread_mutex_unlock(&ss.lock);
    return was;
}

bool hp_sample_remove_try(const void *p)
{
    if (pthread_mutex_trylock(&ss.lock) != 0) return false;
    bool was = remove_locked((uintptr_t)p);
    pthread_mutex_unlock(&ss.lock);
    return was;
}

/* ---- multiplicity ---- */

uint64_t hp_sample_k(uint64_t size, uint64_t birth, uint32_t sid)
{
    if (!hp_sample_rate) return 1;
    double w = -1.0 / expm1(-(double)size / (double)hp_sample_rate); /* 1 / (1 - e^(-s/R)) */
    if (!(w < 0x1p62)) return 1ull << 62; /* (size 0 never comes: agg.c counts it as 1 byte) */
    uint64_t k = (uint64_t)w;
    double frac = w - (double)k;
    uint64_t h =
        (birth ^ (size * 0xC2B2AE3D27D4EB4Full) ^ ((uint64_t)sid << 40)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    if ((double)(h >> 11) * 0x1p-53 < frac) k++;
    return k;
}

/* ---- fork ---- */

void hp_sample_atfork_prepare(void)
{
    pthread_mutex_lock(&ss.lock);
}

void hp_sample_atfork_parent(void)
{
    pthread_mutex_unlock(&ss.lock);
}

void hp_sample_atfork_child(void)
{
    pthread_mutex_init(&ss.lock, NULL);
}
