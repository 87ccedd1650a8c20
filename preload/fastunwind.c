/* fastunwind.c - the hot-path unwinder: per-thread cache of DWARF CFI rules, libunwind behind it.
 *
 * Why not only libunwind: its unw_backtrace spends about 80 instructions per frame (a hashed
 * frame cache plus checked memory reads) and is 75% of heapprof's cost on allocation-heavy
 * programs. Here a frame whose rule is cached costs a direct-mapped lookup and two loads.
 * libunwind stays the source of truth: any frame this file cannot describe (signal frames,
 * CFA expressions, registers saved in other registers, no FDE) makes the whole stack come from
 * unw_backtrace, and HEAPPROF_VERIFY_UNWIND=1 compares both on every call (tests do).
 *
 * A rule says, for the instruction at pc: CFA = (rsp or rbp) + off; the return address is at
 * CFA-8 (always, on x86-64 System V; other forms are unsupported); rbp is unchanged or saved at
 * CFA+rbp_off. Rules are computed from .eh_frame (found through .eh_frame_hdr's sorted table)
 * by running the CIE's and the FDE's CFA programs up to pc.
 * Invariants: a cached rule is exactly the CFI's answer for that pc; CFA > rsp on every step
 *             (a stack that does not grow upwards stops the walk: then libunwind decides).
 * Unloads: a rule is keyed by pc only, so after dlclose unmapped an object its rules could be
 * served for another object mapped at the same address. hp_fastunwind_forget (the dlclose
 * interposer, after the real dlclose) bumps unload_gen; each walk compares it with its cache's
 * (one relaxed load of a read-mostly word) and empties the cache when it changed. Nothing else
 * is cached per object: the FDE is looked up through dl_iterate_phdr on every miss.
 * The record: the cache also keeps the thread's last successful walk, frame by frame; the next
 * walk follows it without lookups from the first frame whose state equals the record's, as long
 * as the words it reads equal the record's ("The walk" below says why that is exact).
 * Threads: the cache belongs to one hp_thread; dl_iterate_phdr only on a miss. No malloc. */
#include "fastunwind.h"

#include "arena.h"
#include "stacktab.h"

#include <link.h>
#include <string.h>

#define CACHE_SLOTS 4096 /* per thread: 4096 * 16 bytes */

enum { R_NONE = 0, R_OK, R_END, R_FAIL };

typedef struct rule {
    uintptr_t pc;
    int32_t cfa_off;
    int16_t rbp_off; /* 0: rbp unchanged */
    uint8_t cfa_rbp; /* 1: CFA from rbp, 0: from rsp */
    uint8_t kind;    /* R_OK, R_END (return address undefined: bottom of stack), R_FAIL */
} rule;

/* What a walk knows of one frame besides its pc and sp: its state's bp, what its rule made of
 * it, and what needs its outer neighbours (live, chain). */
typedef struct frame {
    uintptr_t bp;    /* rbp in this function (meaningful only if live) */
    uintptr_t cfa;   /* this frame's CFA (unused for F_END) */
    uint64_t chain;  /* hp_stacktab_chain of the walk's pcs from its last frame in to this one */
    int16_t rbp_off; /* the rule's: rbp saved at cfa + rbp_off, 0 unchanged */
    uint8_t cfa_rbp; /* the rule's: CFA from rbp */
    uint8_t live;    /* bp decides something in the walk from here ("The walk" below) */
    uint8_t end;     /* 0, or why the walk stopped after this frame: F_END, F_ZERO, F_CUT */
} frame;

enum { F_END = 1, F_ZERO, F_CUT };

/* Following a recorded frame: the word at slot must be want (the next frame's pc). A frame whose
 * step takes more than that one load (it reloads a live rbp, or the walk ends there) has
 * slot = &stop and want = 1: stop is 0, so the follow loop leaves it without testing a flag. */
typedef struct link {
    uintptr_t slot, want;
} link;

#define REC_CAP 264 /* >= HP_MAX_DEPTH + HP_UNWIND_SKIP_MAX (unwind.h): every walk fits */

/* The record (the last successful walk) is kept by field, frame k of an n-frame walk at index
 * REC_CAP - n + k, so its outermost frame is always at REC_CAP - 1 and its pcs are the walk's
 * answer as they stand (hp_fastunwind_pcs). The scratch (frames the walk in progress walked
 * itself, from index 0) has the same fields, except links. */
