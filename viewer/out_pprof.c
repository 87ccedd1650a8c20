/* out_pprof.c - heapview --pprof FILE: the report as a gzipped profile.proto, the format of Go's
 * heap profiles, read by `go tool pprof` and by continuous-profiling backends (Pyroscope,
 * Parca, Grafana). One sample per site; four values, as Go writes them:
 *   alloc_objects/count = tbk, alloc_space/bytes = tb   (everything allocated)
 *   inuse_objects/count = ebk, inuse_space/bytes = eb   (live at t-end, i.e. at exit)
 * default_sample_type inuse_space (as Go). A sampled report's counters are already estimates,
 * so they are written as they are; period is its rate (period_type space/bytes, as Go) and a
 * comment says "sampled: 1 in ~512 KiB (N samples); values are estimates".
 * Stacks: innermost first (profile.proto's order), from the site's first user frame when
 * collapsing (the default: the allocator glue is dropped, so pprof's "flat" is the function
 * that allocated, as in Go's profiles, where runtime.mallocgc does not appear); --no-collapse
 * keeps every frame. --include/--exclude pick the sites.
 * Tables: one Location per frame of ftbl (id = its ftbl index, address = its "0xADDR"), one
 * Function per (name, file), one Line per Location (file:line, 0 when unknown), one Mapping per
 * library named by "(in /path)" frames. A frame without a symbol ("??? (in libfoo.so)") is the
 * function "??? in libfoo.so", heapview's own name for it (model.h, site identity).
 *
 * Why a hand-written encoder and not a protobuf library: the format needs three wire types
 * (varint, length-delimited, and packed varints, all written here as varints or bytes), is
 * stable and documented (github.com/google/pprof, proto/profile.proto), and libprotobuf-c plus
 * generated code would be a heavier dependency than these ~250 lines. Field numbers below are
 * profile.proto's (package perftools.profiles). */
#include "out.h"

#include "fmt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* profile.proto field numbers (messages Profile, ValueType, Sample, Mapping, Location, Line,
 * Function). */
enum {
    P_SAMPLE_TYPE = 1,
    P_SAMPLE = 2,
    P_MAPPING = 3,
    P_LOCATION = 4,
    P_FUNCTION = 5,
    P_STRING_TABLE = 6,
    P_TIME_NANOS = 9,
    P_DURATION_NANOS = 10,
    P_PERIOD_TYPE = 11,
    P_PERIOD = 12,
    P_COMMENT = 13,
    P_DEFAULT_SAMPLE_TYPE = 14,
    VT_TYPE = 1,
    VT_UNIT = 2,
    S_LOCATION_ID = 1,
    S_VALUE = 2,
    M_ID = 1,
    M_FILENAME = 5,
    M_HAS_FUNCTIONS = 7,
    M_HAS_FILENAMES = 8,
    M_HAS_LINE_NUMBERS = 9,
    L_ID = 1,
    L_MAPPING_ID = 2,
    L_ADDRESS = 3,
    L_LINE = 4,
    LN_FUNCTION_ID = 1,
    LN_LINE = 2,
    F_ID = 1,
    F_NAME = 2,
    F_SYSTEM_NAME = 3,
    F_FILENAME = 4,
};

/* Wire types. */
#define WT_VARINT 0
#define WT_LEN    2

/* A growable byte buffer; oom latches, so a sequence of puts is checked once at the end. */
typedef struct pbuf {
    unsigned char *p;
    size_t n, cap;
    bool oom;
} pbuf;

