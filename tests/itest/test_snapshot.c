/* test_snapshot.c - live snapshots of a running program (issue 11, part 2; snapshot.c):
 * HEAPPROF_DUMP_SIGNAL and HEAPPROF_INTERVAL on tests/progs/snapserver.c, a loopback TCP server
 * whose heap follows from its requests by hand: after requests of sizes k_1..k_n it has seen
 * 2n blocks and sum(100*k_i) + 32n bytes, and n blocks of 32 bytes are live (snapserver.c).
 * Waits are bounded but generous (a file to appear, a reply); nothing asserts on time. */
#include "itest.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_S 60 /* for a snapshot file, a reply, the server's exit: generous on a loaded box */

/* server_start pins the server to one CPU (as `taskset -c 0` would) while this is set */
static bool pin_one_cpu;

typedef struct server {
    pid_t pid;
    int port;
    char dir[256];
    char err[300]; /* its stderr, a file */
} server;

typedef struct expect {
    uint64_t tbk, tb, ebk, eb;
} expect;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Starts snapserver under the preload with HEAPPROF_OUT=<dir>/<out> and env ("NAME=value"
 * strings, NULL-terminated); reads its port. */
static void server_start(server *s, const char *dir, const char *out, const char *const *env)
{
    int po[2];
    cr_assert_eq(pipe2(po, O_CLOEXEC), 0);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->err, sizeof s->err, "%s/stderr.%d", dir, (int)getpid());
    char o[600];
    snprintf(o, sizeof o, "%s/%s", dir, out ? out : "heapprof.%p.json");
    s->pid = fork();
    cr_assert(s->pid >= 0);
    if (s->pid == 0) {
        dup2(po[1], 1);
        int e = open(s->err, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (e >= 0) dup2(e, 2);
        if (pin_one_cpu) {
            cpu_set_t one, all;
            CPU_ZERO(&one);
            if (sched_getaffinity(0, sizeof all, &all) != 0) _exit(126);
            for (int i = 0; i < CPU_SETSIZE; i++)
                if (CPU_ISSET(i, &all)) {
                    CPU_SET(i, &one);
                    break;
                }
            if (sched_setaffinity(0, sizeof one, &one) != 0) _exit(126);
        }
        setenv("LD_PRELOAD", it_lib(), 1);
        setenv("HEAPPROF_OUT", o, 1);
        for (const char *const *x = env; x && *x; x++)
            putenv((char *)*x);
        const char *prog = it_prog("snapserver");
        execl(prog, prog, (char *)NULL);
        _exit(127);
    }
    close(po[1]);
    char buf[64] = {0};
    size_t n = 0;
    double t0 = now_s();
    while (n < sizeof buf - 1 && !memchr(buf, '\n', n) && now_s() - t0 < WAIT_S) {
        struct pollfd p = {po[0], POLLIN, 0};
        if (poll(&p, 1, 1000) <= 0) continue;
        ssize_t r = read(po[0], buf + n, sizeof buf - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(po[0]);
    cr_assert(sscanf(buf, "PORT %d", &s->port) == 1, "no port from snapserver: '%s'", buf);
}

static int server_connect(const server *s)
{
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(c >= 0 && connect(c, (struct sockaddr *)&a, sizeof a) == 0, "connect: %s",
              strerror(errno));
    struct timeval tv = {WAIT_S, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return c;
}

/* Sends line, returns the reply line (static). */
static const char *ask(int c, const char *line)
{
    static char reply[64];
    size_t l = strlen(line);
    cr_assert_eq(write(c, line, l), (ssize_t)l);
    size_t n = 0;
    while (n + 1 < sizeof reply) {
        ssize_t r = read(c, reply + n, 1);
        cr_assert(r == 1, "no reply to %s", line);
        if (reply[n] == '\n') break;
        n++;
    }
    reply[n] = 0;
    return reply;
}

/* One request of size k on connection c, its answer checked; adds it to e. */
static void request(int c, unsigned k, expect *e)
{
    char line[32], want[48];
    uint64_t sum = 0;
    for (uint64_t i = 0; i < 100 * (uint64_t)k; i++)
        sum += (i * 7 + k) % 256;
    snprintf(line, sizeof line, "REQ %u\n", k);
    snprintf(want, sizeof want, "OK %llu", (unsigned long long)sum);
    cr_assert_str_eq(ask(c, line), want);
    e->tbk += 2;
    e->tb += 100 * (uint64_t)k + 32;
    e->ebk += 1;
    e->eb += 32;
}

/* QUIT, then the server's exit status (0 expected). */
static void server_quit(server *s)
{
    int c = server_connect(s);
    cr_assert_str_eq(ask(c, "QUIT\n"), "BYE");
    close(c);
    int st = -1;
    double t0 = now_s();
    while (waitpid(s->pid, &st, WNOHANG) == 0) {
        if (now_s() - t0 > WAIT_S) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
            cr_assert_fail("snapserver did not exit after QUIT");
        }
        nap_ms(10);
    }
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "snapserver: status %d", st);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Waits for path to exist; false after WAIT_S. */
static bool wait_file(const char *path)
{
    double t0 = now_s();
    while (!exists(path)) {
        if (now_s() - t0 > WAIT_S) return false;
        nap_ms(10);
    }
    return true;
}

static void snap_path(char *dst, size_t cap, const server *s, unsigned seq)
{
    if (seq)
        snprintf(dst, cap, "%s/heapprof.%d.%u.json", s->dir, (int)s->pid, seq);
    else
        snprintf(dst, cap, "%s/heapprof.%d.json", s->dir, (int)s->pid);
}

/* The highest K such that snapshots 1..K all exist. */
static unsigned last_seq(const server *s)
{
    char p[600];
    unsigned k = 0;
    for (;;) {
        snap_path(p, sizeof p, s, k + 1);
        if (!exists(p)) return k;
        k++;
    }
}

static int tasks(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/task", (int)pid);
    DIR *d = opendir(p);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* A report's totals, read by heapview (--json, which validates the report's invariants as it
 * loads it) and by cJSON from the file itself; the two must agree. */
static expect totals(const char *path)
{
    cJSON *j = it_load(path);
    cr_assert_not_null(j, "%s: not JSON", path);
    expect e = {it_u64(j, "hp_total_blocks"), it_u64(j, "hp_total_bytes"),
                it_u64(j, "hp_end_blocks"), it_u64(j, "hp_end_bytes")};
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "hp_complete")), "%s: not complete", path);
    cJSON_Delete(j);

    const char *hv = getenv("HEAPVIEW");
    cr_assert(hv && *hv, "HEAPVIEW is not set (see ITEST_ENV in tests/tests.mk)");
    const char *argv[] = {hv, "--json", path, NULL};
    it_run r;
    cr_assert_eq(it_exec(argv, NULL, NULL, WAIT_S, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "heapview %s: %s", path, r.err);
    cJSON *v = cJSON_Parse(r.out);
    cr_assert_not_null(v);
    const cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(v, "report"), "totals");
    cr_expect_eq(it_u64(t, "tbk"), e.tbk, "%s", path);
    cr_expect_eq(it_u64(t, "tb"), e.tb, "%s", path);
    cr_expect_eq(it_u64(t, "ebk"), e.ebk, "%s", path);
    cr_expect_eq(it_u64(t, "eb"), e.eb, "%s", path);
    cJSON_Delete(v);
    it_run_free(&r);
    return e;
}

