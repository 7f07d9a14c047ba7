// GICv3 distributor and redistributor bring-up (see gicv3.h).
#include "platform/drivers/gicv3.h"

#include "kernel/core/config.h"

#include <arch/cpu.h>
#include <arch/sysreg.h>
#include <arch/timer.h>

namespace hyp::platform::gicv3 {
namespace {

// How long the GIC gets to finish a register write or to wake a redistributor.
constexpr std::uint64_t wait_timeout_ms = 100;

constinit GicInfo gic_info;
constinit std::size_t redistributors = 0;
constinit std::uint32_t spi_lines = 0;  // one past the last SPI, from GICD_TYPER

volatile std::uint32_t& reg32(std::uintptr_t address) { return *reinterpret_cast<volatile std::uint32_t*>(address); }
volatile std::uint64_t& reg64(std::uintptr_t address) { return *reinterpret_cast<volatile std::uint64_t*>(address); }

std::uintptr_t gicd() { return static_cast<std::uintptr_t>(gic_info.distributor.base.raw()); }

// Polls until (*address & bits) == 0; false after wait_timeout_ms.
bool wait_clear(std::uintptr_t address, std::uint32_t bits)
{
    std::uint64_t deadline = arch::counter() + arch::counter_frequency() * wait_timeout_ms / 1000;
    while ((reg32(address) & bits) != 0) {
        if (arch::counter() > deadline) {
            return false;
        }
    }
    return true;
}

// GICR_TYPER.Affinity_Value for an MPIDR: Aff3.Aff2.Aff1.Aff0, 8 bits each.
std::uint32_t typer_affinity(std::uint64_t mpidr)
{
    return static_cast<std::uint32_t>(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));
}

std::uint64_t frame_stride(std::uint64_t typer)
{
    if (gic_info.redistributor_stride != 0) {
        return gic_info.redistributor_stride;
    }
    return (typer & gicr_typer_bits::vlpis) != 0 ? gicr_frame_stride_vlpi : gicr_frame_stride;
}

// Calls visit(frame, typer) for every redistributor frame until it returns true;
// returns that frame, or 0.
template <typename Visit>
std::uintptr_t for_each_redistributor(Visit visit)
{
    for (std::size_t r = 0; r < gic_info.redistributor_region_count; ++r) {
        const PhysRange& region = gic_info.redistributor_regions[r];
        std::uintptr_t frame = static_cast<std::uintptr_t>(region.base.raw());
        std::uintptr_t end = frame + region.size;
        while (frame + gicr_frame_stride <= end) {
            std::uint64_t typer = reg64(frame + gicr_typer);
            if (visit(frame, typer)) {
                return frame;
            }
            if ((typer & gicr_typer_bits::last) != 0) {
                break;
            }
            frame += frame_stride(typer);
        }
    }
    return 0;
}

}  // namespace

const char* distributor_init(const GicInfo& gic, std::uint64_t boot_mpidr)
{
    gic_info = gic;
    std::uintptr_t base = gicd();

    reg32(base + gicd_ctlr) = 0;
    if (!wait_clear(base + gicd_ctlr, gicd_ctlr_bits::rwp)) {
        return "GICD_CTLR.RWP stuck after disabling the distributor";
    }

    // SPIs: safe until a driver or a VM claims one.
    std::uint32_t lines = ((reg32(base + gicd_typer) & gicd_typer_bits::it_lines_mask) + 1) * 32;
    if (lines > 1020) {
        lines = 1020;
    }
    spi_lines = lines;
    for (std::uint32_t intid = private_count; intid < lines; intid += 32) {
        reg32(base + gicd_icenabler + intid / 8) = ~0u;
        reg32(base + gicd_icpendr + intid / 8) = ~0u;
        reg32(base + gicd_igroupr + intid / 8) = ~0u;
    }
    // Level-sensitive, but the SPIs the device tree says are edge-triggered: the VMs
    // whose devices they are never configure the physical GIC (kernel/object/hwirq.h).
    for (std::uint32_t intid = private_count; intid < lines; intid += 16) {
        std::uint32_t config = 0;
        for (std::uint32_t i = 0; i < 16; ++i) {
            const std::uint32_t spi = intid + i - private_count;
            if (spi / 32 < sizeof gic.edge_spis / sizeof gic.edge_spis[0] && ((gic.edge_spis[spi / 32] >> (spi % 32)) & 1) != 0) {
                config |= 2u << (2 * i);
            }
        }
        reg32(base + gicd_icfgr + intid / 4) = config;
    }
    constexpr std::uint32_t priority4 = default_priority * 0x01010101u;
    for (std::uint32_t intid = private_count; intid < lines; intid += 4) {
        reg32(base + gicd_ipriorityr + intid) = priority4;
    }
    if (!wait_clear(base + gicd_ctlr, gicd_ctlr_bits::rwp)) {
        return "GICD_CTLR.RWP stuck after disabling the SPIs";
    }

    // Affinity routing first, then (with ARE in effect) the IROUTERs and group 1.
    reg32(base + gicd_ctlr) = gicd_ctlr_bits::are_ns;
    if (!wait_clear(base + gicd_ctlr, gicd_ctlr_bits::rwp)) {
        return "GICD_CTLR.RWP stuck after enabling affinity routing";
    }
    if ((reg32(base + gicd_ctlr) & gicd_ctlr_bits::are_ns) == 0) {
        return "GICD_CTLR.ARE_NS does not stick: affinity routing unavailable";
    }
    std::uint64_t route = boot_mpidr & 0xff00ffffffULL;  // Aff3 39:32, Aff2..Aff0 23:0; IRM = 0
    for (std::uint32_t intid = private_count; intid < lines; ++intid) {
        reg64(base + gicd_irouter + intid * 8) = route;
    }
    reg32(base + gicd_ctlr) = gicd_ctlr_bits::are_ns | gicd_ctlr_bits::enable_grp1a | gicd_ctlr_bits::enable_grp1;
    if (!wait_clear(base + gicd_ctlr, gicd_ctlr_bits::rwp)) {
        return "GICD_CTLR.RWP stuck after enabling group 1";
    }

    redistributors = 0;
    (void)for_each_redistributor([](std::uintptr_t, std::uint64_t) {
        ++redistributors;
        return false;
    });
    if (redistributors == 0) {
        return "no redistributor frames in the redistributor regions";
    }
    return nullptr;
}

