// The GICv3 virtual CPU interface as EL2 drives it (ICH_*_EL2, Arm IHI 0069 12.4): the
// list registers through which virtual interrupts reach the running vCPU, the control and
// status registers around them, and the per-vCPU state that must be switched with it
// (ICH_VMCR_EL2 and the active-priority registers). What goes into the list registers is
// decided by kernel/virt/vgic; this is only the hardware.
#pragma once

#include <cstdint>

#include "arch/aarch64/vcpu_state.h"

namespace hyp::arch::gic_virt {

inline constexpr unsigned max_list_registers = 16;

// ICH_HCR_EL2.
namespace ich_hcr {
inline constexpr std::uint64_t en = 1u << 0;   // the virtual CPU interface is on
inline constexpr std::uint64_t uie = 1u << 1;  // maintenance interrupt when at most one LR is valid
}  // namespace ich_hcr

// ICH_VTR_EL2.
namespace ich_vtr {
inline constexpr std::uint64_t list_regs_mask = 0x1f;  // number of LRs - 1
inline constexpr unsigned pri_bits_shift = 29;          // priority bits - 1
inline constexpr std::uint64_t pri_bits_mask = 0x7;
}  // namespace ich_vtr

// The state of a vCPU's virtual CPU interface that is not in the list registers.
using CpuInterfaceState = GicCpuInterfaceState;

// How many list registers this CPU has (ICH_VTR_EL2.ListRegs + 1), and how many
// active-priority registers of each group (from PREbits: 5 bits -> 1, 6 -> 2, 7 -> 4).
[[nodiscard]] unsigned list_register_count();
[[nodiscard]] unsigned active_priority_register_count();

[[nodiscard]] std::uint64_t read_lr(unsigned n);
void write_lr(unsigned n, std::uint64_t value);

// ICH_HCR_EL2: `en` while a vCPU with a virtual GIC is loaded, 0 otherwise.
void write_hcr(std::uint64_t value);

void save(CpuInterfaceState& state);
void restore(const CpuInterfaceState& state);

}  // namespace hyp::arch::gic_virt
