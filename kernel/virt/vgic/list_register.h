// The layout of a GICv3 list register, ICH_LR<n>_EL2 (Arm IHI 0069H, 12.4.6), as the
// vGIC builds and reads them. The arch glue copies these values to and from the hardware
// unchanged; nothing here touches a register.
#pragma once

#include <cstdint>

namespace hyp::virt::lr {

// vINTID [31:0]: the virtual INTID the guest sees (an SGI, PPI or SPI; no LPIs here).
inline constexpr unsigned vintid_shift = 0;
inline constexpr std::uint64_t vintid_mask = 0xffffffffull;
// pINTID [44:32], with HW = 1 only: the physical INTID deactivated with the virtual one.
// The vGIC never sets HW, so it never fills this field.
inline constexpr unsigned pintid_shift = 32;
inline constexpr std::uint64_t pintid_mask = 0x1fffull << pintid_shift;
// EOI [41], with HW = 0 only: a maintenance interrupt when the guest deactivates this
// interrupt. Set for level-sensitive interrupts so the line is resampled at once.
inline constexpr std::uint64_t eoi = 1ull << 41;
// Priority [55:48]: the interrupt's priority as the guest set it (5 bits implemented,
// the low 3 bits are always zero here).
inline constexpr unsigned priority_shift = 48;
inline constexpr std::uint64_t priority_mask = 0xffull << priority_shift;
// NMI [59] (FEAT_GICv3_NMI): never set; guests are not offered NMIs.
inline constexpr std::uint64_t nmi = 1ull << 59;
// Group [60]: 1 = Group 1 (a virtual IRQ), 0 = Group 0 (a virtual FIQ).
inline constexpr std::uint64_t group1 = 1ull << 60;
// HW [61]: linked to a physical interrupt. Never set by the vGIC.
inline constexpr std::uint64_t hw = 1ull << 61;
// State [63:62].
inline constexpr unsigned state_shift = 62;
inline constexpr std::uint64_t state_mask = 3ull << state_shift;
inline constexpr std::uint64_t state_invalid = 0ull << state_shift;
inline constexpr std::uint64_t state_pending = 1ull << state_shift;
inline constexpr std::uint64_t state_active = 2ull << state_shift;
inline constexpr std::uint64_t state_pending_active = 3ull << state_shift;

// The bits a list register written by the vGIC may have set (everything else is zero).
inline constexpr std::uint64_t written_bits = vintid_mask | eoi | priority_mask | group1 | state_mask;

[[nodiscard]] constexpr std::uint32_t vintid(std::uint64_t value)
{
    return static_cast<std::uint32_t>((value & vintid_mask) >> vintid_shift);
}
[[nodiscard]] constexpr std::uint8_t priority(std::uint64_t value)
{
    return static_cast<std::uint8_t>((value & priority_mask) >> priority_shift);
}
[[nodiscard]] constexpr bool is_pending(std::uint64_t value) { return (value & state_pending) != 0; }
[[nodiscard]] constexpr bool is_active(std::uint64_t value) { return (value & state_active) != 0; }
[[nodiscard]] constexpr bool is_valid(std::uint64_t value) { return (value & state_mask) != 0; }

// A list register for a software (HW = 0) interrupt. `state` is one of state_*.
[[nodiscard]] constexpr std::uint64_t make(std::uint32_t intid, std::uint8_t prio, bool group_1, std::uint64_t state,
                                           bool eoi_maintenance)
{
    return (std::uint64_t{intid} << vintid_shift) | (std::uint64_t{prio} << priority_shift) |
           (group_1 ? group1 : 0) | (state & state_mask) | (eoi_maintenance ? eoi : 0);
}

static_assert(make(27, 0xa0, true, state_pending, true) == 0x50a002000000001bull);
static_assert(vintid(make(1019, 0, false, state_active, false)) == 1019);
static_assert(priority(make(40, 0xf8, true, state_pending, false)) == 0xf8);

}  // namespace hyp::virt::lr