struct hp_ucache {
    rule slot[CACHE_SLOTS]; /* first: each rule stays aligned to its size (no line splits) */
    unsigned gen;           /* unload_gen when the rules above were computed */
    bool repeat;            /* the last walk's frames are the recorded walk's before it */
    bool rec_cut;           /* the record ends at max frames (F_CUT) */
    uint32_t id;            /* the stack id noted for the recorded walk (0: none) */
    size_t rec_n, rec_max;  /* the recorded walk's frame count and max */
    uintptr_t stop;         /* 0: the word a slow frame's link reads */
    uintptr_t pc[REC_CAP];
    uintptr_t sp[REC_CAP + 1]; /* sp[REC_CAP]: UINTPTR_MAX, ends the join search */
    link ln[REC_CAP];
    frame fr[REC_CAP];
    uintptr_t s_pc[REC_CAP], s_sp[REC_CAP]; /* the scratch */
    frame s_fr[REC_CAP];
};

/* Objects unloaded so far (as far as the dlclose interposer saw). Relaxed is enough: the bump
 * follows the real dlclose, an object mapped later at that address comes from a dlopen after
 * it, and a thread runs that object's code only after learning of it through some
 * synchronisation with that dlopen, so its load of unload_gen sees the bump. */
static HP_CACHE_ALIGNED _Atomic unsigned unload_gen;

void hp_fastunwind_forget(void)
{
    hp_fetch_add_relaxed(&unload_gen, 1u);
}

unsigned hp_fastunwind_unloads(void)
{
    return hp_load_relaxed(&unload_gen);
}

/* ---- reading .eh_frame ---- */

enum {
    PE_absptr = 0x00,
    PE_uleb128 = 0x01,
    PE_udata2 = 0x02,
    PE_udata4 = 0x03,
    PE_udata8 = 0x04,
    PE_sleb128 = 0x09,
    PE_sdata2 = 0x0a,
    PE_sdata4 = 0x0b,
    PE_sdata8 = 0x0c,
    PE_pcrel = 0x10,
    PE_datarel = 0x30,
    PE_indirect = 0x80,
    PE_omit = 0xff,
};

typedef struct rd {
    const uint8_t *p, *end;
    bool bad;
} rd;

static uint64_t uleb(rd *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    while (r->p < r->end) {
        uint8_t b = *r->p++;
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) return v;
    }
    r->bad = true;
    return 0;
}

static int64_t sleb(rd *r)
{
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t b = 0;
    while (r->p < r->end) {
        b = *r->p++;
        if (shift < 64) v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
        shift += 7;
        if (!(b & 0x80)) {
            if (shift < 64 && (b & 0x40)) v |= (int64_t)(~(uint64_t)0 << shift);
            return v;
        }
    }
    r->bad = true;
    return 0;
}

static uint64_t fixed(rd *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    memcpy(&v, r->p, n); /* little endian */
    r->p += n;
    return v;
}

/* An encoded pointer; datarel is relative to the .eh_frame_hdr section (its only user here). */
static uintptr_t enc_ptr(rd *r, uint8_t enc, uintptr_t datarel)
{
    if (enc == PE_omit) return 0;
    const uint8_t *at = r->p;
    uint64_t v;
    switch (enc & 0x0f) {
    case PE_absptr:
        v = fixed(r, 8);
        break;
    case PE_uleb128:
        v = uleb(r);
        break;
    case PE_udata2:
        v = fixed(r, 2);
        break;
    case PE_udata4:
        v = fixed(r, 4);
        break;
    case PE_udata8:
        v = fixed(r, 8);
        break;
    case PE_sleb128:
        v = (uint64_t)sleb(r);
        break;
    case PE_sdata2:
        v = (uint64_t)(int64_t)(int16_t)fixed(r, 2);
        break;
    case PE_sdata4:
        v = (uint64_t)(int64_t)(int32_t)fixed(r, 4);
        break;
    case PE_sdata8:
        v = fixed(r, 8);
        break;
    default:
        r->bad = true;
        return 0;
    }
    switch (enc & 0x70) {
    case 0:
        break;
    case PE_pcrel:
        v += (uintptr_t)at;
        break;
    case PE_datarel:
        v += datarel;
        break;
    default:
        r->bad = true;
        return 0;
    }
    if (enc & PE_indirect) v = *(const uintptr_t *)(uintptr_t)v;
    return (uintptr_t)v;
}

/* ---- finding the FDE ---- */

typedef struct find_q {
    uintptr_t pc;
    const uint8_t *hdr; /* .eh_frame_hdr of the object containing pc */
} find_q;