static void expect_eq(expect got, expect want, const char *what)
{
    cr_expect_eq(got.tbk, want.tbk, "%s: blocks %llu, want %llu", what, (unsigned long long)got.tbk,
                 (unsigned long long)want.tbk);
    cr_expect_eq(got.tb, want.tb, "%s: bytes %llu, want %llu", what, (unsigned long long)got.tb,
                 (unsigned long long)want.tb);
    cr_expect_eq(got.ebk, want.ebk, "%s: live blocks", what);
    cr_expect_eq(got.eb, want.eb, "%s: live bytes", what);
}

/* Ten SIGUSR2 under load: each snapshot appears, numbered 1..10, holds exactly the requests
 * answered before its signal; the server answers every request right; the last snapshot's
 * totals are the exit report's (nothing allocates after it). */
Test(snapshot, signal_ten_times_under_load)
{
    const char *env[] = {"HEAPPROF_DUMP_SIGNAL=USR2", NULL};
    server s;
    server_start(&s, it_tmpdir(), NULL, env);
    cr_expect_eq(tasks(s.pid), 2, "the server and heapprof's thread (snapshots and consumer)");
    expect want = {0}, prev = {0};
    char p[600];
    for (unsigned round = 1; round <= 10; round++) {
        /* load: two connections of 1 + round requests each, sizes 1..13 */
        for (int conn = 0; conn < 2; conn++) {
            int c = server_connect(&s);
            for (unsigned i = 0; i <= round; i++)
                request(c, (round * 5 + i * 3 + (unsigned)conn) % 13 + 1, &want);
            close(c);
        }
        cr_assert_eq(kill(s.pid, SIGUSR2), 0);
        snap_path(p, sizeof p, &s, round);
        cr_assert(wait_file(p), "snapshot %u never appeared: %s", round, p);
        expect got = totals(p);
        expect_eq(got, want, p);
        cr_expect(got.tbk >= prev.tbk && got.tb >= prev.tb, "totals went down at %u", round);
        prev = got;
    }
    server_quit(&s);
    snap_path(p, sizeof p, &s, 11);
    cr_expect_not(exists(p), "a snapshot nobody asked for");
    snap_path(p, sizeof p, &s, 0);
    cr_assert(exists(p), "no exit report");
    expect_eq(totals(p), prev, "exit report vs the 10th snapshot");
    expect_eq(prev, want, "10th snapshot");
}

