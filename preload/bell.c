/* bell.c - the doorbell of heapprof's own thread (bell.h).
 * Owns: the ring count (the futex word) and the sleeping flag.
 * Invariants: a ring that comes after the thread read `seen` makes its hp_bell_wait(seen)
 *   return: either the ringer sees sleeping == 1 and wakes it, or the kernel's compare of the
 *   word (after the thread's sleeping store) sees the new count. Both sides order their store
 *   before their load with a full barrier (the ringer's increment is a locked RMW, the
 *   thread's store an xchg): Dekker's pattern.
 * Threads: any thread and any signal handler ring; one thread waits. */
#include "bell.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct {
    _Atomic uint32_t rings;    /* the futex word */
    _Atomic uint32_t sleeping; /* 1: the thread is in (or on its way into) FUTEX_WAIT */
} bl;

void hp_bell_ring(void)
{
    atomic_fetch_add_explicit(&bl.rings, 1, memory_order_seq_cst);
    /* the one ringer that takes the flag makes the system call */
    if (atomic_load_explicit(&bl.sleeping, memory_order_seq_cst) &&
        atomic_exchange_explicit(&bl.sleeping, 0, memory_order_seq_cst)) {
        int saved = errno;
        syscall(SYS_futex, &bl.rings, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        errno = saved;
    }
}

uint32_t hp_bell_seen(void)
{
    return atomic_load_explicit(&bl.rings, memory_order_acquire);
}

bool hp_bell_wait(uint32_t seen, uint64_t timeout_ms)
{
    struct timespec ts = {(time_t)(timeout_ms / 1000), (long)(timeout_ms % 1000) * 1000000};
    atomic_exchange_explicit(&bl.sleeping, 1, memory_order_seq_cst);
    /* EAGAIN: rung since `seen`; EINTR: glibc's internal signals (setxid) are never blocked */
    long r =
        syscall(SYS_futex, &bl.rings, FUTEX_WAIT_PRIVATE, seen, timeout_ms ? &ts : NULL, NULL, 0);
    bool timed_out = r != 0 && errno == ETIMEDOUT;
    hp_store_relaxed(&bl.sleeping, 0);
    return !timed_out;
}

void hp_bell_atfork_child(void)
{
    hp_store_relaxed(&bl.sleeping, 0);
}
