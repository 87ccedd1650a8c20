/* hvtest.c - see hvtest.h. */
#include "hvtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

hv_report *hvt_load(const char *name)
{
    char path[512], err[512];
    hv_report *r = NULL;
    snprintf(path, sizeof path, HVT_DATA "%s", name);
    int rc = hv_load_file(path, &r, err, sizeof err);
    cr_assert_eq(rc, 0, "%s: %s", path, err);
    return r;
}

const char *hvt_load_error(const char *name)
{
    static char err[512];
    char path[512];
    hv_report *r = NULL;
    snprintf(path, sizeof path, HVT_DATA "%s", name);
    int rc = hv_load_file(path, &r, err, sizeof err);
    cr_assert_eq(rc, -1, "%s loaded but should not", path);
    cr_assert_null(r);
    return err;
}

size_t hvt_site_index(const hv_report *r, const char *func, unsigned line)
{
    for (size_t i = 0; i < r->nsites; i++) {
        const hv_site *s = &r->sites[i];
        if (!s->nfs) continue;
        const hv_frame *f = &r->frames[hv_site_frames(r, s)[hv_site_first_user(r, s)]];
        if (strcmp(f->func, func) == 0 && (!line || f->line == line)) return i;
    }
    cr_assert_fail("no site with first user frame %s:%u", func, line);
    return 0;
}

const hv_site *hvt_site(const hv_report *r, const char *func, unsigned line)
{
    return &r->sites[hvt_site_index(r, func, line)];
}

static FILE *mem(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    cr_assert_not_null(f);
    return f;
}

char *hvt_render(const hv_out *out, const hv_report *r, const hv_query *q, const hv_view *v,
                 hv_metric sort)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = mem(&buf, &len);
    hv_outctx o = {.f = f, .q = q, .label = "test.json", .summary = v == NULL};
    hv_section sec = {.view = v ? v : &hv_view_leaks, .sort = sort};
    cr_assert_eq(hv_select(r, q, sec.view->keep, sort, &sec.rows), 0);
    cr_assert_eq(out->report(&o, r, &sec, 1), 0);
    fclose(f);
    hv_rows_free(&sec.rows);
    return buf;
}

char *hvt_render_diff(const hv_out *out, const hv_diff *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = mem(&buf, &len);
    hv_outctx o = {.f = f, .q = d->q, .label = "base -> new"};
    cr_assert_eq(out->diff(&o, d), 0);
    fclose(f);
    return buf;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(m);
    fclose(f);
    return buf;
}

int hvt_run(const char *args, char **out, char **err)
{
    const char *hv = getenv("HEAPVIEW");
    cr_assert_not_null(hv, "HEAPVIEW (the heapview binary) is not set: run through make");
    char o[] = "/tmp/hvtest.out.XXXXXX", e[] = "/tmp/hvtest.err.XXXXXX";
    int fo = mkstemp(o), fe = mkstemp(e);
    cr_assert(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "NO_COLOR= %s </dev/null %s >%s 2>%s", hv, args, o, e);
    int st = system(cmd);
    if (out) *out = slurp(o);
    if (err) *err = slurp(e);
    unlink(o);
    unlink(e);
    cr_assert(WIFEXITED(st), "heapview %s: killed (status %d)", args, st);
    return WEXITSTATUS(st);
}

size_t hvt_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

char *hvt_read_cmd(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "%s", cmd);
    size_t cap = 1 << 16, n = 0, k;
    char *buf = malloc(cap);
    while ((k = fread(buf + n, 1, cap - 1 - n, p)) > 0) {
        n += k;
        if (n + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    int st = pclose(p);
    cr_assert_eq(st, 0, "%s: status %d\n%s", cmd, st, buf);
    return buf;
}
