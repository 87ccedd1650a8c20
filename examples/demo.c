/* demo.c - the bundled example of `make demo`: a word counter with the heap habits a profile
 * should reveal. It counts the words of a generated text in a chained hash table; each word is
 * copied (strdup) into its entry; a scratch buffer is allocated and freed for every line (the
 * short-lived site); the table grows by doubling (realloc); and the entries of rare words are
 * forgotten instead of freed (the leak). Deterministic: same numbers on every run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *word;
    unsigned count;
    struct entry *next;
} entry;

typedef struct table {
    entry **slots;
    size_t cap, n;
} table;

static const char *vocab[] = {"heap",   "stack", "block",  "leak",    "peak",   "site",  "frame",
                              "malloc", "free",  "thread", "profile", "report", "alloc", "byte",
                              "live",   "short", "lived",  "hot",     "cold",   "index"};

static unsigned long hash(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

__attribute__((noinline)) static void grow(table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 8;
    entry **s = calloc(cap, sizeof *s);
    for (size_t i = 0; i < t->cap; i++)
        for (entry *e = t->slots[i], *next; e; e = next) {
            next = e->next;
            size_t k = hash(e->word) % cap;
            e->next = s[k];
            s[k] = e;
        }
    free(t->slots);
    t->slots = s;
    t->cap = cap;
}

__attribute__((noinline)) static entry *new_entry(const char *w)
{
    entry *e = malloc(sizeof *e);
    e->word = strdup(w);
    e->count = 0;
    e->next = NULL;
    return e;
}

static void add_word(table *t, const char *w)
{
    if (t->n + 1 > t->cap) grow(t);
    size_t k = hash(w) % t->cap;
    for (entry *e = t->slots[k]; e; e = e->next)
        if (!strcmp(e->word, w)) {
            e->count++;
            return;
        }
    entry *e = new_entry(w);
    e->count = 1;
    e->next = t->slots[k];
    t->slots[k] = e;
    t->n++;
}

__attribute__((noinline)) static char *make_line(unsigned seed, int words)
{
    char *line = malloc(512); /* short-lived: freed as soon as the line is counted */
    line[0] = 0;
    for (int i = 0; i < words; i++) {
        seed = seed * 1103515245u + 12345u;
        const char *w = vocab[(seed >> 16) % 20];
        char num[16];
        snprintf(num, sizeof num, "%u", (seed >> 8) % 50);
        strcat(line, w);
        if ((seed >> 4) % 4 == 0) strcat(line, num); /* rarer compound words like "heap17" */
        strcat(line, " ");
    }
    return line;
}

static void count_line(table *t, char *line)
{
    for (char *save, *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save))
        add_word(t, w);
}

int main(void)
{
    table t = {0};
    for (unsigned i = 0; i < 2000; i++) {
        char *line = make_line(i, 12);
        count_line(&t, line);
        free(line);
    }
    unsigned total = 0, kept = 0;
    for (size_t i = 0; i < t.cap; i++) {
        entry **pe = &t.slots[i];
        while (*pe) {
            entry *e = *pe;
            total += e->count;
            if (e->count < 30) {
                *pe = e->next; /* forgotten, not freed: the leak */
                continue;
            }
            kept++;
            pe = &e->next;
        }
    }
    printf("%u words, %zu distinct, %u frequent\n", total, t.n, kept);
    for (size_t i = 0; i < t.cap; i++)
        for (entry *e = t.slots[i], *next; e; e = next) {
            next = e->next;
            free(e->word);
            free(e);
        }
    free(t.slots);
    return 0;
}