/* HEAPPROF_INTERVAL=1: snapshots come while the program is idle in poll() (no hook runs). The
 * one after the next to appear once the last reply came was begun after it: it holds every
 * request. */
Test(snapshot, interval_while_idle)
{
    const char *env[] = {"HEAPPROF_INTERVAL=1", NULL};
    server s;
    server_start(&s, it_tmpdir(), NULL, env);
    expect want = {0};
    int c = server_connect(&s);
    request(c, 7, &want);
    request(c, 2, &want);
    close(c);
    unsigned m = last_seq(&s); /* idle from here on */
    char p[600];
    snap_path(p, sizeof p, &s, m + 2);
    cr_assert(wait_file(p), "no snapshot while idle: %s", p);
    expect_eq(totals(p), want, p);
    server_quit(&s);
    /* every snapshot valid, numbered without a gap, totals never going down */
    unsigned last = last_seq(&s);
    cr_expect_geq(last, m + 2);
    expect prev = {0};
    for (unsigned k = 1; k <= last; k++) {
        snap_path(p, sizeof p, &s, k);
        expect e = totals(p);
        cr_expect(e.tbk >= prev.tbk && e.tb >= prev.tb, "totals went down at %u", k);
        prev = e;
    }
    snap_path(p, sizeof p, &s, 0);
    expect_eq(totals(p), want, "exit report");
}

/* Threads of the server (snapserver has one of its own): heapprof starts one, for the consumer
 * (HEAPPROF_CONSUMER=thread, or auto when the process may run on two CPUs) and snapshots alike,
 * or none (neither, the default; an inert process: HEAPPROF_ONLY, HEAPPROF_DISABLE). */
