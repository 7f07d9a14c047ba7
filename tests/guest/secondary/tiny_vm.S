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
// and powers its VM off with PSCI SYSTEM_OFF.
#include "tiny_vm.h"

    .text
    .global tiny_vm_start
tiny_vm_start:
    mov     x19, x0
    mov     x20, x2
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
2:  cbnz    x20, 5f
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
