/* fuzz_load.c - libFuzzer target for the loader (make fuzz): any bytes must load or fail with
 * one line, never crash, hang or leak; a loaded report must also select and rank. */
#include "load.h"
#include "model.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hv_report *r = NULL;
    char err[256];
    if (hv_load_buffer((const char *)data, size, &r, err, sizeof err) == 0) {
        hv_query q;
        hv_query_defaults(&q);
        q.by_function = size & 1;
        hv_rows rows;
        if (hv_select(r, &q, NULL, HV_AVG_LIFE, &rows) == 0) hv_rows_free(&rows);
        hv_report_free(r);
    } else if (memchr(err, '\n', strlen(err)) || !err[0]) {
        __builtin_trap(); /* the message must be one non-empty line */
    }
    return 0;
}
