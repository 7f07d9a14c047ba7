// Random register accesses, sources and guests against the vGIC's invariants: list
// registers well formed and consistent with the registers, an interrupt in at most one
// vCPU's list registers, no notification storms, no lost wake-up for a vCPU waiting in
// WFI, and everything drained once the guests handle what they are given.
#include "tests/unit/test_vgic_support.h"

#include <random>

#include "hyp_api/vcpu_mpidr.h"

using namespace vgic_test;

namespace {

struct Guest {
    Lrs lrs;
    unsigned lr_count = 4;
    bool asleep = false;
};

struct World {
    std::mt19937_64 rng;
    Gic gic;
    Guest guests[Vgic::max_vcpus];
    std::size_t seen_calls = 0;

    World(std::uint64_t seed, unsigned vcpus, unsigned spis) : rng{seed}, gic{vcpus, spis}
    {
        for (unsigned v = 0; v < vcpus; ++v) {
            guests[v].lr_count = 1 + static_cast<unsigned>(rng() % Vgic::max_lrs);
            guests[v].lrs.n = guests[v].lr_count;
        }
    }

    unsigned pick(unsigned n) { return static_cast<unsigned>(rng() % n); }
    std::uint32_t any_intid() { return pick(32 + gic.spis + 4); }  // a few beyond the last
    std::uint32_t word() { return static_cast<std::uint32_t>(rng()); }
    // A sparse random word: most bits of a set/clear register are left alone.
    std::uint32_t sparse() { return word() & word() & word(); }

    bool is_edge(std::uint32_t intid, unsigned vcpu)
    {
        if (intid < 32) {
            return ((gic.rread(vcpu, true, g::gicr_icfgr0 + intid / 16 * 4) >> (2 * (intid % 16) + 1)) & 1) != 0;
        }
        return ((gic.dread(g::gicd_icfgr + intid / 16 * 4) >> (2 * (intid % 16) + 1)) & 1) != 0;
    }
    bool bit_of(std::uint32_t dist_reg, std::uint32_t redist_reg, std::uint32_t intid, unsigned vcpu)
    {
        if (intid < 32) {
            return ((gic.rread(vcpu, true, redist_reg) >> intid) & 1) != 0;
        }
        return ((gic.dread(dist_reg + intid / 32 * 4) >> (intid % 32)) & 1) != 0;
    }
    std::uint8_t priority_of(std::uint32_t intid, unsigned vcpu)
    {
        if (intid < 32) {
            return static_cast<std::uint8_t>(gic.rread(vcpu, true, g::gicr_ipriorityr0 + intid, 1));
        }
        return static_cast<std::uint8_t>(gic.dread(g::gicd_ipriorityr + intid, 1));
    }

    void dist_access()
    {
        std::uint32_t spi_words = gic.spis / 32;
        switch (pick(10)) {
        case 0: gic.dwrite(g::gicd_ctlr, pick(4) == 0 ? word() : g::ctlr_enable_grp1); break;
        case 1:
        case 2: {
            std::uint32_t reg = g::gicd_igroupr + g::bit_block_size * pick(7) + 4 * (1 + pick(spi_words + 1));
            gic.dwrite(reg, reg < g::gicd_isenabler ? ~sparse() : sparse());
            break;
        }
        case 3: gic.dwrite(g::gicd_ipriorityr + 32 + pick(gic.spis + 4), word(), 1); break;
        case 4: gic.dwrite(g::gicd_icfgr + 8 + 4 * pick(gic.spis / 16 + 1), word()); break;
        case 5: {
            std::uint64_t aff = pick(4) == 0 ? rng() : hyp_abi::vcpu_mpidr(pick(gic.vcpus + 1));
            std::uint64_t irm = pick(4) == 0 ? g::irouter_irm : 0;
            gic.dwrite(g::gicd_irouter + 8 * (32 + pick(gic.spis)), aff | irm, pick(2) == 0 ? 8 : 4);
            break;
        }
        case 6: {
            unsigned size = 1u << pick(4);
            (void)gic.dread(static_cast<std::uint32_t>(pick(0x10000 / size) * size), size);
            break;
        }
        default: {
            unsigned size = 1u << pick(4);
            std::uint32_t offset = pick(0x10000 - 8);
            if (pick(2) == 0) {
                offset &= 0xfff;  // the busy part
            }
            gic.dwrite(offset, rng(), size);
            break;
        }
        }
    }

