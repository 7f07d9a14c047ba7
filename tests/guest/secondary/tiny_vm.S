// The smallest secondary VM: what the VMM guest (tests/guest/vmm.cpp) lends memory to,
// configures through the RM and runs with vcpu_run. A flat binary, position independent,
// started at EL1 with the MMU off and x0 = its device tree's IPA. With x1 = N (a VMM can
// set it with VM_SET_BOOT_CONTEXT; 0 as the RM starts a vCPU) it first writes N times to
// mmio_base + 0x20, the benchmark's loop. It says hello on its vPL011, then makes the
// accesses the VMM must emulate, in this order (with x2 != 0, set the same way, it skips
// them: a VM the hypervisor schedules has nobody to emulate them):
//   1. write 32 bits 0x1234 to  mmio_base + 0x0
//   2. read 32 bits from       mmio_base + 0x8   (the VMM answers)
//   3. write that answer + 1 to mmio_base + 0x4  (proves the read completed into w6)
//   4. write 32 bits: the DT's first word (its magic) to mmio_base + 0xc
//   5. write 64 bits: x0 as it started to        mmio_base + 0x10
// and powers its VM off with PSCI SYSTEM_OFF. With x3 = N (VM_SET_BOOT_CONTEXT), before
// those it fills its FP/SIMD registers with generation 0 of its values (tiny_vm.h), then N
// times checks that they still hold the last generation, writes the next and reports
// to mmio_base + TINY_VM_REG_FP: a VMM that runs it from one CPU after another sees
// whether its FP/SIMD state followed it.
#include "tiny_vm.h"

    .text
    .global tiny_vm_start
tiny_vm_start:
    mov     x19, x0
    mov     x20, x2
    mov     x21, x3
    movz    x4, #(TINY_VM_MMIO >> 16), lsl #16
    cbz     x1, 0f
4:  str     w1, [x4, #TINY_VM_REG_BENCH]
    subs    x1, x1, #1
    b.ne    4b
0:
    adr     x1, hello
    movz    x2, #(TINY_VM_UART >> 16), lsl #16
1:  ldrb    w3, [x1], #1
    cbz     w3, 2f
    str     w3, [x2]
    b       1b
2:  cbz     x21, 6f                     // (guest_fp_* use x0-x7 and x30 only)
    mrs     x5, cpacr_el1               // CPACR_EL1.FPEN = 0b11: FP/SIMD untrapped at EL1
    orr     x5, x5, #(3 << 20)
    msr     cpacr_el1, x5
    isb
    movz    x23, #(TINY_VM_FP_TAG >> 48), lsl #48
    mov     x22, #0                     // the generation
    mov     x0, x23
    mov     x1, #0                      // FPCR and FPSR stay 0
    mov     x2, #0
    bl      guest_fp_fill
7:  orr     x0, x23, x22, lsl #8
    mov     x1, #0
    mov     x2, #0
    bl      guest_fp_wrong
    mov     x24, x0
    add     x22, x22, #1
    orr     x0, x23, x22, lsl #8
    mov     x1, #0
    mov     x2, #0
    bl      guest_fp_fill
    orr     x5, x24, x22, lsl #8
    movz    x4, #(TINY_VM_MMIO >> 16), lsl #16
    str     x5, [x4, #TINY_VM_REG_FP]
    subs    x21, x21, #1
    b.ne    7b
6:  cbnz    x20, 5f
    movz    w5, #TINY_VM_WRITE_VALUE
    str     w5, [x4, #TINY_VM_REG_WRITE]
    ldr     w6, [x4, #TINY_VM_REG_READ]
    add     w6, w6, #1
    str     w6, [x4, #TINY_VM_REG_ECHO]
    ldr     w7, [x19]
    str     w7, [x4, #TINY_VM_REG_DT_MAGIC]
    str     x19, [x4, #TINY_VM_REG_DT_ADDRESS]
5:  movz    x0, #0x0008
    movk    x0, #0x8400, lsl #16
    hvc     #0
3:  wfi
    b       3b

hello:
    .asciz  "tiny vm: hello\n"
    .balign 4

#include "../common/fp_pattern.S"
