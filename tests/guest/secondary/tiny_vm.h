/* The tiny secondary VM's contract with the VMM guest (tiny_vm.S, tiny_vm.dts,
 * ../vmm.cpp): where it lives in its IPA space and the MMIO accesses it makes. Included
 * by assembly and C++ alike. */
#ifndef TESTS_GUEST_SECONDARY_TINY_VM_H
#define TESTS_GUEST_SECONDARY_TINY_VM_H

/* Its RAM (the parcel the VMM lends), as tiny_vm.dts says: base and size. */
#define TINY_VM_RAM_BASE        0x80000000
#define TINY_VM_RAM_SIZE        0x200000
/* Where the VMM puts the image and the DT in that RAM, and the room the DT may grow to
 * (the RM adds its /hypervisor node). */
#define TINY_VM_IMAGE_OFFSET    0x0
#define TINY_VM_DT_OFFSET       0x10000
#define TINY_VM_DT_SIZE         0x10000
/* QEMU virt's PL011, which the hypervisor emulates for every VM. */
#define TINY_VM_UART            0x09000000
/* Nothing is here in the VM: QEMU virt's virtio-mmio window, which a VMM would emulate. */
#define TINY_VM_MMIO            0x0a000000
#define TINY_VM_REG_WRITE       0x0
#define TINY_VM_REG_ECHO        0x4
#define TINY_VM_REG_READ        0x8
#define TINY_VM_REG_DT_MAGIC    0xc
#define TINY_VM_REG_DT_ADDRESS  0x10
#define TINY_VM_REG_BENCH       0x20
/* The peer guest (../peer.cpp) in the same 2 MiB: its Image (BSS and stacks included, about
 * 600 KiB) from the bottom, its DT in the top 64 KiB. It writes the number of doorbell
 * rings it has taken here. */
#define PEER_VM_DT_OFFSET       0x1f0000
#define PEER_VM_DT_SIZE         0x10000
#define PEER_VM_REG_RINGS       0x24
/* With x3 = N: after each of N checks of its FP/SIMD registers, (generation << 8) | the
 * number of registers found wrong, 64 bits. */
#define TINY_VM_REG_FP          0x28
/* Its FP/SIMD values in generation g: V<r> = {base + r, ~(base + r)}, base = this | g << 8. */
#define TINY_VM_FP_TAG          0x7f5a000000000000
#define TINY_VM_WRITE_VALUE     0x1234

#endif