static void put_bytes(pbuf *b, const void *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void put_varint(pbuf *b, uint64_t v)
{
    unsigned char t[10];
    size_t n = 0;
    do {
        t[n++] = (unsigned char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        v >>= 7;
    } while (v);
    put_bytes(b, t, n);
}

/* A varint field; proto3 leaves zero values out. int64 fields of non-negative values share
 * the encoding of uint64. */
static void put_uint(pbuf *b, unsigned field, uint64_t v)
{
    if (!v) return;
    put_varint(b, (uint64_t)field << 3 | WT_VARINT);
    put_varint(b, v);
}

static void put_len(pbuf *b, unsigned field, const void *s, size_t n)
{
    put_varint(b, (uint64_t)field << 3 | WT_LEN);
    put_varint(b, n);
    put_bytes(b, s, n);
}

/* A nested message: written into sub (reset first by the caller's helper), then copied. */
static void put_msg(pbuf *b, unsigned field, pbuf *sub)
{
    if (sub->oom) b->oom = true;
    put_len(b, field, sub->p ? sub->p : (unsigned char *)"", sub->n);
    sub->n = 0;
}

/* ---- interning: string -> id (string table index, function id, mapping id) ---- */

typedef struct itab {
    char **key; /* open addressing, capacity a power of two, load <= 1/2 */
    uint64_t *id;
    size_t cap, n;
} itab;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The id of s, or 0 if absent (ids start at 1: string index + 1, function/mapping ids). */
static uint64_t itab_get(const itab *t, const char *s)
{
    if (!t->cap) return 0;
    for (size_t i = hash_str(s) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->key[i]) return 0;
        if (strcmp(t->key[i], s) == 0) return t->id[i];
    }
}

/* Inserts s (absent) with id; returns 0, or -1 out of memory. */
static int itab_put(itab *t, const char *s, uint64_t id)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **key = calloc(cap, sizeof *key);
        uint64_t *ids = calloc(cap, sizeof *ids);
        if (!key || !ids) {
            free(key);
            free(ids);
            return -1;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->key[i]) continue;
            size_t j = hash_str(t->key[i]) & (cap - 1);
            while (key[j])
                j = (j + 1) & (cap - 1);
            key[j] = t->key[i];
            ids[j] = t->id[i];
        }
        free(t->key);
        free(t->id);
        t->key = key;
        t->id = ids;
        t->cap = cap;
    }
    char *k = strdup(s);
    if (!k) return -1;
    size_t i = hash_str(s) & (t->cap - 1);
    while (t->key[i])
        i = (i + 1) & (t->cap - 1);
    t->key[i] = k;
    t->id[i] = id;
    t->n++;
    return 0;
}

static void itab_free(itab *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->key[i]);
    free(t->key);
    free(t->id);
}

typedef struct enc {
    pbuf out;         /* the Profile message */
    pbuf sub, sub2;   /* scratch for nested messages */
    itab strs;        /* string -> index + 1 */
    pbuf strtab;      /* the string_table fields, in index order (written last) */
    uint64_t nstr;    /* strings so far (index of the next) */
    itab funcs, maps; /* "name\x01file" -> function id; library -> mapping id */
    bool oom;
} enc;

/* Index of s in the string table (added on first use; "" is index 0). */
static int64_t str_index(enc *e, const char *s)
{
    uint64_t id = itab_get(&e->strs, s);
    if (id) return (int64_t)(id - 1);
    if (itab_put(&e->strs, s, e->nstr + 1) < 0) {
        e->oom = true;
        return 0;
    }
    put_len(&e->strtab, P_STRING_TABLE, s, strlen(s));
    return (int64_t)e->nstr++;
}

