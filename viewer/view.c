/* view.c - the view registry and the stack layout shared by every output (see view.h). */
#include "view.h"

#include "../preload/glue.h"

#include <string.h>

const hv_view *const hv_views[] = {&hv_view_leaks, &hv_view_peak,   &hv_view_hot,
                                   &hv_view_short, &hv_view_regrow, NULL};

const hv_view *hv_view_find(const char *name)
{
    for (size_t i = 0; hv_views[i]; i++)
        if (strcmp(hv_views[i]->name, name) == 0) return hv_views[i];
    return NULL;
}

double hv_short_threshold(const hv_report *r, const hv_query *q)
{
    return q->short_threshold >= 0 ? q->short_threshold : (double)r->tuth;
}

static size_t push(hv_stackline *out, size_t n, size_t cap, uint32_t frame, uint32_t hidden,
                   bool via)
{
    if (n < cap) out[n] = (hv_stackline){frame, hidden, via};
    return n + 1;
}

size_t hv_stack_layout(const hv_report *r, const hv_site *s, const hv_query *q, hv_stackline *out,
                       size_t cap)
{
    const uint32_t *fs = hv_site_frames(r, s);
    size_t n = 0;
    uint32_t depth = q->depth ? q->depth : UINT32_MAX;
    if (!q->collapse) {
        uint32_t i = 0;
        for (; i < s->nfs && i < depth; i++)
            n = push(out, n, cap, fs[i], 0, false);
        if (i < s->nfs) n = push(out, n, cap, HV_STACK_MORE, s->nfs - i, false);
        return n < cap ? n : cap;
    }
    uint32_t fu = hv_site_first_user(r, s);
    bool all_system = s->nfs > 0 && r->frames[fs[fu]].system;
    if (all_system) {
        /* Nothing of the program's own: show the outermost frame inside the runtime's start. */
        n = push(out, n, cap, fs[0], 0, false);
        return n < cap ? n : cap;
    }
    if (fu > 0 && !hp_glue_is_allocator(r->frames[fs[fu - 1]].func))
        n = push(out, n, cap, fs[fu - 1], fu, true);
    uint32_t shown = 0, last_user = fu;
    for (uint32_t i = fu; i < s->nfs; i++)
        if (!r->frames[fs[i]].system) last_user = i;
    uint32_t i = fu;
    while (i <= last_user && i < s->nfs) {
        if (!r->frames[fs[i]].system) {
            if (shown == depth) break;
            n = push(out, n, cap, fs[i], 0, false);
            shown++;
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < s->nfs && r->frames[fs[j]].system)
            j++;
        if (shown < depth) n = push(out, n, cap, fs[i], j - i, false);
        i = j;
    }
    if (i <= last_user) n = push(out, n, cap, HV_STACK_MORE, last_user + 1 - i, false);
    return n < cap ? n : cap;
}
