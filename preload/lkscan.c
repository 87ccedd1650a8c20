/* lkscan.c - the leak check's scan and flood (lkscan.h).
 * A word w marks block i if w points into [lo, hi) of i, i is unreached and w is not the
 * allocator's pointer to the header of the chunk after i (lkalloc.h): glibc keeps pointers to
 * its top chunk and bins, and the header of the next chunk can sit inside a block's last
 * requested bytes.
 * Invariants: a block changes state at most once (from unreached), so the mark stack never
 * holds more than the number of blocks; regions[0] is "in a block".
 * Threads: one check at a time (the agg lock). */
#include "lkscan.h"

#include "arena.h"
#include "fmt.h"
#include "lkalloc.h"
#include "lkblocks.h"
#include "lkread.h"
#include "log.h"

#include <string.h>

#define MAX_REGIONS 4096
#define NAME_LEN    112
#define CHUNK       (64u * 1024)

typedef struct region {
    uintptr_t lo, hi;
    uint8_t cls;
    char name[NAME_LEN];
} region;

static struct {
    region *r;
    size_t n;
    bool log;
    uintptr_t *buf; /* CHUNK bytes */
    uint64_t unreadable;
    uint16_t reg_of[LKR_NCLASSES]; /* the region of each block root class */
} sc;

static const char *const class_names[LKR_NCLASSES] = {
    "heap block",   "registers", "stack",        "tls",     "globals",
    "thread stack", "anonymous", "file mapping", "ignored", "suppressed",
};

const char *hp_lkscan_class_name(hp_lkr_class c)
{
    return c < LKR_NCLASSES ? class_names[c] : "?";
}

int hp_lkscan_begin(bool log)
{
    hp_lkscan_end();
    sc.r = hp_map(MAX_REGIONS * sizeof(region));
    sc.buf = hp_map(CHUNK);
    if (!sc.r || !sc.buf) {
        hp_lkscan_end();
        return -1;
    }
    sc.n = 1; /* regions[0]: LKR_BLOCK */
    sc.log = log;
    sc.unreadable = 0;
    memset(sc.reg_of, 0, sizeof sc.reg_of);
    return 0;
}

void hp_lkscan_end(void)
{
    hp_unmap(sc.r, MAX_REGIONS * sizeof(region));
    hp_unmap(sc.buf, CHUNK);
    sc.r = NULL;
    sc.buf = NULL;
    sc.n = 0;
}

static uint16_t add_region(hp_lkr_class c, const char *name, uintptr_t lo, uintptr_t hi)
{
    if (sc.n >= MAX_REGIONS) return (uint16_t)(MAX_REGIONS - 1); /* the last one, shared */
    region *g = &sc.r[sc.n];
    g->cls = (uint8_t)c;
    g->lo = lo;
    g->hi = hi;
    size_t k = name ? strlen(name) : 0;
    if (k >= NAME_LEN) { /* keep the end: a path's file name */
        name += k - (NAME_LEN - 1);
        k = NAME_LEN - 1;
    }
    if (k) memcpy(g->name, name, k);
    g->name[k] = 0;
    return (uint16_t)sc.n++;
}

const char *hp_lkscan_region_name(uint16_t r)
{
    return sc.r && r < sc.n ? sc.r[r].name : "";
}

void hp_lkscan_region_range(uint16_t r, uintptr_t *lo, uintptr_t *hi)
{
    *lo = sc.r && r < sc.n ? sc.r[r].lo : 0;
    *hi = sc.r && r < sc.n ? sc.r[r].hi : 0;
}

hp_lkr_class hp_lkscan_region_class(uint16_t r)
{
    return sc.r && r < sc.n ? (hp_lkr_class)sc.r[r].cls : LKR_BLOCK;
}

uint64_t hp_lkscan_unreadable(void)
{
    return sc.unreadable;
}

/* The words of buf, which hold memory from address at; returns blocks newly marked. */
static size_t scan_words(const uintptr_t *w, size_t nw, uintptr_t at, size_t self, uint8_t state,
                         uint16_t reg)
{
    size_t marked = 0;
    for (size_t k = 0; k < nw; k++) {
        size_t i = hp_lkb_find(w[k]);
        if (i == SIZE_MAX || i == self) continue;
        hp_lkblk *b = hp_lkb_at(i);
        if (b->state != LK_UNREACHED || hp_lkalloc_is_next_header(b->lo, b->hi, w[k])) continue;
        hp_lkb_mark(i, state, at + k * sizeof(uintptr_t), reg);
        marked++;
    }
    return marked;
}

