/* load.c - report file -> hv_report. The top-level object is scanned here; each of its values,
 * and each element of "pps" and "ftbl", is parsed by cJSON on its own and freed before the
 * next, so the cJSON tree never holds more than one site (see load.h for the memory bound).
 * Every failure is one line in L->err: where (key path or byte offset) and what.
 * Invariants on success: see model.h; plus ftbl[0] == "[root]", dhatFileVersion == 2,
 * mode == "heap" or "rust-heap" (dhat-rs), and the hp_* totals, when present, equal the sums over
 * pps. */
#include "load.h"

#include "fmt.h"

#include "heapprof_report.h"
#include "names.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_EXACT 9007199254740992.0 /* 2^53: larger doubles are not exact integers */

enum top_key {
    K_VERSION,
    K_MODE,
    K_VERB,
    K_BKLT,
    K_BKACC,
    K_TU,
    K_MTU,
    K_TUTH,
    K_CMD,
    K_PID,
    K_TE,
    K_TG,
    K_PPS,
    K_FTBL,
    K_HP_VERSION,
    K_HP_COMPLETE,
    K_HP_ERRORS,
    K_HP_DEPTH,
    K_HP_CLOCK,
    K_HP_TOT_BK,
    K_HP_TOT_B,
    K_HP_GMAX_BK,
    K_HP_GMAX_B,
    K_HP_END_BK,
    K_HP_END_B,
    K_HP_LEAK_CHECK,
    K_HP_TIMELINE,
    K_HP_SAMPLE,
    K_COUNT
};

static const char *const top_names[K_COUNT] = {
    [K_VERSION] = HPR_VERSION,
    [K_MODE] = HPR_MODE,
    [K_VERB] = HPR_VERB,
    [K_BKLT] = HPR_BKLT,
    [K_BKACC] = HPR_BKACC,
    [K_TU] = HPR_TU,
    [K_MTU] = HPR_MTU,
    [K_TUTH] = HPR_TUTH,
    [K_CMD] = HPR_CMD,
    [K_PID] = HPR_PID,
    [K_TE] = HPR_TE,
    [K_TG] = HPR_TG,
    [K_PPS] = HPR_PPS,
    [K_FTBL] = HPR_FTBL,
    [K_HP_VERSION] = HPR_HP_VERSION,
    [K_HP_COMPLETE] = HPR_HP_COMPLETE,
    [K_HP_ERRORS] = HPR_HP_ERRORS,
    [K_HP_DEPTH] = HPR_HP_DEPTH,
    [K_HP_CLOCK] = HPR_HP_CLOCK,
    [K_HP_TOT_BK] = HPR_HP_TOTAL_BLOCKS,
    [K_HP_TOT_B] = HPR_HP_TOTAL_BYTES,
    [K_HP_GMAX_BK] = HPR_HP_GMAX_BLOCKS,
    [K_HP_GMAX_B] = HPR_HP_GMAX_BYTES,
    [K_HP_END_BK] = HPR_HP_END_BLOCKS,
    [K_HP_END_B] = HPR_HP_END_BYTES,
    [K_HP_LEAK_CHECK] = HPR_HP_LEAK_CHECK,
    [K_HP_TIMELINE] = HPR_HP_TIMELINE,
    [K_HP_SAMPLE] = HPR_HP_SAMPLE,
};

/* What DHAT's heap mode always writes. */
static const enum top_key required[] = {K_VERSION, K_MODE, K_TU, K_MTU, K_TUTH, K_CMD,
                                        K_PID,     K_TE,   K_TG, K_PPS, K_FTBL};

typedef struct ld {
    const char *start, *p, *end;
    size_t last_nonws; /* offset of the file's last non-whitespace byte */
    char *err;
    size_t errlen;
    hv_report *r;
    uint32_t seen; /* bit k: top key k was seen */
    size_t cap_sites, cap_fs, cap_frames;
    uint64_t hp_tot[K_COUNT]; /* declared hp_* totals, checked at the end */
} ld;

__attribute__((format(printf, 2, 3))) static int fail(ld *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err, L->errlen, fmt, ap);
    va_end(ap);
    for (char *c = L->err; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?'; /* strings from the file (mode, keys) stay on one line */
    return -1;
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    return "an invalid value";
}

