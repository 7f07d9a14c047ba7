// Shared helpers for the vGIC tests: a notification recorder that checks notifications are
// deduplicated, a vGIC on the heap with MMIO helpers for its distributor and redistributors,
// and a guest's view of its list registers (acknowledge, deactivate) for fold().
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "kernel/virt/vgic/gicv3_regs.h"
#include "kernel/virt/vgic/list_register.h"
#include "kernel/virt/vgic/vgic.h"

namespace vgic_test {

namespace g = hyp::virt::gicv3;
namespace lr = hyp::virt::lr;
using hyp::virt::Vgic;

inline constexpr std::uint64_t dist_base = 0x08000000;
inline constexpr std::uint64_t redist_base = 0x080a0000;

// Records notifications. `told` mirrors the vGIC's dedupe rule: a vCPU is told at most once
// between its flushes (or false has_deliverable answers); a second call is a storm.
class Recorder final : public hyp::virt::VgicNotify {
public:
    std::vector<unsigned> calls;
    std::uint64_t told = 0;
    bool storm = false;

    void interrupt_pending(unsigned vcpu) override
    {
        if ((told & (std::uint64_t{1} << vcpu)) != 0) {
            storm = true;
        }
        told |= std::uint64_t{1} << vcpu;
        calls.push_back(vcpu);
    }
    [[nodiscard]] unsigned count(unsigned vcpu) const
    {
        unsigned n = 0;
        for (unsigned c : calls) {
            n += c == vcpu ? 1 : 0;
        }
        return n;
    }
    void rearm(unsigned vcpu)
    {
        if (vcpu < 64) {
            told &= ~(std::uint64_t{1} << vcpu);
        }
    }
    void clear() { calls.clear(); }
};

struct Gic {
    Recorder rec;
    std::unique_ptr<Vgic> vgic = std::make_unique<Vgic>();
    unsigned vcpus;
    unsigned spis;

    explicit Gic(unsigned vcpu_count = 4, unsigned spi_count = 64) : vcpus{vcpu_count}, spis{spi_count}
    {
        REQUIRE(vgic->init(config(), rec).ok());
    }

    [[nodiscard]] hyp::virt::VgicConfig config() const
    {
        hyp::virt::VgicConfig c;
        c.vcpu_count = vcpus;
        c.spi_count = spis;
        c.distributor = hyp::IpaRange{hyp::Ipa{dist_base}, g::distributor_size};
        c.redistributor_base = hyp::Ipa{redist_base};
        return c;
    }

    std::uint64_t dread(std::uint32_t offset, unsigned size = 4)
    {
        std::uint64_t v = 0xdeadbeefdeadbeef;
        REQUIRE(vgic->distributor().mmio_read(offset, size, v) == hyp::virt::MmioResult::done);
        return v;
    }
    void dwrite(std::uint32_t offset, std::uint64_t value, unsigned size = 4)
    {
        REQUIRE(vgic->distributor().mmio_write(offset, size, value) == hyp::virt::MmioResult::done);
    }
    // RD_base (sgi = false) or SGI_base (sgi = true) frame of vCPU `vcpu`.
    static std::uint64_t roff(unsigned vcpu, bool sgi, std::uint32_t offset)
    {
        return std::uint64_t{vcpu} * g::redistributor_stride + (sgi ? g::sgi_frame : 0) + offset;
    }
    std::uint64_t rread(unsigned vcpu, bool sgi, std::uint32_t offset, unsigned size = 4)
    {
        std::uint64_t v = 0xdeadbeefdeadbeef;
        REQUIRE(vgic->redistributors().mmio_read(roff(vcpu, sgi, offset), size, v) == hyp::virt::MmioResult::done);
        return v;
    }
    void rwrite(unsigned vcpu, bool sgi, std::uint32_t offset, std::uint64_t value, unsigned size = 4)
    {
        REQUIRE(vgic->redistributors().mmio_write(roff(vcpu, sgi, offset), size, value) ==
                hyp::virt::MmioResult::done);
    }

    // Group 1 on, as Linux leaves GICD_CTLR.
    void enable_group1() { dwrite(g::gicd_ctlr, g::ctlr_enable_grp1 | g::ctlr_are); }

