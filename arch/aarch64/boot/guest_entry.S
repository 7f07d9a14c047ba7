/*
 * guest_run(GuestRegs *regs): enter the lower exception level with the registers in
 * *regs, and come back here, as if guest_run returned, when it takes an exception to
 * EL2. The host's callee-saved registers live on the EL2 stack in between; the per-CPU
 * data records where (PerCpu.host_sp) and whose registers to save (PerCpu.guest_regs).
 */
#include <arch/asm.h>

#define PERCPU_GUEST_REGS   0
#define PERCPU_HOST_SP      8
#define GUEST_SP_EL1        (31 * 8)
#define GUEST_ELR           (32 * 8)
#define GUEST_ESR           (34 * 8)
#define HOST_FRAME          (12 * 8)        /* x19-x30 */

    .text
ENTRY(guest_run)
    sub     sp, sp, #HOST_FRAME
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    mrs     x9, tpidr_el2
    str     x0, [x9, #PERCPU_GUEST_REGS]
    mov     x10, sp
    str     x10, [x9, #PERCPU_HOST_SP]

    ldr     x10, [x0, #GUEST_SP_EL1]
    msr     sp_el1, x10
    ldp     x10, x11, [x0, #GUEST_ELR]
    msr     elr_el2, x10
    msr     spsr_el2, x11
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret
    dsb     nsh                     /* never reached: keeps speculation from running on */
    isb
END(guest_run)

/*
 * Entered from the lower-EL vectors with the guest's x0 and x1 pushed on the EL2 stack
 * and x0 = the exit kind. Saves the guest, restores the host, returns from guest_run.
 */
ENTRY(guest_exit)
    mrs     x1, tpidr_el2
    ldr     x1, [x1, #PERCPU_GUEST_REGS]
    stp     x2, x3, [x1, #16]
    stp     x4, x5, [x1, #32]
    stp     x6, x7, [x1, #48]
    stp     x8, x9, [x1, #64]
    stp     x10, x11, [x1, #80]
    stp     x12, x13, [x1, #96]
    stp     x14, x15, [x1, #112]
    stp     x16, x17, [x1, #128]
    stp     x18, x19, [x1, #144]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    str     x30, [x1, #240]
    ldp     x2, x3, [sp], #16       /* the guest's x0 and x1 */
    stp     x2, x3, [x1, #0]
    mrs     x2, sp_el1
    str     x2, [x1, #GUEST_SP_EL1]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [x1, #GUEST_ELR]
    mrs     x2, esr_el2
    mrs     x3, far_el2
    stp     x2, x3, [x1, #GUEST_ESR]
    mrs     x2, hpfar_el2
    str     x2, [x1, #(GUEST_ESR + 16)]

    mrs     x9, tpidr_el2
    str     xzr, [x9, #PERCPU_GUEST_REGS]
    ldr     x10, [x9, #PERCPU_HOST_SP]
    mov     sp, x10
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #HOST_FRAME
    ret                             /* x0 = exit kind */
END(guest_exit)
