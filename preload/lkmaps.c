/* lkmaps.c - /proc/self/maps, classified (lkmaps.h).
 * Invariants: maps[0..n) sorted by lo (the kernel's order), disjoint.
 * Threads: load/release by one check at a time; the reserve is made once at start-up. */
#include "lkmaps.h"

#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAPS_BYTES  (4u << 20)
#define RESERVE_MIN 512 /* the reserved descriptor's lowest number */

static struct {
    hp_lkmap *v;
    size_t n, vbytes;
    char *text;
    int reserve_fd;
    pid_t reserve_pid; /* the fd shows this process's maps only (a fork child's is its parent's) */
} mp = {.reserve_fd = -1};

void hp_lkmaps_reserve(void)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, RESERVE_MIN);
    close(fd);
    if (hi < 0) return;
    mp.reserve_fd = hi;
    mp.reserve_pid = getpid();
}

/* An open descriptor on our maps: the reserve, or a new one (with the soft descriptor limit
 * raised to the hard one for the moment if the program used up its own). */
static int open_maps(bool *owned)
{
    *owned = false;
    if (mp.reserve_fd >= 0 && mp.reserve_pid == getpid() && lseek(mp.reserve_fd, 0, SEEK_SET) == 0)
        return mp.reserve_fd;
    *owned = true;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 || (errno != EMFILE && errno != ENFILE)) return fd;
    struct rlimit old, more;
    if (getrlimit(RLIMIT_NOFILE, &old) != 0 || old.rlim_cur >= old.rlim_max) return -1;
    more = old;
    more.rlim_cur = old.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &more) != 0) return -1;
    fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    int err = errno;
    setrlimit(RLIMIT_NOFILE, &old); /* an fd above the soft limit stays usable */
    errno = err;
    return fd;
}

static uintptr_t hex(const char **s)
{
    uintptr_t v = 0;
    for (;; (*s)++) {
        char c = **s;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uintptr_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uintptr_t)(c - 'a' + 10);
        else
            return v;
    }
}

static hp_lkm_kind kind_of(const char *name, bool shared)
{
    if (!*name || strncmp(name, "[anon:", 6) == 0 || strncmp(name, "[anon_shmem:", 12) == 0)
        return LKM_ANON;
    if (strcmp(name, "[heap]") == 0) return LKM_HEAP;
    if (strcmp(name, "[stack]") == 0) return LKM_STACK;
    if (name[0] == '[') return LKM_OTHER; /* vdso, vvar, vsyscall */
    /* shared anonymous memory shows as a deleted /dev/zero, SysV segments, memfds */
    if (shared && (strncmp(name, "/dev/zero", 9) == 0 || strncmp(name, "/SYSV", 5) == 0 ||
                   strncmp(name, "/memfd:", 7) == 0))
        return LKM_ANON;
    if (strncmp(name, "/dev/", 5) == 0) return LKM_DEVICE;
    return LKM_FILE;
}

int hp_lkmaps_load(void)
{
    hp_lkmaps_release();
    bool owned;
    int fd = open_maps(&owned);
    if (fd < 0) return errno ? errno : EIO;
    mp.text = hp_map(MAPS_BYTES);
    if (!mp.text) {
        if (owned) close(fd);
        return ENOMEM;
    }
    size_t n = 0;
    ssize_t r;
    int err = 0;
    while (n < MAPS_BYTES - 1 && (r = read(fd, mp.text + n, MAPS_BYTES - 1 - n)) != 0) {
        if (r < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        n += (size_t)r;
    }
    if (owned) close(fd);
    if (err || n == 0 || n >= MAPS_BYTES - 1) { /* unreadable, empty, or too big to trust */
        hp_lkmaps_release();
        return err ? err : EFBIG;
    }
    mp.text[n] = 0;
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += mp.text[i] == '\n';
    mp.vbytes = lines * sizeof(hp_lkmap);
    mp.v = hp_map(mp.vbytes);
    if (!mp.v) {
        hp_lkmaps_release();
        return ENOMEM;
    }
    for (char *s = mp.text; *s;) {
        const char *c = s;
        uintptr_t lo = hex(&c);
        c++; /* '-' */
        uintptr_t hi = hex(&c);
        c++; /* ' ' */
        const char *perm = c;
        char *e = strchr(s, '\n');
        if (e) *e = 0;
        /* the name: after offset, device and inode (5 fields), then spaces */
        const char *name = perm;
        for (int f = 0; f < 4 && *name; f++) {
            while (*name && *name != ' ')
                name++;
            while (*name == ' ')
                name++;
        }
        if (lo < hi && strlen(perm) >= 4) {
            bool shared = perm[3] == 's';
            mp.v[mp.n++] = (hp_lkmap){
                lo, hi, (uint8_t)kind_of(name, shared), perm[0] == 'r', perm[1] == 'w', name};
        }
        if (!e) break;
        s = e + 1;
    }
    return 0;
}

void hp_lkmaps_release(void)
{
    hp_unmap(mp.v, mp.vbytes);
    hp_unmap(mp.text, MAPS_BYTES);
    mp.v = NULL;
    mp.text = NULL;
    mp.n = 0;
}

size_t hp_lkmaps_count(void)
{
    return mp.n;
}

const hp_lkmap *hp_lkmaps_at(size_t i)
{
    return &mp.v[i];
}

const hp_lkmap *hp_lkmaps_of(uintptr_t a)
{
    size_t lo = 0, hi = mp.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mp.v[mid].hi <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < mp.n && mp.v[lo].lo <= a && mp.v[lo].readable ? &mp.v[lo] : NULL;
}
