// The MMIO side of Linux 6.1's irq-gic-v3 initialisation (gic_validate_dist_version,
// gic_dist_init, gic_populate_rdist, gic_enable_redist, gic_cpu_config, gic_set_type)
// against the vGIC through an MMIO bus, then an IPI, a timer tick and a device interrupt.
#include "tests/unit/test_vgic_support.h"

#include "hyp_api/vcpu_mpidr.h"
#include "kernel/virt/mmio_bus.h"

using namespace vgic_test;

TEST_CASE("vgic: Linux's gic-v3 initialisation, as far as MMIO goes, through the bus", "[vgic][mmio][linux]")
{
    constexpr unsigned cpus = 4;
    Gic gic(cpus, 64);
    hyp::virt::MmioBus bus;
    REQUIRE(bus.add(hyp::IpaRange{hyp::Ipa{dist_base}, g::distributor_size}, gic.vgic->distributor()).ok());
    REQUIRE(bus.add(gic.vgic->redistributor_range(), gic.vgic->redistributors()).ok());
    auto rd32 = [&](std::uint64_t ipa) {
        std::uint64_t v = 0;
        REQUIRE(bus.read(hyp::Ipa{ipa}, 4, v) == hyp::virt::BusResult::handled);
        return static_cast<std::uint32_t>(v);
    };
    auto rd64 = [&](std::uint64_t ipa) {
        std::uint64_t v = 0;
        REQUIRE(bus.read(hyp::Ipa{ipa}, 8, v) == hyp::virt::BusResult::handled);
        return v;
    };
    auto wr32 = [&](std::uint64_t ipa, std::uint32_t v) {
        REQUIRE(bus.write(hyp::Ipa{ipa}, 4, v) == hyp::virt::BusResult::handled);
    };
    auto wr64 = [&](std::uint64_t ipa, std::uint64_t v) {
        REQUIRE(bus.write(hyp::Ipa{ipa}, 8, v) == hyp::virt::BusResult::handled);
    };
    auto wait_rwp = [&] { REQUIRE((rd32(dist_base + g::gicd_ctlr) & g::ctlr_rwp) == 0); };

    // gic_validate_dist_version: ArchRev 3.
    REQUIRE((rd32(dist_base + g::pidr2) & 0xf0) == 0x30);
    // gic_init_bases: the number of interrupts.
    std::uint32_t typer = rd32(dist_base + g::gicd_typer);
    unsigned irqs = ((typer & 0x1f) + 1) * 32;
    if (irqs > 1020) {
        irqs = 1020;
    }
    CHECK(irqs == 96);
    CHECK(((typer >> 19) & 0x1f) + 1 == 10);
    CHECK((typer & g::typer_lpis) == 0);

    // gic_dist_init.
    wr32(dist_base + g::gicd_ctlr, 0);
    wait_rwp();
    for (unsigned i = 32; i < irqs; i += 32) {
        wr32(dist_base + g::gicd_igroupr + i / 8, 0xffffffff);
    }
    // gic_dist_config: SPIs level, priority 0xa0, deactivated, disabled.
    for (unsigned i = 32; i < irqs; i += 16) {
        wr32(dist_base + g::gicd_icfgr + i / 4, 0);
    }
    for (unsigned i = 32; i < irqs; i += 4) {
        wr32(dist_base + g::gicd_ipriorityr + i, 0xa0a0a0a0);
    }
    for (unsigned i = 32; i < irqs; i += 32) {
        wr32(dist_base + g::gicd_icactiver + i / 8, 0xffffffff);
        wr32(dist_base + g::gicd_icenabler + i / 8, 0xffffffff);
    }
    wait_rwp();
    wr32(dist_base + g::gicd_ctlr, g::ctlr_are | g::ctlr_enable_grp1 | g::ctlr_enable_grp0);
    wait_rwp();
    CHECK((rd32(dist_base + g::gicd_ctlr) & 0x13) == 0x13);
    std::uint64_t boot_affinity = 0;  // gic_mpidr_to_affinity(cpu 0)
    for (unsigned i = 32; i < irqs; ++i) {
        wr64(dist_base + g::gicd_irouter + 8 * i, boot_affinity);
    }

    for (unsigned cpu = 0; cpu < cpus; ++cpu) {
        // gic_populate_rdist: walk the frames from the region's start for this MPIDR.
        std::uint64_t mpidr = hyp_abi::vcpu_mpidr(cpu);
        std::uint64_t aff = mpidr & 0xffffff;
        REQUIRE((rd32(redist_base + g::pidr2) & 0xf0) == 0x30);
        std::uint64_t found = 0;
        bool found_any = false;
        std::uint64_t ptr = redist_base;
        for (unsigned frames = 0; frames < 64; ++frames) {
            std::uint64_t t = rd64(ptr + g::gicr_typer);
            if ((t >> 32) == aff) {
                found = ptr;
                found_any = true;
                break;
            }
            if ((t & g::gicr_typer_last) != 0) {
                break;
            }
            ptr += g::redistributor_stride;
        }
        REQUIRE(found_any);
        CHECK(found == redist_base + cpu * g::redistributor_stride);
        CHECK(((rd64(found + g::gicr_typer) & g::gicr_typer_last) != 0) == (cpu == cpus - 1));

        // gic_enable_redist(true): clear ProcessorSleep, wait for ChildrenAsleep to clear.
        std::uint32_t waker = rd32(found + g::gicr_waker);
        CHECK((waker & g::waker_children_asleep) != 0);
        wr32(found + g::gicr_waker, waker & ~g::waker_processor_sleep);
        int polls = 0;
        while ((rd32(found + g::gicr_waker) & g::waker_children_asleep) != 0 && polls < 1000) {
            ++polls;
        }
        CHECK(polls == 0);

        // gic_cpu_config: SGIs and PPIs Group 1, deactivated, disabled, priority 0xa0.
        std::uint64_t sgi = found + g::sgi_frame;
        wr32(sgi + g::gicr_igroupr0, 0xffffffff);
        wr32(sgi + g::gicr_icactiver0, 0xffffffff);
        wr32(sgi + g::gicr_icenabler0, 0xffffffff);
        for (unsigned i = 0; i < 32; i += 4) {
            wr32(sgi + g::gicr_ipriorityr0 + i, 0xa0a0a0a0);
        }
        // The arch timer's PPIs level (gic_set_type reads back what it wrote), then unmask
        // them and the IPIs (SGIs 0..7).
        std::uint32_t cfg = rd32(sgi + g::gicr_icfgr1);
        cfg &= ~(2u << (2 * (27 - 16)));
        wr32(sgi + g::gicr_icfgr1, cfg);
        CHECK(rd32(sgi + g::gicr_icfgr1) == cfg);
        wr32(sgi + g::gicr_isenabler0, (1u << 27) | 0xff);
    }

    // The console's SPI (INTID 33, level) to the boot CPU, enabled.
    wr32(dist_base + g::gicd_isenabler + 4, 1u << 1);

    // Now interrupts flow: an IPI from CPU 0 to CPU 2, the timer on CPU 1, the UART on CPU 0.
    gic.vgic->write_sgi1r(0, (std::uint64_t{1} << 24) | (1u << 2));
    gic.vgic->raise_edge(1, 27);
    gic.vgic->set_level(0, 33, true);
    CHECK(gic.rec.calls == std::vector<unsigned>{2, 1, 0});
    Vgic::Flush f = gic.flush(2);
    REQUIRE(f.used == 1);
    CHECK(f.lrs[0] == lr::make(1, 0xa0, true, lr::state_pending, false));
    f = gic.flush(1);
    REQUIRE(f.used == 1);
    // The timer arrives as an edge on its level-configured PPI (the glue masks the timer):
    // no line to resample, so no EOI maintenance.
    CHECK(f.lrs[0] == lr::make(27, 0xa0, true, lr::state_pending, false));
    f = gic.flush(0);
    REQUIRE(f.used == 1);
    CHECK(f.lrs[0] == lr::make(33, 0xa0, true, lr::state_pending, true));
    CHECK(gic.flush(3).used == 0);
}