static int find_obj_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    find_q *q = data;
    const ElfW(Phdr) *eh = NULL;
    bool inside = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && q->pc >= a && q->pc < a + ph->p_memsz)
            inside = true;
        else if (ph->p_type == PT_GNU_EH_FRAME)
            eh = ph;
    }
    if (!inside) return 0;
    q->hdr = eh ? (const uint8_t *)(info->dlpi_addr + eh->p_vaddr) : NULL;
    return 1;
}

/* The FDE covering pc, via the binary search table of .eh_frame_hdr; NULL if none. */
static const uint8_t *find_fde(uintptr_t pc)
{
    find_q q = {.pc = pc};
    if (!dl_iterate_phdr(find_obj_cb, &q) || !q.hdr) return NULL;
    const uint8_t *h = q.hdr;
    if (h[0] != 1 || h[2] == PE_omit || h[3] != (PE_datarel | PE_sdata4))
        return NULL; /* no sorted table in the format every linker writes */
    rd r = {h + 4, h + 4 + 16, false};
    (void)enc_ptr(&r, h[1], (uintptr_t)h); /* eh_frame_ptr */
    uintptr_t count = enc_ptr(&r, h[2], (uintptr_t)h);
    if (r.bad || count == 0) return NULL;
    const int32_t *tab = (const int32_t *)r.p; /* pairs: initial location, FDE; datarel */
    size_t lo = 0, hi = count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)h + (intptr_t)tab[2 * mid] <= pc)
            lo = mid;
        else
            hi = mid;
    }
    if ((uintptr_t)h + (intptr_t)tab[2 * lo] > pc) return NULL;
    return (const uint8_t *)((uintptr_t)h + (intptr_t)tab[2 * lo + 1]);
}

/* ---- the CFA program ---- */

typedef struct regstate {
    uint8_t cfa_reg;
    int64_t cfa_off;
    int8_t rbp_how; /* 0 same, 1 offset(rbp_off), -1 unsupported */
    int64_t rbp_off;
    int8_t ra_how; /* 0 offset(ra_off), 1 undefined, -1 unsupported */
    int64_t ra_off;
    bool cfa_bad;
} regstate;

enum { DW_RBP = 6, DW_RSP = 7, DW_RA = 16, STATE_STACK = 8 };

typedef struct cie {
    bool has_z;
    uint64_t code_align;
    int64_t data_align;
    uint64_t ra_reg;
    uint8_t fde_enc;
    bool signal;
    const uint8_t *insns, *end;
} cie;

static void set_reg_offset(regstate *s, uint64_t reg, int64_t off)
{
    if (reg == DW_RBP) {
        s->rbp_how = 1;
        s->rbp_off = off;
    } else if (reg == DW_RA) {
        s->ra_how = 0;
        s->ra_off = off;
    }
}

static void set_reg_other(regstate *s, uint64_t reg, int8_t how_rbp, int8_t how_ra)
{
    if (reg == DW_RBP)
        s->rbp_how = how_rbp;
    else if (reg == DW_RA)
        s->ra_how = how_ra;
}

/* Runs insns while the location is <= target; init is the CIE's state (for DW_CFA_restore).
 * Returns false on anything unsupported. */