    void redist_access()
    {
        unsigned v = pick(gic.vcpus);
        switch (pick(8)) {
        case 0: gic.rwrite(v, false, g::gicr_waker, pick(3) == 0 ? g::waker_processor_sleep : 0); break;
        case 1:
        case 2: {
            std::uint32_t reg = g::gicr_igroupr0 + g::bit_block_size * pick(7);
            gic.rwrite(v, true, reg, reg == g::gicr_igroupr0 ? ~sparse() : sparse());
            break;
        }
        case 3: gic.rwrite(v, true, g::gicr_ipriorityr0 + pick(32), word(), 1); break;
        case 4: gic.rwrite(v, true, g::gicr_icfgr1, word()); break;
        default: {
            unsigned size = 1u << pick(4);
            std::uint64_t offset = pick(static_cast<unsigned>(gic.vcpus * g::redistributor_stride - 8));
            if (pick(2) == 0) {
                offset = (offset & ~std::uint64_t{0xffff}) | (offset & 0xfff);
            }
            if (pick(2) == 0) {
                REQUIRE(gic.vgic->redistributors().mmio_write(offset, size, rng()) == hyp::virt::MmioResult::done);
            } else {
                std::uint64_t value = 0;
                REQUIRE(gic.vgic->redistributors().mmio_read(offset, size, value) == hyp::virt::MmioResult::done);
            }
            break;
        }
        }
    }

    void source()
    {
        switch (pick(3)) {
        case 0: gic.vgic->set_level(pick(gic.vcpus + 1), any_intid(), pick(2) == 0); break;
        case 1: gic.vgic->raise_edge(pick(gic.vcpus + 1), any_intid()); break;
        default: {
            std::uint64_t value = (std::uint64_t{pick(16)} << 24) | (rng() & 0xffff);
            value |= std::uint64_t{pick(gic.vcpus / 16 + 2)} << 16;  // Aff1
            if (pick(8) == 0) {
                value |= g::sgi1r_irm;
            }
            if (pick(16) == 0) {
                value |= rng() & 0x00ff'f0ff'0000'0000;  // RS, Aff2, Aff3
            }
            gic.vgic->write_sgi1r(pick(gic.vcpus + 1), value);
            break;
        }
        }
    }

    // Checks one flush against the registers, then loads it as the vCPU's LRs.
    void check_flush(unsigned v, const Vgic::Flush& f)
    {
        Guest& guest = guests[v];
        REQUIRE(f.used <= guest.lr_count);
        REQUIRE((!f.more_pending || f.used == guest.lr_count));
        for (unsigned i = 0; i < f.used; ++i) {  // the rest of lrs[] is not part of the answer
            std::uint64_t value = f.lrs[i];
            std::uint32_t intid = lr::vintid(value);
            INFO("vcpu " << v << " lr " << i << " value " << std::hex << value);
            REQUIRE((value & ~lr::written_bits) == 0);
            REQUIRE(lr::is_valid(value));
            REQUIRE(intid < 32 + gic.spis);
            REQUIRE((lr::priority(value) & 7) == 0);
            REQUIRE(lr::priority(value) == priority_of(intid, v));
            bool edge = is_edge(intid, v);
            // EOI maintenance only for a level interrupt (and only while its line is high:
            // one pended through its latch alone has nothing to resample).
            if ((value & lr::eoi) != 0) {
                REQUIRE(!edge);
            }
            REQUIRE(((value & lr::group1) != 0) == bit_of(g::gicd_igroupr, g::gicr_igroupr0, intid, v));
            if (!edge && lr::is_active(value)) {
                REQUIRE(!lr::is_pending(value));
            }
            REQUIRE(lr::is_active(value) == bit_of(g::gicd_isactiver, g::gicr_isactiver0, intid, v));
            if (lr::is_pending(value)) {
                REQUIRE(bit_of(g::gicd_isenabler, g::gicr_isenabler0, intid, v));
                REQUIRE(bit_of(g::gicd_ispendr, g::gicr_ispendr0, intid, v));
            }
            for (unsigned j = 0; j < i; ++j) {
                REQUIRE(lr::vintid(f.lrs[j]) != intid);
            }
            // Active first, then by priority, then INTID.
            if (i > 0) {
                std::uint64_t prev = f.lrs[i - 1];
                bool prev_active = lr::is_active(prev);
                bool active = lr::is_active(value);
                REQUIRE((prev_active || !active));
                if (prev_active == active) {
                    REQUIRE(lr::priority(prev) <= lr::priority(value));
                    if (lr::priority(prev) == lr::priority(value)) {
                        REQUIRE(lr::vintid(prev) < intid);
                    }
                }
            }
        }
        guest.lrs.load(f, guest.lr_count);
    }

    void enter(unsigned v)
    {
        Guest& guest = guests[v];
        gic.vgic->fold(v, guest.lrs.v, guest.lrs.n);
        check_flush(v, gic.flush(v, guest.lr_count));
    }

