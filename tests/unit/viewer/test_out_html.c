/* test_out_html.c - out_html.c: the page is one self-contained file (no reference to anything
 * outside it), report strings cannot close its script, and sites too small to see are summed
 * into "other" (counts computed by hand below). The page's drawing is tested in a browser:
 * tests/browser/page_test.mjs. */
#include "hvtest.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *render_html(const hv_report *r)
{
    hv_query q;
    hv_query_defaults(&q);
    return hvt_render(&hv_out_html, r, &q, &hv_view_hot, HV_TB);
}

Test(html, self_contained)
{
    hv_report *r = hvt_load("hp-demo.json");
    char *p = render_html(r);
    cr_assert(strncmp(p, "<!DOCTYPE html>", 15) == 0);
    /* Inline only: two script elements (data, code), one style; nothing loaded from elsewhere. */
    cr_assert_eq(hvt_count(p, "<script"), 2);
    cr_assert_eq(hvt_count(p, "</script>"), 2);
    cr_assert_eq(hvt_count(p, "<style>"), 1);
    cr_assert_eq(hvt_count(p, " src="), 0);
    cr_assert_eq(hvt_count(p, "<link"), 0);
    cr_assert_eq(hvt_count(p, "https:"), 0);
    cr_assert_eq(hvt_count(p, "import("), 0);
    cr_assert_eq(hvt_count(p, "fetch("), 0);
    /* The only "http:" is the SVG namespace name, which is not a request. */
    cr_assert_eq(hvt_count(p, "http:"), hvt_count(p, "http://www.w3.org/2000/svg"));
    /* hp-demo.json: 6 sites, every one visible: none summed. */
    cr_assert(strstr(p, "\"agg\":[],"), "%.200s", strstr(p, "\"agg\""));
    free(p);
    hv_report_free(r);
}

Test(html, strings_cannot_close_the_script)
{
    hv_report *r = hvt_load("hp-demo.json");
    hv_frame *f = &r->frames[hv_site_frames(r, &r->sites[0])[0]];
    free(f->text);
    free(f->func);
    f->text = strdup("0x1: </script><img src=x onerror=alert(1)> (a.c:1)");
    f->sym = f->text + 5;
    f->func = strdup("</script><img src=x onerror=alert(1)>");
    char *p = render_html(r);
    cr_assert_eq(hvt_count(p, "</script>"), 2);
    cr_assert_eq(hvt_count(p, "<img"), 0);
    cr_assert(strstr(p, "\\u003c/script\\u003e\\u003cimg src=x"));
    free(p);
    hv_report_free(r);
}

/* hp-leaky.json (3 sites: tb 300, 16000, 10000) plus 4997 copies of leak_one's stack with
 * tb = tbk = 1 and nothing else (tl 0: short-lived). tb total 26300 + 4997 = 31297; 1/2000 of
 * it is 15.6 B: the 3 big sites are kept, no tiny one by size. By rank, every metric where the
 * tiny sites are > 0 (tb, tbk, avg-size, rate-blocks, rate-bytes) keeps its top 50: the 3 big
 * ones (make_peak's tbk 1 ties and wins by index) and the same first 47 tiny ones. Kept 50;
 * the other 4950 share main -> leak_one, which is wide enough (4950 of 31297 B) to stay: one
 * entry under it, 4950 sites, tb 4950, tbk 4950, gb eb db ib 0, short-lived blocks 4950. */
Test(html, small_sites_summed)
{
    hv_report *r = hvt_load("hp-leaky.json");
    cr_assert_eq(r->nsites, 3);
    size_t n = 5000, leak = hvt_site_index(r, "leak_one", 0);
    r->sites = realloc(r->sites, n * sizeof *r->sites);
    for (size_t i = 3; i < n; i++) {
        r->sites[i] = r->sites[leak];
        memset(r->sites[i].v, 0, sizeof r->sites[i].v);
        r->sites[i].v[HV_TB] = r->sites[i].v[HV_TBK] = 1;
        r->tot[HV_TB]++;
        r->tot[HV_TBK]++;
    }
    r->nsites = n;
    char *p = render_html(r);
    const char *agg = strstr(p, "\"agg\":[{\"p\":[");
    cr_assert(agg, "%.200s", strstr(p, "\"agg\""));
    cr_assert_eq(hvt_count(agg, "{\"p\":["), 1);
    cr_assert(strstr(agg, "],\"n\":4950,\"v\":[4950,4950,0,0,0,0,4950],\"b\":[0,0,0,0,0,0,0]}]"),
              "%.200s", agg);
    /* 50 sites in the page: each opens with {"f":[ */
    cr_assert_eq(hvt_count(p, "{\"f\":["), 50);
    free(p);
    hv_report_free(r);
}

Test(html, cannot_create)
{
    char *err = NULL;
    int rc = hvt_run("--html /nonexistent/dir/x.html tests/data/viewer/hp-demo.json", NULL, &err);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "heapview: /nonexistent/dir/x.html: cannot create"), "%s", err);
    free(err);
}
