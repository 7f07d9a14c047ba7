// The EL2 physical timer (CNTHP_*_EL2): the hypervisor's own per-CPU deadline timer,
// for time slices and timer events. It raises the PPI the device tree names as the
// "hypervisor timer" (TimerInfo::hyp_phys_intid: 26 on QEMU virt). Deadlines are
// absolute values of the physical counter (arch::counter()). EL1's access to the
// physical counter and timer (CNTHCTL_EL2.EL1PCTEN/EL1PCEN) is the vCPU code's business.
#pragma once

#include <cstdint>

namespace hyp::arch::el2_timer {

// CNTHP_CTL_EL2.
namespace cnthp_ctl {
inline constexpr std::uint64_t enable = 1u << 0;
inline constexpr std::uint64_t imask = 1u << 1;    // condition met but no interrupt
inline constexpr std::uint64_t istatus = 1u << 2;  // read-only: the deadline has passed
}  // namespace cnthp_ctl

// Fires (level, while enabled and unmasked) once the counter reaches `deadline`.
void arm(std::uint64_t deadline);

// Disabled: no interrupt, the PPI's level drops.
void stop();

// The programmed deadline (CNTHP_CVAL_EL2).
[[nodiscard]] std::uint64_t deadline();

// CNTHP_CTL_EL2 as it reads now (enable, imask, istatus).
[[nodiscard]] std::uint64_t control();

}  // namespace hyp::arch::el2_timer
