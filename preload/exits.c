/* exits.c - the ends of an image the program asks for: _exit, _Exit, daemon's parent, exec*.
 * Each writes this image's report first (hp_finish); after a failed exec the image goes on
 * (exec never stops the recording).
 * Owns: nothing; the real functions are hp_real's, resolved once at start-up (hp_init), so no
 * dlsym runs here: _exit and execve are async-signal-safe and may come from a signal handler
 * or a vfork child, where dlsym (it allocates, takes the loader lock) is not allowed.
 * Invariant: a real function missing (called before hp_init, or absent from this libc) falls
 * back to the system call, never to dlsym.
 * Threads: any thread; hp_finish serialises the report. */
#include "state.h"

#include "finish.h"
#include "fork.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h> /* makedev: /dev/null is 1,3, as glibc checks */
#include <unistd.h>

extern char **environ; /* the process environment (unistd.h declares it only with _GNU_SOURCE) */

/* ---- process end ---- */

HP_EXPORT void _exit(int status)
{
    /* the program's state: its registers now, its stack from our caller's frame up */
    jmp_buf regs;
    setjmp(regs);
    int code =
        hp_finish(HP_FIN__EXIT, (uintptr_t)__builtin_frame_address(0) + 16, regs, sizeof regs);
    if (code) status = code; /* no stdio flush: _exit never flushes */
    if (hp_real._exit) hp_real._exit(status);
    for (;;)
        syscall(SYS_exit_group, status);
}

HP_EXPORT void _Exit(int status)
{
    _exit(status);
}

/* daemon(): glibc's parent side ends in its internal _exit, which we cannot see. The same
 * steps as glibc's daemon, so the parent writes its report - without a leak check or a leak
 * status: the program goes on in the child (a shell or systemd sees the parent's 0). */
HP_EXPORT int daemon(int nochdir, int noclose)
{
    switch (fork()) {
    case -1:
        return -1;
    case 0:
        break;
    default: /* the parent: its report, but not the end of the program (no leak check) */
        hp_finish(HP_FIN_DAEMON, 0, NULL, 0);
        if (hp_real._exit) hp_real._exit(0);
        for (;;)
            syscall(SYS_exit_group, 0);
    }
    if (setsid() == -1) return -1;
    if (!nochdir && chdir("/") != 0) {
        /* glibc ignores chdir's failure too */
    }
    if (!noclose) {
        struct stat st;
        int fd = open("/dev/null", O_RDWR);
        if (fd == -1) return -1;
        if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
            close(fd);
            errno = ENODEV;
            return -1;
        }
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > 2) close(fd);
    }
    return 0;
}

/* ---- image replacement: report first; if exec returns, it failed and the image goes on ---- */

static void before_exec(void)
{
    if (!hp_real.execve) hp_init(); /* an exec from a constructor that ran before ours */
    hp_finish(HP_FIN_EXEC, 0, NULL, 0);
}

static int after_failed_exec(int r)
{
    int saved = errno;
    if (!hp_is_vfork_child()) hp_resume();
    errno = saved;
    return r;
}

HP_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    before_exec();
    int r = hp_real.execve ? hp_real.execve(path, argv, envp)
                           : (int)syscall(SYS_execve, path, argv, envp);
    return after_failed_exec(r);
}

HP_EXPORT int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

HP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    before_exec();
    int r = -1;
    if (hp_real.execvpe)
        r = hp_real.execvpe(file, argv, envp);
    else
        errno = ENOSYS;
    return after_failed_exec(r);
}

HP_EXPORT int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

HP_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    before_exec();
    int r = hp_real.fexecve ? hp_real.fexecve(fd, argv, envp)
                            : (int)syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
    return after_failed_exec(r);
}

HP_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
                       int flags)
{
    before_exec();
    int r = hp_real.execveat ? hp_real.execveat(dirfd, path, argv, envp, flags)
                             : (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags);
    return after_failed_exec(r);
}

/* execl, execlp, execle: the variadic arguments become an argv array, never malloc'ed (a vfork
 * child must not touch the parent's heap): up to ARGV_SMALL of them in the caller's frame (2 KiB:
 * a thread's stack may be 16 KiB), more in mmap'ed memory, any number. (A vfork child that
 * execs with more than that leaves the mapping in the parent, which shares its memory: 8 bytes
 * an argument, once per such exec.) */
#define ARGV_SMALL 256
typedef struct argv_map {
    const char **v;
    size_t bytes; /* 0: v is small[] */
    const char *small[ARGV_SMALL];
} argv_map;

/* Counts the arguments after arg0 up to the NULL (ap is consumed), maps room for all of them. */
static int argv_map_alloc(argv_map *m, const char *arg0, va_list ap)
{
    size_t n = 1;
    if (arg0)
        while (va_arg(ap, const char *) != NULL)
            n++;
    if (n + 1 <= ARGV_SMALL) {
        m->v = m->small;
        m->bytes = 0;
        return 0;
    }
    m->bytes = (n + 1) * sizeof *m->v;
    void *p = mmap(NULL, m->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -1;
    m->v = p;
    return 0;
}

/* Fills m from arg0 and ap (the same list again), leaving ap just past the terminating NULL
 * (where execle's envp follows). */
static void argv_map_fill(argv_map *m, const char *arg0, va_list ap)
{
    size_t i = 0;
    m->v[i] = arg0;
    if (arg0)
        while ((m->v[++i] = va_arg(ap, const char *)) != NULL)
            ;
}

static int argv_map_done(argv_map *m, int r)
{
    int saved = errno;
    if (m->bytes) munmap(m->v, m->bytes);
    errno = saved;
    return r;
}

/* argv for an execl*: arg0 and the variadic arguments up to their NULL; *ap is left just past
 * it (where execle's envp follows). -1 with errno ENOMEM if there is no memory for it. */
static int argv_build(argv_map *m, const char *arg0, va_list *ap)
{
    va_list count;
    va_copy(count, *ap);
    int bad = argv_map_alloc(m, arg0, count);
    va_end(count);
    if (bad) {
        errno = ENOMEM;
        return -1;
    }
    argv_map_fill(m, arg0, *ap);
    return 0;
}

HP_EXPORT int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    argv_map m;
    int bad = argv_build(&m, arg, &ap);
    va_end(ap);
    return bad ? -1 : argv_map_done(&m, execve(path, (char *const *)m.v, environ));
}

HP_EXPORT int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    argv_map m;
    int bad = argv_build(&m, arg, &ap);
    va_end(ap);
    return bad ? -1 : argv_map_done(&m, execvpe(file, (char *const *)m.v, environ));
}

HP_EXPORT int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    argv_map m;
    if (argv_build(&m, arg, &ap)) {
        va_end(ap);
        return -1;
    }
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    return argv_map_done(&m, execve(path, (char *const *)m.v, envp));
}
