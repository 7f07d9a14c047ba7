// GICv3 distributor and redistributors: the memory-mapped half of the interrupt
// controller, as the hypervisor uses it for its own interrupts (the EL2 physical timer
// PPI and SGIs between CPUs). The CPU interface is reached through system registers
// (arch/gic_cpu.h). Register offsets and fields: Arm GICv3/v4 architecture
// specification (IHI 0069), chapter 12.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/platform_info.h"

namespace hyp::platform::gicv3 {

// Distributor (GICD_*), offsets from GicInfo.distributor.
inline constexpr std::uintptr_t gicd_ctlr = 0x0000;
inline constexpr std::uintptr_t gicd_typer = 0x0004;
inline constexpr std::uintptr_t gicd_igroupr = 0x0080;     // one bit per INTID
inline constexpr std::uintptr_t gicd_isenabler = 0x0100;   // one bit per INTID
inline constexpr std::uintptr_t gicd_icenabler = 0x0180;   // one bit per INTID
inline constexpr std::uintptr_t gicd_icpendr = 0x0280;     // one bit per INTID
inline constexpr std::uintptr_t gicd_ipriorityr = 0x0400;  // one byte per INTID
inline constexpr std::uintptr_t gicd_icfgr = 0x0c00;       // two bits per INTID
inline constexpr std::uintptr_t gicd_irouter = 0x6000;     // 64 bits per INTID (SPIs only)

// GICD_CTLR as seen by Non-secure software; with a single security state (DS = 1,
// QEMU without secure=on) bit 0 is EnableGrp0 and bit 1 EnableGrp1, and writing both
// works in either view.
namespace gicd_ctlr_bits {
inline constexpr std::uint32_t enable_grp1 = 1u << 0;   // EnableGrp1 (NS view) / EnableGrp0 (DS)
inline constexpr std::uint32_t enable_grp1a = 1u << 1;  // EnableGrp1A (NS view) / EnableGrp1 (DS)
inline constexpr std::uint32_t are_ns = 1u << 4;        // affinity routing (ARE_NS, or ARE with DS)
inline constexpr std::uint32_t ds = 1u << 6;            // single security state
inline constexpr std::uint32_t rwp = 1u << 31;          // register write pending
}  // namespace gicd_ctlr_bits

namespace gicd_typer_bits {
inline constexpr std::uint32_t it_lines_mask = 0x1f;  // (ITLinesNumber + 1) * 32 INTIDs
}  // namespace gicd_typer_bits

// Redistributor RD_base frame (GICR_*), offsets from the frame.
inline constexpr std::uintptr_t gicr_ctlr = 0x0000;
inline constexpr std::uintptr_t gicr_typer = 0x0008;  // 64-bit
inline constexpr std::uintptr_t gicr_waker = 0x0014;
// The SGI_base frame follows the RD_base frame.
inline constexpr std::uintptr_t gicr_sgi_base = 0x10000;
inline constexpr std::uintptr_t gicr_igroupr0 = gicr_sgi_base + 0x0080;
inline constexpr std::uintptr_t gicr_isenabler0 = gicr_sgi_base + 0x0100;
inline constexpr std::uintptr_t gicr_icenabler0 = gicr_sgi_base + 0x0180;
inline constexpr std::uintptr_t gicr_icpendr0 = gicr_sgi_base + 0x0280;
inline constexpr std::uintptr_t gicr_ipriorityr = gicr_sgi_base + 0x0400;  // one byte per INTID 0-31
inline constexpr std::uintptr_t gicr_icfgr1 = gicr_sgi_base + 0x0c04;     // PPIs 16-31

// A redistributor is two 64 KiB frames (RD_base, SGI_base); GICv4 adds two for vLPIs.
inline constexpr std::uint64_t gicr_frame_stride = 0x20000;
inline constexpr std::uint64_t gicr_frame_stride_vlpi = 0x40000;

namespace gicr_ctlr_bits {
inline constexpr std::uint32_t rwp = 1u << 3;  // register write pending
}  // namespace gicr_ctlr_bits

namespace gicr_typer_bits {
inline constexpr std::uint64_t vlpis = 1ull << 1;  // virtual LPIs: four frames per redistributor
inline constexpr std::uint64_t last = 1ull << 4;   // last redistributor of its region
inline constexpr unsigned affinity_shift = 32;     // Aff3.Aff2.Aff1.Aff0 in bits 63:32
}  // namespace gicr_typer_bits

namespace gicr_waker_bits {
inline constexpr std::uint32_t processor_sleep = 1u << 1;
inline constexpr std::uint32_t children_asleep = 1u << 2;
}  // namespace gicr_waker_bits

inline constexpr std::uint32_t sgi_count = 16;   // INTIDs 0-15
inline constexpr std::uint32_t private_count = 32;  // SGIs and PPIs: INTIDs 0-31
inline constexpr std::uint8_t default_priority = 0xa0;

// Distributor bring-up, once, on the boot CPU: disabled, affinity routing on, every SPI
// disabled, not pending, group 1, level-triggered, default priority and routed to the
// boot CPU (`boot_mpidr`), then group 1 enabled. Also counts the redistributors.
// Returns nullptr, or what went wrong.
[[nodiscard]] const char* distributor_init(const GicInfo& gic, std::uint64_t boot_mpidr);

// The redistributor frames found in every region by distributor_init().
[[nodiscard]] std::size_t redistributor_count();

// A private interrupt (SGI or PPI) this CPU's redistributor is to deliver.
struct PrivateIrq {
    std::uint32_t intid;
    std::uint8_t priority;
};

// This CPU's redistributor: found by MPIDR affinity, woken, every SGI/PPI disabled and
// put in group 1, then `irqs` enabled with their priorities. Returns nullptr, or what
// went wrong.
[[nodiscard]] const char* redistributor_init(std::uint64_t mpidr, const PrivateIrq* irqs, std::size_t count);

// Enables SPI `intid` at `priority` (routed to the boot CPU, as distributor_init() left it).
void enable_spi(std::uint32_t intid, std::uint8_t priority);
// Disables SPI `intid`; once this returns, the distributor forwards it no more (RWP).
// A level interrupt whose line stays high, or an edge that arrives meanwhile, is
// pending still, and is delivered when enabled again.
void disable_spi(std::uint32_t intid);
// One past the last SPI the distributor implements (GICD_TYPER.ITLinesNumber, at most 1020).
[[nodiscard]] std::uint32_t spi_end();

// Enables or disables one SGI or PPI in this CPU's redistributor (redistributor_init()
// must have run on this CPU).
void enable_private(std::uint32_t intid, bool enabled);

}  // namespace hyp::platform::gicv3