/* A key path for messages: "pps[3].tb", "ftbl[7]", "te". */
static const char *path(char *buf, size_t n, const char *arr, size_t idx, const char *key)
{
    if (arr && key)
        snprintf(buf, n, "%s[%zu].%s", arr, idx, key);
    else if (arr)
        snprintf(buf, n, "%s[%zu]", arr, idx);
    else
        snprintf(buf, n, "%s", key);
    return buf;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(ld *L)
{
    while (L->p < L->end && is_ws(*L->p))
        L->p++;
}

static int syntax_error(ld *L, const char *endp, const char *inside)
{
    size_t off = endp ? (size_t)(endp - L->start) : (size_t)(L->p - L->start);
    if (off >= L->last_nonws)
        return fail(L, "truncated JSON: the file ends inside %s (%zu bytes)", inside,
                    (size_t)(L->end - L->start));
    return fail(L, "not valid JSON: syntax error at byte %zu (in %s)", off, inside);
}

/* Parses the JSON value at L->p with cJSON and moves past it. */
static cJSON *parse_value(ld *L, const char *inside)
{
    const char *endp = NULL;
    if (L->p >= L->end) {
        syntax_error(L, L->end, inside);
        return NULL;
    }
    cJSON *v = cJSON_ParseWithLengthOpts(L->p, (size_t)(L->end - L->p), &endp, 0);
    if (!v) {
        syntax_error(L, endp, inside);
        return NULL;
    }
    L->p = endp;
    return v;
}

/* Expects one of the two characters after optional whitespace; returns it, or 0 on error. */
static char expect(ld *L, char a, char b, const char *inside)
{
    skip_ws(L);
    if (L->p >= L->end) {
        syntax_error(L, L->end, inside);
        return 0;
    }
    char c = *L->p;
    if (c != a && c != b) {
        syntax_error(L, L->p, inside);
        return 0;
    }
    L->p++;
    return c;
}

/* ---- typed getters ---- */

static int num_u64(ld *L, const cJSON *v, const char *arr, size_t idx, const char *key,
                   uint64_t *out)
{
    char pb[96];
    if (!cJSON_IsNumber(v))
        return fail(L, "%s: expected a number, got %s", path(pb, sizeof pb, arr, idx, key),
                    type_name(v));
    double d = v->valuedouble;
    if (d < 0) return fail(L, "%s: negative count (%.17g)", path(pb, sizeof pb, arr, idx, key), d);
    if (!isfinite(d) || d > MAX_EXACT)
        return fail(L, "%s: number too large (%.17g > 2^53)", path(pb, sizeof pb, arr, idx, key),
                    d);
    if (d != floor(d))
        return fail(L, "%s: not an integer (%.17g)", path(pb, sizeof pb, arr, idx, key), d);
    *out = (uint64_t)d;
    return 0;
}

static int field_u64(ld *L, const cJSON *o, const char *arr, size_t idx, const char *key, bool req,
                     uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char pb[96];
    if (!v) {
        if (req) return fail(L, "%s: missing required field", path(pb, sizeof pb, arr, idx, key));
        *out = 0;
        return 0;
    }
    return num_u64(L, v, arr, idx, key, out);
}

static int str_dup(ld *L, const cJSON *v, const char *key, char **out)
{
    if (!cJSON_IsString(v)) return fail(L, "%s: expected a string, got %s", key, type_name(v));
    free(*out);
    *out = hv_escape_dup(v->valuestring); /* escaped once here: every output prints it safely */
    return *out ? 0 : fail(L, "out of memory");
}

static int get_bool(ld *L, const cJSON *v, const char *key, bool *out)
{
    if (!cJSON_IsBool(v)) return fail(L, "%s: expected a boolean, got %s", key, type_name(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

static int grow(ld *L, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q) return fail(L, "out of memory");
    *p = q;
    *cap = n;
    return 0;
}

static int add_total(ld *L, uint64_t *sum, uint64_t v, const char *key)
{
    if (__builtin_add_overflow(*sum, v, sum))
        return fail(L, "%s: the sum over pps overflows 64 bits", key);
    return 0;
}

/* ---- pps ---- */

static const struct {
    const char *key;
    hv_metric m;
    bool req;
} site_fields[] = {
    {HPR_TB, HV_TB, true},     {HPR_TBK, HV_TBK, true},     {HPR_TL, HV_TL, true},
    {HPR_MB, HV_MB, true},     {HPR_MBK, HV_MBK, true},     {HPR_GB, HV_GB, true},
    {HPR_GBK, HV_GBK, true},   {HPR_EB, HV_EB, true},       {HPR_EBK, HV_EBK, true},
    {HPR_HP_RS, HV_RS, false}, {HPR_HP_RSG, HV_RSG, false},
};

/* sb..ubk came later: optional, 0 when absent (docs/report-format.md). */
static const struct {
    const char *key;
    hv_metric m;
    bool req;
} leak_fields[] = {
    {HPR_LK_DB, HV_DB, true},    {HPR_LK_DBK, HV_DBK, true},  {HPR_LK_IB, HV_IB, true},
    {HPR_LK_IBK, HV_IBK, true},  {HPR_LK_RB, HV_RB, true},    {HPR_LK_RBK, HV_RBK, true},
    {HPR_LK_SB, HV_SB, false},   {HPR_LK_SBK, HV_SBK, false}, {HPR_LK_UB, HV_UB, false},
    {HPR_LK_UBK, HV_UBK, false},
};

static int site_leak(ld *L, const cJSON *lk, size_t idx, hv_site *s)
{
    if (!cJSON_IsObject(lk))
        return fail(L, "pps[%zu]." HPR_HP_LEAK ": expected an object, got %s", idx, type_name(lk));
    for (size_t i = 0; i < sizeof leak_fields / sizeof *leak_fields; i++)
        if (field_u64(L, lk, "pps", idx, leak_fields[i].key, leak_fields[i].req,
                      &s->v[leak_fields[i].m]))
            return -1;
    const cJSON *sup = cJSON_GetObjectItemCaseSensitive(lk, HPR_LK_SUP);
    if (sup && get_bool(L, sup, HPR_HP_LEAK "." HPR_LK_SUP, &s->sup)) return -1;
    s->has_leak = true;
    /* each term <= 2^53 (num_u64), so the sums cannot overflow */
    if (s->v[HV_DB] + s->v[HV_IB] + s->v[HV_RB] + s->v[HV_SB] + s->v[HV_UB] != s->v[HV_EB] ||
        s->v[HV_DBK] + s->v[HV_IBK] + s->v[HV_RBK] + s->v[HV_SBK] + s->v[HV_UBK] != s->v[HV_EBK])
        return fail(
            L, "pps[%zu]." HPR_HP_LEAK ": db+ib+rb+sb+ub != eb or dbk+ibk+rbk+sbk+ubk != ebk", idx);
    return 0;
}

/* Contract invariants (docs/report-format.md), one message per violation. */
static int site_invariants(ld *L, const hv_site *s, size_t idx)
{
    static const struct {
        hv_metric a, b;
    } le[] = {{HV_EB, HV_TB},   {HV_GB, HV_TB},  {HV_EBK, HV_TBK}, {HV_GBK, HV_TBK},
              {HV_MBK, HV_TBK}, {HV_RS, HV_TBK}, {HV_MB, HV_TB}};
    /* Not eb <= mb nor gb <= mb: DHAT's mb is a site's live bytes at the last global maximum it
     * caused (0 if none), so a site allocated below an earlier maximum has mb 0 (DHAT's own files
     * say so too). */
    for (size_t i = 0; i < sizeof le / sizeof *le; i++)
        if (s->v[le[i].a] > s->v[le[i].b])
            return fail(L, "pps[%zu]: inconsistent counters: %s (%llu) > %s (%llu)", idx,
                        hv_metric_name(le[i].a), (unsigned long long)s->v[le[i].a],
                        hv_metric_name(le[i].b), (unsigned long long)s->v[le[i].b]);
    return 0;
}

/* A u64 array of at most max elements into a malloc'd buffer at *out (its length in *n, its sum
 * in *sum). name is the message's path ("pps[3].hp_hist.size"). */
static int u64_array(ld *L, const cJSON *a, const char *name, size_t max, uint64_t **out, size_t *n,
                     uint64_t *sum)
{
    if (!cJSON_IsArray(a)) return fail(L, "%s: expected an array, got %s", name, type_name(a));
    size_t len = (size_t)cJSON_GetArraySize(a);
    if (len > max) return fail(L, "%s: %zu values, more than %zu", name, len, max);
    uint64_t *v = malloc((len ? len : 1) * sizeof *v);
    if (!v) return fail(L, "out of memory");
    const cJSON *e;
    size_t k = 0;
    uint64_t total = 0;
    cJSON_ArrayForEach(e, a)
    {
        if (num_u64(L, e, name, k, NULL, &v[k])) {
            free(v);
            return -1;
        }
        if (__builtin_add_overflow(total, v[k], &total)) {
            free(v);
            return fail(L, "%s: the sum overflows 64 bits", name);
        }
        k++;
    }
    *out = v;
    *n = len;
    if (sum) *sum = total;
    return 0;
}

/* hp_hist: two histograms in one allocation (see hv_site); each sums to at most tbk. */
static int site_hist(ld *L, const cJSON *h, size_t idx, hv_site *s)
{
    if (!cJSON_IsObject(h))
        return fail(L, "pps[%zu]." HPR_HP_HIST ": expected an object, got %s", idx, type_name(h));
    uint64_t *part[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    static const char *const key[2] = {HPR_H_SIZE, HPR_H_LIFE};
    int rc = -1;
    for (int w = 0; w < 2; w++) {
        char name[96];
        snprintf(name, sizeof name, "pps[%zu]." HPR_HP_HIST ".%s", idx, key[w]);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(h, key[w]);
        uint64_t sum = 0;
        if (!a) continue; /* absent: no blocks of that kind */
        if (u64_array(L, a, name, HPR_H_MAX_BUCKETS, &part[w], &n[w], &sum)) goto out;
        if (sum > s->v[HV_TBK]) {
            fail(L, "%s: %llu blocks, more than the site's tbk (%llu)", name,
                 (unsigned long long)sum, (unsigned long long)s->v[HV_TBK]);
            goto out;
        }
    }
    uint64_t *both = malloc((n[0] + n[1] ? n[0] + n[1] : 1) * sizeof *both);
    if (!both) {
        fail(L, "out of memory");
        goto out;
    }
    if (n[0]) memcpy(both, part[0], n[0] * sizeof *both);
    if (n[1]) memcpy(both + n[0], part[1], n[1] * sizeof *both);
    s->hsize = both;
    s->hlife = both + n[0];
    s->nsize = (uint32_t)n[0];
    s->nlife = (uint32_t)n[1];
    L->r->has_hist = true;
    rc = 0;
out:
    free(part[0]);
    free(part[1]);
    return rc;
}

static int load_site(ld *L, const cJSON *o, size_t idx)
{
    hv_report *r = L->r;
    if (!cJSON_IsObject(o))
        return fail(L, "pps[%zu]: expected an object, got %s", idx, type_name(o));
    if (grow(L, (void **)&r->sites, &L->cap_sites, r->nsites + 1, sizeof *r->sites)) return -1;
    hv_site *s = &r->sites[r->nsites];
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < sizeof site_fields / sizeof *site_fields; i++)
        if (field_u64(L, o, "pps", idx, site_fields[i].key, site_fields[i].req,
                      &s->v[site_fields[i].m]))
            return -1;
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(o, HPR_FS);
    if (!fs) return fail(L, "pps[%zu].fs: missing required field", idx);
    if (!cJSON_IsArray(fs))
        return fail(L, "pps[%zu].fs: expected an array, got %s", idx, type_name(fs));
    size_t n = (size_t)cJSON_GetArraySize(fs);
    if (n > UINT32_MAX || r->nfsbuf + n > UINT32_MAX)
        return fail(L, "pps[%zu].fs: too many frames", idx);
    if (grow(L, (void **)&r->fsbuf, &L->cap_fs, r->nfsbuf + n, sizeof *r->fsbuf)) return -1;
    s->fs_off = (uint32_t)r->nfsbuf;
    s->nfs = (uint32_t)n;
    const cJSON *e;
    size_t k = 0;
    cJSON_ArrayForEach(e, fs)
    {
        uint64_t fi;
        char key[32];
        snprintf(key, sizeof key, "fs[%zu]", k);
        if (num_u64(L, e, "pps", idx, key, &fi)) return -1;
        if (fi == 0 || fi > UINT32_MAX)
            return fail(L, "pps[%zu].fs[%zu]: frame index %llu out of range", idx, k,
                        (unsigned long long)fi);
        r->fsbuf[r->nfsbuf + k++] = (uint32_t)fi;
    }
    r->nfsbuf += n;
    const cJSON *lk = cJSON_GetObjectItemCaseSensitive(o, HPR_HP_LEAK);
    if (lk && site_leak(L, lk, idx, s)) return -1;
    if (site_invariants(L, s, idx)) return -1;
    for (int m = 0; m < HV_NRAW; m++)
        if (add_total(L, &r->tot[m], s->v[m], hv_metric_name((hv_metric)m))) return -1;
    /* Last: from here the site owns hsize, and nsites counts it so hv_report_free frees it. */
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, HPR_HP_HIST);
    if (h && site_hist(L, h, idx, s)) return -1;
    r->nsites++;
    return 0;
}

static int load_frame(ld *L, const cJSON *v, size_t idx)
{
    hv_report *r = L->r;
    if (!cJSON_IsString(v))
        return fail(L, "ftbl[%zu]: expected a string, got %s", idx, type_name(v));
    if (idx == 0 && strcmp(v->valuestring, HPR_ROOT_FRAME) != 0)
        return fail(L, "ftbl[0]: expected \"" HPR_ROOT_FRAME "\"");
    if (grow(L, (void **)&r->frames, &L->cap_frames, r->nframes + 1, sizeof *r->frames)) return -1;
    char *plain = hv_names_frame(v->valuestring); /* mangled names arrive from old reports */
    char *text =
        plain ? hv_escape_dup(plain) : NULL; /* then no control character reaches a terminal */
    free(plain);
    if (!text) return fail(L, "out of memory");
    if (hv_frame_init(&r->frames[r->nframes], text)) {
        free(text);
        return fail(L, "out of memory");
    }
    r->nframes++;
    return 0;
}

/* One pass over the site object at p (its '{'): finds its end and, in every "fs" array directly
 * inside it, drops the elements after the first HV_MAX_SITE_FRAMES. With out (at least as long
 * as the object), writes the text kept there and its length in *outlen. Returns the number of
 * elements dropped; *endp is one past the object's '}', or NULL if the text ends first (the
 * caller then lets cJSON name the error). Strings are skipped whole, so a "fs" inside one is
 * not a key. Elements = commas at depth 2 + 1. */
static size_t scan_site(const char *p, const char *e, char *out, size_t *outlen, const char **endp)
{
    size_t dropped = 0, n = 0, commas = 0;
    int depth = 0;
    bool fs_key = false, in_fs = false, skipping = false;
    *endp = NULL;
    for (const char *q = p; q < e; q++) {
        const char *tok = q;
        char c = *q;
        if (c == '"') {
            for (q++; q < e && *q != '"'; q++)
                if (*q == '\\') q++;
            if (q >= e) break;
            if (depth == 1) fs_key = q - tok == 3 && tok[1] == 'f' && tok[2] == 's';
        } else if (c == '{' || c == '[') {
            depth++;
            if (c == '[' && depth == 2 && fs_key) {
                in_fs = true;
                commas = 0;
            }
        } else if (c == '}' || c == ']') {
            if (depth == 2 && in_fs) {
                if (skipping) dropped += commas + 1 - HV_MAX_SITE_FRAMES;
                in_fs = skipping = false;
            }
            depth--;
        } else if (c == ',') {
            if (depth == 1) fs_key = false;
            if (in_fs && depth == 2 && ++commas == HV_MAX_SITE_FRAMES) skipping = true;
        }
        if (out && !skipping) {
            memcpy(out + n, tok, (size_t)(q - tok) + 1);
            n += (size_t)(q - tok) + 1;
        }
        if (depth == 0) {
            *endp = q + 1;
            break;
        }
    }
    if (outlen) *outlen = n;
    return dropped;
}

/* A pps element: a site whose frames exceed HV_MAX_SITE_FRAMES is parsed from a copy with its
 * frames cut (a hostile report's 2e7 frames would be 2e7 cJSON nodes: gigabytes); what was cut
 * is counted in the report (hv_report.cut_sites, cut_frames) for main to say. */
static cJSON *parse_site(ld *L, const char *inside)
{
    const char *endp;
    if (L->p >= L->end || *L->p != '{' || !scan_site(L->p, L->end, NULL, NULL, &endp) || !endp)
        return parse_value(L, inside);
    size_t len = (size_t)(endp - L->p), n;
    char *copy = malloc(len);
    if (!copy) {
        fail(L, "out of memory");
        return NULL;
    }
    size_t dropped = scan_site(L->p, L->end, copy, &n, &endp);
    const char *cend = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(copy, n, &cend, 0);
    free(copy);
    if (!v) return parse_value(L, inside); /* the original text names the error */
    L->p = endp;
    L->r->cut_sites++;
    L->r->cut_frames += dropped;
    return v;
}

/* Streams the elements of the array at L->p through fn, one cJSON tree at a time. */
static int load_array(ld *L, const char *name, int (*fn)(ld *, const cJSON *, size_t))
{
    skip_ws(L);
    if (L->p >= L->end) return syntax_error(L, L->end, name);
    if (*L->p != '[') {
        cJSON *v = parse_value(L, name);
        if (!v) return -1;
        fail(L, "%s: expected an array, got %s", name, type_name(v));
        cJSON_Delete(v);
        return -1;
    }
    L->p++;
    skip_ws(L);
    if (L->p < L->end && *L->p == ']') {
        L->p++;
        return 0;
    }
    for (size_t i = 0;; i++) {
        skip_ws(L);
        cJSON *v = fn == load_site ? parse_site(L, name) : parse_value(L, name);
        if (!v) return -1;
        int rc = fn(L, v, i);
        cJSON_Delete(v);
        if (rc) return -1;
        char c = expect(L, ',', ']', name);
        if (!c) return -1;
        if (c == ']') return 0;
    }
}

/* ---- top level ---- */

static int check_version(ld *L, uint64_t v)
{
    if (v != HPR_FILE_VERSION)
        return fail(L, HPR_VERSION " %llu is not supported (heapview reads version %d)",
                    (unsigned long long)v, HPR_FILE_VERSION);
    return 0;
}

/* "heap": Valgrind DHAT and heapprof; "rust-heap": the dhat crate (dhat-rs), which writes the
 * same fields in heap mode (its src/lib.rs, DhatJson) with frames as "IP: SYM (FILE:LINE:COL)". */
static int check_mode(ld *L, const char *mode)
{
    if (strcmp(mode, "heap") == 0) return 0;
    if (strcmp(mode, "rust-heap") == 0) {
        L->r->dhat_rs = true;
        return 0;
    }
    if (strcmp(mode, "copy") == 0 || strcmp(mode, "ad-hoc") == 0)
        return fail(L,
                    "DHAT %s-mode profiles are not supported: heapview reads heap mode "
                    "(valgrind --tool=dhat without --mode)",
                    mode);
    if (strcmp(mode, "rust-ad-hoc") == 0)
        return fail(L, "dhat-rs ad-hoc profiles are not supported: heapview reads heap profiles "
                       "(dhat::Profiler::new_heap)");
    return fail(L, HPR_MODE ": unknown mode \"%s\" (heapview reads \"heap\" and \"rust-heap\")",
                mode);
}

static int load_leak_check(ld *L, const cJSON *o)
{
    hv_leakcheck *lc = &L->r->lc;
    if (!cJSON_IsObject(o))
        return fail(L, HPR_HP_LEAK_CHECK ": expected an object, got %s", type_name(o));
    const struct {
        const char *key;
        uint64_t *dst;
    } f[] = {{HPR_LC_DEFINITE_BYTES, &lc->definite_bytes},
             {HPR_LC_DEFINITE_BLOCKS, &lc->definite_blocks},
             {HPR_LC_INDIRECT_BYTES, &lc->indirect_bytes},
             {HPR_LC_INDIRECT_BLOCKS, &lc->indirect_blocks},
             {HPR_LC_REACHABLE_BYTES, &lc->reachable_bytes},
             {HPR_LC_REACHABLE_BLOCKS, &lc->reachable_blocks},
             {HPR_LC_SUPPRESSED_BYTES, &lc->suppressed_bytes},
             {HPR_LC_SUPPRESSED_BLOCKS, &lc->suppressed_blocks}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (field_u64(L, o, HPR_HP_LEAK_CHECK, 0, f[i].key, true, f[i].dst)) return -1;
    /* later additions: optional, 0 / absent in older reports */
    if (field_u64(L, o, HPR_HP_LEAK_CHECK, 0, HPR_LC_UNREADABLE_BYTES, false,
                  &lc->unreadable_bytes) ||
        field_u64(L, o, HPR_HP_LEAK_CHECK, 0, HPR_LC_UNREADABLE_BLOCKS, false,
                  &lc->unreadable_blocks))
        return -1;
    const cJSON *nv = cJSON_GetObjectItemCaseSensitive(o, HPR_LC_NO_VERDICT);
    if (nv && str_dup(L, nv, HPR_HP_LEAK_CHECK "." HPR_LC_NO_VERDICT, &lc->no_verdict)) return -1;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, HPR_LC_MODE);
    if (m && str_dup(L, m, HPR_HP_LEAK_CHECK "." HPR_LC_MODE, &lc->mode)) return -1;
    const cJSON *ec = cJSON_GetObjectItemCaseSensitive(o, HPR_LC_EXIT_CODE);
    if (ec) {
        if (!cJSON_IsNumber(ec) || ec->valuedouble != floor(ec->valuedouble) ||
            fabs(ec->valuedouble) > 255)
            return fail(L, HPR_HP_LEAK_CHECK "." HPR_LC_EXIT_CODE ": expected an exit code");
        lc->exit_code = (int64_t)ec->valuedouble;
    }
    L->r->has_leak_check = true;
    return 0;
}

/* hp_sample: {"rate": R > 0, "samples": N}, both integers (heapprof_report.h). */
static int load_sample(ld *L, const cJSON *o)
{
    hv_report *r = L->r;
    if (!cJSON_IsObject(o))
        return fail(L, HPR_HP_SAMPLE ": expected an object, got %s", type_name(o));
    const struct {
        const char *key, *path;
        uint64_t *dst;
    } f[] = {{HPR_SM_RATE, HPR_HP_SAMPLE "." HPR_SM_RATE, &r->sample_rate},
             {HPR_SM_SAMPLES, HPR_HP_SAMPLE "." HPR_SM_SAMPLES, &r->samples}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f[i].key);
        if (!v) return fail(L, "%s: missing required field", f[i].path);
        if (num_u64(L, v, NULL, 0, f[i].path, f[i].dst)) return -1;
    }
    if (r->sample_rate == 0)
        return fail(L, HPR_HP_SAMPLE "." HPR_SM_RATE
                                     ": 0 (the mean bytes between samples must be > 0)");
    r->sampled = true;
    return 0;
}

/* hp_timeline: arrays of equal length n in [1, HPR_TL_MAX_POINTS], t ascending (equal
 * neighbours allowed), at most HPR_TL_MAX_SITES series; "pp" is checked against pps in finish()
 * (pps may come later in the file). */
static int load_timeline(ld *L, const cJSON *o)
{
    hv_timeline *tl = calloc(1, sizeof *tl);
    if (!tl) return fail(L, "out of memory");
    L->r->timeline = tl; /* owned by the report from here: freed with it on failure too */
    if (!cJSON_IsObject(o))
        return fail(L, HPR_HP_TIMELINE ": expected an object, got %s", type_name(o));
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, HPR_TL_T);
    if (!t) return fail(L, HPR_HP_TIMELINE "." HPR_TL_T ": missing required field");
    if (!cJSON_IsArray(t))
        return fail(L, HPR_HP_TIMELINE "." HPR_TL_T ": expected an array, got %s", type_name(t));
    size_t n = (size_t)cJSON_GetArraySize(t);
    if (n == 0) return fail(L, HPR_HP_TIMELINE "." HPR_TL_T ": empty");
    if (n > HPR_TL_MAX_POINTS)
        return fail(L, HPR_HP_TIMELINE ": %zu points, more than %d", n, HPR_TL_MAX_POINTS);
    double *tu = malloc(n * sizeof *tu);
    if (!tu) return fail(L, "out of memory");
    tl->t_us = tu;
    const cJSON *e;
    size_t k = 0;
    cJSON_ArrayForEach(e, t)
    {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || e->valuedouble < 0)
            return fail(L, HPR_HP_TIMELINE "." HPR_TL_T "[%zu]: expected a time >= 0 (us), got %s",
                        k, type_name(e));
        tu[k] = e->valuedouble;
        if (k > 0 && tu[k] < tu[k - 1])
            return fail(L, HPR_HP_TIMELINE "." HPR_TL_T "[%zu]: %.17g after %.17g: not ascending",
                        k, tu[k], tu[k - 1]);
        k++;
    }
    tl->n = n;
    static const char *const key[2] = {HPR_TL_B, HPR_TL_BK};
    for (int w = 0; w < 2; w++) {
        char name[64];
        snprintf(name, sizeof name, HPR_HP_TIMELINE ".%s", key[w]);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key[w]);
        if (!a) return fail(L, "%s: missing required field", name);
        uint64_t *v;
        size_t len;
        if (u64_array(L, a, name, HPR_TL_MAX_POINTS, &v, &len, NULL)) return -1;
        if (w == 0)
            tl->b = v;
        else
            tl->bk = v;
        if (len != n) return fail(L, "%s: %zu values, but t has %zu", name, len, n);
    }
    const cJSON *ss = cJSON_GetObjectItemCaseSensitive(o, HPR_TL_SITES);
    if (!ss) return 0;
    if (!cJSON_IsArray(ss))
        return fail(L, HPR_HP_TIMELINE "." HPR_TL_SITES ": expected an array, got %s",
                    type_name(ss));
    size_t ns = (size_t)cJSON_GetArraySize(ss);
    if (ns > HPR_TL_MAX_SITES)
        return fail(L, HPR_HP_TIMELINE "." HPR_TL_SITES ": %zu series, more than %d", ns,
                    HPR_TL_MAX_SITES);
    hv_tl_site *sites = calloc(ns ? ns : 1, sizeof *sites);
    if (!sites) return fail(L, "out of memory");
    tl->sites = sites;
    k = 0;
    cJSON_ArrayForEach(e, ss)
    {
        char name[64];
        snprintf(name, sizeof name, HPR_HP_TIMELINE "." HPR_TL_SITES "[%zu]", k);
        if (!cJSON_IsObject(e))
            return fail(L, "%s: expected an object, got %s", name, type_name(e));
        uint64_t pp;
        if (field_u64(L, e, HPR_HP_TIMELINE "." HPR_TL_SITES, k, HPR_TL_PP, true, &pp)) return -1;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, HPR_TL_B);
        if (!a) return fail(L, "%s." HPR_TL_B ": missing required field", name);
        size_t len;
        uint64_t *v;
        snprintf(name, sizeof name, HPR_HP_TIMELINE "." HPR_TL_SITES "[%zu]." HPR_TL_B, k);
        if (u64_array(L, a, name, HPR_TL_MAX_POINTS, &v, &len, NULL)) return -1;
        sites[k].site = (size_t)pp; /* checked in finish() */
        sites[k].b = v;
        tl->nsites = ++k;
        if (len != n) return fail(L, "%s: %zu values, but t has %zu", name, len, n);
    }
    return 0;
}

