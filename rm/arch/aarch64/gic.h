// The RM's side of its own virtual GICv3: just enough to take the SPIs its message queues
// raise. The hypervisor emulates the distributor and redistributor at the platform's
// addresses (boot info) and gives the CPU interface in hardware (ICV_* behind ICC_*).
// The RM never unmasks PSTATE.I: it sleeps in WFI, which a pending, enabled interrupt
// ends even while masked, then acknowledges each with IAR and EOIR. Target only.
#pragma once

#include <cstdint>

namespace hyp::rm::gic {

// GICv3 architecture: distributor and redistributor (RD_base frame) register offsets and
// the fields the RM writes.
inline constexpr std::uint64_t gicd_ctlr = 0x0000;
inline constexpr std::uint64_t gicd_isenabler = 0x0100;
inline constexpr std::uint64_t gicd_icfgr = 0x0C00;
inline constexpr std::uint64_t gicd_irouter = 0x6000;
inline constexpr std::uint32_t gicd_ctlr_enable_grp1 = 1u << 1;  // single security state: EnableGrp1
inline constexpr std::uint32_t gicd_ctlr_are = 1u << 4;          // affinity routing (RAO here)
inline constexpr std::uint64_t gicr_waker = 0x0014;
inline constexpr std::uint64_t gicr_sgi_base = 0x10000;  // the second frame: SGI and PPI registers
inline constexpr std::uint64_t gicr_isenabler0 = 0x0100;
inline constexpr std::uint32_t gicr_waker_processor_sleep = 1u << 1;
inline constexpr std::uint32_t icfgr_edge = 2u;  // the upper bit of each interrupt's 2-bit field
inline constexpr std::uint64_t irouter_aff0_cpu0 = 0;  // IRM = 0, affinity 0.0.0.0: the RM's vCPU 0
inline constexpr std::uint32_t intid_spurious_first = 1020;
inline constexpr std::uint64_t icc_sre_sre = 1u << 0;
inline constexpr std::uint64_t icc_pmr_lowest = 0xff;  // every priority passes
inline constexpr std::uint64_t icc_igrpen1_enable = 1u << 0;

inline void write32(std::uint64_t address, std::uint32_t value)
{
    *reinterpret_cast<volatile std::uint32_t*>(address) = value;
}
inline void write64(std::uint64_t address, std::uint64_t value)
{
    *reinterpret_cast<volatile std::uint64_t*>(address) = value;
}
inline std::uint32_t read32(std::uint64_t address) { return *reinterpret_cast<volatile std::uint32_t*>(address); }

// The distributor on with Group 1, the RM's redistributor awake, its CPU interface on.
inline void init(std::uint64_t gicd, std::uint64_t gicr)
{
    write32(gicd + gicd_ctlr, gicd_ctlr_are | gicd_ctlr_enable_grp1);
    write32(gicr + gicr_waker, read32(gicr + gicr_waker) & ~gicr_waker_processor_sleep);
    std::uint64_t sre;
    asm volatile("mrs %0, S3_0_C12_C12_5" : "=r"(sre));  // ICC_SRE_EL1
    asm volatile("msr S3_0_C12_C12_5, %0\n\tisb" : : "r"(sre | icc_sre_sre));
    asm volatile("msr S3_0_C4_C6_0, %0" : : "r"(icc_pmr_lowest));  // ICC_PMR_EL1
    asm volatile("msr S3_0_C12_C12_7, %0\n\tisb" : : "r"(icc_igrpen1_enable) : "memory");  // ICC_IGRPEN1_EL1
}

// One SPI, edge-triggered (message queues and doorbells raise edges), to the RM's vCPU.
inline void enable_spi(std::uint64_t gicd, std::uint32_t intid)
{
    const std::uint64_t cfg = gicd + gicd_icfgr + 4 * (intid / 16);
    write32(cfg, read32(cfg) | (icfgr_edge << (2 * (intid % 16))));
    write64(gicd + gicd_irouter + 8 * std::uint64_t{intid}, irouter_aff0_cpu0);
    write32(gicd + gicd_isenabler + 4 * (intid / 32), 1u << (intid % 32));
}

// One PPI of the RM's vCPU (its redistributor is the first frame: it has one vCPU).
inline void enable_ppi(std::uint64_t gicr, std::uint32_t intid)
{
    write32(gicr + gicr_sgi_base + gicr_isenabler0, 1u << (intid % 32));
}

// Acknowledges the highest-priority pending interrupt and ends it at once (EOImode 0:
// the EOI also deactivates). Returns its INTID, or a spurious one (>= 1020) when none.
inline std::uint32_t take_interrupt()
{
    std::uint64_t iar;
    asm volatile("mrs %0, S3_0_C12_C12_0" : "=r"(iar) : : "memory");  // ICC_IAR1_EL1
    auto intid = static_cast<std::uint32_t>(iar & 0xffffff);
    if (intid < intid_spurious_first) {
        asm volatile("msr S3_0_C12_C12_1, %0\n\tisb" : : "r"(iar) : "memory");  // ICC_EOIR1_EL1
    }
    return intid;
}

}  // namespace hyp::rm::gic
