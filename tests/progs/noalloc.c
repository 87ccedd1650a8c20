/* noalloc.c - a program that makes no allocation at all (tests/itest/test_workflow.c): the
 * library writes no report for it and says so on one line. write(2) only: no stdio buffer. */
#include <unistd.h>

int main(void)
{
    return write(1, "noalloc\n", 8) == 8 ? 0 : 1;
}