static int load_errors(ld *L, const cJSON *v)
{
    hv_report *r = L->r;
    if (!cJSON_IsArray(v))
        return fail(L, HPR_HP_ERRORS ": expected an array, got %s", type_name(v));
    size_t n = (size_t)cJSON_GetArraySize(v);
    r->errors = calloc(n ? n : 1, sizeof *r->errors);
    if (!r->errors) return fail(L, "out of memory");
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        if (str_dup(L, e, HPR_HP_ERRORS "[]", &r->errors[r->nerrors])) return -1;
        r->nerrors++;
    }
    return 0;
}

/* One top-level key/value other than pps and ftbl. */
static int load_top(ld *L, enum top_key k, const cJSON *v)
{
    hv_report *r = L->r;
    const char *key = top_names[k];
    uint64_t u = 0;
    switch (k) {
    case K_VERSION:
        return num_u64(L, v, NULL, 0, key, &u) || check_version(L, u);
    case K_MODE:
        return str_dup(L, v, key, &r->mode) || check_mode(L, r->mode);
    case K_VERB:
        return cJSON_IsString(v) ? 0 : fail(L, "%s: expected a string, got %s", key, type_name(v));
    case K_BKLT: {
        bool b = false;
        if (get_bool(L, v, key, &b)) return -1;
        return b ? 0 : fail(L, HPR_BKLT " is false: the report has no block lifetimes");
    }
    case K_BKACC:
    case K_HP_COMPLETE: {
        bool b = false;
        if (get_bool(L, v, key, &b)) return -1;
        if (k == K_HP_COMPLETE) r->complete = b;
        return 0;
    }
    case K_TU:
        return str_dup(L, v, key, &r->tu);
    case K_MTU:
        return str_dup(L, v, key, &r->mtu);
    case K_CMD:
        return str_dup(L, v, key, &r->cmd);
    case K_HP_CLOCK:
        return str_dup(L, v, key, &r->clock);
    case K_TUTH:
        return num_u64(L, v, NULL, 0, key, &r->tuth);
    case K_PID:
        if (num_u64(L, v, NULL, 0, key, &u)) return -1;
        r->pid = (int64_t)u;
        return 0;
    case K_TE:
        return num_u64(L, v, NULL, 0, key, &r->te);
    case K_TG:
        return num_u64(L, v, NULL, 0, key, &r->tg);
    case K_HP_VERSION:
        if (num_u64(L, v, NULL, 0, key, &u)) return -1;
        r->heapprof = true;
        return u == HPR_EXT_VERSION
                   ? 0
                   : fail(L, HPR_HP_VERSION " %llu is not supported (heapview reads %d)",
                          (unsigned long long)u, HPR_EXT_VERSION);
    case K_HP_DEPTH:
        return num_u64(L, v, NULL, 0, key, &r->depth);
    case K_HP_ERRORS:
        return load_errors(L, v);
    case K_HP_LEAK_CHECK:
        return load_leak_check(L, v);
    case K_HP_TIMELINE:
        return load_timeline(L, v);
    case K_HP_SAMPLE:
        return load_sample(L, v);
    case K_HP_TOT_BK:
    case K_HP_TOT_B:
    case K_HP_GMAX_BK:
    case K_HP_GMAX_B:
    case K_HP_END_BK:
    case K_HP_END_B:
        return num_u64(L, v, NULL, 0, key, &L->hp_tot[k]);
    case K_PPS:
    case K_FTBL:
    case K_COUNT:
        break;
    }
    return 0;
}