static bool run_cfa(const cie *c, const uint8_t *p, const uint8_t *end, uintptr_t loc,
                    uintptr_t target, regstate *s, const regstate *init)
{
    regstate stack[STATE_STACK];
    int depth = 0;
    rd r = {p, end, false};
    while (r.p < r.end && !r.bad) {
        uint8_t op = *r.p++;
        uint8_t hi = op & 0xc0, lo = op & 0x3f;
        if (hi == 0x40) { /* advance_loc */
            loc += lo * c->code_align;
            if (loc > target) return true;
            continue;
        }
        if (hi == 0x80) { /* offset */
            set_reg_offset(s, lo, (int64_t)uleb(&r) * c->data_align);
            continue;
        }
        if (hi == 0xc0) { /* restore */
            if (lo == DW_RBP) {
                s->rbp_how = init->rbp_how;
                s->rbp_off = init->rbp_off;
            } else if (lo == DW_RA) {
                s->ra_how = init->ra_how;
                s->ra_off = init->ra_off;
            }
            continue;
        }
        uint64_t reg, a;
        switch (op) {
        case 0x00: /* nop */
            break;
        case 0x01: /* set_loc */
            loc = enc_ptr(&r, c->fde_enc, 0);
            if (loc > target) return true;
            break;
        case 0x02:
            loc += fixed(&r, 1) * c->code_align;
            if (loc > target) return true;
            break;
        case 0x03:
            loc += fixed(&r, 2) * c->code_align;
            if (loc > target) return true;
            break;
        case 0x04:
            loc += fixed(&r, 4) * c->code_align;
            if (loc > target) return true;
            break;
        case 0x05: /* offset_extended */
            reg = uleb(&r);
            set_reg_offset(s, reg, (int64_t)uleb(&r) * c->data_align);
            break;
        case 0x06: /* restore_extended */
            reg = uleb(&r);
            if (reg == DW_RBP) {
                s->rbp_how = init->rbp_how;
                s->rbp_off = init->rbp_off;
            } else if (reg == DW_RA) {
                s->ra_how = init->ra_how;
                s->ra_off = init->ra_off;
            }
            break;
        case 0x07: /* undefined */
            set_reg_other(s, uleb(&r), -1, 1);
            break;
        case 0x08: /* same_value */
            set_reg_other(s, uleb(&r), 0, -1);
            break;
        case 0x09: /* register */
            set_reg_other(s, uleb(&r), -1, -1);
            (void)uleb(&r);
            break;
        case 0x0a: /* remember_state */
            if (depth == STATE_STACK) return false;
            stack[depth++] = *s;
            break;
        case 0x0b: /* restore_state: the whole row comes back, CFA included (as GCC emits it
                    * around mid-function epilogues, and as libgcc and libunwind read it) */
            if (depth == 0) return false;
            *s = stack[--depth];
            break;
        case 0x0c: /* def_cfa */
            s->cfa_reg = (uint8_t)uleb(&r);
            s->cfa_off = (int64_t)uleb(&r);
            s->cfa_bad = false;
            break;
        case 0x0d: /* def_cfa_register */
            s->cfa_reg = (uint8_t)uleb(&r);
            break;
        case 0x0e: /* def_cfa_offset */
            s->cfa_off = (int64_t)uleb(&r);
            break;
        case 0x0f: /* def_cfa_expression */
            a = uleb(&r);
            r.p += a;
            s->cfa_bad = true;
            break;
        case 0x10: /* expression */
            reg = uleb(&r);
            a = uleb(&r);
            r.p += a;
            set_reg_other(s, reg, -1, -1);
            break;
        case 0x11: /* offset_extended_sf */
            reg = uleb(&r);
            set_reg_offset(s, reg, sleb(&r) * c->data_align);
            break;
        case 0x12: /* def_cfa_sf */
            s->cfa_reg = (uint8_t)uleb(&r);
            s->cfa_off = sleb(&r) * c->data_align;
            s->cfa_bad = false;
            break;
        case 0x13: /* def_cfa_offset_sf */
            s->cfa_off = sleb(&r) * c->data_align;
            break;
        case 0x14: /* val_offset */
        case 0x15: /* val_offset_sf */
            reg = uleb(&r);
            if (op == 0x14)
                (void)uleb(&r);
            else
                (void)sleb(&r);
            set_reg_other(s, reg, -1, -1);
            break;
        case 0x16: /* val_expression */
            reg = uleb(&r);
            a = uleb(&r);
            r.p += a;
            set_reg_other(s, reg, -1, -1);
            break;
        case 0x2e: /* GNU_args_size */
            (void)uleb(&r);
            break;
        case 0x2f: /* GNU_negative_offset_extended */
            reg = uleb(&r);
            set_reg_offset(s, reg, -(int64_t)uleb(&r) * c->data_align);
            break;
        default:
            return false;
        }
    }
    return !r.bad;
}

static bool parse_cie(const uint8_t *p, cie *c)
{
    uint64_t len = *(const uint32_t *)p;
    p += 4;
    if (len == 0xffffffff || len == 0)
        return false; /* 64-bit DWARF: not produced for x86-64 .eh_frame */
    rd r = {p, p + len, false};
    if (fixed(&r, 4) != 0) /* CIE id */
        return false;
    uint8_t version = (uint8_t)fixed(&r, 1);
    const char *aug = (const char *)r.p;
    size_t al = strnlen(aug, (size_t)(r.end - r.p));
    r.p += al + 1;
    c->code_align = uleb(&r);
    c->data_align = sleb(&r);
    c->ra_reg = version == 1 ? fixed(&r, 1) : uleb(&r);
    c->fde_enc = PE_absptr;
    c->signal = false;
    c->has_z = aug[0] == 'z';
    const uint8_t *after_aug = NULL;
    if (aug[0] == 'z') {
        uint64_t n = uleb(&r);
        after_aug = r.p + n;
        for (const char *a = aug + 1; *a && !r.bad; a++) {
            if (*a == 'R') {
                c->fde_enc = (uint8_t)fixed(&r, 1);
            } else if (*a == 'P') {
                uint8_t e = (uint8_t)fixed(&r, 1);
                (void)enc_ptr(&r, e & 0x7f, 0); /* personality: value unused */
            } else if (*a == 'L') {
                (void)fixed(&r, 1);
            } else if (*a == 'S') {
                c->signal = true;
            } else if (*a == 'B') {
                /* no data */
            } else {
                break; /* unknown: the length lets us skip the rest */
            }
        }
        r.p = after_aug;
    } else if (aug[0]) {
        return false;
    }
    c->insns = r.p;
    c->end = r.end;
    return !r.bad && c->ra_reg == DW_RA;
}

