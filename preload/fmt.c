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

void hp_out_mem(hp_out *o, const char *s, size_t n)
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

void hp_out_str(hp_out *o, const char *s)
{
    hp_out_mem(o, s, strlen(s));
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

size_t hp_fmt_u64(char *buf, uint64_t v)
{
    return fmt_base(buf, v, 10);
}

void hp_out_u64(hp_out *o, uint64_t v)
{
    char b[24];
    hp_out_mem(o, b, hp_fmt_u64(b, v));
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