// Each CPU's own redistributor frame, by logical CPU index, once it has run
// redistributor_init().
struct LocalRedistributors {
    std::uintptr_t base[HYP_MAX_CPUS];
};
constinit LocalRedistributors local_redistributors{};

std::size_t redistributor_count() { return redistributors; }

const char* redistributor_init(std::uint64_t mpidr, const PrivateIrq* irqs, std::size_t count)
{
    std::uint32_t wanted = typer_affinity(mpidr);
    std::uintptr_t rd = for_each_redistributor([wanted](std::uintptr_t, std::uint64_t typer) {
        return static_cast<std::uint32_t>(typer >> gicr_typer_bits::affinity_shift) == wanted;
    });
    if (rd == 0) {
        return "no redistributor has this CPU's affinity (GICR_TYPER)";
    }

    reg32(rd + gicr_waker) = reg32(rd + gicr_waker) & ~gicr_waker_bits::processor_sleep;
    if (!wait_clear(rd + gicr_waker, gicr_waker_bits::children_asleep)) {
        return "redistributor did not wake (GICR_WAKER.ChildrenAsleep stays set)";
    }

    // Every SGI and PPI off and not pending, all in group 1 at the default priority.
    reg32(rd + gicr_icenabler0) = ~0u;
    reg32(rd + gicr_icpendr0) = ~0u;
    if (!wait_clear(rd + gicr_ctlr, gicr_ctlr_bits::rwp)) {
        return "GICR_CTLR.RWP stuck after disabling SGIs and PPIs";
    }
    reg32(rd + gicr_igroupr0) = ~0u;
    constexpr std::uint32_t priority4 = default_priority * 0x01010101u;
    for (std::uint32_t intid = 0; intid < private_count; intid += 4) {
        reg32(rd + gicr_ipriorityr + intid) = priority4;
    }

    std::uint32_t enable = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (irqs[i].intid >= private_count) {
            return "a private interrupt with an INTID above 31";
        }
        *reinterpret_cast<volatile std::uint8_t*>(rd + gicr_ipriorityr + irqs[i].intid) = irqs[i].priority;
        enable |= 1u << irqs[i].intid;
    }
    arch::dsb_sy();
    reg32(rd + gicr_isenabler0) = enable;
    local_redistributors.base[arch::current_cpu_index()] = rd;
    return nullptr;
}

void enable_spi(std::uint32_t intid, std::uint8_t priority)
{
    if (intid < private_count || intid >= 1020) {
        return;
    }
    *reinterpret_cast<volatile std::uint8_t*>(gicd() + gicd_ipriorityr + intid) = priority;
    arch::dsb_sy();
    reg32(gicd() + gicd_isenabler + (intid / 32) * 4) = 1u << (intid % 32);
}

void disable_spi(std::uint32_t intid)
{
    if (intid < private_count || intid >= 1020) {
        return;
    }
    reg32(gicd() + gicd_icenabler + (intid / 32) * 4) = 1u << (intid % 32);
    (void)wait_clear(gicd() + gicd_ctlr, gicd_ctlr_bits::rwp);
}

std::uint32_t spi_end() { return spi_lines; }

void enable_private(std::uint32_t intid, bool enabled)
{
    std::uintptr_t rd = local_redistributors.base[arch::current_cpu_index()];
    if (rd == 0 || intid >= private_count) {
        return;
    }
    reg32(rd + (enabled ? gicr_isenabler0 : gicr_icenabler0)) = 1u << intid;
}

}  // namespace hyp::platform::gicv3