static void put_value_type(enc *e, unsigned field, const char *type, const char *unit)
{
    put_uint(&e->sub, VT_TYPE, (uint64_t)str_index(e, type));
    put_uint(&e->sub, VT_UNIT, (uint64_t)str_index(e, unit));
    put_msg(&e->out, field, &e->sub);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Function id of frame f (a Function message is written on first use). */
static uint64_t func_id(enc *e, const hv_frame *f)
{
    char nm[512];
    const char *name = f->func;
    if (strcmp(name, "???") == 0 && f->lib) {
        snprintf(nm, sizeof nm, "??? in %s", base_name(f->lib));
        name = nm;
    }
    const char *file = f->file ? f->file : "";
    size_t ln = strlen(name), lf = strlen(file);
    char *key = malloc(ln + lf + 2);
    if (!key) {
        e->oom = true;
        return 0;
    }
    memcpy(key, name, ln);
    key[ln] = '\x01';
    memcpy(key + ln + 1, file, lf + 1);
    uint64_t id = itab_get(&e->funcs, key);
    if (!id) {
        id = e->funcs.n + 1;
        if (itab_put(&e->funcs, key, id) < 0) e->oom = true;
        int64_t ni = str_index(e, name);
        put_uint(&e->sub2, F_ID, id);
        put_uint(&e->sub2, F_NAME, (uint64_t)ni);
        put_uint(&e->sub2, F_SYSTEM_NAME, (uint64_t)ni);
        put_uint(&e->sub2, F_FILENAME, (uint64_t)str_index(e, file));
        put_msg(&e->out, P_FUNCTION, &e->sub2);
    }
    free(key);
    return id;
}

/* Mapping id of library lib (a Mapping message is written on first use). Our locations are
 * symbolized already (or cannot be): has_functions tells pprof not to symbolize them again. */
static uint64_t map_id(enc *e, const char *lib)
{
    uint64_t id = itab_get(&e->maps, lib);
    if (id) return id;
    id = e->maps.n + 1;
    if (itab_put(&e->maps, lib, id) < 0) e->oom = true;
    put_uint(&e->sub2, M_ID, id);
    put_uint(&e->sub2, M_FILENAME, (uint64_t)str_index(e, lib));
    put_uint(&e->sub2, M_HAS_FUNCTIONS, 1);
    put_msg(&e->out, P_MAPPING, &e->sub2);
    return id;
}

/* pprof takes the first mapping for the program ("File:" in its output, as in Go's profiles):
 * the library of a frame named like the command's first word, else that word itself. */
static void main_mapping(enc *e, const hv_report *r)
{
    char prog[1024];
    if (!r->cmd || !*r->cmd) return;
    size_t n = strcspn(r->cmd, " ");
    if (n >= sizeof prog) return;
    memcpy(prog, r->cmd, n);
    prog[n] = '\0';
    for (size_t i = 0; i < r->nframes; i++) {
        const char *lib = r->frames[i].lib;
        if (lib && strcmp(base_name(lib), base_name(prog)) == 0) {
            map_id(e, lib);
            return;
        }
    }
    map_id(e, prog);
}

/* "0x4011A3: ..." -> 0x4011a3; 0 when the frame has no address. */
static uint64_t frame_addr(const hv_frame *f)
{
    const char *s = f->text;
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return 0;
    return strtoull(s + 2, NULL, 16);
}

static void put_location(enc *e, const hv_report *r, uint32_t fi)
{
    const hv_frame *f = &r->frames[fi];
    uint64_t fid = func_id(e, f);
    uint64_t mid = f->lib ? map_id(e, f->lib) : 0;
    put_uint(&e->sub2, LN_FUNCTION_ID, fid);
    put_uint(&e->sub2, LN_LINE, f->line);
    put_uint(&e->sub, L_ID, fi); /* ftbl index: >= 1, as location ids must be */
    put_uint(&e->sub, L_MAPPING_ID, mid);
    put_uint(&e->sub, L_ADDRESS, frame_addr(f));
    put_msg(&e->sub, L_LINE, &e->sub2);
    put_msg(&e->out, P_LOCATION, &e->sub);
}

/* The first frame of s written (innermost kept), per the header. */
static uint32_t first_frame(const hv_outctx *o, const hv_report *r, const hv_site *s)
{
    return o->q && !o->q->collapse ? 0 : hv_site_first_user(r, s);
}

static int encode(const hv_outctx *o, const hv_report *r, enc *e)
{
    str_index(e, ""); /* string_table[0] must be "" */
    put_value_type(e, P_SAMPLE_TYPE, "alloc_objects", "count");
    put_value_type(e, P_SAMPLE_TYPE, "alloc_space", "bytes");
    put_value_type(e, P_SAMPLE_TYPE, "inuse_objects", "count");
    put_value_type(e, P_SAMPLE_TYPE, "inuse_space", "bytes");
    put_value_type(e, P_PERIOD_TYPE, "space", "bytes");
    /* Exact: every allocation counted, period 1. Sampled: the mean bytes between samples, as
     * Go's heap profiles give their MemProfileRate (0 when merged from different rates). The
     * values are the report's estimates already, so pprof must not scale them again. */
    put_uint(&e->out, P_PERIOD, r->sampled ? r->sample_rate : 1);
    put_uint(&e->out, P_DEFAULT_SAMPLE_TYPE, (uint64_t)str_index(e, "inuse_space"));
    /* te is in microseconds in heapprof's reports; DHAT's unit (instructions) is not a time. */
    if (r->tu && strcmp(r->tu, "µs") == 0) put_uint(&e->out, P_DURATION_NANOS, r->te * 1000);
    if (r->cmd && *r->cmd) put_uint(&e->out, P_COMMENT, (uint64_t)str_index(e, r->cmd));
    if (r->sampled) {
        char a[96], c[160];
        snprintf(c, sizeof c, "sampled: %s; values are estimates",
                 hv_fmt_sample(a, sizeof a, r->sample_rate, r->samples));
        put_uint(&e->out, P_COMMENT, (uint64_t)str_index(e, c));
    }

    main_mapping(e, r);
    bool *used = calloc(r->nframes ? r->nframes : 1, sizeof *used);
    if (!used) return -1;
    /* Two passes: locations (which use both scratch buffers), then samples. */
    for (size_t i = 0; i < r->nsites; i++) {
        const hv_site *s = &r->sites[i];
        if (o->q && !hv_site_matches(r, s, o->q)) continue;
        const uint32_t *fs = hv_site_frames(r, s);
        for (uint32_t k = first_frame(o, r, s); k < s->nfs; k++) {
            if (!used[fs[k]]) put_location(e, r, fs[k]);
            used[fs[k]] = true;
        }
    }
    for (size_t i = 0; i < r->nsites; i++) {
        const hv_site *s = &r->sites[i];
        if (o->q && !hv_site_matches(r, s, o->q)) continue;
        const uint32_t *fs = hv_site_frames(r, s);
        for (uint32_t k = first_frame(o, r, s); k < s->nfs; k++)
            put_varint(&e->sub2, fs[k]);
        put_msg(&e->sub, S_LOCATION_ID, &e->sub2); /* packed */
        const uint64_t v[4] = {s->v[HV_TBK], s->v[HV_TB], s->v[HV_EBK], s->v[HV_EB]};
        for (int k = 0; k < 4; k++)
            put_varint(&e->sub2, v[k]);
        put_msg(&e->sub, S_VALUE, &e->sub2);
        put_msg(&e->out, P_SAMPLE, &e->sub);
    }
    free(used);
    /* Field order does not matter to a decoder: the string table goes last, complete. */
    put_bytes(&e->out, e->strtab.p ? e->strtab.p : (unsigned char *)"", e->strtab.n);
    return e->oom || e->out.oom || e->sub.oom || e->sub2.oom || e->strtab.oom ? -1 : 0;
}

/* gzip (RFC 1952, zlib's windowBits 16 + 15) of b into f. */
static int write_gzip(FILE *f, const pbuf *b)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    unsigned char chunk[65536] = {0}; /* (deflate fills it; initialised for cppcheck) */
    z.next_in = b->p;
    z.avail_in = (uInt)b->n;
    int zr, rc = 0;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zr = deflate(&z, Z_FINISH);
        size_t n = sizeof chunk - z.avail_out;
        if (zr == Z_STREAM_ERROR || fwrite(chunk, 1, n, f) != n) {
            rc = -1;
            break;
        }
    } while (zr != Z_STREAM_END);
    deflateEnd(&z);
    return rc;
}

static int pprof_report(const hv_outctx *o, const hv_report *r, const hv_section *sec, size_t nsec)
{
    (void)sec;
    (void)nsec;
    enc e;
    memset(&e, 0, sizeof e);
    int rc = -1;
    if (encode(o, r, &e) == 0 && e.out.n <= UINT32_MAX && write_gzip(o->f, &e.out) == 0)
        rc = fflush(o->f) == 0 ? 0 : -1;
    free(e.out.p);
    free(e.sub.p);
    free(e.sub2.p);
    free(e.strtab.p);
    itab_free(&e.strs);
    itab_free(&e.funcs);
    itab_free(&e.maps);
    return rc;
}

const hv_out hv_out_pprof = {"pprof", pprof_report, NULL};
