/*
 * A test guest's first instructions: the arm64 Image header, the boot vCPU's entry, the
 * CPU_ON entries of secondary vCPUs, the per-vCPU stacks and the EL1 vector table.
 *
 * The boot vCPU arrives at the first byte at EL1h, MMU and caches off, DAIF masked,
 * x0 = the device tree's IPA (Documentation/arch/arm64/booting.rst), wherever the loader
 * put the image. The image is linked at 0 as a static PIE and applies its own
 * R_AARCH64_RELATIVE relocations before anything reads a pointer from data, so it runs
 * at any 2 MiB-aligned base (a resource manager picks one; bare QEMU uses RAM + 2 MiB).
 * Until then only PC-relative addressing (adrp/add, adr) is used.
 */

#define R_AARCH64_RELATIVE 1027
#define GUEST_MAX_VCPUS 64          /* guest::max_vcpus */
#define GUEST_STACK_SIZE 8192
#define FRAME_SIZE 288              /* sizeof(guest::ExceptionFrame) */

/* Position-independent address of a symbol (+-4 GiB). */
.macro adr_l reg, sym
    adrp    \reg, \sym
    add     \reg, \reg, :lo12:\sym
.endm

    .section .text.head, "ax"
    .global _start
    .type _start, %function
_start:
    /* Image header. */
    b       primary_entry           /* code0 */
    .long   0                       /* code1 */
    .quad   0                       /* text_offset: at the 2 MiB-aligned base itself */
    .quad   __image_size            /* image_size, BSS and stacks included */
    .quad   0xa                     /* flags: little-endian, 4 KiB pages, anywhere in RAM */
    .quad   0, 0, 0                 /* res2..res4 */
    .ascii  "ARM\x64"               /* magic */
    .long   0                       /* res5 */
    .size _start, . - _start

    .text
