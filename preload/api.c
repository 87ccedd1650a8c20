/* api.c - the exported half of include/heapprof.h. Every call drains the event buffers first
 * (agg lock), so what it sees includes every allocation made before the call, in any thread.
 * Runs with the hook guard set: what it allocates (libdw at a dump) passes through. */
#include "agg.h"
#include "config.h"
#include "leakcheck.h"
#include "livetab.h"
#include "log.h"
#include "report.h"
#include "sample.h"
#include "sites.h"
#include "state.h"

#include <heapprof.h>
#include <setjmp.h>

static bool begin(void)
{
    hp_init();
    if (hp_load_acquire(&hp_state) != HP_ST_ACTIVE || hp_tls_v.in_hook) return false;
    hp_tls_v.in_hook = true;
    hp_agg_lock_and_drain();
    return true;
}

static void end(void)
{
    hp_agg_unlock();
    hp_tls_v.in_hook = false;
}

HP_EXPORT int heapprof_get_stats(struct heapprof_stats *out)
{
    if (!out || !begin()) return -1;
    const hp_heap_totals *h = hp_sites_totals();
    *out = (struct heapprof_stats){h->curb, h->curbk, h->tb, h->tbk, h->maxb, h->maxbk};
    end();
    return 0;
}

HP_EXPORT long heapprof_check_leaks(void)
{
    jmp_buf regs; /* the caller's callee-saved registers: roots */
    setjmp(regs);
    if (hp_sample_rate) { /* checked before begin(): nothing to drain for no verdict */
        hp_log("heapprof_check_leaks: refused in sampling mode (HEAPPROF_SAMPLE=",
               hp_sample_rate_text(), "): a leak verdict needs every allocation");
        return -1;
    }
    if (!begin()) return -1;
    long n = -1;
    if (hp_leakcheck_run(hp_tls_v.t, (uintptr_t)__builtin_frame_address(0) + 16, regs,
                         sizeof regs) == 0) {
        hp_leakcheck_print(false);
        const hp_leak_totals *t = hp_leakcheck_totals();
        n = t->no_verdict ? -1 : (long)(t->dbk + t->ibk);
    }
    end();
    return n;
}

HP_EXPORT int heapprof_ignore_block(const void *p)
{
    if (!p || !begin()) return -1;
    int r = hp_livetab_set_ignored((uintptr_t)p) ? 0 : -1;
    end();
    return r;
}

HP_EXPORT void heapprof_set_recording(int on)
{
    if (on) {
        if (hp_tls_v.paused) hp_tls_v.paused--;
    } else {
        hp_tls_v.paused++;
    }
}

HP_EXPORT int heapprof_dump_report(const char *path)
{
    if (!path || !*path || !begin()) return -1;
    int r = hp_report_write(path, 0);
    end();
    return r;
}
