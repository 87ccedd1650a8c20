/* lkwhy.c - HEAPPROF_LEAK_WHY=PATTERN: for each live block whose allocation stack matches
 * PATTERN (suppression syntax), why the check classified it as it did: the chain of pointers
 * that reached it, back to its root region, or that nothing did. At most MAX_BLOCKS blocks,
 * MAX_DEPTH links each. Runs inside hp_leakcheck_run, before the block set is released. */
#include "fmt.h"
#include "lkblocks.h"
#include "lkscan.h"
#include "log.h"
#include "stacktab.h"
#include "suppress.h"
#include "symbolize.h"

#include <string.h>

#define MAX_BLOCKS 20
#define MAX_DEPTH  32

void hp_lkwhy_explain(const char *pattern);

static const char *state_name(uint8_t s)
{
    switch (s) {
    case LK_REACHABLE:
        return "still reachable";
    case LK_SUPPRESSED:
        return "suppressed";
    case LK_INDIRECT:
        return "indirectly lost";
    case LK_UNREADABLE:
        return "unreadable (freed unseen?)";
    default:
        return "definitely lost";
    }
}

/* "0xLO (N bytes) allocated at FRAME" */
static void describe(hp_sym *sym, const hp_lkblk *k, char *out, size_t cap)
{
    char a[24], n[24], frame[512] = "?";
    hp_fmt_hex(a, k->lo);
    hp_fmt_u64(n, k->hi - k->lo);
    const hp_stack *st = hp_stacktab_get(k->sid);
    if (st && st->n)
        hp_sym_frame(sym, st->ips[0], hp_sym_object(k->sid, st->ips[0]), frame, sizeof frame);
    const char *parts[] = {"block 0x", a, " (", n, " bytes) allocated at ", frame, NULL};
    hp_fmt_join(out, cap, parts);
}

static void chain(hp_sym *sym, size_t i)
{
    char d[700], w[24];
    const hp_lkblk *k = hp_lkb_at(i);
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
        if (!hp_lkb_from(
                i)) { /* a root block (ignored, suppressed), or the lost block a chain starts at
                       */
            if (k->state == LK_UNREACHED)
                hp_log("      which is definitely lost: no pointer to it in any root or block",
                       NULL, NULL);
            else
                hp_log("      root: ", hp_lkscan_class_name(hp_lkscan_region_class(k->region)),
                       NULL);
            return;
        }
        hp_fmt_hex(w, hp_lkb_from(i));
        size_t p = hp_lkb_find(hp_lkb_from(i));
        if (p == SIZE_MAX || k->region != 0) {
            uintptr_t lo, hi;
            hp_lkscan_region_range(k->region, &lo, &hi);
            char r[24], s[24], where[300];
            hp_fmt_hex(r, lo);
            hp_fmt_hex(s, hi);
            const char *parts[] = {hp_lkscan_class_name(hp_lkscan_region_class(k->region)),
                                   " 0x",
                                   r,
                                   "-0x",
                                   s,
                                   " ",
                                   hp_lkscan_region_name(k->region),
                                   NULL};
            hp_fmt_join(where, sizeof where, parts);
            hp_log("      <- the word at 0x", w, " in a root: ");
            hp_log("         ", where, NULL);
            return;
        }
        i = p;
        k = hp_lkb_at(p);
        describe(sym, k, d, sizeof d);
        hp_log("      <- the word at 0x", w, " in ");
        hp_log("         ", d, NULL);
    }
    hp_log("      <- ... (longer chain)", NULL, NULL);
}

void hp_lkwhy_explain(const char *pattern)
{
    hp_sym *sym = hp_sym_open();
    int shown = 0;
    uint32_t last_sid = UINT32_MAX;
    bool last_match = false;
    for (size_t i = 0; i < hp_lkb_count() && shown < MAX_BLOCKS; i++) {
        const hp_lkblk *k = hp_lkb_at(i);
        if (k->sid != last_sid) {
            last_sid = k->sid;
            last_match = hp_suppress_stack_matches(hp_stacktab_get(k->sid), sym, pattern);
        }
        if (!last_match) continue;
        char d[700];
        describe(sym, k, d, sizeof d);
        hp_log("leak why: ", d, NULL);
        hp_log("    is ", state_name(k->state),
               k->state == LK_UNREACHED ? ": no pointer to it in any root or block" : ":");
        if (k->state != LK_UNREACHED && k->state != LK_UNREADABLE) chain(sym, i);
        shown++;
    }
    if (!shown) hp_log("leak why: no live block's stack matches ", pattern, NULL);
    hp_sym_close(sym);
}
