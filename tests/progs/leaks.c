/* leaks.c - the leak corpus. Usage: leaks MODE [dlhelper.so]. Each mode leaves exactly the
 * leaks its comment says; tests/itest/test_leakcheck.c compares heapprof's verdict with
 * memcheck's (recorded in tests/data/leak/memcheck.txt). Every block is made by a function named
 * after what happens to it, so the reports can be matched by function. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

struct node {
    char *buf;
    struct node *next;
};

static void *volatile global_ptr;
static char *volatile interior_ptr;

/* Each allocation writes its bytes so they exist; the pointer escapes only as stated. */
NOINLINE static void *lost_block(size_t n)
{
    return memset(malloc(n), 1, n);
}
NOINLINE static void *kept_block(size_t n)
{
    return memset(malloc(n), 2, n);
}
NOINLINE static struct node *lost_struct(void)
{
    return calloc(1, sizeof(struct node));
}
NOINLINE static char *owned_buffer(size_t n)
{
    return memset(malloc(n), 3, n);
}

/* Overwrites every pointer-sized slot the callee frames used, so no stale copy on the stack
 * keeps a dead pointer alive (a conservative scan would see it, as memcheck's would). */
NOINLINE static void scrub_stack(void)
{
    volatile char pad[4096];
    memset((char *)pad, 0, sizeof pad);
}

NOINLINE static void make_definite(void)
{
    void *p = lost_block(100);
    __asm__ volatile("" : : "r"(p) : "memory");
}

NOINLINE static void make_indirect(void)
{
    struct node *s = lost_struct();
    s->buf = owned_buffer(200);
    __asm__ volatile("" : : "r"(s) : "memory");
}

NOINLINE static void make_overwritten(void)
{
    global_ptr = lost_block(50);
    global_ptr = kept_block(60);
}

static void *thread_body(void *arg)
{
    (void)arg;
    make_definite();
    scrub_stack();
    return NULL;
}

NOINLINE static void at_exit_leak(void)
{
    make_definite();
    scrub_stack();
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "clean";
    if (!strcmp(m, "clean")) {
        free(kept_block(10));
    } else if (!strcmp(m, "definite")) {
        make_definite();
    } else if (!strcmp(m, "indirect")) {
        make_indirect();
    } else if (!strcmp(m, "overwritten")) {
        make_overwritten();
    } else if (!strcmp(m, "global")) {
        global_ptr = kept_block(70);
    } else if (!strcmp(m, "static_local")) {
        static void *volatile keep;
        keep = kept_block(80);
        __asm__ volatile("" : : "r"(keep));
    } else if (!strcmp(m, "main_stack")) {
        void *volatile p = kept_block(90);
        scrub_stack();
        exit(p ? 0 : 1); /* main's frame, and p in it, is still live during exit */
    } else if (!strcmp(m, "interior")) {
        interior_ptr = (char *)kept_block(100) + 50;
    } else if (!strcmp(m, "chain")) {
        struct node *a = lost_struct();
        a->buf = owned_buffer(30);
        global_ptr = a;
    } else if (!strcmp(m, "thread")) {
        pthread_t t;
        pthread_create(&t, NULL, thread_body, NULL);
        pthread_join(t, NULL);
    } else if (!strcmp(m, "dlopen")) {
        void *h = dlopen(argc > 2 ? argv[2] : "libdlhelper.so", RTLD_NOW);
        if (!h) return 3;
        void *(*f)(size_t) = (void *(*)(size_t))dlsym(h, "dl_alloc");
        void *p = f(77);
        __asm__ volatile("" : : "r"(p) : "memory");
        dlclose(h);
    } else if (!strcmp(m, "fork_child")) {
        pid_t c = fork();
        if (c == 0) {
            make_definite();
            scrub_stack();
            exit(0);
        }
        int st;
        waitpid(c, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    } else if (!strcmp(m, "atexit")) {
        atexit(at_exit_leak);
    } else if (!strcmp(m, "_exit")) {
        make_definite();
        scrub_stack();
        _exit(0);
    } else if (!strcmp(m, "stdout")) { /* buffered output survives the leak exit */
        printf("buffered line\n");
        make_definite();
    } else {
        return 2;
    }
    scrub_stack();
    return 0;
}
