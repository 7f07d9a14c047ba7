/*
 * Assembler macros for a static PIE linked at 0 that relocates itself before anything
 * else runs: the hypervisor (arch/aarch64/boot/head.S) and the resource manager
 * (rm/boot/entry.S). For .S files only; plain data, so a program at any EL may use it.
 *
 * Both are linked with packed relative relocations (ld.lld --pack-dyn-relocs=relr), so
 * their only dynamic relocations are the R_AARCH64_RELATIVE ones in .relr.dyn, with the
 * addend already in place (the link-time address, since the image is linked at 0). The
 * linker scripts fail the link if anything is left in .rela.dyn.
 */
#ifndef HYP_ARCH_AARCH64_SELF_RELOCATE_H
#define HYP_ARCH_AARCH64_SELF_RELOCATE_H

/* Applies the DT_RELR table [relr_start, relr_end): adds the address where `base_sym`
 * (linked at 0) runs to every word it names. The encoding (the generic ELF ABI's, as
 * glibc and Linux read it): an even entry is the offset of a word to relocate, and the
 * next word after it is where the bitmaps continue; an odd entry is a bitmap whose bits
 * 1..63 stand for the 63 words from there on (bit i: the (i-1)th), after which they
 * continue 63 words further. Clobbers x9-x15 and the flags. */
.macro apply_relr_relocations base_sym, relr_start, relr_end
    adrp    x9, \base_sym
    add     x9, x9, :lo12:\base_sym
    adrp    x10, \relr_start
    add     x10, x10, :lo12:\relr_start
    adrp    x11, \relr_end
    add     x11, x11, :lo12:\relr_end
    mov     x13, x9                 /* where the next bitmap starts */
1:  cmp     x10, x11
    b.hs    6f
    ldr     x12, [x10], #8
    tbnz    x12, #0, 3f
    add     x13, x12, x9            /* an address: relocate that word */
    ldr     x14, [x13]
    add     x14, x14, x9
    str     x14, [x13], #8          /* ... and bitmaps continue after it */
    b       1b
3:  mov     x15, x13                /* a bitmap: x15 follows bit 1, 2, ... */
4:  lsr     x12, x12, #1
    cbz     x12, 5f
    tbz     x12, #0, 2f
    ldr     x14, [x15]
    add     x14, x14, x9
    str     x14, [x15]
2:  add     x15, x15, #8
    b       4b
5:  add     x13, x13, #(63 * 8)
    b       1b
6:
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
