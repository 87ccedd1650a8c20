/* chdir_exit.c - changes directory, as a daemon does, before it leaves (test_edges.c).
 *   chdir_exit DIR        : chdir(DIR), leak a block, return
 *   chdir_exit DIR fork   : the same in a forked child (which exits first) and in the parent */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    sink = malloc(31);
    if (argc > 2 && !strcmp(argv[2], "fork")) {
        pid_t pid = fork();
        if (pid < 0) return 3;
        if (pid == 0) {
            if (chdir(argv[1])) _exit(4);
            sink = malloc(32);
            exit(0);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) return 5;
    }
    if (chdir(argv[1])) return 4;
    sink = malloc(33);
    return 0;
}
