/* consumer_leak.c - one block lost among thousands of short-lived ones, drained by heapprof's
 * consumer thread (HEAPPROF_CONSUMER=thread) before the exit: the thread's dead frames held its
 * address, and the leak check scans that thread's stack (tests/itest/test_leak_roots.c). Exits
 * 0 natively; under HEAPPROF_LEAK_CHECK=1, 23 with "48 bytes in 1 block definitely lost". */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) static void lose(void)
{
    void *volatile p = malloc(48);
    memset(p, 1, 48);
    p = NULL;
}

int main(void)
{
    for (int i = 0; i < 3000; i++) /* a segment and a half of events (2046 a segment) */
        free(malloc(16));
    lose();
    for (int i = 0; i < 1500; i++) /* the segment fills: the thread is woken and drains it */
        free(malloc(16));
    usleep(50 * 1000); /* the rest: the thread drains it after its 10 ms timeout */
    return 0;
}
