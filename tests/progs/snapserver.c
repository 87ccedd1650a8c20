/* snapserver.c - a small TCP server for the live-snapshot test (tests/itest/test_snapshot.c).
 *
 * snapserver: listens on 127.0.0.1, an ephemeral port, and writes "PORT <n>\n" on stdout. It
 * serves one connection at a time, each a sequence of lines:
 *   "REQ <k>\n" (1 <= k <= 1000): mallocs a scratch buffer of 100*k bytes, fills it, sums it,
 *     frees it, and keeps a 32-byte record (never freed); answers "OK <sum>\n", where sum is
 *     the sum over i < 100*k of (i*7 + k) % 256.
 *   "LEAK\n": mallocs 48 bytes and drops their address (a leak); answers "LEAKED\n".
 *   "QUIT\n": answers "BYE\n" and returns from main.
 * So after n requests with sizes k_1..k_n the heap has seen 2n blocks, sum(100*k_i) + 32n bytes,
 * and n blocks of 32 bytes are live. Nothing else allocates: no stdio (write(2) with a number
 * formatted on the stack), every request line is read into a stack buffer, and after a QUIT the
 * program allocates nothing before it exits.
 * It waits in poll(); a signal's EINTR (poll is never restarted) is retried.
 *
 * snapserver fork DIR: mallocs 1000 bytes, forks; the child mallocs 2000 bytes, raises SIGUSR2
 * and waits (up to 60 s) for DIR/heapprof.<its pid>.1.json, then exits 0 (3 if it never came).
 * The parent writes "PARENT <pid> CHILD <pid>\n" and exits with the child's status. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct kept {
    struct kept *next;
    uint64_t k, sum;
    uint64_t pad;
};
_Static_assert(sizeof(struct kept) == 32, "the test counts 32 bytes per request");

static struct kept *kept_list;

static size_t fmt_u64(char *dst, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    return n;
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* One line into buf (without '\n'); false at EOF or error. */
static bool read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        if (c == '\n') break;
        if (n + 1 < cap) buf[n++] = c;
    }
    buf[n] = 0;
    return true;
}

static uint64_t handle(uint64_t k)
{
    size_t n = 100 * (size_t)k;
    unsigned char *scratch = malloc(n);
    if (!scratch) abort();
    for (size_t i = 0; i < n; i++)
        scratch[i] = (unsigned char)((i * 7 + k) % 256);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += scratch[i];
    free(scratch);
    struct kept *r = malloc(sizeof *r);
    if (!r) abort();
    *r = (struct kept){kept_list, k, sum, 0};
    kept_list = r;
    return sum;
}

/* 48 bytes whose address is dropped at once: a leak (the leak check's verdict). */
static __attribute__((noinline)) void leak(void)
{
    char *p = malloc(48);
    if (!p) abort();
    memset(p, 0x5a, 48);
    __asm__ volatile("" ::"r"(p) : "memory");
}

/* Serves one connection; true if it asked to quit. */
static bool serve(int c)
{
    char line[64], out[48];
    while (read_line(c, line, sizeof line)) {
        if (strcmp(line, "QUIT") == 0) {
            write_all(c, "BYE\n", 4);
            return true;
        }
        if (strcmp(line, "LEAK") == 0) {
            leak();
            write_all(c, "LEAKED\n", 7);
            continue;
        }
        char *end;
        unsigned long k = strncmp(line, "REQ ", 4) == 0 ? strtoul(line + 4, &end, 10) : 0;
        if (k < 1 || k > 1000 || *end) {
            write_all(c, "ERR\n", 4);
            continue;
        }
        memcpy(out, "OK ", 3);
        size_t n = 3 + fmt_u64(out + 3, handle(k));
        out[n++] = '\n';
        write_all(c, out, n);
    }
    return false;
}

static int serve_main(void)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 16) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0)
        return 2;
    char msg[32] = "PORT ";
    size_t n = 5 + fmt_u64(msg + 5, ntohs(a.sin_port));
    msg[n++] = '\n';
    write_all(1, msg, n);
    for (;;) {
        struct pollfd p = {l, POLLIN, 0};
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR) continue; /* a snapshot signal: poll is never restarted */
            return 2;
        }
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return 2;
        }
        bool quit = serve(c);
        close(c);
        if (quit) break;
    }
    close(l);
    return 0; /* kept_list stays live: the exit report's hp_end_* */
}

static int fork_main(const char *dir)
{
    char *p = malloc(1000);
    if (!p) return 2;
    p[0] = 1;
    pid_t child = fork();
    if (child < 0) return 2;
    if (child == 0) {
        char *q = malloc(2000);
        if (!q) _exit(2);
        q[0] = 2;
        char path[512];
        size_t dl = strlen(dir);
        if (dl > 400) _exit(2);
        memcpy(path, dir, dl);
        memcpy(path + dl, "/heapprof.", 10);
        size_t n = dl + 10 + fmt_u64(path + dl + 10, (uint64_t)getpid());
        memcpy(path + n, ".1.json", 8);
        raise(SIGUSR2);
        struct stat st;
        for (int i = 0; i < 6000; i++) {
            if (stat(path, &st) == 0) exit(0);
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        exit(3);
    }
    char msg[80] = "PARENT ";
    size_t n = 7 + fmt_u64(msg + 7, (uint64_t)getpid());
    memcpy(msg + n, " CHILD ", 7);
    n += 7 + fmt_u64(msg + n + 7, (uint64_t)child);
    msg[n++] = '\n';
    write_all(1, msg, n);
    int st;
    while (waitpid(child, &st, 0) < 0)
        if (errno != EINTR) return 2;
    free(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 4;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "fork") == 0) return fork_main(argv[2]);
    return serve_main();
}
