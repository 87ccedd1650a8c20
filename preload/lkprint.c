/* lkprint.c - the leak check's report on stderr: one entry per leaking site, biggest first
 * (definite, then indirect; with full, reachable too), the suppressions used, and one summary
 * line. Through hp_log: no stdio, no malloc. */
#include "arena.h"
#include "config.h"
#include "fmt.h"
#include "glue.h"
#include "leakcheck.h"
#include "log.h"
#include "sites.h"
#include "stacktab.h"
#include "suppress.h"
#include "symbolize.h"

#include <string.h>

/* HEAPPROF_GLUE as an hp_glue: its ','-separated changes, split in a copy (report time, once). */
static const hp_glue *user_glue(void)
{
    static hp_glue g;
    static char copy[sizeof hp_opt.GLUE];
    static bool done;
    if (done) return &g;
    done = true;
    memcpy(copy, hp_opt.GLUE, sizeof copy);
    for (char *p = copy, *comma; p; p = comma ? comma + 1 : NULL) {
        comma = strchr(p, ',');
        if (comma) *comma = 0;
        if (*p) hp_glue_change(&g, p);
    }
    return &g;
}

/* The one-line site: the first frame of the stack that is not allocator glue, and "via" the
 * glue frame it called (unless that is the allocator itself). All glue: the innermost frame. */
static void site_line(hp_sym *sym, uint32_t sid, const hp_stack *st, char *out, size_t cap)
{
    char frame[1024], split[1024], via[512] = "";
    out[0] = 0;
    for (uint32_t i = 0; st && i < st->n; i++) {
        hp_sym_frame(sym, st->ips[i], hp_sym_object(sid, st->ips[i]), frame, sizeof frame);
        memcpy(split, frame, sizeof split);
        char *func, *file, *lib;
        hp_glue_split(split, &func, &file, &lib);
        bool glue = hp_glue_match(user_glue(), func, file, lib);
        if (i == 0 || !glue) {
            char *addr_end = strstr(frame, ": "); /* drop "0xADDR: " */
            const char *text = addr_end && frame[0] == '0' ? addr_end + 2 : frame;
            const char *parts[] = {text, via[0] ? " via " : "", via, NULL};
            hp_fmt_join(out, cap, parts);
        }
        if (!glue) return;
        if (!hp_glue_is_allocator(func)) {
            size_t k = strlen(func);
            if (k >= sizeof via) k = sizeof via - 1;
            memcpy(via, func, k);
            via[k] = 0;
        }
    }
}

static void print_site(hp_sym *sym, uint32_t sid, const char *what, uint64_t bytes, uint64_t blocks)
{
    char nb[24], nk[24], where[1024], head[1200], frame[2048];
    hp_fmt_u64(nb, bytes);
    hp_fmt_u64(nk, blocks);
    const hp_stack *st = hp_stacktab_get(sid);
    site_line(sym, sid, st, where, sizeof where);
    const char *parts[] = {nb,   " bytes in ",       nk,    blocks == 1 ? " block " : " blocks ",
                           what, ", allocated at: ", where, NULL};
    hp_fmt_join(head, sizeof head, parts);
    hp_log(head, NULL, NULL);
    for (uint32_t i = 0; st && i < st->n && i < 16; i++) {
        hp_sym_frame(sym, st->ips[i], hp_sym_object(sid, st->ips[i]), frame, sizeof frame);
        hp_log("    ", frame, NULL);
    }
}

static uint64_t metric(const hp_leak_site *s, int cls)
{
    if (!s) return 0;
    return cls == 0 ? (s->sup ? 0 : s->db) : cls == 1 ? (s->sup ? 0 : s->ib) : s->rb;
}

/* Sites with something to print, biggest first (selection by repeated maximum: the number
 * of leaking sites is small, and no allocation is needed). */
static void print_class(hp_sym *sym, int cls, bool *done, uint32_t nsites)
{
    for (;;) {
        uint64_t best = 0;
        uint32_t at = 0;
        for (uint32_t sid = 0; sid < nsites; sid++) {
            uint64_t v = metric(hp_leakcheck_site(sid), cls);
            if (!done[sid] && v > best) {
                best = v;
                at = sid;
            }
        }
        if (!best) return;
        done[at] = true;
        const hp_leak_site *s = hp_leakcheck_site(at);
        if (cls == 0) print_site(sym, at, "definitely lost", s->db, s->dbk);
        if (cls == 1) print_site(sym, at, "indirectly lost", s->ib, s->ibk);
        if (cls == 2) print_site(sym, at, "still reachable", s->rb, s->rbk);
    }
}

static void summary(const hp_leak_totals *t)
{
    char a[24], b[24], c[24], d[24], e[24], f[24], msg[400];
    hp_fmt_u64(a, t->db);
    hp_fmt_u64(b, t->dbk);
    hp_fmt_u64(c, t->ib);
    hp_fmt_u64(d, t->ibk);
    hp_fmt_u64(e, t->sb);
    hp_fmt_u64(f, t->sbk);
    const char *parts[] = {"leak check: ",
                           a,
                           " bytes in ",
                           b,
                           t->dbk == 1 ? " block definitely lost, " : " blocks definitely lost, ",
                           c,
                           " bytes in ",
                           d,
                           t->ibk == 1 ? " block indirectly lost, " : " blocks indirectly lost, ",
                           e,
                           " bytes in ",
                           f,
                           t->sbk == 1 ? " block suppressed" : " blocks suppressed",
                           NULL};
    hp_fmt_join(msg, sizeof msg, parts);
    hp_log(msg, NULL, NULL);
    if (t->ubk) {
        hp_fmt_u64(a, t->ub);
        hp_fmt_u64(b, t->ubk);
        const char *u[] = {
            "leak check: not counted: ",
            a,
            " bytes in ",
            b,
            t->ubk == 1 ? " block" : " blocks",
            " freed unseen (by another thread during the check, or where heapprof could not see "
            "the free)",
            NULL};
        hp_fmt_join(msg, sizeof msg, u);
        hp_log(msg, NULL, NULL);
    }
}

void hp_leakcheck_print(bool full)
{
    const hp_leak_totals *t = hp_leakcheck_totals();
    if (!t) return;
    if (t->no_verdict) { /* one line, whatever HEAPPROF_QUIET says: the gate did not run */
        hp_log_set_quiet(false);
        hp_log("leak check: cannot conclude: ", t->no_verdict,
               "; no verdict, the gate does not fail");
        hp_log_set_quiet(hp_opt.QUIET);
        return;
    }
    /* HEAPPROF_QUIET silences the clean summary, never the leaks the gate fails on */
    if (hp_opt.QUIET && !(t->dbk + t->ibk)) return;
    hp_log_set_quiet(false);
    uint32_t nsites = hp_sites_count();
    if (t->dbk + t->ibk || full) {
        hp_sym *sym = hp_sym_open();
        size_t bytes = nsites * sizeof(bool) + 1;
        bool *done = hp_map(bytes);
        if (done) {
            print_class(sym, 0, done, nsites);
            memset(done, 0, bytes);
            print_class(sym, 1, done, nsites);
            if (full) {
                memset(done, 0, bytes);
                print_class(sym, 2, done, nsites);
            }
            hp_unmap(done, bytes);
        }
        hp_sym_close(sym);
    }
    hp_suppress_print_used();
    summary(t);
    hp_log_set_quiet(hp_opt.QUIET);
}
