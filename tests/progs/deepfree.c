/* deepfree.c - libdeepfree.so for edges.c: opened with RTLD_DEEPBIND, its free binds to
 * libc's own, so the preload never sees the frees made here. */
#include <stdlib.h>

void deep_free(void *p);
void deep_free(void *p)
{
    free(p);
}
