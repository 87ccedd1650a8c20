/* flame.c - the aggregated call tree of flame.h. Two phases: (1) a trie of every kept site's
 * path, nodes found by a hash on (parent, function id); (2) a preorder copy of the trie with
 * children sorted and those below the threshold merged into one node per parent.
 * Cost: O(sum of path lengths) expected for (1), O(n log n) for the sorts of (2); memory: the
 * trie (about 48 bytes a node) and its hash, freed before returning. No global state. */
#include "flame.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

typedef struct tnode {
    uint32_t fid;    /* function id: the first frame index with this function name */
    uint32_t parent; /* NONE for the root */
    uint32_t first_child, next_sibling;
    double value, self;
    size_t nsites;
} tnode;

typedef struct trie {
    tnode *t;
    uint32_t n, cap;
    uint32_t *slot; /* hash of (parent, fid) -> node index, NONE when empty */
    size_t nslot;   /* power of two, > 2 * n */
} trie;

static uint64_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* fid[i]: the smallest frame index whose func equals frames[i].func. */
static uint32_t *function_ids(const hv_report *r)
{
    size_t nslot = 16;
    while (nslot < 2 * r->nframes)
        nslot *= 2;
    uint32_t *fid = malloc((r->nframes ? r->nframes : 1) * sizeof *fid);
    uint32_t *slot = malloc(nslot * sizeof *slot);
    if (!fid || !slot) {
        free(fid);
        free(slot);
        return NULL;
    }
    memset(slot, 0xff, nslot * sizeof *slot);
    for (size_t i = 0; i < r->nframes; i++) {
        size_t h = (size_t)str_hash(r->frames[i].func) & (nslot - 1);
        while (slot[h] != NONE && strcmp(r->frames[slot[h]].func, r->frames[i].func) != 0)
            h = (h + 1) & (nslot - 1);
        if (slot[h] == NONE) slot[h] = (uint32_t)i;
        fid[i] = slot[h];
    }
    free(slot);
    return fid;
}

static int rehash(trie *T, size_t nslot)
{
    uint32_t *s = malloc(nslot * sizeof *s);
    if (!s) return -1;
    memset(s, 0xff, nslot * sizeof *s);
    for (uint32_t i = 1; i < T->n; i++) { /* the root is in no slot */
        size_t h = (size_t)mix(((uint64_t)T->t[i].parent << 32) | T->t[i].fid) & (nslot - 1);
        while (s[h] != NONE)
            h = (h + 1) & (nslot - 1);
        s[h] = i;
    }
    free(T->slot);
    T->slot = s;
    T->nslot = nslot;
    return 0;
}

/* The child of parent for function fid, created if missing; NONE when out of memory. */
static uint32_t child(trie *T, uint32_t parent, uint32_t fid)
{
    size_t h = (size_t)mix(((uint64_t)parent << 32) | fid) & (T->nslot - 1);
    for (; T->slot[h] != NONE; h = (h + 1) & (T->nslot - 1)) {
        const tnode *c = &T->t[T->slot[h]];
        if (c->parent == parent && c->fid == fid) return T->slot[h];
    }
    if (T->n == NONE - 1) return NONE;
    if (T->n == T->cap) {
        uint32_t cap = T->cap * 2;
        tnode *t = realloc(T->t, (size_t)cap * sizeof *t);
        if (!t) return NONE;
        T->t = t;
        T->cap = cap;
    }
    uint32_t i = T->n++;
    T->t[i] = (tnode){fid, parent, NONE, T->t[parent].first_child, 0, 0, 0};
    T->t[parent].first_child = i;
    T->slot[h] = i;
    if (2 * (size_t)T->n >= T->nslot && rehash(T, T->nslot * 2) < 0) return NONE;
    return i;
}

typedef struct emit_ctx {
    const hv_report *r;
    const trie *T;
    hv_flame *f;
    double threshold;
} emit_ctx;

static const char *tname(const emit_ctx *c, uint32_t i)
{
    return i == 0 ? "all" : c->r->frames[c->T->t[i].fid].func;
}

static int child_cmp(const void *a, const void *b, void *ctx)
{
    const emit_ctx *c = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const tnode *x = &c->T->t[i], *y = &c->T->t[j];
    if (x->value != y->value) return x->value < y->value ? 1 : -1;
    return strcmp(tname(c, i), tname(c, j));
}

