/*
 * EL2 exception vectors. Exceptions from a guest (lower EL, AArch64) go back to
 * whoever called guest_run() (guest_entry.S). An IRQ taken at EL2 with SP_EL2 goes to
 * handle_el2_irq() (el2_irq below). Every other exception taken at EL2 itself is
 * unexpected: save the full register state in a frame on the stack and hand it to
 * report_unexpected_exception() (exception.cpp), which prints it and stops the machine.
 */
#include <arch/asm.h>

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
    guest_vector 0          /* lower EL, AArch64: synchronous */
    guest_vector 1          /* IRQ */
    guest_vector 2          /* FIQ */
    guest_vector 3          /* SError */
    unexpected_vector 12    /* lower EL, AArch32: never allowed to run */
    unexpected_vector 13
    unexpected_vector 14
    unexpected_vector 15
END(el2_vectors)

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
