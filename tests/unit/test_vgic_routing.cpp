// The vGIC's routing and notifications: configuration checks, SPIs by GICD_IROUTER and
// 1 of N, SGIs by ICC_SGI1R_EL1, which vCPU is told when, has_deliverable, and sources
// out of range.
#include "tests/unit/test_vgic_support.h"

#include "hyp_api/vcpu_mpidr.h"

using namespace vgic_test;

namespace {

constexpr std::uint32_t spi = 40;

}  // namespace

TEST_CASE("vgic: init refuses bad configurations and changes nothing", "[vgic]")
{
    Recorder rec;
    auto vgic = std::make_unique<Vgic>();
    Gic good;
    auto bad = [&](auto edit) {
        hyp::virt::VgicConfig c = good.config();
        edit(c);
        return vgic->init(c, rec).error() == hyp::Error::arg_inval;
    };
    CHECK(bad([](auto& c) { c.vcpu_count = 0; }));
    CHECK(bad([](auto& c) { c.vcpu_count = 65; }));
    CHECK(bad([](auto& c) { c.spi_count = 33; }));
    CHECK(bad([](auto& c) { c.spi_count = 992; }));
    CHECK(bad([](auto& c) { c.distributor.size = 0x20000; }));
    CHECK(bad([](auto& c) { c.distributor.base = hyp::Ipa{dist_base + 0x1000}; }));
    CHECK(bad([](auto& c) { c.redistributor_base = hyp::Ipa{redist_base + 0x1000}; }));
    CHECK(bad([](auto& c) { c.redistributor_base = hyp::Ipa{dist_base}; }));  // overlaps GICD
    CHECK(bad([](auto& c) { c.redistributor_base = hyp::Ipa{~std::uint64_t{0xffff}}; }));  // wraps
    CHECK(vgic->vcpu_count() == 0);
    std::uint64_t v = 1;
    CHECK(vgic->distributor().mmio_read(g::gicd_typer, 4, v) == hyp::virt::MmioResult::done);
    CHECK(v == 0);  // not initialised: reads as zero
    vgic->raise_edge(0, 40);
    CHECK(vgic->flush(0, 4).used == 0);

    hyp::virt::VgicConfig all = good.config();
    all.spi_count = 988;
    all.vcpu_count = 64;
    REQUIRE(vgic->init(all, rec).ok());
    CHECK(vgic->redistributor_range() == hyp::IpaRange{hyp::Ipa{redist_base}, 64 * 0x20000});
    all.spi_count = 0;
    CHECK(vgic->init(all, rec).ok());
}

TEST_CASE("vgic: SPIs go where GICD_IROUTER says", "[vgic]")
{
    Gic gic(20);
    gic.enable_group1();
    gic.setup(spi, 0x80, false);
    gic.route(spi, hyp_abi::vcpu_mpidr(17));  // Aff1 1, Aff0 1
    gic.vgic->set_level(0, spi, true);
    CHECK(gic.rec.calls == std::vector<unsigned>{17});
    CHECK(gic.flush(0).used == 0);
    CHECK_FALSE(gic.has_deliverable(0));
    CHECK(gic.has_deliverable(17));

    SECTION("rerouting a pending SPI tells the new target")
    {
        gic.rec.clear();
        gic.route(spi, hyp_abi::vcpu_mpidr(3));
        CHECK(gic.rec.calls == std::vector<unsigned>{3});
        CHECK(gic.flush(3).used == 1);
        CHECK(gic.flush(17).used == 0);
    }
    SECTION("an affinity that names no vCPU leaves it pending, undelivered")
    {
        gic.route(spi, 0x000020);  // Aff0 32: no such vCPU
        for (unsigned v = 0; v < 20; ++v) {
            CHECK_FALSE(gic.has_deliverable(v));
        }
        CHECK(gic.pending_bit(spi));
        CHECK(gic.dread(g::gicd_irouter + 8 * spi, 8) == 0x20);
    }
    SECTION("a listed SPI stays with its vCPU until it is deactivated, then moves")
    {
        Lrs lrs;
        reenter(gic, 17, lrs);
        lrs.ack(spi);
        gic.rec.clear();
        gic.route(spi, hyp_abi::vcpu_mpidr(2));
        CHECK(gic.rec.calls.empty());
        CHECK(gic.flush(2).used == 0);  // never in two vCPUs' list registers
        Vgic::Flush f = reenter(gic, 17, lrs);
        REQUIRE(f.used == 1);  // still active on vCPU 17
        CHECK((f.lrs[0] & lr::state_mask) == lr::state_active);
        CHECK(gic.flush(2).used == 0);
        lrs.eoi(spi);  // the line is still high: pending again, now for vCPU 2
        f = reenter(gic, 17, lrs);
        CHECK(f.used == 0);
        CHECK(gic.rec.calls == std::vector<unsigned>{2});
        CHECK(gic.flush(2).used == 1);
    }
}

