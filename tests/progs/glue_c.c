/* glue_c.c - allocations that reach malloc through glue (test_glue.c): libc's asprintf, strdup,
 * qsort (its merge sort's buffer), getline, and a program's own xmalloc wrapper. Each mode has
 * one user function that allocates everything the run allocates (200 short-lived blocks, the
 * peak, one leak), so it must be the top site of every view and the leak report's name.
 * Usage: glue_c asprintf|strdup|qsort|getline|xmalloc */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *keep; /* the last block kept, then dropped: the one leak */

void *xmalloc(size_t n); /* a program's malloc wrapper, as GNU programs have */
__attribute__((noinline)) void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) abort();
    return p;
}

__attribute__((noinline)) static void label_asprintf(void)
{
    for (int i = 0; i < 200; i++) {
        char *s;
        if (asprintf(&s, "label %d of the run, long enough for a heap block", i) < 0) abort();
        if (i == 199)
            keep = s;
        else
            free(s);
    }
}

__attribute__((noinline)) static void copy_strdup(void)
{
    static const char text[] = "a string copied by strdup, long enough for a heap block";
    for (int i = 0; i < 200; i++) {
        char *s = strdup(text);
        if (!s) abort();
        if (i == 199)
            keep = s;
        else
            free(s);
    }
}

static int by_value(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* glibc's qsort merge-sorts through a malloc'd buffer when the array is over 1 KiB. */
__attribute__((noinline)) static void sort_qsort(void)
{
    static long v[8192];
    for (int r = 0; r < 200; r++) {
        for (int i = 0; i < 8192; i++)
            v[i] = (i * 7919L + r) % 8192;
        qsort(v, 8192, sizeof *v, by_value);
    }
    keep = NULL;
}

__attribute__((noinline)) static void read_getline(void)
{
    static char text[4096];
    for (int i = 0; i < 60; i++)
        strcat(text, "one line of text read back by getline\n");
    FILE *f = fmemopen(text, strlen(text), "r");
    if (!f) abort();
    for (int i = 0; i < 200; i++) {
        char *line = NULL;
        size_t cap = 0;
        rewind(f);
        if (getline(&line, &cap, f) < 0) abort();
        if (i == 199)
            keep = line;
        else
            free(line);
    }
    fclose(f);
}

__attribute__((noinline)) static void build_nodes(void)
{
    for (int i = 0; i < 200; i++) {
        char *p = xmalloc(48);
        memset(p, i, 48);
        if (i == 199)
            keep = p;
        else
            free(p);
    }
}

int main(int argc, char **argv)
{
    static const struct {
        const char *mode;
        void (*fn)(void);
    } modes[] = {{"asprintf", label_asprintf},
                 {"strdup", copy_strdup},
                 {"qsort", sort_qsort},
                 {"getline", read_getline},
                 {"xmalloc", build_nodes}};
    for (size_t i = 0; argc > 1 && i < sizeof modes / sizeof *modes; i++)
        if (strcmp(argv[1], modes[i].mode) == 0) {
            modes[i].fn();
            keep = NULL; /* the last block is now unreachable: lost */
            return 0;
        }
    return 2;
}
