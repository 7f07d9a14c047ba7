/*
 * FP/SIMD values a test guest keeps in its registers to see that they survive vCPU
 * switches (the guests are built without FP/SIMD registers: only these use them). Linked
 * into every guest (guest_runtime) and included by the tiny secondary VM
 * (secondary/tiny_vm.S), which has no stack: they use x0-x7 and nothing else.
 *   guest_fp_fill(base, fpcr, fpsr):  V<r> = {base + r, ~(base + r)} for r = 0..31;
 *                                      FPCR, FPSR as given
 *   guest_fp_wrong(base, fpcr, fpsr): how many of V0-V31, FPCR and FPSR differ from that
 */
    .arch_extension fp
    .arch_extension simd

    .section .text.guest_fp_fill, "ax"
    .global guest_fp_fill
    .type guest_fp_fill, %function
guest_fp_fill:
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    add     x3, x0, #\r
    mvn     x4, x3
    fmov    d\r, x3
    mov     v\r\().d[1], x4
    .endr
    msr     fpcr, x1
    msr     fpsr, x2
    ret
    .size guest_fp_fill, . - guest_fp_fill

    .section .text.guest_fp_wrong, "ax"
    .global guest_fp_wrong
    .type guest_fp_wrong, %function
guest_fp_wrong:
    mov     x5, #0
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    add     x3, x0, #\r
    mvn     x4, x3
    fmov    x6, d\r
    mov     x7, v\r\().d[1]
    cmp     x6, x3
    ccmp    x7, x4, #0, eq
    cinc    x5, x5, ne
    .endr
    mrs     x6, fpcr
    cmp     x6, x1
    cinc    x5, x5, ne
    mrs     x6, fpsr
    cmp     x6, x2
    cinc    x5, x5, ne
    mov     x0, x5
    ret
    .size guest_fp_wrong, . - guest_fp_wrong
