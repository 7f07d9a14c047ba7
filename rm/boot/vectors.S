/*
 * The resource manager's EL1 exception vectors. The RM expects no exception at all (it
 * runs with DAIF masked and sleeps in WFI on its virtual timer), so every vector reports
 * and powers off: rm_exception(vector, ESR, FAR, ELR, SPSR) prints them and calls PSCI
 * SYSTEM_OFF. It runs on its own small stack, so a stack overflow still gets reported.
 *
 * rm_early_vectors serve until the image is relocated and BSS zeroed, when C++ cannot
 * run yet: they power off at once.
 */
#include "rm/boot/entry_layout.h"

.macro adr_l reg, sym
    adrp    \reg, \sym
    add     \reg, \reg, :lo12:\sym
.endm

    .section .text.vectors, "ax"
    .balign 2048
    .global rm_vectors
rm_vectors:
    .irp vector, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 128
    mov     x0, #\vector
    b       rm_exception_entry
    .endr

rm_exception_entry:
    mrs     x1, esr_el1
    mrs     x2, far_el1
    mrs     x3, elr_el1
    mrs     x4, spsr_el1
    adr_l   x5, rm_exception_stack_top
    mov     sp, x5
    bl      rm_exception            /* does not return */
    b       rm_power_off

    .balign 2048
    .global rm_early_vectors
rm_early_vectors:
    .irp vector, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 128
    b       rm_power_off
    .endr
