/*
 * EL2 exception vectors. Exceptions from a guest (lower EL, AArch64) go back to
 * whoever called guest_run() (guest_entry.S), except the null hypercalls, which the
 * synchronous vector answers itself (kernel/hypercall/fast_answers.h). An IRQ taken at EL2 with SP_EL2 goes to
 * handle_el2_irq() (el2_irq below). Every other exception taken at EL2 itself is
 * unexpected: save the full register state in a frame on the stack and hand it to
 * report_unexpected_exception() (exception.cpp), which prints it and stops the machine.
 */
#include <arch/asm.h>

/* The fast hypercalls (kernel/hypercall/fast_answers.h, which asserts these). */
#define FAST_HC_IDENTIFY            0       /* FastAnswers: x0..x3 of hyp_identify */
#define FAST_HC_SMCCC_VERSION       32      /* FastAnswers: x0 of SMCCC_VERSION */
#define FAST_HC_ESR_HVC64_EC_IL     0x2d    /* ESR_EL2 >> 25 of an HVC from AArch64: EC 0x16, IL 1 */
#define FAST_HC_NATIVE_IDENTIFY     0x6000  /* HVC #(0x6000 + 0) */
#define FAST_HC_SMCCC_IDENTIFY_HI   0xc600  /* 0xc6008000: fast, SMC64, vendor hyp, call 0x8000 + 0 */
#define FAST_HC_SMCCC_IDENTIFY_LO   0x8000
#define FAST_HC_SMCCC_VERSION_HI    0x8000  /* 0x80000000 */

#define FRAME_SIZE (36 * 8)     /* x0-x30, sp, elr, spsr, esr, far (see ExceptionFrame) */

.macro unexpected_vector kind
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       save_and_report
.endm

/* An exception from the guest (guest_run): back to the host through guest_exit. */
.macro guest_vector kind
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x0, #\kind
    b       guest_exit
.endm

    .section .text.vectors, "ax"
    .balign 2048
ENTRY(el2_vectors)
    unexpected_vector 0     /* current EL, SP_EL0: synchronous */
    unexpected_vector 1     /* IRQ */
    unexpected_vector 2     /* FIQ */
    unexpected_vector 3     /* SError */
    unexpected_vector 4     /* current EL, SP_ELx: synchronous */
    .balign 0x80            /* IRQ: the hypervisor's own interrupts (kernel/core/irq.cpp) */
    b       el2_irq
    unexpected_vector 6
    unexpected_vector 7

    /* Lower EL, AArch64, synchronous: the null hypercalls (fast_answers.h) are answered
     * here; everything else goes to guest_exit as kind 0. Only x0 and x1 are used, saved
     * where guest_exit expects them. */
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mrs     x1, esr_el2
    lsr     x0, x1, #25
    cmp     x0, #FAST_HC_ESR_HVC64_EC_IL
    b.ne    1f                      /* not an HVC from AArch64 */
    and     x1, x1, #0xffff         /* the immediate */
    cmp     x1, #FAST_HC_NATIVE_IDENTIFY
    b.eq    fast_identify
    cbnz    x1, 1f                  /* another native call */
    ldr     x0, [sp]                /* SMCCC form: the function ID, all 64 bits */
    movz    x1, #FAST_HC_SMCCC_IDENTIFY_HI, lsl #16
    movk    x1, #FAST_HC_SMCCC_IDENTIFY_LO
    cmp     x0, x1
    b.eq    fast_identify
    movz    x1, #FAST_HC_SMCCC_VERSION_HI, lsl #16
    cmp     x0, x1
    b.eq    fast_smccc_version
1:  mov     x0, #0
    b       guest_exit
    guest_vector 1          /* IRQ */
    guest_vector 2          /* FIQ */
    guest_vector 3          /* SError */
    unexpected_vector 12    /* lower EL, AArch32: never allowed to run */
    unexpected_vector 13
    unexpected_vector 14
    unexpected_vector 15
END(el2_vectors)

/* The answers, from the kernel's table; the guest's x0/x1 slot on the stack is dropped
 * (both are results). Each counts itself in the CPU's PerCpu.fast_hypercalls, for the
 * exit report. */
#define PERCPU_FAST_HYPERCALLS 16

.macro count_fast_hypercall
    mrs     x0, tpidr_el2
    ldr     x1, [x0, #PERCPU_FAST_HYPERCALLS]
    add     x1, x1, #1
    str     x1, [x0, #PERCPU_FAST_HYPERCALLS]
.endm

fast_identify:
    count_fast_hypercall
    adr_l   x0, fast_hypercall_answers
    ldp     x2, x3, [x0, #(FAST_HC_IDENTIFY + 16)]
    ldp     x0, x1, [x0, #FAST_HC_IDENTIFY]
    add     sp, sp, #16
    eret

fast_smccc_version:
    count_fast_hypercall
    adr_l   x0, fast_hypercall_answers
    ldr     x0, [x0, #FAST_HC_SMCCC_VERSION]
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    add     sp, sp, #16
    eret

save_and_report:
    /* x0 now holds the vector number; the original x0/x1 are already saved. */
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    add     x1, sp, #FRAME_SIZE     /* sp before the exception */
    stp     x30, x1, [sp, #240]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [sp, #256]
    mrs     x2, esr_el2
    mrs     x3, far_el2
    stp     x2, x3, [sp, #272]
    mov     x1, sp
    bl      report_unexpected_exception   /* (vector, frame); does not return */
1:  wfe
    b       1b

/*
 * An IRQ at EL2 (only where the kernel unmasked them): save what a C++ call may
 * clobber (x0-x18, x29, x30) and ELR/SPSR, run handle_el2_irq() (kernel/core/irq.cpp),
 * restore, return to the interrupted code.
 */
#define IRQ_FRAME_SIZE (24 * 8)

el2_irq:
    sub     sp, sp, #IRQ_FRAME_SIZE
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    mrs     x0, elr_el2
    mrs     x1, spsr_el2
    stp     x30, x0, [sp, #160]
    str     x1, [sp, #176]
    bl      handle_el2_irq
    ldr     x1, [sp, #176]
    ldp     x30, x0, [sp, #160]
    msr     elr_el2, x0
    msr     spsr_el2, x1
    ldp     x18, x29, [sp, #144]
    ldp     x16, x17, [sp, #128]
    ldp     x14, x15, [sp, #112]
    ldp     x12, x13, [sp, #96]
    ldp     x10, x11, [sp, #80]
    ldp     x8, x9, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #IRQ_FRAME_SIZE
    eret
