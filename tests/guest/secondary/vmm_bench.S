// The VMM's MMIO benchmark (scripts/bench, tests/initramfs/vmbench): a flat binary the
// VMM (vmm/) loads as a secondary VM's kernel, started at EL1 with the MMU off. It times,
// with the virtual counter, VMM_BENCH_LOOPS reads of
//   1. the PL011 flag register of the VMM's console (0x09100000 + 0x18): each one an
//      MMIO exit the VMM serves through /dev/gunyah's GH_VCPU_RUN (guest access to guest
//      resume: EL2, the primary VM's kernel, the VMM in userspace, and back);
//   2. the same register of the vPL011 the hypervisor gives every VM (0x09000000 +
//      0x18): an MMIO access served at EL2 alone;
//   3. nothing: the loop itself;
// prints the three tick counts in hex on the VMM's console as
//   vmm-bench: loops 0x... vmm-mmio 0x... el2-mmio 0x... empty 0x...
// and powers its VM off (PSCI SYSTEM_OFF). Under QEMU's -icount shift=0 a tick of the
// 62.5 MHz counter is 16 instructions.
#define VMM_BENCH_LOOPS     4096
#define VMM_UART            0x09100000
#define EL2_UART            0x09000000
#define PL011_DR            0x00
#define PL011_FR            0x18
#define PSCI_SYSTEM_OFF     0x84000008

    .text
    .global vmm_bench_start
vmm_bench_start:
    movz    x4, #(VMM_UART >> 16), lsl #16
    movz    x5, #(EL2_UART >> 16), lsl #16

    mov     x6, #VMM_BENCH_LOOPS
    isb
    mrs     x10, cntvct_el0
1:  ldr     w1, [x4, #PL011_FR]
    subs    x6, x6, #1
    b.ne    1b
    isb
    mrs     x11, cntvct_el0

    mov     x6, #VMM_BENCH_LOOPS
2:  ldr     w1, [x5, #PL011_FR]
    subs    x6, x6, #1
    b.ne    2b
    isb
    mrs     x12, cntvct_el0

    mov     x6, #VMM_BENCH_LOOPS
3:  subs    x6, x6, #1
    b.ne    3b
    isb
    mrs     x13, cntvct_el0

    adr     x1, msg_head
    bl      puts
    mov     x0, #VMM_BENCH_LOOPS
    bl      puthex
    adr     x1, msg_vmm
    bl      puts
    sub     x0, x11, x10
    bl      puthex
    adr     x1, msg_el2
    bl      puts
    sub     x0, x12, x11
    bl      puthex
    adr     x1, msg_empty
    bl      puts
    sub     x0, x13, x12
    bl      puthex
    adr     x1, msg_end
    bl      puts

    movz    x0, #(PSCI_SYSTEM_OFF & 0xffff)
    movk    x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
    hvc     #0
4:  wfi
    b       4b

// puts: the NUL-terminated string at x1 to the VMM's console. Clobbers x1, w3.
puts:
    ldrb    w3, [x1], #1
    cbz     w3, 5f
    str     w3, [x4, #PL011_DR]
    b       puts
5:  ret

// puthex: x0 as "0x" and 16 hex digits. Clobbers x0, x2, w3, x7.
puthex:
    mov     w3, #'0'
    str     w3, [x4, #PL011_DR]
    mov     w3, #'x'
    str     w3, [x4, #PL011_DR]
    mov     x7, #60
6:  lsr     x2, x0, x7
    and     x2, x2, #0xf
    cmp     x2, #10
    add     w3, w2, #'0'
    add     w2, w2, #('a' - 10)
    csel    w3, w2, w3, hs
    str     w3, [x4, #PL011_DR]
    subs    x7, x7, #4
    b.ge    6b
    ret

msg_head:   .asciz "vmm-bench: loops "
msg_vmm:    .asciz " vmm-mmio "
msg_el2:    .asciz " el2-mmio "
msg_empty:  .asciz " empty "
msg_end:    .asciz "\n"