    // Enables INTID `intid` (SPIs through the distributor, SGIs/PPIs through `vcpu`'s
    // redistributor) at `priority`, Group 1, edge or level.
    void setup(std::uint32_t intid, std::uint8_t priority, bool edge = false, unsigned vcpu = 0)
    {
        std::uint32_t word = intid / 32 * 4;
        std::uint32_t bit = 1u << (intid % 32);
        std::uint32_t cfg = intid / 16 * 4;
        if (intid < 32) {
            rwrite(vcpu, true, g::gicr_igroupr0, rread(vcpu, true, g::gicr_igroupr0) | bit);
            rwrite(vcpu, true, g::gicr_ipriorityr0 + intid, priority, 1);
            if (intid >= 16) {
                std::uint32_t c = static_cast<std::uint32_t>(rread(vcpu, true, g::gicr_icfgr1));
                std::uint32_t mask = 2u << (2 * (intid % 16));
                rwrite(vcpu, true, g::gicr_icfgr1, edge ? (c | mask) : (c & ~mask));
            }
            rwrite(vcpu, true, g::gicr_isenabler0, bit);
        } else {
            dwrite(g::gicd_igroupr + word, dread(g::gicd_igroupr + word) | bit);
            dwrite(g::gicd_ipriorityr + intid, priority, 1);
            std::uint32_t c = static_cast<std::uint32_t>(dread(g::gicd_icfgr + cfg));
            std::uint32_t mask = 2u << (2 * (intid % 16));
            dwrite(g::gicd_icfgr + cfg, edge ? (c | mask) : (c & ~mask));
            dwrite(g::gicd_isenabler + word, bit);
        }
    }
    // IROUTER of SPI `intid` to the vCPU with affinity `aff` (Aff2.Aff1.Aff0), or 1 of N.
    void route(std::uint32_t intid, std::uint64_t aff, bool any = false)
    {
        dwrite(g::gicd_irouter + 8 * intid, aff | (any ? g::irouter_irm : 0), 8);
    }
    bool pending_bit(std::uint32_t intid, unsigned vcpu = 0)
    {
        if (intid < 32) {
            return ((rread(vcpu, true, g::gicr_ispendr0) >> intid) & 1) != 0;
        }
        return ((dread(g::gicd_ispendr + intid / 32 * 4) >> (intid % 32)) & 1) != 0;
    }
    bool active_bit(std::uint32_t intid, unsigned vcpu = 0)
    {
        if (intid < 32) {
            return ((rread(vcpu, true, g::gicr_isactiver0) >> intid) & 1) != 0;
        }
        return ((dread(g::gicd_isactiver + intid / 32 * 4) >> (intid % 32)) & 1) != 0;
    }

    Vgic::Flush flush(unsigned vcpu, unsigned lr_count = 4)
    {
        Vgic::Flush f = vgic->flush(vcpu, lr_count);
        rec.rearm(vcpu);
        return f;
    }
    bool has_deliverable(unsigned vcpu)
    {
        bool any = vgic->has_deliverable(vcpu);
        if (!any) {
            rec.rearm(vcpu);
        }
        return any;
    }
};

// What one vCPU's list registers hold while it runs: flush() fills them, the guest
// acknowledges and deactivates, fold() reads them back.
struct Lrs {
    std::uint64_t v[Vgic::max_lrs] = {};
    unsigned n = 0;

    void load(const Vgic::Flush& f, unsigned lr_count)
    {
        n = lr_count;
        for (unsigned i = 0; i < Vgic::max_lrs; ++i) {
            v[i] = i < f.used ? f.lrs[i] : 0;
        }
    }
    [[nodiscard]] int find(std::uint32_t intid) const
    {
        for (unsigned i = 0; i < n; ++i) {
            if (lr::is_valid(v[i]) && lr::vintid(v[i]) == intid) {
                return static_cast<int>(i);
            }
        }
        return -1;
    }
    [[nodiscard]] std::uint64_t state(std::uint32_t intid) const
    {
        int i = find(intid);
        return i < 0 ? lr::state_invalid : v[i] & lr::state_mask;
    }
    // The guest reads ICC_IAR1_EL1: pending -> active.
    void ack(std::uint32_t intid)
    {
        int i = find(intid);
        REQUIRE(i >= 0);
        REQUIRE((v[i] & lr::state_mask) == lr::state_pending);
        v[i] = (v[i] & ~lr::state_mask) | lr::state_active;
    }
    // The guest writes ICC_EOIR1_EL1 (EOImode 0): active -> inactive (pending stays).
    void eoi(std::uint32_t intid)
    {
        int i = find(intid);
        REQUIRE(i >= 0);
        REQUIRE(lr::is_active(v[i]));
        v[i] &= ~lr::state_active;
    }
};

// Fold `lrs` back, flush again, and load the result: one exit and entry of the vCPU.
inline Vgic::Flush reenter(Gic& gic, unsigned vcpu, Lrs& lrs, unsigned lr_count = 4)
{
    gic.vgic->fold(vcpu, lrs.v, lrs.n);
    Vgic::Flush f = gic.flush(vcpu, lr_count);
    lrs.load(f, lr_count);
    return f;
}

}  // namespace vgic_test