static void threads_are(const char *const *env, int want, const char *err_needle)
{
    server s;
    server_start(&s, it_tmpdir(), NULL, env);
    cr_expect_eq(tasks(s.pid), want, "%s: %d thread(s) expected", env[0] ? env[0] : "(none)", want);
    expect e = {0};
    int c = server_connect(&s);
    request(c, 3, &e);
    close(c);
    server_quit(&s);
    FILE *f = fopen(s.err, "r");
    char buf[2048] = {0};
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
    }
    if (err_needle)
        cr_expect(strstr(buf, err_needle), "stderr lacks '%s': %s", err_needle, buf);
    else
        cr_expect_eq(buf[0], 0, "stderr: %s", buf);
}

static int cpus(void)
{
    cpu_set_t set;
    cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
    return CPU_COUNT(&set);
}

Test(snapshot, no_thread_unless_asked)
{
    /* the default keeps the program single-threaded; auto starts the thread on 2+ CPUs (as
     * this test runs: `taskset -c 0` makes it one CPU) */
    int on2 = cpus() >= 2 ? 2 : 1;
    const char *none[] = {NULL};
    threads_are(none, 1, NULL);
    const char *au[] = {"HEAPPROF_CONSUMER=auto", NULL};
    threads_are(au, on2, NULL);
    const char *inl[] = {"HEAPPROF_CONSUMER=inline", NULL};
    threads_are(inl, 1, NULL);
    const char *thr[] = {"HEAPPROF_CONSUMER=thread", NULL};
    threads_are(thr, 2, NULL);
    const char *sig[] = {"HEAPPROF_DUMP_SIGNAL=SIGUSR2", NULL};
    threads_are(sig, 2, NULL); /* one thread for both */
    const char *sig_inl[] = {"HEAPPROF_DUMP_SIGNAL=SIGUSR2", "HEAPPROF_CONSUMER=inline", NULL};
    threads_are(sig_inl, 2, NULL);
    const char *num[] = {"HEAPPROF_DUMP_SIGNAL=12", "HEAPPROF_INTERVAL=0", NULL}; /* SIGUSR2 */
    threads_are(num, 2, NULL);
    const char *only[] = {"HEAPPROF_DUMP_SIGNAL=USR2", "HEAPPROF_CONSUMER=thread",
                          "HEAPPROF_ONLY=no-such-program", NULL};
    threads_are(only, 1, NULL);
    const char *off[] = {"HEAPPROF_INTERVAL=1", "HEAPPROF_CONSUMER=thread", "HEAPPROF_DISABLE=1",
                         NULL};
    threads_are(off, 1, NULL);
    const char *bad[] = {"HEAPPROF_DUMP_SIGNAL=KILL", "HEAPPROF_CONSUMER=inline", NULL};
    threads_are(bad, 1, "HEAPPROF_DUMP_SIGNAL");
    const char *junk[] = {"HEAPPROF_DUMP_SIGNAL=USR9", NULL};
    threads_are(junk, 1, "HEAPPROF_DUMP_SIGNAL");
    const char *word[] = {"HEAPPROF_CONSUMER=threads", NULL};
    threads_are(word, 1, "HEAPPROF_CONSUMER");
    /* a process that may run on one CPU only: inline, unless told */
    pin_one_cpu = true;
    threads_are(none, 1, NULL);
    threads_are(au, 1, NULL);
    threads_are(thr, 2, NULL);
    threads_are(sig, 2, NULL);
    pin_one_cpu = false;
}

/* Names: ".<K>" before ".json", else appended; an existing file is never replaced (the
 * snapshot takes the next free number); the exit report keeps its own name. */