/* Scans [lo, hi) in chunks, skipping unreadable pages. Returns blocks marked. */
static size_t scan_range(uintptr_t lo, uintptr_t hi, size_t self, uint8_t state, uint16_t reg,
                         uint64_t *unread)
{
    lo = (lo + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
    size_t marked = 0;
    while (lo + sizeof(uintptr_t) <= hi) {
        size_t want = hi - lo < CHUNK ? hi - lo : CHUNK;
        size_t got = hp_lkread(lo, sc.buf, want);
        marked += scan_words(sc.buf, got / sizeof(uintptr_t), lo, self, state, reg);
        if (got == want) {
            lo += got;
            continue;
        }
        /* the page at lo + got is not there: go on after it */
        uintptr_t bad = (lo + got) & ~(uintptr_t)(HP_LKREAD_PAGE - 1);
        uintptr_t next = bad + HP_LKREAD_PAGE;
        if (next > hi) next = hi;
        *unread += next - (lo + got);
        lo = next;
    }
    return marked;
}

static void log_region(const char *what, hp_lkr_class c, const char *name, uintptr_t lo,
                       uintptr_t hi, uint64_t unread, size_t marked)
{
    char a[24], b[24], k[24], u[24], m[24], msg[512];
    hp_fmt_hex(a, lo);
    hp_fmt_hex(b, hi);
    hp_fmt_u64(k, (hi - lo + 1023) / 1024);
    hp_fmt_u64(u, (unread + 1023) / 1024);
    hp_fmt_u64(m, marked);
    const char *parts[] = {"leak scan: ",
                           what,
                           hp_lkscan_class_name(c),
                           " 0x",
                           a,
                           "-0x",
                           b,
                           " (",
                           k,
                           " KiB, ",
                           u,
                           " KiB unreadable, ",
                           m,
                           " blocks reached) ",
                           name ? name : "",
                           NULL};
    hp_fmt_join(msg, sizeof msg, parts);
    hp_log(msg, NULL, NULL);
}

uint16_t hp_lkscan_root(hp_lkr_class c, const char *name, uintptr_t lo, uintptr_t hi)
{
    uint16_t reg = add_region(c, name, lo, hi);
    if (lo >= hi) return reg;
    uint64_t unread = 0;
    size_t marked = scan_range(lo, hi, SIZE_MAX, LK_REACHABLE, reg, &unread);
    sc.unreadable += unread;
    if (sc.log) log_region("", c, name, lo, hi, unread, marked);
    return reg;
}

void hp_lkscan_skip(const char *why, const char *name, uintptr_t lo, uintptr_t hi)
{
    if (!sc.log) return;
    char a[24], b[24];
    hp_fmt_hex(a, lo);
    hp_fmt_hex(b, hi);
    char msg[400];
    const char *parts[] = {"leak scan: not scanned (", why, ") 0x", a, "-0x", b, " ",
                           name ? name : "",           NULL};
    hp_fmt_join(msg, sizeof msg, parts);
    hp_log(msg, NULL, NULL);
}

void hp_lkscan_root_block(size_t i, hp_lkr_class c, uint8_t state)
{
    if (!sc.reg_of[c]) sc.reg_of[c] = add_region(c, NULL, 0, 0);
    hp_lkb_mark(i, state, 0, sc.reg_of[c]);
}

/* A block's memory, through the page cache when it is small. False if its first page cannot
 * be read: it was freed where heapprof could not see it. */
static bool scan_one(size_t i, uint8_t state)
{
    hp_lkblk *b = hp_lkb_at(i);
    uintptr_t lo = b->lo, hi = b->hi;
    if (hi - lo > 2 * HP_LKREAD_PAGE) {
        uint64_t unread = 0;
        uintptr_t probe;
        if (hp_lkread(lo & ~(uintptr_t)7, &probe, sizeof probe) != sizeof probe) return false;
        scan_range(lo, hi, i, state, 0, &unread);
        return true;
    }
    lo &= ~(uintptr_t)(sizeof(uintptr_t) - 1);
    bool first = true;
    while (lo + sizeof(uintptr_t) <= hi) {
        uintptr_t page_end = (lo | (HP_LKREAD_PAGE - 1)) + 1;
        uintptr_t end = page_end < hi ? page_end : hi;
        const uintptr_t *p = hp_lkread_page(lo);
        if (!p && first) return false;
        if (p)
            scan_words(p + (lo & (HP_LKREAD_PAGE - 1)) / sizeof(uintptr_t),
                       (end - lo) / sizeof(uintptr_t), lo, i, state, 0);
        first = false;
        lo = page_end;
    }
    return true;
}

void hp_lkscan_flood(uint8_t state)
{
    size_t i;
    while (hp_lkb_pop(&i))
        if (!scan_one(i, state)) hp_lkb_at(i)->state = LK_UNREADABLE;
}

void hp_lkscan_block(size_t i, uint8_t state)
{
    if (!scan_one(i, state)) {
        hp_lkb_at(i)->state = LK_UNREADABLE;
        return;
    }
    hp_lkscan_flood(state);
}
