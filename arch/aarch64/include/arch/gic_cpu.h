// The GICv3 CPU interface of this CPU, through its system registers (ICC_*): enable,
// acknowledge, end of interrupt, and SGI generation. Arm GICv3/v4 architecture
// specification (IHI 0069), chapter 12.2 (AArch64 System register descriptions).
#pragma once

#include <cstdint>

namespace hyp::arch::gic_cpu {

// ICC_SRE_EL2.
namespace icc_sre_el2 {
inline constexpr std::uint64_t sre = 1u << 0;     // system register interface at EL2
inline constexpr std::uint64_t dfb = 1u << 1;     // disable FIQ bypass
inline constexpr std::uint64_t dib = 1u << 2;     // disable IRQ bypass
inline constexpr std::uint64_t enable = 1u << 3;  // EL1 may use ICC_SRE_EL1 (system registers)
}  // namespace icc_sre_el2

// ICC_CTLR_EL1.
namespace icc_ctlr {
inline constexpr std::uint64_t cbpr = 1u << 0;      // common binary point
inline constexpr std::uint64_t eoimode = 1u << 1;   // 1: EOIR only drops priority (we use 0)
inline constexpr unsigned pribits_shift = 8;         // priority bits implemented - 1
inline constexpr std::uint64_t pribits_mask = 0x7;
inline constexpr std::uint64_t rss = 1u << 18;      // SGI targets with Aff0 16-255 supported
}  // namespace icc_ctlr

// ICC_IGRPEN1_EL1.
namespace icc_igrpen1 {
inline constexpr std::uint64_t enable = 1u << 0;
}  // namespace icc_igrpen1

// ICC_IAR1_EL1 / ICC_EOIR1_EL1: the INTID (24 bits) of the interrupt.
namespace icc_iar {
inline constexpr std::uint64_t intid_mask = 0xffffff;
inline constexpr std::uint32_t spurious_first = 1020;  // 1020-1023: nothing to acknowledge
inline constexpr std::uint32_t spurious_last = 1023;
}  // namespace icc_iar

// ICC_SGI1R_EL1.
namespace icc_sgi1r {
inline constexpr std::uint64_t target_list_mask = 0xffff;  // bit n: Aff0 = RS * 16 + n
inline constexpr unsigned aff1_shift = 16;
inline constexpr unsigned intid_shift = 24;
inline constexpr std::uint64_t intid_mask = 0xf;
inline constexpr unsigned aff2_shift = 32;
inline constexpr std::uint64_t irm = 1ull << 40;  // to every PE but this one; targets ignored
inline constexpr unsigned rs_shift = 44;           // range selector: Aff0 / 16
inline constexpr std::uint64_t rs_mask = 0xf;
inline constexpr unsigned aff3_shift = 48;
}  // namespace icc_sgi1r

// Priority mask: everything with a priority value below this is signalled.
inline constexpr std::uint8_t priority_mask_all = 0xf0;

// Turns the system-register interface on (also for EL1), unmasks priorities, binary
// point 0, EOImode 0, group 1 on. False when the interface cannot be used through
// system registers (ICC_SRE_EL2.SRE does not stick).
[[nodiscard]] bool init();

// Acknowledges the highest-priority pending group-1 interrupt: its INTID, or 1020-1023.
[[nodiscard]] std::uint32_t acknowledge();

// Priority drop and deactivation (EOImode 0) of an acknowledged INTID.
void end_of_interrupt(std::uint32_t intid);

// The ICC_SGI1R_EL1 value that sends SGI `sgi` to the CPU with affinity `mpidr`.
[[nodiscard]] constexpr std::uint64_t sgi1r_for(std::uint32_t sgi, std::uint64_t mpidr)
{
    std::uint64_t aff0 = mpidr & 0xff;
    std::uint64_t aff1 = (mpidr >> 8) & 0xff;
    std::uint64_t aff2 = (mpidr >> 16) & 0xff;
    std::uint64_t aff3 = (mpidr >> 32) & 0xff;
    return (std::uint64_t{1} << (aff0 % 16)) | aff1 << icc_sgi1r::aff1_shift |
           (sgi & icc_sgi1r::intid_mask) << icc_sgi1r::intid_shift | aff2 << icc_sgi1r::aff2_shift |
           ((aff0 / 16) & icc_sgi1r::rs_mask) << icc_sgi1r::rs_shift | aff3 << icc_sgi1r::aff3_shift;
}

// Sends SGI `sgi` (0-15) to the CPU with affinity `mpidr` (may be this CPU). Memory
// writes before the call are visible to the target's handler.
void send_sgi(std::uint32_t sgi, std::uint64_t mpidr);

// Sends SGI `sgi` to every CPU but this one (IRM).
void send_sgi_to_others(std::uint32_t sgi);

}  // namespace hyp::arch::gic_cpu
