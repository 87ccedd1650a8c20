/* adopt.c - LeakSanitizer's rule for suppressed leaks (tests/itest/test_leakcheck.c): main builds a
 * 200-byte buffer; a "third-party" function stores it in an 8-byte node and leaks the node. With
 * leak:third_party_adopt suppressed, the node is a root: the buffer, reachable only from it, is
 * not reported (LeakSanitizer exits 0, and so must heapprof); without the suppression both leak
 * (the node definitely, the buffer indirectly: exit 23). Built twice: plain for heapprof, with
 * -fsanitize=leak for LeakSanitizer, which the test runs on the same suppression file. */
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

struct node {
    char *buf;
};

void *volatile sink; /* keeps the compiler from dropping the allocations */

NOINLINE void third_party_adopt(char *buf)
{
    struct node *n = malloc(sizeof *n);
    n->buf = buf;
    sink = n;
    sink = NULL; /* the node is leaked: its only pointer is gone */
}

NOINLINE static void build(void)
{
    char *b = malloc(200);
    memset(b, 'b', 200);
    third_party_adopt(b);
}

int main(void)
{
    build();
    return 0;
}
