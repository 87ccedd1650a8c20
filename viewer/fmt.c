/* fmt.c - number formatting and parsing for heapview (see fmt.h). No I/O, no locale: the
 * output is the same on every machine, which the tests rely on. */
#include "fmt.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *hv_fmt_bytes(char *buf, size_t n, double bytes)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    size_t u = 0;
    double v = bytes;
    while (v >= 1024.0 && u + 1 < sizeof unit / sizeof *unit) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%.0f B", bytes);
    else
        snprintf(buf, n, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return buf;
}

char *hv_fmt_sample(char *buf, size_t n, uint64_t rate, uint64_t samples)
{
    char c[32], b[32];
    hv_fmt_count(c, sizeof c, (double)samples);
    if (rate)
        snprintf(buf, n, "1 in ~%s (%s sample%s)", hv_fmt_bytes(b, sizeof b, (double)rate), c,
                 samples == 1 ? "" : "s");
    else
        snprintf(buf, n, "mixed rates (%s sample%s)", c, samples == 1 ? "" : "s");
    return buf;
}

size_t hv_fmt_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        w += (*p & 0xC0) != 0x80; /* count lead bytes, not continuation bytes */
    return w;
}

char *hv_fmt_count(char *buf, size_t n, double count)
{
    char raw[32];
    snprintf(raw, sizeof raw, "%.0f", count < 0 ? 0 : count);
    size_t len = strlen(raw), o = 0;
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0 && o + 2 < n) buf[o++] = ',';
        buf[o++] = raw[i];
    }
    if (n) buf[o < n ? o : n - 1] = '\0';
    return buf;
}

char *hv_fmt_time(char *buf, size_t n, double t, const char *tu)
{
    if (tu && (strcmp(tu, "µs") == 0 || strcmp(tu, "us") == 0)) {
        if (t < 1000)
            snprintf(buf, n, "%.0f µs", t);
        else if (t < 1e6)
            snprintf(buf, n, "%.3g ms", t / 1e3);
        else
            snprintf(buf, n, "%.3g s", t / 1e6);
        return buf;
    }
    char c[32];
    hv_fmt_count(c, sizeof c, t);
    snprintf(buf, n, "%s %s", c, tu ? tu : "");
    return buf;
}

char *hv_fmt_rate(char *buf, size_t n, double per_mtu, const char *mtu, int bytes)
{
    char v[32];
    if (bytes)
        hv_fmt_bytes(v, sizeof v, per_mtu);
    else if (per_mtu >= 1e6)
        snprintf(v, sizeof v, "%.3g M", per_mtu / 1e6);
    else if (per_mtu >= 1e4)
        snprintf(v, sizeof v, "%.3g K", per_mtu / 1e3);
    else if (per_mtu > 0 && per_mtu < 10)
        snprintf(v, sizeof v, "%.2g", per_mtu);
    else
        hv_fmt_count(v, sizeof v, per_mtu);
    snprintf(buf, n, "%s/%s", v, mtu ? mtu : "Mtu");
    return buf;
}

int hv_parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s)) return -1;
    double v = strtod(s, &end);
    double mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K':
        mul = 1024.0, end++;
        break;
    case 'M':
        mul = 1024.0 * 1024, end++;
        break;
    case 'G':
        mul = 1024.0 * 1024 * 1024, end++;
        break;
    case 'T':
        mul = 1024.0 * 1024 * 1024 * 1024, end++;
        break;
    default:
        break;
    }
    if (mul > 1 && *end == 'i') end++;
    if (*end == 'B' || (mul > 1 && *end == 'b')) end++;
    v *= mul;
    if (*end || !isfinite(v) || v < 0 || v >= 9223372036854775808.0) return -1;
    *out = (uint64_t)llround(v);
    return 0;
}

int hv_parse_percent(const char *s, double *out)
{
    char *end;
    if (!s || !(isdigit((unsigned char)*s) || *s == '.')) return -1;
    double v = strtod(s, &end);
    if (*end == '%') end++;
    if (*end || !isfinite(v) || v < 0) return -1;
    *out = v;
    return 0;
}

/* Length of the valid UTF-8 sequence at s (2-4), or 0 if s does not start one. Overlong forms
 * and surrogates count as invalid: a terminal might still act on them. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || s[0] >= 0xf5) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0;
    if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))) return 0;
    return n;
}

char *hv_escape_dup(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(4 * n + 1); /* "\xNN" or "\u00NN" (6 for 2 bytes) per byte at most */
    if (!out) return NULL;
    char *o = out;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t k = *p >= 0x80 ? utf8_len(p) : 1;
        if (*p < 0x20 || *p == 0x7f || k == 0) {
            o += sprintf(o, "\\x%02x", *p); /* C0, DEL, a byte that is not UTF-8 */
            p++;
        } else if (k == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
            o += sprintf(o, "\\u%04x", p[1]); /* C1: U+0080..U+009F (CSI is U+009B) */
            p += 2;
        } else {
            memcpy(o, p, k);
            o += k;
            p += k;
        }
    }
    *o = 0;
    return out;
}