/* The rule for the instruction at pc. */
static rule compute(uintptr_t pc)
{
    rule out = {.pc = pc, .kind = R_FAIL};
    const uint8_t *fde = find_fde(pc);
    if (!fde) return out;
    uint32_t len = *(const uint32_t *)fde;
    if (len == 0 || len == 0xffffffff) return out;
    const uint8_t *body = fde + 4;
    uint32_t cie_off = *(const uint32_t *)body;
    cie c;
    if (cie_off == 0 || !parse_cie(body - cie_off, &c) || c.signal) return out;
    rd r = {body + 4, fde + 4 + len, false};
    uintptr_t start = enc_ptr(&r, c.fde_enc, 0);
    uintptr_t range = enc_ptr(&r, c.fde_enc & 0x0f, 0);
    if (r.bad || pc < start || pc >= start + range) return out;
    /* 'z' augmentation data of the FDE (the CIE had 'z' if it had R/P/L) */
    if (c.has_z) {
        uint64_t skip = uleb(&r);
        r.p += skip;
    }
    regstate init = {.cfa_reg = DW_RSP, .cfa_off = 8, .ra_how = 0, .ra_off = -8};
    if (!run_cfa(&c, c.insns, c.end, 0, 0, &init, &init)) /* initial instructions: no advance */
        return out;
    regstate s = init;
    if (!run_cfa(&c, r.p, r.end, start, pc, &s, &init)) return out;
    if (s.ra_how == 1) {
        out.kind = R_END;
        return out;
    }
    if (s.cfa_bad || (s.cfa_reg != DW_RSP && s.cfa_reg != DW_RBP) || s.ra_how != 0 ||
        s.ra_off != -8 || s.rbp_how < 0 || s.cfa_off <= 0 || s.cfa_off > (1 << 30) ||
        (s.rbp_how == 1 && (s.rbp_off < -32768 || s.rbp_off >= 0)))
        return out;
    out.cfa_rbp = s.cfa_reg == DW_RBP;
    out.cfa_off = (int32_t)s.cfa_off;
    out.rbp_off = s.rbp_how == 1 ? (int16_t)s.rbp_off : 0;
    out.kind = R_OK;
    return out;
}

/* ---- the walk ---- */

hp_ucache *hp_fastunwind_cache_new(void)
{
    hp_ucache *uc = hp_map(sizeof(hp_ucache));
    if (uc) uc->sp[REC_CAP] = UINTPTR_MAX;
    return uc;
}

/* The end of a walk of n frames: the new record is the scratch's frames [0, i0) followed by the
 * old record's from index j0 on (none if j0 == REC_CAP), which stay where they are. The scratch
 * goes right below them, innermost first, with what needs its outer neighbour: live, the link,
 * the hash chain. If n is the old count, every scratch frame lands where the old record had the
 * one of the same depth: compared before it is overwritten, that says whether the frames are all
 * the same (repeat). */
static inline void settle(hp_ucache *uc, size_t i0, size_t j0, size_t n)
{
    bool same = n == uc->rec_n;
    bool nlive = false;
    uint64_t chain = HP_STACK_SEED;
    uintptr_t next = 0;
    if (j0 < REC_CAP) {
        nlive = uc->fr[j0].live;
        chain = uc->fr[j0].chain;
        next = uc->pc[j0];
    }
    size_t d = j0;
    for (size_t k = i0; k-- > 0;) {
        d--;
        const frame *f = &uc->s_fr[k];
        uintptr_t pc = uc->s_pc[k];
        same &= uc->pc[d] == pc;
        bool live = f->cfa_rbp || (f->rbp_off == 0 && nlive);
        chain = hp_stacktab_chain(chain, pc);
        uc->pc[d] = pc;
        uc->sp[d] = uc->s_sp[k];
        frame *r = &uc->fr[d];
        *r = *f;
        r->live = live;
        r->chain = chain;
        if (f->end || (f->rbp_off && nlive))
            uc->ln[d] = (link){(uintptr_t)&uc->stop, 1};
        else
            uc->ln[d] = (link){f->cfa - 8, next};
        next = pc;
        nlive = live;
        __asm__("" ::: "memory"); /* a frame or two: no memmove calls (loop distribution) */
    }
    uc->repeat = same;
    if (!same) uc->id = 0; /* the caller notes the new stack's */
    uc->rec_n = n;
    uc->rec_cut = uc->fr[REC_CAP - 1].end == F_CUT;
}