static int top_key_of(const char *name)
{
    for (int k = 0; k < K_COUNT; k++)
        if (strcmp(name, top_names[k]) == 0) return k;
    return -1;
}

/* Checks that need the whole file: required keys, frame indices, declared totals. */
static int finish(ld *L)
{
    hv_report *r = L->r;
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!(L->seen & (1u << required[i])))
            return fail(L, "missing required field \"%s\"%s", top_names[required[i]],
                        L->seen & (1u << K_VERSION) ? "" : " (is this a DHAT or heapprof report?)");
    if (r->nframes == 0) return fail(L, HPR_FTBL ": empty (expected \"" HPR_ROOT_FRAME "\" first)");
    for (size_t i = 0; i < r->nsites; i++) {
        const uint32_t *fs = hv_site_frames(r, &r->sites[i]);
        for (uint32_t j = 0; j < r->sites[i].nfs; j++)
            if (fs[j] >= r->nframes)
                return fail(L,
                            "pps[%zu].fs[%u]: frame index %u out of range (ftbl has %zu "
                            "entries)",
                            i, j, fs[j], r->nframes);
    }
    const hv_timeline *tl = r->timeline;
    for (size_t k = 0; tl && k < tl->nsites; k++)
        if (tl->sites[k].site >= r->nsites)
            return fail(L,
                        HPR_HP_TIMELINE "." HPR_TL_SITES "[%zu]." HPR_TL_PP
                                        ": %zu out of range (pps has %zu entries)",
                        k, tl->sites[k].site, r->nsites);
    static const struct {
        enum top_key k;
        hv_metric m;
    } decl[] = {{K_HP_TOT_BK, HV_TBK}, {K_HP_TOT_B, HV_TB},   {K_HP_GMAX_BK, HV_GBK},
                {K_HP_GMAX_B, HV_GB},  {K_HP_END_BK, HV_EBK}, {K_HP_END_B, HV_EB}};
    for (size_t i = 0; i < sizeof decl / sizeof *decl; i++)
        if ((L->seen & (1u << decl[i].k)) && L->hp_tot[decl[i].k] != r->tot[decl[i].m])
            return fail(L, "%s is %llu but the sum of %s over pps is %llu", top_names[decl[i].k],
                        (unsigned long long)L->hp_tot[decl[i].k], hv_metric_name(decl[i].m),
                        (unsigned long long)r->tot[decl[i].m]);
    if (r->sampled && r->has_leak_check)
        return fail(L, HPR_HP_SAMPLE
                    " with " HPR_HP_LEAK_CHECK
                    ": a sampled report has no leak verdict (the leak check needs exact mode)");
    /* Give back the doubling slack of the growth arrays. */
    hv_site *ss = r->nsites ? realloc(r->sites, r->nsites * sizeof *r->sites) : NULL;
    if (ss) r->sites = ss;
    uint32_t *fb = r->nfsbuf ? realloc(r->fsbuf, r->nfsbuf * sizeof *r->fsbuf) : NULL;
    if (fb) r->fsbuf = fb;
    r->gmax_bytes = r->tot[HV_GB];
    r->gmax_blocks = r->tot[HV_GBK];
    return 0;
}