TEST_CASE("vgic: a 1-of-N SPI goes to the lowest-numbered awake vCPU", "[vgic]")
{
    Gic gic(4);
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.route(spi, 0, true);
    CHECK(gic.dread(g::gicd_irouter + 8 * spi) == g::irouter_irm);
    gic.vgic->raise_edge(0, spi);
    CHECK(gic.rec.calls == std::vector<unsigned>{0});  // nobody awake yet: vCPU 0

    gic.rec.clear();
    gic.rwrite(2, false, g::gicr_waker, 0);  // vCPU 2 wakes its redistributor
    CHECK(gic.rec.calls == std::vector<unsigned>{2});
    CHECK(gic.flush(0).used == 0);
    gic.rwrite(1, false, g::gicr_waker, 0);
    CHECK(gic.flush(2).used == 0);
    CHECK(gic.flush(1).used == 1);
}

TEST_CASE("vgic: SGIs reach the vCPUs ICC_SGI1R_EL1 names", "[vgic]")
{
    Gic gic(20);
    gic.enable_group1();
    for (unsigned v = 0; v < 20; ++v) {
        gic.setup(1, 0xa0, true, v);
    }
    auto sgi1r = [](std::uint64_t intid, std::uint64_t aff1, std::uint64_t list, std::uint64_t rs = 0) {
        return (intid << 24) | (aff1 << 16) | list | (rs << 44);
    };

    SECTION("TargetList within Aff1 0")
    {
        gic.vgic->write_sgi1r(0, sgi1r(1, 0, 0b1010));
        CHECK(gic.rec.calls == std::vector<unsigned>{1, 3});
        CHECK(gic.pending_bit(1, 1));
        CHECK(gic.pending_bit(1, 3));
        CHECK_FALSE(gic.pending_bit(1, 0));
        Vgic::Flush f = gic.flush(3);
        REQUIRE(f.used == 1);
        CHECK(f.lrs[0] == lr::make(1, 0xa0, true, lr::state_pending, false));
    }
    SECTION("a sender that runs (its exit being handled) is not told of its own SGI; others are")
    {
        CHECK(gic.vgic->write_sgi1r(1, sgi1r(1, 0, 0b1010), Vgic::SgiToSender::quiet));
        CHECK(gic.rec.calls == std::vector<unsigned>{3});
        CHECK(gic.pending_bit(1, 1));  // pending all the same: its next flush lists it
        CHECK(gic.pending_bit(1, 3));
        Vgic::Flush f = gic.flush(1);
        REQUIRE(f.used == 1);
        CHECK(f.lrs[0] == lr::make(1, 0xa0, true, lr::state_pending, false));
    }
    SECTION("an SGI to itself left to the caller is not pended for it; the others are")
    {
        CHECK(gic.vgic->write_sgi1r(1, sgi1r(1, 0, 0b1010), Vgic::SgiToSender::to_caller));
        CHECK(gic.rec.calls == std::vector<unsigned>{3});
        CHECK_FALSE(gic.pending_bit(1, 1));
        CHECK(gic.pending_bit(1, 3));
        CHECK_FALSE(gic.vgic->write_sgi1r(1, sgi1r(2, 0, 0b1000), Vgic::SgiToSender::to_caller));
    }
    SECTION("Aff1 1 names vCPUs 16..")
    {
        gic.vgic->write_sgi1r(5, sgi1r(1, 1, 0b101));
        CHECK(gic.rec.calls == std::vector<unsigned>{16, 18});
    }
    SECTION("a target that does not exist is skipped; RS other than 0 names Aff0 >= 16: nobody")
    {
        gic.vgic->write_sgi1r(0, sgi1r(1, 1, 0xfff0));  // vCPUs 20..31 of Aff1 1 do not exist
        CHECK(gic.rec.calls.empty());
        gic.vgic->write_sgi1r(0, sgi1r(1, 0, 1, 1));
        CHECK(gic.rec.calls.empty());
        gic.vgic->write_sgi1r(0, sgi1r(1, 0, 1) | (std::uint64_t{1} << 32));  // Aff2 1
        CHECK(gic.rec.calls.empty());
    }
    SECTION("IRM: every vCPU but the sender")
    {
        gic.vgic->write_sgi1r(7, sgi1r(1, 0, 0) | g::sgi1r_irm);
        CHECK(gic.rec.calls.size() == 19);
        CHECK(gic.rec.count(7) == 0);
        CHECK_FALSE(gic.pending_bit(1, 7));
        CHECK(gic.pending_bit(1, 19));
    }
    SECTION("a vCPU may send to itself; a disabled SGI is pended but not delivered")
    {
        gic.vgic->write_sgi1r(2, sgi1r(1, 0, 0b100));
        CHECK(gic.rec.calls == std::vector<unsigned>{2});
        gic.vgic->write_sgi1r(0, sgi1r(2, 0, 0b1));
        CHECK(gic.pending_bit(2, 0));
        CHECK(gic.rec.calls == std::vector<unsigned>{2});
    }
    SECTION("an invalid sender does nothing")
    {
        gic.vgic->write_sgi1r(20, sgi1r(1, 0, 0b1));
        CHECK(gic.rec.calls.empty());
    }
}

