/*
 * Entry from the boot loader: the arm64 Linux Image header, then the first code on
 * each CPU. The boot CPU arrives with x0 = physical address of the device tree, the
 * MMU off, at EL2 (or EL1 when the platform gave us no EL2: we report that and stop).
 * Secondary CPUs arrive through PSCI CPU_ON at secondary_entry with x0 = the logical
 * CPU index the boot CPU gave them.
 *
 * The image is position-independent: it is linked at 0 and applies its own
 * R_AARCH64_RELATIVE relocations (packed, .relr.dyn) here, so a loader may place it
 * anywhere (QEMU puts it 2 MiB into RAM, at 0x40200000 on virt; a Qualcomm boot chain
 * wherever it likes).
 */
#include "kernel/core/config.h"
#include <arch/asm.h>
#include "arch/aarch64/self_relocate.h"

#define SCTLR_EL2_RES1_MMU_OFF 0x30c50830   /* RES1 bits only: MMU, caches, alignment checks off */
#define CPTR_EL2_NO_TRAPS 0x33ff            /* RES1 bits only: FP/SIMD not trapped */

    .section .text.head, "ax"
ENTRY(_start)
    /* Image header (Documentation/arch/arm64/booting.rst). */
    b       primary_entry           /* code0 */
    .long   0                       /* code1 */
    .quad   0                       /* text_offset: load at a 2 MiB-aligned base */
    .quad   __image_size            /* image_size, including BSS */
    .quad   0xa                     /* flags: little-endian, 4 KiB pages, anywhere in RAM */
    .quad   0, 0, 0                 /* res2..res4 */
    .ascii  "ARM\x64"               /* magic */
    .long   0                       /* res5 */
END(_start)

    .text
ENTRY(primary_entry)
    mov     x19, x0                 /* device tree */
    mrs     x20, CurrentEL
    lsr     x20, x20, #2
    bl      apply_relocations
    bl      clear_bss
    adr_l   x0, cpu_stacks
    add     sp, x0, #HYP_STACK_SIZE /* CPU 0's stack */
    cmp     x20, #2
    b.ne    1f

    bl      el2_cpu_setup
    mov     x0, x19
    bl      cold_boot_primary       /* does not return */
    b       halt

1:  /* Not at EL2: set up nothing that needs EL2 and report it. */
    mov     x0, x20
    mov     x1, x19
    bl      refuse_wrong_exception_level
    b       halt
END(primary_entry)

ENTRY(secondary_entry)
    mov     x19, x0                 /* logical CPU index */
    bl      el2_cpu_setup
    adr_l   x0, secondary_mmu_params /* the boot CPU cleaned it to PoC for us */
    bl      el2_mmu_enable
    adr_l   x1, cpu_stacks
    mov     x2, #HYP_STACK_SIZE
    madd    x1, x19, x2, x1
    add     sp, x1, x2
    mov     x0, x19
    bl      cold_boot_secondary     /* does not return */
    b       halt
END(secondary_entry)

/* EL2 state every CPU needs before C++ runs: MMU off, vectors, FP/SIMD usable. */
el2_cpu_setup:
    ldr     x0, =SCTLR_EL2_RES1_MMU_OFF
    msr     sctlr_el2, x0
    isb
    msr     tpidr_el2, xzr          /* no per-CPU data yet: reads as CPU 0 */
    adr_l   x0, el2_vectors
    msr     vbar_el2, x0
    mov     x0, #CPTR_EL2_NO_TRAPS
    msr     cptr_el2, x0
    isb
    ret

/*
 * el2_mmu_enable(const MmuParams *x0): this CPU's MMU from off to on.
 * Fields: mair, tcr, ttbr, sctlr (arch/mmu.h).
 */
ENTRY(el2_mmu_enable)
    ldp     x1, x2, [x0]
    ldp     x3, x4, [x0, #16]
    msr     mair_el2, x1
    msr     tcr_el2, x2
    msr     ttbr0_el2, x3
    isb
    tlbi    alle2                   /* nothing this CPU cached before is valid */
    dsb     nsh
    isb
    msr     sctlr_el2, x4
    isb
    ic      iallu
    dsb     nsh
    isb
    ret
END(el2_mmu_enable)

apply_relocations:
    apply_relr_relocations _start, __relr_start, __relr_end
    ret

clear_bss:
    zero_range __bss_start, __bss_end
    ret

ENTRY(halt)
    wfe
    b       halt
END(halt)
