/* tsan_main.c - runs the concurrent scenarios without Criterion, for ThreadSanitizer. Each
 * scenario runs in a child process (module state is per process). Exit 0 only if all pass. */
#include "scenarios.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *pipeline_reuse_skew(void)
{
    return scenario_pipeline(true, SCENARIO_SKEW);
}

static const char *pipeline_thread_reuse_skew(void)
{
    return scenario_pipeline_thread(true, SCENARIO_SKEW);
}

static const char *pipeline_flip_reuse_skew(void)
{
    return scenario_pipeline_flip(true, SCENARIO_SKEW);
}

int main(void)
{
    const char *(*fns[])(void) = {pipeline_reuse_skew, pipeline_thread_reuse_skew,
                                  pipeline_flip_reuse_skew, scenario_stacktab};
    const char *names[] = {"pipeline (address reuse, clock offset)",
                           "pipeline, consumer thread (address reuse, clock offset)",
                           "pipeline, consumer's place flipping (address reuse, clock offset)",
                           "stacktab"};
    int failed = 0;
    for (int i = 0; i < 4; i++) {
        pid_t p = fork();
        if (p == 0) {
            const char *bad = fns[i]();
            if (bad) fprintf(stderr, "tsan %s: %s\n", names[i], bad);
            _exit(bad ? 1 : 0);
        }
        int st;
        waitpid(p, &st, 0);
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        printf("tsan %s: %s\n", names[i], ok ? "ok" : "FAILED");
        fflush(stdout);
        failed += !ok;
    }
    return failed != 0;
}