TEST_CASE("vgic: notifications only when something becomes deliverable, once per flush", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.setup(spi + 1, 0x80, true);
    gic.setup(1, 0x80, true, 0);

    gic.vgic->raise_edge(0, spi);
    gic.vgic->raise_edge(0, spi);      // already pending
    gic.vgic->raise_edge(0, spi + 1);  // new, but vCPU 0 was told and has not refilled
    for (int i = 0; i < 100; ++i) {
        gic.vgic->write_sgi1r(1, (std::uint64_t{1} << 24) | 1);
    }
    CHECK(gic.rec.calls == std::vector<unsigned>{0});
    CHECK_FALSE(gic.rec.storm);

    Lrs lrs;
    reenter(gic, 0, lrs);
    reenter(gic, 0, lrs);  // exits that leave the LRs as they were tell nobody
    reenter(gic, 0, lrs);
    CHECK(gic.rec.calls.size() == 1);
    // A new edge after the interrupt was listed: the guest may have taken the first one
    // already (the vGIC cannot see the LR until the next exit), so the vCPU is told.
    gic.vgic->raise_edge(0, spi);
    CHECK(gic.rec.calls.size() == 2);
    lrs.ack(spi);
    gic.vgic->raise_edge(0, spi);  // latched already
    CHECK(gic.rec.calls.size() == 2);
    Vgic::Flush f = reenter(gic, 0, lrs);
    CHECK((lrs.state(spi)) == lr::state_pending_active);
    CHECK(f.used == 3);
    CHECK_FALSE(gic.rec.storm);

    SECTION("a false has_deliverable re-arms notifications")
    {
        Gic quiet;
        quiet.enable_group1();
        quiet.setup(spi, 0x80, true);
        quiet.dwrite(g::gicd_icenabler + 4, 1u << (spi % 32));
        quiet.vgic->raise_edge(0, spi);
        quiet.dwrite(g::gicd_isenabler + 4, 1u << (spi % 32));
        quiet.dwrite(g::gicd_icpendr + 4, 1u << (spi % 32));  // told, then withdrawn
        CHECK(quiet.rec.calls.size() == 1);
        CHECK_FALSE(quiet.has_deliverable(0));  // the vCPU goes to sleep
        quiet.vgic->raise_edge(0, spi);
        CHECK(quiet.rec.calls.size() == 2);  // and is woken
        CHECK_FALSE(quiet.rec.storm);
    }
}

TEST_CASE("vgic: has_deliverable sees interrupts in the list registers and outside them", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    CHECK_FALSE(gic.has_deliverable(0));
    gic.vgic->raise_edge(0, spi);
    CHECK(gic.has_deliverable(0));
    Lrs lrs;
    reenter(gic, 0, lrs);
    CHECK(gic.has_deliverable(0));  // pending in an LR
    lrs.ack(spi);
    gic.vgic->fold(0, lrs.v, lrs.n);
    CHECK_FALSE(gic.has_deliverable(0));  // only active
    CHECK_FALSE(gic.has_deliverable(1));
    CHECK_FALSE(gic.has_deliverable(99));
}

TEST_CASE("vgic: sources ignore INTIDs and vCPUs the VM does not have", "[vgic]")
{
    Gic gic(2, 32);
    gic.enable_group1();
    gic.vgic->raise_edge(0, 64);   // beyond the SPIs
    gic.vgic->raise_edge(0, 1020);
    gic.vgic->raise_edge(2, 16);   // no vCPU 2
    gic.vgic->set_level(5, 20, true);
    gic.vgic->raise_edge(0, 0xffffffff);
    gic.vgic->fold(7, nullptr, 4);
    CHECK(gic.vgic->flush(2, 4).used == 0);
    CHECK(gic.rec.calls.empty());
    CHECK(gic.dread(g::gicd_ispendr + 8) == 0);
}