Test(snapshot, numbering_never_replaces)
{
    const char *dir = it_tmpdir();
    char p[600];
    snprintf(p, sizeof p, "%s/snap.1", dir);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("not ours\n", f);
    fclose(f);
    const char *env[] = {"HEAPPROF_DUMP_SIGNAL=USR2", NULL};
    server s;
    server_start(&s, dir, "snap", env);
    expect want = {0};
    int c = server_connect(&s);
    request(c, 4, &want);
    close(c);
    cr_assert_eq(kill(s.pid, SIGUSR2), 0);
    snprintf(p, sizeof p, "%s/snap.2", dir);
    cr_assert(wait_file(p), "no %s", p);
    expect_eq(totals(p), want, p);
    server_quit(&s);
    snprintf(p, sizeof p, "%s/snap.1", dir);
    f = fopen(p, "r");
    char buf[64] = {0};
    cr_assert(f && fgets(buf, sizeof buf, f));
    fclose(f);
    cr_expect_str_eq(buf, "not ours\n");
    snprintf(p, sizeof p, "%s/snap", dir);
    expect_eq(totals(p), want, p);
}

/* A fork child gets a heapprof thread of its own, numbering from 1 under its own pid; the
 * parent writes none for the child's signal. */
Test(snapshot, fork_child_has_its_own)
{
    const char *dir = it_tmpdir();
    const char *argv[] = {it_prog("snapserver"), "fork", dir, NULL};
    const char *env[] = {"HEAPPROF_DUMP_SIGNAL=USR2", NULL};
    it_run r;
    cr_assert_eq(it_exec_hp(argv, env, dir, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d: %s", r.status, r.err);
    int parent = 0, child = 0;
    cr_assert(sscanf(r.out, "PARENT %d CHILD %d", &parent, &child) == 2, "%s", r.out);
    it_run_free(&r);
    char p[600];
    snprintf(p, sizeof p, "%s/heapprof.%d.1.json", dir, child);
    expect e = totals(p); /* the parent's 1000 bytes (inherited) and the child's 2000 */
    expect want = {2, 3000, 2, 3000};
    expect_eq(e, want, p);
    snprintf(p, sizeof p, "%s/heapprof.%d.1.json", dir, parent);
    cr_expect_not(exists(p), "the parent wrote a snapshot for its child's signal");
}

/* The leak check at exit still finds a block that a snapshot walked (its address was on the
 * stack of heapprof's thread, which the leak check scans as a thread's: worker.c wipes it). */
Test(snapshot, leak_check_after_snapshots)
{
    const char *env[] = {"HEAPPROF_DUMP_SIGNAL=USR2", "HEAPPROF_LEAK_CHECK=1", NULL};
    server s;
    server_start(&s, it_tmpdir(), NULL, env);
    int c = server_connect(&s);
    cr_assert_str_eq(ask(c, "LEAK\n"), "LEAKED"); /* the only live block: the last one walked */
    close(c);
    char p[600];
    for (unsigned k = 1; k <= 3; k++) {
        cr_assert_eq(kill(s.pid, SIGUSR2), 0);
        snap_path(p, sizeof p, &s, k);
        cr_assert(wait_file(p), "no %s", p);
    }
    c = server_connect(&s);
    cr_assert_str_eq(ask(c, "QUIT\n"), "BYE");
    close(c);
    int st = -1;
    double t0 = now_s();
    while (waitpid(s.pid, &st, WNOHANG) == 0 && now_s() - t0 < WAIT_S)
        nap_ms(10);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 23, "status %d: the leak was not found", st);
    FILE *f = fopen(s.err, "r");
    char buf[8192] = {0};
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    cr_expect(strstr(buf, "48 byte"), "no 48-byte leak in: %s", buf);
}

/* SigCgt of /proc/pid/status has sig's bit: the library's constructor installed its handler. */
static bool catches(pid_t pid, int sig)
{
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f) return false;
    unsigned long long mask = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "SigCgt: %llx", &mask) == 1) break;
    fclose(f);
    return mask >> (sig - 1) & 1;
}

static uint64_t bytes_per_thread(uint64_t n) /* tests/progs/threads.c, as test_threads.c */
{
    uint64_t b = 0;
    for (uint64_t i = 0; i < n; i++)
        b += 16 + i % 64;
    return b;
}