static int load_object(ld *L)
{
    skip_ws(L);
    if (L->p >= L->end) return fail(L, "empty file (only whitespace)");
    if (*L->p != '{') {
        cJSON *v = parse_value(L, "the top level");
        if (!v) return fail(L, "not JSON (a report is a JSON object)");
        fail(L, "wrong shape: the top level is %s, not an object", type_name(v));
        cJSON_Delete(v);
        return -1;
    }
    L->p++;
    skip_ws(L);
    if (L->p < L->end && *L->p == '}') {
        L->p++;
    } else {
        for (;;) {
            skip_ws(L);
            if (L->p >= L->end) return syntax_error(L, L->end, "the top-level object");
            if (*L->p != '"') return syntax_error(L, L->p, "the top-level object");
            cJSON *kv = parse_value(L, "a top-level key");
            if (!kv) return -1;
            char name[64];
            snprintf(name, sizeof name, "%s", kv->valuestring);
            cJSON_Delete(kv);
            if (!expect(L, ':', ':', "the top-level object")) return -1;
            int k = top_key_of(name);
            if (k >= 0) {
                if (L->seen & (1u << k)) return fail(L, "duplicate key \"%s\"", name);
                L->seen |= 1u << k;
            }
            int rc;
            if (k == K_PPS) {
                rc = load_array(L, HPR_PPS, load_site);
            } else if (k == K_FTBL) {
                rc = load_array(L, HPR_FTBL, load_frame);
            } else {
                skip_ws(L);
                cJSON *v = parse_value(L, k >= 0 ? top_names[k] : "an unknown key's value");
                if (!v) return -1;
                rc = k >= 0 ? load_top(L, (enum top_key)k, v) : 0; /* unknown keys: ignored */
                cJSON_Delete(v);
            }
            if (rc) return -1;
            char c = expect(L, ',', '}', "the top-level object");
            if (!c) return -1;
            if (c == '}') break;
        }
    }
    skip_ws(L);
    if (L->p < L->end)
        return fail(L, "not valid JSON: trailing data at byte %zu", (size_t)(L->p - L->start));
    return finish(L);
}

