/* fmt.c - buffered, error-sticky output on a raw fd (report.c's JSON writer).
 * Invariant: o->n <= sizeof o->buf; once o->err != 0 nothing more is written. */
#include "fmt.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void hp_out_init(hp_out *o, int fd)
{
    o->fd = fd;
    o->err = 0;
    o->n = 0;
}

static void drain(hp_out *o)
{
    size_t off = 0;
    while (!o->err && off < o->n) {
        ssize_t w = write(o->fd, o->buf + off, o->n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            o->err = w < 0 ? errno : EIO;
        else
            off += (size_t)w;
    }
    o->n = 0;
}

void hp_out_mem_slow(hp_out *o, const char *s, size_t n)
{
    while (n && !o->err) {
        if (o->n == sizeof o->buf) drain(o);
        size_t k = sizeof o->buf - o->n;
        if (k > n) k = n;
        memcpy(o->buf + o->n, s, k);
        o->n += k;
        s += k;
        n -= k;
    }
}

static size_t fmt_base(char *buf, uint64_t v, unsigned base)
{
    char tmp[24];
    size_t i = 0;
    do {
        tmp[i++] = "0123456789ABCDEF"[v % base];
        v /= base;
    } while (v);
    for (size_t j = 0; j < i; j++)
        buf[j] = tmp[i - 1 - j];
    buf[i] = 0;
    return i;
}

/* Two digits a step from a table, from the end of the number's length: half the divisions
 * of one digit a step, no reversal, no copy. */
size_t hp_fmt_u64_into(char *dst, uint64_t v)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324252627282930"
                                   "31323334353637383940414243444546474849505152535455565758596061"
                                   "62636465666768697071727374757677787980818283848586878889909192"
                                   "93949596979899";
    size_t n = 1; /* the length first (no division): the digits go in place */
    for (uint64_t p10 = 10; n < 20 && v >= p10; p10 *= 10)
        n++;
    char *p = dst + n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, pairs + 2 * r, 2);
    }
    if (v >= 10)
        memcpy(p - 2, pairs + 2 * v, 2);
    else
        p[-1] = (char)('0' + v);
    return n;
}

size_t hp_fmt_u64(char *buf, uint64_t v)
{
    size_t n = hp_fmt_u64_into(buf, v);
    buf[n] = 0;
    return n;
}

void hp_out_u64_slow(hp_out *o, uint64_t v)
{
    char b[24];
    hp_out_mem(o, b, hp_fmt_u64_into(b, v));
}

size_t hp_fmt_hex(char *buf, uint64_t v)
{
    return fmt_base(buf, v, 16);
}

void hp_out_hex(hp_out *o, uint64_t v)
{
    char b[20];
    hp_out_mem(o, b, hp_fmt_hex(b, v));
}

void hp_out_json_str(hp_out *o, const char *s)
{
    hp_out_mem(o, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        hp_out_mem(o, run, (size_t)(s - run));
        char esc[7] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15],
                       0};
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            hp_out_mem(o, esc, 2);
        } else {
            hp_out_mem(o, esc, 6);
        }
        run = s + 1;
    }
    hp_out_mem(o, run, (size_t)(s - run));
    hp_out_mem(o, "\"", 1);
}

int hp_out_flush(hp_out *o)
{
    drain(o);
    return o->err ? -o->err : 0;
}

size_t hp_fmt_join(char *buf, size_t cap, const char *const *parts)
{
    size_t n = 0;
    for (int i = 0; parts[i]; i++) {
        size_t k = strlen(parts[i]);
        if (n + k >= cap) k = cap - 1 - n;
        memcpy(buf + n, parts[i], k);
        n += k;
    }
    buf[n] = 0;
    return n;
}