/* The record's frames [j0, k] were followed and the walk goes on from the state after frame k:
 * they become scratch frames from i0 on (frame k's end cleared: its walk continued). */
static void unfollow(hp_ucache *uc, size_t i0, size_t j0, size_t k)
{
    size_t c = k + 1 - j0;
    memcpy(&uc->s_pc[i0], &uc->pc[j0], c * sizeof *uc->pc);
    memcpy(&uc->s_sp[i0], &uc->sp[j0], c * sizeof *uc->sp);
    memcpy(&uc->s_fr[i0], &uc->fr[j0], c * sizeof *uc->fr);
    uc->s_fr[i0 + c - 1].end = 0;
}

/* rbp after the step of record frame k, the walk having followed the record's frames [j0, k]
 * from a state whose rbp was bp: the word the last of them to reload rbp reads, or bp (a light
 * link, below, leaves the reload to this, the walk's only use of that rbp). */
static inline uintptr_t bp_after(const hp_ucache *uc, size_t j0, size_t k, uintptr_t bp)
{
    for (size_t m = k + 1; m-- > j0;)
        if (uc->fr[m].rbp_off)
            return *(const uintptr_t *)(uc->fr[m].cfa + (uintptr_t)(intptr_t)uc->fr[m].rbp_off);
    return bp;
}

/* The walk, and why it may skip the rule lookups of frames the previous walk already did.
 *
 * A walk is a function of its state (pc, sp, bp) and of memory: the rule is a function of pc
 * alone (while no object is unloaded: unload_gen); CFA = (rule.cfa_rbp ? bp : sp) + off; the
 * next state is (word at CFA-8, CFA, rule.rbp_off ? word at CFA+rbp_off : bp). So the walk from
 * a state reads exactly these words, and nothing else decides its frames.
 * bp is "live" at a frame if the walk from there uses it before reloading it: live(k) =
 * cfa_rbp(k) || (rbp_off(k) == 0 && live(k+1)); bp that is not live (rbp as a plain register in
 * -O2 code) cannot change the walk.
 * Claim: if the walk reaches a state equal to the recorded walk's state at frame j (same pc, same
 * sp, same bp if live(j)), then frame by frame, as long as the word read at CFA(j)-8 equals the
 * recorded pc(j+1) (and, if live(j+1), the new bp equals the recorded bp(j+1)), the state at
 * the next frame equals the recorded one. Proof: by induction: same pc -> same rule (same cache
 * generation, rules depend on pc only); same sp and same bp where the rule reads it -> same CFA,
 * the recorded cfa(j); the next state is then (the word read, CFA(j), bp'), and the comparison
 * checks exactly its two parts that matter. The checks, the end conditions (R_END, pc 0, max
 * frames; max is the same, or the record is dropped) follow from the same state the same way.
 * A frame whose rule leaves rbp alone (rbp_off 0) needs no bp comparison: live(j+1) then
 * implies live(j), so bp, unchanged, was already equal to the record's. Nor does a frame that
 * reloads rbp when live(j+1) is false: the new bp decides nothing while the record is followed,
 * and its only use is where the walk leaves the record (a differing word, or a last frame whose
 * pc is not 0), so it is read there (bp_after): the same word, at the same address, that the
 * walk would have read on the way (the stack above the walker is this thread's and does not
 * change under it). Each such frame is one link {CFA(j)-8, pc(j+1)}: one load and one compare,
 * nothing else. The frames that need more (rbp reloaded and live after, or the walk ends there)
 * have links that never match (slot = &stop), so the follow loop has no other exit and tests
 * no flag; after it exits, the slot tells a differing word from such a frame. A link that
 * matched is not the record's last (that one never matches), so the loop may look at the next
 * one unconditionally (four a turn: link i is read only after link i-1 matched).
 * So following the record costs the one or two loads a walk does anyway, without the lookup,
 * and the loads no longer wait for each other (the CFA comes from the record, not from the word
 * read). The pcs of the followed frames are the record's, already where the answer is read
 * (hp_fastunwind_pcs): nothing is written for them.
 * A match of pc and sp alone (the frame's CFA and its return-address slot and value) is NOT
 * enough for the frames above: a function may return and be called again from another site of
 * the same caller with the same stack layout, so a caller's slot may hold another return
 * address. That is why every step compares the word read with the record: the frames above are
 * trusted only as far as their return-address slots (and live saved rbp) still hold the same
 * words, and the first word that differs puts the walk back on the rules from that state.
 * Memory: following reads exactly the addresses the rule-driven walk would read from the same
 * state, in the same order, so it touches nothing the walk itself would not (a record left by a
 * stack since unmapped, a coroutine's, a forked child's, is only read where the current stack
 * leads the walk to the same state).
 * Where to look: both walks go outwards with strictly growing sp (CFA > sp is checked), so one
 * index into the record, advanced while its sp is below the current sp, finds the only record
 * frame that can match. A record cut at max frames matches only where the current walk is also
 * cut at or before its end (n >= j), since what lies past the cut is unknown.
 * The record: the walk's frames, outermost at index REC_CAP - 1, so a walk that ends by
 * following the record to its end keeps the record's tail where it is and writes only its own
 * inner frames (the scratch) below it. */