/* A storm of signals (one every 2 ms, from the handler's installation to the exit) on 4 threads
 * allocating and freeing across threads: the program ends normally, the exit report is exact
 * (as in test_threads.c), and every snapshot written is valid, numbered without a gap, its
 * totals never going down. */
Test(snapshot, signal_storm_through_exit, .timeout = 300)
{
    const char *dir = it_tmpdir();
    char out[600];
    snprintf(out, sizeof out, "%s/heapprof.%%p.json", dir);
    const int T = 4;
    const long N = 200000;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) dup2(nul, 1);
        setenv("LD_PRELOAD", it_lib(), 1);
        setenv("HEAPPROF_OUT", out, 1);
        setenv("HEAPPROF_DUMP_SIGNAL", "USR2", 1);
        const char *prog = it_prog("threads");
        execl(prog, prog, "4", "200000", (char *)NULL);
        _exit(127);
    }
    int st = -1;
    double t0 = now_s();
    bool armed = false;
    unsigned sent = 0;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        cr_assert(now_s() - t0 < 240, "threads did not end under the storm");
        if (!armed) armed = catches(pid, SIGUSR2);
        if (armed && kill(pid, SIGUSR2) == 0) sent++;
        nap_ms(armed ? 2 : 1);
    }
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d after %u signals", st, sent);
    server s = {.pid = pid};
    snprintf(s.dir, sizeof s.dir, "%s", dir);
    unsigned last = last_seq(&s);
    expect prev = {0};
    for (unsigned k = 1; k <= last; k++) {
        char p[600];
        snap_path(p, sizeof p, &s, k);
        expect e = totals(p);
        cr_expect(e.tbk >= prev.tbk && e.tb >= prev.tb, "totals went down at %u", k);
        prev = e;
    }
    char p[600];
    snap_path(p, sizeof p, &s, last + 1);
    cr_expect_not(exists(p), "a gap in the numbering");
    snap_path(p, sizeof p, &s, 0);
    cJSON *j = it_load(p);
    cr_assert_not_null(j, "no exit report after %u signals, %u snapshots", sent, last);
    it_totals w;
    const char *missing = NULL;
    cr_assert(it_workers(j, &w, &missing), "site %s", missing);
    cr_expect_eq(w.tbk, (uint64_t)T * (uint64_t)N);
    cr_expect_eq(w.tb, (uint64_t)T * bytes_per_thread((uint64_t)N));
    cr_expect_eq(w.eb, 0);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "hp_complete")));
    cr_expect_geq(it_u64(j, "hp_total_blocks"), prev.tbk, "the exit report is after the last");
    cJSON_Delete(j);
}

/* A request before the first allocation writes nothing (an empty report is not a valid one)
 * and says so once; the first snapshot written is still number 1. */
Test(snapshot, nothing_before_the_first_allocation)
{
    const char *env[] = {"HEAPPROF_DUMP_SIGNAL=USR2", NULL};
    server s;
    server_start(&s, it_tmpdir(), NULL, env);
    cr_assert_eq(kill(s.pid, SIGUSR2), 0);
    char buf[2048] = {0};
    double t0 = now_s();
    while (!strstr(buf, "no snapshot")) { /* the line comes when the request was served */
        cr_assert(now_s() - t0 < WAIT_S, "no line on stderr: '%s'", buf);
        nap_ms(10);
        FILE *f = fopen(s.err, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
    }
    char p[600];
    snap_path(p, sizeof p, &s, 1);
    cr_expect_not(exists(p), "an empty snapshot");
    expect want = {0};
    int c = server_connect(&s);
    request(c, 5, &want);
    close(c);
    cr_assert_eq(kill(s.pid, SIGUSR2), 0);
    cr_assert(wait_file(p), "no %s", p);
    expect_eq(totals(p), want, p);
    server_quit(&s);
}