primary_entry:
    /* What the loader handed over, before anything changes it (guest::boot_state()). */
    mov     x19, x0                 /* the DT */
    mov     x20, x1
    mov     x21, x2
    mov     x22, x3
    mrs     x23, daif
    mrs     x24, sctlr_el1
    mrs     x25, CurrentEL
    mrs     x26, SPSel
    msr     daifset, #0xf
    bl      apply_relocations
    cbnz    x0, 1f
    bl      clear_bss
    adr_l   x9, guest_boot_state
    stp     x19, x20, [x9, #0]
    stp     x21, x22, [x9, #16]
    stp     x23, x24, [x9, #32]
    stp     x25, x26, [x9, #48]
    bl      setup_cpu               /* sp and VBAR_EL1 for this vCPU */
    mov     x0, x19
    bl      guest_primary_main      /* does not return */
    b       guest_park_here
1:  mov     x19, x0                 /* the offending relocation type */
    bl      setup_cpu
    mov     x0, x19
    bl      guest_bad_relocation    /* does not return */
    b       guest_park_here

/*
 * CPU_ON entry points: x0 = the context id given to CPU_ON. Two of them, so a test can
 * tell which entry point the vCPU really started at; DAIF is read before anything
 * changes it, to see what the vCPU arrived with.
 */
    .global guest_secondary_entry
    .type guest_secondary_entry, %function
guest_secondary_entry:
    mrs     x21, daif
    mov     x20, #0
    b       secondary_common
    .size guest_secondary_entry, . - guest_secondary_entry

    .global guest_secondary_entry_alt
    .type guest_secondary_entry_alt, %function
guest_secondary_entry_alt:
    mrs     x21, daif
    mov     x20, #1
    b       secondary_common
    .size guest_secondary_entry_alt, . - guest_secondary_entry_alt

secondary_common:
    msr     daifset, #0xf
    mov     x19, x0
    bl      setup_cpu
    mov     x0, x19                 /* context */
    mov     x1, x20                 /* entry id */
    mov     x2, x21                 /* DAIF on arrival */
    bl      guest_secondary_main    /* does not return */
    b       guest_park_here

/*
 * sp = the top of this vCPU's stack (index from MPIDR: Aff0 + 16 * Aff1, the VM's
 * convention, hyp_api/vcpu_mpidr.h), VBAR_EL1 = guest_vectors. A vCPU with no stack
 * slot parks. Uses x9..x13 only (no stack yet).
 */
setup_cpu:
    mrs     x9, mpidr_el1
    and     x10, x9, #0xff          /* Aff0 */
    ubfx    x11, x9, #8, #8         /* Aff1 */
    ubfx    x12, x9, #16, #8        /* Aff2 */
    ubfx    x13, x9, #32, #8        /* Aff3 */
    orr     x12, x12, x13
    cbnz    x12, guest_park_here
    cmp     x10, #16
    b.hs    guest_park_here
    add     x10, x10, x11, lsl #4   /* the vCPU index */
    cmp     x10, #GUEST_MAX_VCPUS
    b.hs    guest_park_here
    add     x10, x10, #1
    mov     x11, #GUEST_STACK_SIZE
    adr_l   x9, guest_stacks
    madd    x9, x10, x11, x9
    mov     sp, x9
    adr_l   x9, guest_vectors
    msr     vbar_el1, x9
    isb
    ret

/* A vCPU with nowhere to go waits here for good (no stack needed). */
guest_park_here:
1:  wfi
    b       1b

/* Rebase the image: for each RELATIVE entry, *(base + offset) = base + addend.
 * Returns x0 = 0, or the type of the first relocation it cannot apply. */
apply_relocations:
    adr_l   x9, _start              /* where we run; linked at 0 */
    adr_l   x10, __rela_start
    adr_l   x11, __rela_end
1:  cmp     x10, x11
    b.hs    2f
    ldp     x12, x13, [x10]         /* r_offset, r_info */
    ldr     x14, [x10, #16]         /* r_addend */
    add     x10, x10, #24
    and     x15, x13, #0xffffffff   /* ELF64_R_TYPE */
    cmp     x15, #R_AARCH64_RELATIVE
    b.ne    3f
    add     x14, x14, x9
    str     x14, [x12, x9]
    b       1b
2:  mov     x0, #0
    ret
3:  mov     x0, x15
    ret

/* Zero BSS, 16 bytes at a time (aligned: Device memory faults on unaligned stores). */
clear_bss:
    adr_l   x9, __bss_start
    adr_l   x10, __bss_end
1:  cmp     x9, x10
    b.hs    2f
    stp     xzr, xzr, [x9], #16
    b       1b
2:  ret

/*
 * The EL1 vector table: every entry saves x0..x30, ELR, SPSR, ESR and FAR in a
 * guest::ExceptionFrame on the current stack and calls guest_exception(frame, index).
 * ELR and SPSR are restored from the frame, so a handler can move ELR on.
 */
.macro vector_entry index
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\index
    b       exception_common
.endm

    .section .text.vectors, "ax"
    .balign 2048
    .global guest_vectors
guest_vectors:
    vector_entry 0
    vector_entry 1
    vector_entry 2
    vector_entry 3
    vector_entry 4
    vector_entry 5
    vector_entry 6
    vector_entry 7
    vector_entry 8
    vector_entry 9
    vector_entry 10
    vector_entry 11
    vector_entry 12
    vector_entry 13
    vector_entry 14
    vector_entry 15

exception_common:
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
    mrs     x1, elr_el1
    stp     x30, x1, [sp, #240]
    mrs     x1, spsr_el1
    mrs     x2, esr_el1
    stp     x1, x2, [sp, #256]
    mrs     x1, far_el1
    str     x1, [sp, #272]
    mov     x1, x0                  /* vector index */
    mov     x0, sp                  /* the frame */
    bl      guest_exception
    ldp     x30, x1, [sp, #240]
    msr     elr_el1, x1
    ldr     x1, [sp, #256]
    msr     spsr_el1, x1
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #FRAME_SIZE
    eret

/* One stack per vCPU index; stack i is [guest_stacks + i * size, + size). */
    .section .bss.stacks, "aw", %nobits
    .balign 16
guest_stacks:
    .space  GUEST_MAX_VCPUS * GUEST_STACK_SIZE

    .section .note.GNU-stack, "", %progbits
