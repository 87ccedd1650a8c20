/* ident.c - allocation sites whose identity must survive an edit (tests/itest/test_ident.c
 * builds it twice: as is and with a line added on top, so every line number moves).
 * Sites: pair() makes two, 100 B and 200 B (one function, split by line order); leaf() is
 * called from two callers (two chains); grow() makes NGROW x 16 B (-DNGROW=40 for "more");
 * keep() leaks 48 B. */
#include <stdlib.h>

#ifndef NGROW
#define NGROW 20
#endif

void *volatile sink;

__attribute__((noinline)) static void pair(void)
{
    char *a = malloc(100);
    sink = a;
    char *b = malloc(200);
    sink = b;
    free(a);
    free(b);
}

__attribute__((noinline)) static void leaf(size_t n)
{
    sink = malloc(n);
    free(sink);
}

__attribute__((noinline)) static void caller_one(void)
{
    leaf(300);
}

__attribute__((noinline)) static void caller_two(void)
{
    leaf(400);
}

__attribute__((noinline)) static void grow(void)
{
    for (int i = 0; i < NGROW; i++) {
        sink = malloc(16);
        free(sink);
    }
}

__attribute__((noinline)) static void keep(void)
{
    sink = malloc(48);
}

int main(void)
{
    pair();
    caller_one();
    caller_two();
    grow();
    keep();
    return 0;
}
