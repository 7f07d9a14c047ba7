// The secondary VM's fixed devices: what the VMM emulates and where, shared by the DT
// builder, which tells the guest, and the vCPU loop, which answers its accesses.
#pragma once

#include <cstdint>

namespace vmm {

// The console, a PL011 1 MiB above QEMU virt's UART. Not at the UART's own address
// (0x09000000) nor on its SPI 1: the hypervisor gives every VM a vPL011 of its own
// there, printing to the hypervisor's console (kernel/virt/vm_devices.h), and that one
// cannot take input. Inside the RM's virtual-MMIO window [0, 1 GiB), so its accesses
// exit to the VMM.
inline constexpr std::uint64_t console_base = 0x09100000;
inline constexpr std::uint64_t console_size = 0x1000;
// Its interrupt: SPI 2 (INTID 34), edge rising, raised by the console-rx doorbell.
inline constexpr std::uint32_t console_spi = 2;
inline constexpr std::uint32_t gic_first_spi_intid = 32;
inline constexpr std::uint32_t console_intid = gic_first_spi_intid + console_spi;
// The doorbell's label: the VMM's irqfd names it (gh_fn_irqfd_arg.label).
inline constexpr std::uint32_t console_doorbell_label = 1;
// The PL011's reference clock, as QEMU virt's apb-pclk.
inline constexpr std::uint32_t console_clock_hz = 24000000;

}  // namespace vmm
