/* lkread.c - fault-free reads of the process's own memory (lkread.h).
 * process_vm_readv with our own pid needs no ptrace permission (the kernel allows it within a
 * thread group) and copies what is mapped and readable; a missing page ends the copy with a
 * short count or EFAULT, never a signal. Where it is not allowed (seccomp), a pipe does the
 * same: write(2) copies from our memory and fails with EFAULT on a hole. Chosen over a
 * SIGSEGV handler because a handler is process-wide: while installed, another thread's
 * legitimate fault (a GC's write barrier, a JVM) would reach ours.
 * Invariants: cache tags are page addresses (or 0: empty); a cached page holds what was
 * readable when it was read (a page that could not be read is never cached).
 * Threads: one check at a time (the agg lock). */
#include "lkread.h"

#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#define CACHE_PAGES 256

static struct {
    enum { NONE, VMREAD, PIPE } how;
    pid_t pid;
    int pfd[2];
    uintptr_t tag[CACHE_PAGES];
    uintptr_t *pages; /* CACHE_PAGES * HP_LKREAD_PAGE bytes */
} rd = {.pfd = {-1, -1}};

static size_t vm_read(uintptr_t a, void *buf, size_t n)
{
    struct iovec local = {buf, n}, remote = {(void *)a, n};
    ssize_t r = process_vm_readv(rd.pid, &local, 1, &remote, 1, 0);
    return r > 0 ? (size_t)r : 0;
}

/* Through the pipe: one page at a time (a write copies all of its buffer or fails). */
static size_t pipe_read(uintptr_t a, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t k = HP_LKREAD_PAGE - ((a + done) & (HP_LKREAD_PAGE - 1));
        if (k > n - done) k = n - done;
        ssize_t w = write(rd.pfd[1], (const void *)(a + done), k);
        if (w <= 0) break;
        ssize_t r = read(rd.pfd[0], (char *)buf + done, (size_t)w);
        if (r != w) break;
        done += (size_t)w;
        if ((size_t)w < k) break;
    }
    return done;
}

int hp_lkread_open(void)
{
    hp_lkread_close();
    rd.pid = getpid();
    rd.pages = hp_map((size_t)CACHE_PAGES * HP_LKREAD_PAGE);
    if (!rd.pages) return ENOMEM;
    uintptr_t probe = (uintptr_t)&rd, copy = 0;
    if (vm_read(probe, &copy, sizeof copy) == sizeof copy) {
        rd.how = VMREAD;
        return 0;
    }
    int err = errno;
    if (pipe2(rd.pfd, O_CLOEXEC | O_NONBLOCK) == 0 && pipe_read(probe, &copy, sizeof copy) == 8) {
        rd.how = PIPE;
        return 0;
    }
    int perr = errno;
    hp_lkread_close();
    return err == ENOSYS || err == EPERM ? perr : err;
}

void hp_lkread_close(void)
{
    for (int i = 0; i < 2; i++)
        if (rd.pfd[i] >= 0) close(rd.pfd[i]);
    rd.pfd[0] = rd.pfd[1] = -1;
    hp_unmap(rd.pages, (size_t)CACHE_PAGES * HP_LKREAD_PAGE);
    rd.pages = NULL;
    for (int i = 0; i < CACHE_PAGES; i++)
        rd.tag[i] = 0;
    rd.how = NONE;
}

size_t hp_lkread(uintptr_t a, void *buf, size_t n)
{
    if (rd.how == VMREAD) return vm_read(a, buf, n);
    if (rd.how == PIPE) return pipe_read(a, buf, n);
    return 0;
}

const uintptr_t *hp_lkread_page(uintptr_t a)
{
    uintptr_t page = a & ~(uintptr_t)(HP_LKREAD_PAGE - 1);
    size_t slot = (page / HP_LKREAD_PAGE) % CACHE_PAGES;
    uintptr_t *p = rd.pages + slot * (HP_LKREAD_PAGE / sizeof(uintptr_t));
    if (rd.tag[slot] == page && page) return p;
    rd.tag[slot] = 0;
    if (!page || hp_lkread(page, p, HP_LKREAD_PAGE) != HP_LKREAD_PAGE) return NULL;
    rd.tag[slot] = page;
    return p;
}