    void guest_step(unsigned v)
    {
        Guest& guest = guests[v];
        if (guest.asleep) {
            return;
        }
        switch (pick(5)) {
        case 0:
        case 1: {  // acknowledge a pending LR
            unsigned i = pick(guest.lr_count);
            if ((guest.lrs.v[i] & lr::state_mask) == lr::state_pending) {
                guest.lrs.v[i] = (guest.lrs.v[i] & ~lr::state_mask) | lr::state_active;
            }
            break;
        }
        case 2: {  // deactivate an active one
            unsigned i = pick(guest.lr_count);
            guest.lrs.v[i] &= ~lr::state_active;
            break;
        }
        case 3: enter(v); break;
        default:  // WFI
            gic.vgic->fold(v, guest.lrs.v, guest.lrs.n);
            if (gic.has_deliverable(v)) {
                check_flush(v, gic.flush(v, guest.lr_count));
            } else {
                guest.asleep = true;
                guest.lrs = Lrs{};
                guest.lrs.n = guest.lr_count;
            }
            break;
        }
    }

    void wake_notified()
    {
        for (; seen_calls < gic.rec.calls.size(); ++seen_calls) {
            unsigned v = gic.rec.calls[seen_calls];
            REQUIRE(v < gic.vcpus);
            guests[v].asleep = false;
        }
    }

    void check_invariants()
    {
        REQUIRE_FALSE(gic.rec.storm);
        wake_notified();
        // A vCPU waiting in WFI has nothing it could take: it would have been told.
        for (unsigned v = 0; v < gic.vcpus; ++v) {
            if (guests[v].asleep) {
                REQUIRE_FALSE(gic.has_deliverable(v));
            }
        }
        // An SPI is in at most one vCPU's list registers.
        std::vector<int> owner(32 + gic.spis, -1);
        for (unsigned v = 0; v < gic.vcpus; ++v) {
            const Lrs& lrs = guests[v].lrs;
            for (unsigned i = 0; i < lrs.n; ++i) {
                std::uint32_t intid = lr::vintid(lrs.v[i]);
                if (lrs.v[i] == 0 || intid < 32) {
                    continue;
                }
                REQUIRE(intid < 32 + gic.spis);
                REQUIRE((owner[intid] == -1 || owner[intid] == static_cast<int>(v)));
                owner[intid] = static_cast<int>(v);
            }
        }
    }

    // Every line low, every vCPU awake, guests take and finish all they get: in the end
    // nothing is listed and nothing is deliverable.
    void drain()
    {
        for (std::uint32_t intid = 0; intid < 32 + gic.spis; ++intid) {
            for (unsigned v = 0; v < gic.vcpus; ++v) {
                gic.vgic->set_level(v, intid, false);
            }
        }
        for (unsigned v = 0; v < gic.vcpus; ++v) {
            guests[v].asleep = false;
        }
        for (int round = 0; round < 400; ++round) {
            bool busy = false;
            for (unsigned v = 0; v < gic.vcpus; ++v) {
                Guest& guest = guests[v];
                enter(v);
                for (unsigned i = 0; i < guest.lr_count; ++i) {
                    busy |= guest.lrs.v[i] != 0;
                    if ((guest.lrs.v[i] & lr::state_mask) == lr::state_pending) {
                        guest.lrs.v[i] = (guest.lrs.v[i] & ~lr::state_mask) | lr::state_active;
                    }
                    guest.lrs.v[i] &= ~lr::state_active;
                }
            }
            check_invariants();
            if (!busy) {
                break;
            }
        }
        for (unsigned v = 0; v < gic.vcpus; ++v) {
            enter(v);
            REQUIRE(guests[v].lrs.v[0] == 0);
            REQUIRE_FALSE(gic.has_deliverable(v));
        }
    }
};

}  // namespace

TEST_CASE("vgic: random registers, sources and guests keep the invariants", "[vgic][random]")
{
    for (std::uint64_t seed = 1; seed <= 24; ++seed) {
        std::mt19937_64 pick(seed * 7919);
        unsigned vcpus = seed % 6 == 0 ? 20 : 1 + static_cast<unsigned>(pick() % 6);
        unsigned spis = seed % 5 == 0 ? 988 : 32 * static_cast<unsigned>(1 + pick() % 3);
        INFO("seed " << seed << " vcpus " << vcpus << " spis " << spis);
        auto world = std::make_unique<World>(seed, vcpus, spis);
        World& w = *world;
        w.gic.enable_group1();
        for (int op = 0; op < 3000; ++op) {
            switch (w.pick(8)) {
            case 0: w.dist_access(); break;
            case 1: w.redist_access(); break;
            case 2:
            case 3: w.source(); break;
            default: w.guest_step(w.pick(vcpus)); break;
            }
            w.check_invariants();
        }
        w.drain();
    }
}
