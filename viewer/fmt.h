/* fmt.h - heapview's number formatting and parsing: sizes (binary units), counts with
 * thousands separators, durations in the report's time unit, K/M/G and percent arguments;
 * and the escaping of strings from a report for the terminal.
 * No I/O; every formatter writes at most n bytes (NUL included) and returns buf. */
#ifndef HV_FMT_H
#define HV_FMT_H

#include <stddef.h>
#include <stdint.h>

char *hv_fmt_bytes(char *buf, size_t n, double bytes); /* "512 B", "23.4 KiB", "1.50 GiB" */
char *hv_fmt_count(char *buf, size_t n, double count); /* "1,018"; fractions rounded */
/* A time of t tu: microseconds ("µs") become "12 µs", "4.59 ms", "3.34 s"; any other unit
 * stays a count: "151,069 instrs". */
char *hv_fmt_time(char *buf, size_t n, double t, const char *tu);
/* A rate per Mtu: "1.2 M/s", or "1,234/Minstr" for DHAT's instruction clock. */
char *hv_fmt_rate(char *buf, size_t n, double per_mtu, const char *mtu, int bytes);

/* How a sampled report was sampled: "1 in ~512 KiB (11 samples)"; rate 0 (merged reports of
 * different rates, or sampled and exact ones): "mixed rates (11 samples)". */
char *hv_fmt_sample(char *buf, size_t n, uint64_t rate, uint64_t samples);
/* Terminal columns of UTF-8 s: its code points ("≈" and "µ" are one column, 2-3 bytes). */
size_t hv_fmt_width(const char *s);

/* "64M", "1.5G", "100", "4KiB", "2kB": binary multiples (K = 1024). Returns 0, or -1 if s is
 * not a size or exceeds 2^63. */
int hv_parse_size(const char *s, uint64_t *out);
/* "5%", "5", "0.5%": a non-negative percentage. Returns 0 or -1. */
int hv_parse_percent(const char *s, double *out);

/* A copy of s safe to print on a terminal (malloc'd, NULL when out of memory): control bytes
 * (C0, DEL) and bytes outside valid UTF-8 become "\xNN", C1 characters "\u00NN"; everything
 * else, valid multibyte UTF-8 included, is kept. Names and command lines come from a report
 * anyone could have written: a "\x1b[2J" in a symbol must not clear the screen. */
char *hv_escape_dup(const char *s);

#endif
