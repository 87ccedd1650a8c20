/* segv_barrier.c - another thread's legitimate SIGSEGVs while the leak check runs
 * (tests/itest/test_leak_hazards.c). A worker does what a GC's or a JVM's write barrier does,
 * without end: protect a page (PROT_NONE), write to it; the write faults and the program's
 * SA_SIGINFO handler makes the page writable again, so the write completes. Main keeps one
 * block in a global (no leak), maps a 32 MiB heap of its own as a collector would (anonymous
 * memory, which the leak check reads as a root: it also makes the check last long enough for
 * the worker to fault many times during it) and lets the worker loop for 50 ms. Usage: segv_barrier
 * MODE exit  main returns while the worker faults (the check at exit runs meanwhile); exit 0. api
 * main calls heapprof_check_leaks() while the worker faults (no-op without the preload), then
 * protects a page of its own and writes to it: the program's handler must still be the one
 * installed. Exits 0 if the check found no leak and the handler fixed main's page; 3 if the check
 * returned non-zero; 4 if main's write completed without the program's handler (cannot happen
 * natively). Natively both modes exit 0; memcheck reports no leak. */
#include <heapprof.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static char *worker_page, *main_page;
static size_t page;
static void *volatile kept;
static volatile sig_atomic_t main_fixed;

static void barrier(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    char *p = (char *)((uintptr_t)si->si_addr & ~(uintptr_t)(page - 1));
    if (p != worker_page && p != main_page) abort(); /* a fault this program did not expect */
    if (p == main_page) main_fixed = 1;
    mprotect(p, page, PROT_READ | PROT_WRITE);
}

static void *worker(void *a)
{
    struct sigaction sa = {.sa_sigaction = barrier, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    *(int *)a = 1;
    for (unsigned i = 0;; i++) {
        mprotect(worker_page, page, PROT_NONE);
        ((volatile char *)worker_page)[i % page] = (char)i; /* faults; the handler fixes it */
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    page = (size_t)sysconf(_SC_PAGESIZE);
    worker_page = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    main_page = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (worker_page == MAP_FAILED || main_page == MAP_FAILED) return 2;
    size_t heap = (size_t)32 << 20;
    char *gc_heap = mmap(NULL, heap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (gc_heap == MAP_FAILED) return 2;
    memset(gc_heap, 3, heap);
    kept = memset(malloc(4096), 1, 4096);
    free(memset(malloc(100), 2, 100));
    static volatile int started;
    pthread_t t;
    if (pthread_create(&t, NULL, worker, (void *)&started)) return 2;
    struct timespec ts = {0, 50 * 1000 * 1000};
    while (!started)
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    nanosleep(&ts, NULL);
    if (!strcmp(mode, "exit")) return 0;
    if (strcmp(mode, "api")) return 2;
    long n = heapprof_leak_check();
    if (n > 0) return 3;
    mprotect(main_page, page, PROT_NONE);
    main_page[0] = 1; /* faults: only the program's handler lets this complete */
    return main_fixed ? 0 : 4;
}
