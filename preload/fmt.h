/* fmt.h - buffered output to a file descriptor without stdio or malloc: strings, integers,
 * JSON strings. The first write error sticks in out->err (an errno) and later calls do nothing. */
#ifndef HP_FMT_H
#define HP_FMT_H

#include "hp.h"

#include <string.h>

typedef struct hp_out {
    int fd;
    int err;
    size_t n;
    char buf[1 << 16];
} hp_out;

void hp_out_init(hp_out *o, int fd);
/* Past the buffer's room (or after an error): flushes as needed. */
void hp_out_mem_slow(hp_out *o, const char *s, size_t n);
void hp_out_u64_slow(hp_out *o, uint64_t v);
/* The writers below are inline: a report is some 10^5 short pieces (keys, numbers, commas) and
 * a call, a loop and a memcpy call for each was most of the report's cost (python3 -c pass:
 * 111 M instructions for a 1.7 MB report). With a constant string, strlen and memcpy fold. */
static inline void hp_out_mem(hp_out *o, const char *s, size_t n)
{
    if (HP_LIKELY(n <= sizeof o->buf - o->n)) { /* past an error too: drain writes nothing */
        memcpy(o->buf + o->n, s, n);
        o->n += n;
        return;
    }
    hp_out_mem_slow(o, s, n);
}
static inline void hp_out_str(hp_out *o, const char *s)
{
    hp_out_mem(o, s, strlen(s));
}
/* Decimal, straight into the buffer when 20 digits fit. */
size_t hp_fmt_u64_into(char *dst, uint64_t v);
static inline void hp_out_u64(hp_out *o, uint64_t v)
{
    if (HP_LIKELY(sizeof o->buf - o->n >= 20)) {
        o->n += hp_fmt_u64_into(o->buf + o->n, v);
        return;
    }
    hp_out_u64_slow(o, v);
}
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
