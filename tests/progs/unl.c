/* unl.c - two objects at one address, one after the other: libunlA.so is loaded, a_alloc(100)
 * is called (through use_a) and kept, A is unloaded; libunlB.so (same layout, b_alloc, another
 * CFI rule at the same return address: unl_lib.S) is loaded, normally at A's address, and
 * b_alloc(200) is called through use_b. The report must name a_alloc <- use_a for the first
 * site and b_alloc <- use_b for the second. Built with frame pointers (tests.mk): a stale rule
 * of A applied in B then yields a plausible stack without use_b rather than a failed walk.
 * Usage: unl PATH-A PATH-B [close|again] (close: unload B too before exit; again: instead of
 * B, load A a second time, call a_more(300) through use_a_again and unload it: both of A's
 * sites are named, the second from the stacks recorded since the first unload).
 * Exit 77 if B (or A again) is not mapped where A was (the test then skips), 0 otherwise. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

typedef void *(*alloc_fn)(size_t);
static void *volatile keep_a, *volatile keep_b;

__attribute__((noinline)) static void use_a(alloc_fn f)
{
    keep_a = f(100);
}

__attribute__((noinline)) static void use_a_again(alloc_fn f)
{
    keep_b = f(300);
}

__attribute__((noinline)) static void use_b(alloc_fn f)
{
    keep_b = f(200);
}

static void *load(const char *path, const char *fn, alloc_fn *f, uintptr_t *base)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    struct link_map *lm = NULL;
    if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm) return NULL;
    *f = (alloc_fn)dlsym(h, fn);
    *base = lm->l_addr;
    return *f ? h : NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    alloc_fn fa, fb;
    uintptr_t base_a, base_b;
    void *ha = load(argv[1], "a_alloc", &fa, &base_a);
    if (!ha) return 3;
    use_a(fa);
    if (dlclose(ha) != 0) return 4;
    if (argc > 3 && strcmp(argv[3], "again") == 0) {
        ha = load(argv[1], "a_more", &fa, &base_b);
        if (!ha) return 3;
        if (base_b != base_a) {
            printf("SKIP: A mapped at %#lx the second time, %#lx the first\n",
                   (unsigned long)base_b, (unsigned long)base_a);
            return 77;
        }
        use_a_again(fa);
        return dlclose(ha) != 0 ? 4 : 0;
    }
    void *hb = load(argv[2], "b_alloc", &fb, &base_b);
    if (!hb) return 5;
    if (base_b != base_a) {
        printf("SKIP: B mapped at %#lx, A was at %#lx\n", (unsigned long)base_b,
               (unsigned long)base_a);
        return 77;
    }
    use_b(fb);
    if (argc > 3 && strcmp(argv[3], "close") == 0 && dlclose(hb) != 0) return 6;
    printf("same address %#lx\n", (unsigned long)base_a);
    return 0;
}