/* Appends trie node i and (recursively) its kept children; depth <= HV_MAX_SITE_FRAMES + 1. */
static int emit(const emit_ctx *c, uint32_t i, size_t parent, uint32_t depth)
{
    const tnode *t = &c->T->t[i];
    hv_flame *f = c->f;
    size_t me = f->n++;
    f->node[me] = (hv_flame_node){
        .kind = i == 0 ? HV_FLAME_ROOT : HV_FLAME_FRAME,
        .frame = i == 0 ? 0 : t->fid,
        .depth = depth,
        .parent = parent,
        .value = t->value,
        .self = t->self,
        .nsites = t->nsites,
        .name = tname(c, i),
    };
    size_t nk = 0;
    for (uint32_t k = t->first_child; k != NONE; k = c->T->t[k].next_sibling)
        nk++;
    uint32_t *kids = malloc((nk ? nk : 1) * sizeof *kids);
    if (!kids) return -1;
    nk = 0;
    for (uint32_t k = t->first_child; k != NONE; k = c->T->t[k].next_sibling)
        kids[nk++] = k;
    qsort_r(kids, nk, sizeof *kids, child_cmp, (void *)c);
    double small = 0;
    size_t small_sites = 0, nsmall = 0;
    int rc = 0;
    for (size_t k = 0; k < nk && rc == 0; k++) {
        const tnode *ch = &c->T->t[kids[k]];
        if (ch->value < c->threshold) {
            small += ch->value;
            small_sites += ch->nsites;
            nsmall++;
        } else {
            rc = emit(c, kids[k], me, depth + 1);
        }
    }
    free(kids);
    if (rc) return rc;
    if (nsmall) {
        size_t s = f->n++;
        f->node[s] = (hv_flame_node){.kind = HV_FLAME_SMALL,
                                     .depth = depth + 1,
                                     .parent = me,
                                     .end = s + 1,
                                     .value = small,
                                     .nsites = small_sites};
        f->nmerged++;
    }
    f->node[me].end = f->n;
    return 0;
}

int hv_flame_build(const hv_report *r, hv_metric metric, double min_fraction, hv_flame *out)
{
    return hv_flame_build_if(r, metric, min_fraction, NULL, NULL, out);
}

int hv_flame_build_if(const hv_report *r, hv_metric metric, double min_fraction, hv_keep_fn keep,
                      const hv_query *q, hv_flame *out)
{
    memset(out, 0, sizeof *out);
    out->metric = metric;
    if (metric >= HV_NRAW) return -1; /* averages, rates and percentiles do not add up */
    int rc = -1;
    trie T = {0};
    uint32_t *fid = function_ids(r);
    if (!fid) goto out;
    T.cap = 1024;
    T.t = malloc(T.cap * sizeof *T.t);
    if (!T.t || rehash(&T, 2048) < 0) goto out;
    T.t[0] = (tnode){0, NONE, NONE, NONE, 0, 0, 0};
    T.n = 1;
    for (size_t i = 0; i < r->nsites; i++) {
        const hv_site *s = &r->sites[i];
        double v = (double)s->v[metric];
        if (v <= 0 || (keep && !keep(r, s, q)) || (q && !hv_site_matches(r, s, q))) continue;
        const uint32_t *fs = hv_site_frames(r, s);
        bool any_user = false;
        for (uint32_t k = 0; k < s->nfs; k++)
            any_user |= !r->frames[fs[k]].system;
        uint32_t at = 0;
        T.t[0].value += v;
        T.t[0].nsites++;
        for (uint32_t k = s->nfs; k-- > 0;) { /* outermost first */
            if (any_user && r->frames[fs[k]].system) continue;
            /* the trie may move in child(): index, not pointer */
            if ((at = child(&T, at, fid[fs[k]])) == NONE) goto out;
            T.t[at].value += v;
            T.t[at].nsites++;
        }
        T.t[at].self += v;
    }
    out->node = malloc(T.n * sizeof *out->node); /* each small node replaces >= 1 trie node */
    if (!out->node) goto out;
    emit_ctx c = {r, &T, out, min_fraction > 0 ? min_fraction * T.t[0].value : 0};
    rc = emit(&c, 0, SIZE_MAX, 0);
out:
    if (rc) hv_flame_free(out);
    free(fid);
    free(T.t);
    free(T.slot);
    return rc;
}

void hv_flame_free(hv_flame *f)
{
    free(f->node);
    f->node = NULL;
    f->n = f->nmerged = 0;
}
