/* timeit.c - bench/run.sh's stopwatch: runs a command and writes one line to FILE,
 * "WALL CPU MAXRSS": wall seconds (CLOCK_MONOTONIC around fork and wait), CPU seconds
 * (user + system of the command and the children it waited for, from wait4's rusage, with
 * the kernel's precision rather than /usr/bin/time's 10 ms steps) and max RSS in KB.
 * CPU time is the figure to trust on a busy machine: time spent waiting for a CPU is in the
 * wall time, not in it. Usage: timeit FILE CMD [ARG...]; exits with the command's status
 * (128 + signal if it was killed), 127 if it could not be run. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double secs(struct timespec t)
{
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double tv(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: timeit FILE CMD [ARG...]\n");
        return 2;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t pid = fork();
    if (pid < 0) {
        perror("timeit: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("timeit: exec");
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) {
        perror("timeit: wait4");
        return 127;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 127;
    }
    fprintf(f, "%.6f %.6f %ld\n", secs(b) - secs(a), tv(ru.ru_utime) + tv(ru.ru_stime),
            ru.ru_maxrss);
    fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
