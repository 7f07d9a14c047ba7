/*
 * The resource manager's entry: the first byte of rm.bin. The hypervisor copies rm.bin to
 * the start of the RM's RAM and enters it at EL1h with DAIF masked, the MMU and caches
 * off (HCR_EL2.DC = 1 makes data accesses normal write-back memory) and x0 = the IPA of
 * rm_boot_info at the top of that RAM (docs/resource-manager.md).
 *
 * rm.elf is a static PIE linked at 0: this code applies its R_AARCH64_RELATIVE
 * relocations (packed, .relr.dyn) for wherever it was loaded (as arch/aarch64/boot/head.S
 * does for the hypervisor), zeroes BSS, takes its stack from BSS, installs the vectors
 * and calls rm_main(const rm_boot_info *). Nothing is written before boot info is known
 * to lie above the image, BSS and stack: otherwise relocating or zeroing BSS could
 * destroy it.
 */
#include "rm/boot/entry_layout.h"
#include "arch/aarch64/self_relocate.h"

#define CPACR_EL1_FPEN_NO_TRAP (3 << 20)    /* FP/SIMD at EL1: Debian's libfdt may use it */

/* Position-independent address of a symbol (+-4 GiB), usable before relocation. */
.macro adr_l reg, sym
    adrp    \reg, \sym
    add     \reg, \reg, :lo12:\sym
.endm

    .section .text.head, "ax"
    .global _start
    .type _start, %function
_start:
    mov     x19, x0                 /* boot info */
    msr     spsel, #1               /* SP_EL1 */
    adr_l   x0, rm_early_vectors    /* until relocated: any exception powers off */
    msr     vbar_el1, x0
    isb
    tst     x19, #(RM_ENTRY_BOOT_INFO_ALIGNMENT - 1)
    b.ne    placement_refused
    adr_l   x1, __image_end         /* image, BSS and stack */
    cmp     x19, x1
    b.lo    placement_refused

    bl      apply_relocations
    bl      clear_bss
    adr_l   x0, rm_stack_top
    mov     sp, x0
    mov     x0, #CPACR_EL1_FPEN_NO_TRAP
    msr     cpacr_el1, x0
    adr_l   x0, rm_vectors
    msr     vbar_el1, x0
    isb
    mov     x0, x19
    bl      rm_main                 /* does not return */
    b       rm_halt
    .size _start, . - _start

/*
 * Boot info misplaced: say so on the UART whose address it holds, if it looks like boot
 * info at all (nothing else is trustworthy: BSS and stack would overlap it), then ask
 * for SYSTEM_OFF. With SCTLR_EL1.A = 0 the loads may be unaligned.
 */
placement_refused:
    ldr     w1, [x19]
    movz    w2, #(RM_ENTRY_BOOT_INFO_MAGIC & 0xffff)
    movk    w2, #(RM_ENTRY_BOOT_INFO_MAGIC >> 16), lsl #16
    cmp     w1, w2
    b.ne    rm_power_off
    ldr     x3, [x19, #RM_ENTRY_BOOT_INFO_UART_OFFSET]
    cbz     x3, rm_power_off
    adr     x4, placement_message
1:  ldrb    w5, [x4], #1
    cbz     w5, rm_power_off
    str     w5, [x3]                /* UARTDR, one 32-bit store per character */
    b       1b

    .global rm_power_off
    .type rm_power_off, %function
rm_power_off:
    movz    w0, #(RM_ENTRY_PSCI_SYSTEM_OFF & 0xffff)
    movk    w0, #(RM_ENTRY_PSCI_SYSTEM_OFF >> 16), lsl #16
    hvc     #0
    .global rm_halt
rm_halt:
    wfi
    b       rm_halt
    .size rm_power_off, . - rm_power_off

placement_message:
    .asciz  "RM: boot info (x0) is not 4 KiB aligned or lies inside the RM's image, BSS or stack; powering off\n"
    .balign 4

apply_relocations:
    apply_relr_relocations _start, __relr_start, __relr_end
    ret

clear_bss:
    zero_range __bss_start, __bss_end
    ret

    .section .bss.stack, "aw", %nobits
    .balign 16
rm_stack:
    .space  RM_STACK_SIZE
    .global rm_stack_top
rm_stack_top:
    .space  RM_EXCEPTION_STACK_SIZE
    .global rm_exception_stack_top
rm_exception_stack_top:
