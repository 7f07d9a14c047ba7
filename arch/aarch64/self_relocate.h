/*
 * Assembler macros for a static PIE linked at 0 that relocates itself before anything
 * else runs: the hypervisor (arch/aarch64/boot/head.S) and the resource manager
 * (rm/boot/entry.S). For .S files only; plain data, so a program at any EL may use it.
 */
#ifndef HYP_ARCH_AARCH64_SELF_RELOCATE_H
#define HYP_ARCH_AARCH64_SELF_RELOCATE_H

#define R_AARCH64_RELATIVE 1027

/* For each R_AARCH64_RELATIVE entry of [rela_start, rela_end): *(base + offset) = base +
 * addend, where base is where `base_sym` (linked at 0) runs. A static PIE has no other
 * kind; any other entry is skipped. Clobbers x9-x14 and the flags. */
.macro apply_relative_relocations base_sym, rela_start, rela_end
    adrp    x9, \base_sym
    add     x9, x9, :lo12:\base_sym
    adrp    x10, \rela_start
    add     x10, x10, :lo12:\rela_start
    adrp    x11, \rela_end
    add     x11, x11, :lo12:\rela_end
1:  cmp     x10, x11
    b.hs    2f
    ldp     x12, x13, [x10]         /* r_offset, r_info */
    ldr     x14, [x10, #16]         /* r_addend */
    add     x10, x10, #24
    cmp     x13, #R_AARCH64_RELATIVE
    b.ne    1b
    add     x14, x14, x9
    str     x14, [x12, x9]
    b       1b
2:
.endm

/* Zeroes [start, end), both 16-byte aligned. Clobbers x0, x1 and the flags. */
.macro zero_range start, end
    adrp    x0, \start
    add     x0, x0, :lo12:\start
    adrp    x1, \end
    add     x1, x1, :lo12:\end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:
.endm

#endif
