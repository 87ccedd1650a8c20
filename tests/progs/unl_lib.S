/* unl_lib.S - one function, assembled twice with the same size and layout, so that the second
 * object, loaded after the first is unloaded, usually maps at the same address:
 *   libunlA.so: a_alloc, with a frame pointer: at the call, CFA = rbp + 16;
 *   libunlB.so: b_alloc, without one:          at the call, CFA = rsp + 16.
 * The call to malloc returns to the same offset in both, under different CFI rules: a rule
 * cached for A and used for B skips B's caller. A second function (a_more, b_more: the same
 * code in both) gives the "again" mode of unl.c another return address inside A. */
#ifdef UNL_A
#define FN  a_alloc
#define FN2 a_more
#else
#define FN  b_alloc
#define FN2 b_more
#endif
    .text
    .globl FN
    .type FN, @function
FN:
    .cfi_startproc
#ifdef UNL_A
    pushq %rbp
    .cfi_def_cfa_offset 16
    .cfi_offset %rbp, -16
    movq %rsp, %rbp
    .cfi_def_cfa_register %rbp
    call malloc@PLT
    popq %rbp
    .cfi_def_cfa %rsp, 8
    nop
    nop
    nop
    ret
#else
    subq $8, %rsp
    .cfi_def_cfa_offset 16
    call malloc@PLT
    addq $8, %rsp
    .cfi_def_cfa_offset 8
    ret
#endif
    .cfi_endproc
    .size FN, .-FN

    .globl FN2
    .type FN2, @function
FN2:
    .cfi_startproc
    subq $8, %rsp
    .cfi_def_cfa_offset 16
    call malloc@PLT
    addq $8, %rsp
    .cfi_def_cfa_offset 8
    ret
    .cfi_endproc
    .size FN2, .-FN2
    .section .note.GNU-stack,"",@progbits
