/* fmt.h - buffered output to a file descriptor without stdio or malloc: strings, integers,
 * JSON strings. The first write error sticks in out->err (an errno) and later calls do nothing. */
#ifndef HP_FMT_H
#define HP_FMT_H

#include "hp.h"

typedef struct hp_out {
    int fd;
    int err;
    size_t n;
    char buf[1 << 16];
} hp_out;

void hp_out_init(hp_out *o, int fd);
void hp_out_str(hp_out *o, const char *s);
void hp_out_mem(hp_out *o, const char *s, size_t n);
void hp_out_u64(hp_out *o, uint64_t v);
void hp_out_hex(hp_out *o, uint64_t v);         /* upper-case, no prefix */
void hp_out_json_str(hp_out *o, const char *s); /* with the quotes */
/* Flushes; returns 0 or -errno (first error). */
int hp_out_flush(hp_out *o);
/* Formats v in decimal into buf (>= 21 bytes), returns the length. */
size_t hp_fmt_u64(char *buf, uint64_t v);
/* Formats v in upper-case hex, no prefix, into buf (>= 17 bytes), returns the length. */
size_t hp_fmt_hex(char *buf, uint64_t v);
/* Joins the NULL-terminated list of strings parts into buf (cap >= 1 bytes), truncating;
 * returns the length written. */
size_t hp_fmt_join(char *buf, size_t cap, const char *const *parts);

#endif
