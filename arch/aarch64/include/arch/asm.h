/* Assembler helpers shared by the .S files of arch/aarch64. */
#ifndef HYP_ARCH_ASM_H
#define HYP_ARCH_ASM_H

/* Position-independent address of a symbol (+-4 GiB), usable before relocation. */
.macro adr_l reg, sym
    adrp \reg, \sym
    add  \reg, \reg, :lo12:\sym
.endm

#define ENTRY(name) .global name; .type name, %function; name:
#define END(name) .size name, . - name

#endif