size_t hp_fastunwind(hp_ucache *uc, uintptr_t pc, uintptr_t sp, uintptr_t bp, size_t max)
{
    unsigned gen = hp_load_relaxed(&unload_gen);
    uc->repeat = false;
    if (HP_UNLIKELY(uc->gen != gen)) { /* an object was unloaded: its rules must not be served */
        memset(uc->slot, 0, sizeof uc->slot);
        uc->gen = gen;
        uc->rec_n = 0;
        uc->rec_cut = false;
    }
    if (max > REC_CAP) max = REC_CAP;
    if (HP_UNLIKELY(max == 0)) return 0;
    if (HP_UNLIKELY(uc->rec_max != max)) { /* the record's cut is another max's */
        uc->rec_n = 0;
        uc->rec_cut = false;
        uc->rec_max = max;
    }
    const size_t base = REC_CAP - uc->rec_n; /* the record: [base, REC_CAP) */
    /* a cut record is joined at j only if n >= j - base; jcap makes that j <= n + jcap */
    const size_t jcap = uc->rec_cut ? base : REC_CAP;
    size_t n = 0, j = base, i0, j0, k;
    for (;;) {
        /* ---- on the rules ---- */
        while (uc->sp[j] < sp) /* sp[REC_CAP] stops it */
            j++;
        if (uc->sp[j] == sp && uc->pc[j] == pc && (!uc->fr[j].live || uc->fr[j].bp == bp) &&
            j <= n + jcap)
            goto follow;
        uc->s_pc[n] = pc;
        uc->s_sp[n] = sp;
        frame *f = &uc->s_fr[n++];
        f->bp = bp;
        f->end = 0;
        uintptr_t at = pc - 1; /* a return address: the call instruction is before it */
        rule *ru = &uc->slot[(at ^ (at >> 12)) & (CACHE_SLOTS - 1)];
        if (HP_UNLIKELY(ru->pc != at || ru->kind != R_OK)) {
            if (ru->pc != at || ru->kind == R_NONE) *ru = compute(at);
            if (ru->kind == R_END) {
                f->end = F_END;
                f->cfa_rbp = 0;
                f->rbp_off = 0;
                goto walked;
            }
            if (ru->kind != R_OK) return 0; /* this stack is libunwind's */
        }
        uintptr_t cfa = (ru->cfa_rbp ? bp : sp) + (uintptr_t)(intptr_t)ru->cfa_off;
        /* cfa <= sp, cfa - sp > 64 MiB, a misaligned CFA: not a stack this walker trusts */
        if (HP_UNLIKELY((cfa - sp - 1 >= (64u << 20)) | (cfa & 7))) return 0;
        f->cfa = cfa;
        f->rbp_off = ru->rbp_off;
        f->cfa_rbp = ru->cfa_rbp;
        if (ru->rbp_off) bp = *(const uintptr_t *)(cfa + (uintptr_t)(intptr_t)ru->rbp_off);
        pc = *(const uintptr_t *)(cfa - 8);
        sp = cfa;
        if (pc == 0) {
            f->end = F_ZERO;
            goto walked;
        }
        if (n == max) {
            f->end = F_CUT;
            goto walked;
        }
        continue;

    follow:
        /* ---- on the record: the state equals frame j's ---- */
        i0 = n;
        j0 = j;
        if (HP_LIKELY(REC_CAP - j <= max - n)) { /* the record ends before max: no count */
            const link *l = &uc->ln[j];
            for (;;) {
                for (;;) { /* the common case, four frames a turn */
                    if (HP_UNLIKELY(*(const uintptr_t *)l[0].slot != l[0].want)) break;
                    if (HP_UNLIKELY(*(const uintptr_t *)l[1].slot != l[1].want)) {
                        l += 1;
                        break;
                    }
                    if (HP_UNLIKELY(*(const uintptr_t *)l[2].slot != l[2].want)) {
                        l += 2;
                        break;
                    }
                    if (HP_UNLIKELY(*(const uintptr_t *)l[3].slot != l[3].want)) {
                        l += 3;
                        break;
                    }
                    l += 4;
                }
                k = (size_t)(l - uc->ln);
                if (HP_LIKELY(l->slot != (uintptr_t)&uc->stop)) {
                    /* a word differs: frame k+1's state is not the record's */
                    pc = *(const uintptr_t *)l->slot;
                    sp = l->slot + 8;
                    bp = bp_after(uc, j0, k, bp);
                    goto diverged;
                }
                const frame *e = &uc->fr[k];
                if (e->end) break;
                /* rbp reloaded and live after it: the step in full */
                bp = *(const uintptr_t *)(e->cfa + (uintptr_t)(intptr_t)e->rbp_off);
                pc = *(const uintptr_t *)(e->cfa - 8);
                if (HP_UNLIKELY(pc != uc->pc[k + 1] ||
                                (uc->fr[k + 1].live && bp != uc->fr[k + 1].bp))) {
                    sp = e->cfa;
                    goto diverged;
                }
                l++;
            }
        } else { /* the same, cut at max frames: frame klim is the last that fits */
            const size_t klim = j + (max - n) - 1;
            for (k = j;; k++) {
                const frame *e = &uc->fr[k];
                if (e->end || k == klim) break;
                if (e->rbp_off) bp = *(const uintptr_t *)(e->cfa + (uintptr_t)(intptr_t)e->rbp_off);
                pc = *(const uintptr_t *)(e->cfa - 8);
                if (HP_UNLIKELY(pc != uc->pc[k + 1] ||
                                (uc->fr[k + 1].live && bp != uc->fr[k + 1].bp))) {
                    sp = e->cfa;
                    goto diverged;
                }
            }
        }
        /* frame k is the record's last (end != 0), or the max-th frame of this walk */
        n = i0 + (k + 1 - j0);
        {
            const frame *e = &uc->fr[k];
            if (e->end == F_END || e->end == F_CUT) goto followed; /* F_CUT: n == max */
            if (e->end == F_ZERO) { /* its step, as on the rules: pc 0 ends the walk first */
                pc = *(const uintptr_t *)(e->cfa - 8);
                if (pc == 0) goto followed;
                sp = e->cfa;
                bp = bp_after(uc, j0, k, bp);
            }
        }
        /* cut here (n == max), or F_ZERO's frame read a return address */
        unfollow(uc, i0, j0, k);
        if (n == max) {
            uc->s_fr[n - 1].end = F_CUT;
            goto walked;
        }
        j = k + 1;
        continue;
    diverged:
        /* back on the rules from the state (pc, sp, bp) after frame k, the frames followed so far
         * copied into the scratch */
        n = i0 + (k + 1 - j0);
        unfollow(uc, i0, j0, k);
        if (HP_UNLIKELY(pc == 0)) { /* as on the rules: the walk ends here */
            uc->s_fr[n - 1].end = F_ZERO;
            goto walked;
        }
        if (HP_UNLIKELY(n == max)) { /* cannot happen (a differing word is before max) */
            uc->s_fr[n - 1].end = F_CUT;
            goto walked;
        }
        j = k + 1;
    }

walked: /* the new record is the scratch's n frames: nothing kept of the old one */
    i0 = n;
    j0 = REC_CAP;
followed: /* the new record is the scratch's [0, i0) followed by the old one's [j0, REC_CAP) */
    settle(uc, i0, j0, n);
    return n;
}

const uintptr_t *hp_fastunwind_pcs(const hp_ucache *uc)
{
    return &uc->pc[REC_CAP - uc->rec_n];
}

bool hp_fastunwind_repeat(const hp_ucache *uc)
{
    return uc->repeat;
}

size_t hp_fastunwind_depth(const hp_ucache *uc)
{
    return uc->rec_n;
}

uint64_t hp_fastunwind_chain(const hp_ucache *uc)
{
    return uc->fr[REC_CAP - uc->rec_n].chain;
}

uint32_t hp_fastunwind_id(const hp_ucache *uc)
{
    return uc->id;
}

void hp_fastunwind_note_id(hp_ucache *uc, uint32_t id)
{
    uc->id = id;
}
