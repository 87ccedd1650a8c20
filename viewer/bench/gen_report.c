/* gen_report.c - writes a synthetic heapprof report of about SIZE bytes for viewer-bench:
 * sites with stacks of 6..21 frames drawn from a shared frame table, counters that satisfy
 * every invariant of docs/report-format.md, and hp_* totals equal to the sums.
 * Usage: gen_report SIZE_BYTES OUT.json. Deterministic (fixed LCG seed). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t seed = 88172645463325252ull;

static uint64_t rnd(uint64_t n)
{
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen_report SIZE_BYTES OUT.json\n");
        return 2;
    }
    uint64_t target = strtoull(argv[1], NULL, 10);
    uint64_t nsites = target / 250 + 1, nframes = nsites / 4 + 64;
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    uint64_t tb = 0, tbk = 0, gb = 0, gbk = 0, eb = 0, ebk = 0, te = 60000000;
    /* First pass draws the counters into memory-free totals: reseed and replay. */
    for (int pass = 0; pass < 2; pass++) {
        seed = 88172645463325252ull;
        if (pass == 1) {
            fprintf(f,
                    "{\"dhatFileVersion\":2,\n\"mode\":\"heap\",\n\"verb\":\"Allocated\",\n"
                    "\"bklt\":true,\n\"bkacc\":false,\n\"tu\":\"\xc2\xb5s\",\n\"Mtu\":\"s\",\n"
                    "\"tuth\":1,\n\"cmd\":\"synthetic --sites %" PRIu64 "\",\n\"pid\":1,\n"
                    "\"te\":%" PRIu64 ",\n\"tg\":%" PRIu64 ",\n"
                    "\"hp_version\":1,\"hp_depth\":64,\"hp_clock\":\"tsc\",\n"
                    "\"hp_complete\":true,\n\"hp_errors\":[],\n"
                    "\"hp_total_blocks\":%" PRIu64 ",\"hp_total_bytes\":%" PRIu64
                    ",\"hp_gmax_blocks\":%" PRIu64 ",\"hp_gmax_bytes\":%" PRIu64
                    ",\"hp_end_blocks\":%" PRIu64 ",\"hp_end_bytes\":%" PRIu64 ",\n\"pps\":[\n",
                    nsites, te, te / 2, tbk, tb, gbk, gb, ebk, eb);
        }
        for (uint64_t i = 0; i < nsites; i++) {
            uint64_t size = 1 + rnd(4096), k = 1 + rnd(5000);
            uint64_t s_tbk = k, s_tb = k * size;
            uint64_t s_mbk = 1 + rnd(k), s_mb = s_mbk * size;
            uint64_t s_gbk = rnd(s_mbk + 1), s_ebk = rnd(s_mbk + 1);
            uint64_t s_tl = k * (1 + rnd(1000));
            uint64_t depth = 6 + rnd(16);
            if (pass == 0) {
                tb += s_tb, tbk += s_tbk, gb += s_gbk * size, gbk += s_gbk;
                eb += s_ebk * size, ebk += s_ebk;
                for (uint64_t d = 0; d < depth; d++)
                    rnd(nframes);
                continue;
            }
            fprintf(f,
                    "%s{\"tb\":%" PRIu64 ",\"tbk\":%" PRIu64 ",\"tl\":%" PRIu64 ",\"mb\":%" PRIu64
                    ",\"mbk\":%" PRIu64 ",\"gb\":%" PRIu64 ",\"gbk\":%" PRIu64 ",\"eb\":%" PRIu64
                    ",\"ebk\":%" PRIu64 ",\"hp_rs\":0,\"hp_rsg\":0,\"fs\":[",
                    i ? ",\n" : "", s_tb, s_tbk, s_tl, s_mb, s_mbk, s_gbk * size, s_gbk,
                    s_ebk * size, s_ebk);
            for (uint64_t d = 0; d < depth; d++)
                fprintf(f, "%s%" PRIu64, d ? "," : "", 1 + rnd(nframes));
            fputs("]}", f);
        }
    }
    fputs("\n],\n\"ftbl\":[\n\"[root]\"", f);
    for (uint64_t i = 0; i < nframes; i++) {
        if (i % 5 == 4)
            fprintf(f,
                    ",\n\"0x7F00%08" PRIX64 ": __libc_fn_%" PRIu64
                    " (in /usr/lib/x86_64-linux-gnu/libc.so.6)\"",
                    i, i);
        else
            fprintf(f,
                    ",\n\"0x5500%08" PRIX64 ": module_%" PRIu64 "::function_%" PRIu64
                    " (src/module_%" PRIu64 ".c:%" PRIu64 ")\"",
                    i, i % 97, i, i % 97, 10 + i % 900);
    }
    fputs("\n]\n}\n", f);
    if (fclose(f) != 0) {
        perror(argv[2]);
        return 2;
    }
    return 0;
}