int hv_load_buffer(const char *buf, size_t len, hv_report **out, char *err, size_t errlen)
{
    ld L = {.start = buf, .p = buf, .end = buf + len, .err = err, .errlen = errlen};
    *out = NULL;
    if (errlen) err[0] = '\0';
    if (len == 0) return fail(&L, "empty file");
    const char *nul = memchr(buf, '\0', len);
    if (nul) /* cJSON would stop at it inside a string and read on: say it here */
        return fail(&L, "not valid JSON: NUL byte at byte %zu", (size_t)(nul - buf));
    size_t last = len;
    while (last > 0 && is_ws(buf[last - 1]))
        last--;
    L.last_nonws = last ? last - 1 : 0;
    L.r = calloc(1, sizeof *L.r);
    if (!L.r) return fail(&L, "out of memory");
    L.r->complete = true;
    if (load_object(&L)) {
        hv_report_free(L.r);
        return -1;
    }
    *out = L.r;
    return 0;
}

/* Reads a non-regular file (pipe, terminal) whole. */
static int read_all(int fd, char **buf, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b) return -ENOMEM;
    for (;;) {
        if (n == cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return -ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t k = read(fd, b + n, cap - n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            int e = errno;
            free(b);
            return -e;
        }
        if (k == 0) break;
        n += (size_t)k;
    }
    *buf = b;
    *len = n;
    return 0;
}

int hv_load_file(const char *file, hv_report **out, char *err, size_t errlen)
{
    *out = NULL;
    int fd = strcmp(file, "-") == 0 ? dup(0) : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    int rc = -1;
    struct stat st;
    char *heap = NULL;
    void *map = MAP_FAILED;
    size_t len = 0;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory");
        goto out;
    }
    if (S_ISREG(st.st_mode)) {
        len = (size_t)st.st_size;
        if (len == 0) {
            snprintf(err, errlen, "empty file");
            goto out;
        }
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            snprintf(err, errlen, "cannot map: %s", strerror(errno));
            goto out;
        }
        madvise(map, len, MADV_SEQUENTIAL);
        rc = hv_load_buffer(map, len, out, err, errlen);
    } else {
        int e = read_all(fd, &heap, &len);
        if (e < 0) {
            snprintf(err, errlen, "cannot read: %s", strerror(-e));
            goto out;
        }
        rc = hv_load_buffer(heap, len, out, err, errlen);
    }
out:
    if (map != MAP_FAILED) munmap(map, len);
    free(heap);
    close(fd);
    return rc;
}
