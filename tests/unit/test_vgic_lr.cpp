// The vGIC's interrupt state machine as the list registers see it: enable, pending and
// active transitions, edge versus level, the order and number of list registers, and
// what fold() makes of what the guest did.
#include "tests/unit/test_vgic_support.h"

using namespace vgic_test;

namespace {

constexpr std::uint32_t spi = 40;
constexpr std::uint32_t timer_ppi = 27;

}  // namespace

TEST_CASE("vgic: the virtual timer raised for the vCPU that runs is listed without telling it", "[vgic]")
{
    // The run loop's path for the timer's physical interrupt (vcpu_run.cpp on_vtimer): the
    // vCPU is on this CPU, whose loop refills its list registers before entering it.
    Gic gic(2);
    gic.enable_group1();
    gic.setup(timer_ppi, 0xa0, true, 1);
    gic.vgic->raise_edge(1, timer_ppi, /*target_running=*/true);
    CHECK(gic.rec.calls.empty());
    CHECK(gic.vgic->has_deliverable(1));
    Lrs lrs;
    Vgic::Flush f = reenter(gic, 1, lrs);
    REQUIRE(f.used == 1);
    CHECK(f.lrs[0] == lr::make(timer_ppi, 0xa0, true, lr::state_pending, false));
    // Another vCPU's timer is told as before.
    gic.setup(timer_ppi, 0xa0, true, 0);
    gic.vgic->raise_edge(0, timer_ppi);
    CHECK(gic.rec.calls == std::vector<unsigned>{0});
}

TEST_CASE("vgic: pend_into_lrs lists a PPI at once only when fold and flush would write the same", "[vgic]")
{
    Gic gic(2);
    gic.enable_group1();
    gic.setup(timer_ppi, 0xa0, false, 1);  // level, as the timer's PPI is configured
    const std::uint64_t want = lr::make(timer_ppi, 0xa0, true, lr::state_pending, false);

    // Nothing listed: it goes into LR 0.
    Vgic::LrWrite w = gic.vgic->pend_into_lrs(1, timer_ppi, nullptr, 0, 4);
    REQUIRE(w.index == 0);
    CHECK(w.value == want);
    CHECK(gic.rec.calls.empty());
    CHECK(gic.pending_bit(timer_ppi, 1));  // the model says pending (in the LR)

    // Still pending in the guest's LR: not again (the normal path decides).
    Lrs lrs;
    lrs.v[0] = w.value;
    lrs.n = 4;
    CHECK(gic.vgic->pend_into_lrs(1, timer_ppi, lrs.v, 1, 4).index == Vgic::no_lr);
    // Taken and ended by the guest (the LR invalid): the same LR again.
    lrs.ack(timer_ppi);
    lrs.eoi(timer_ppi);
    w = gic.vgic->pend_into_lrs(1, timer_ppi, lrs.v, 1, 4);
    REQUIRE(w.index == 0);
    CHECK(w.value == want);
    // A fold then sees it pending in LR 0, as it was written; acknowledged, it is active.
    lrs.v[0] = w.value;
    lrs.ack(timer_ppi);
    Vgic::Flush f = reenter(gic, 1, lrs);
    REQUIRE(f.used == 1);
    CHECK((f.lrs[0] & lr::state_mask) == lr::state_active);
    CHECK(gic.active_bit(timer_ppi, 1));

    // Disabled: never listed by this path.
    Gic off(2);
    off.enable_group1();
    off.setup(timer_ppi, 0xa0, false, 1);
    off.rwrite(1, true, g::gicr_icenabler0, 1u << timer_ppi);
    CHECK(off.vgic->pend_into_lrs(1, timer_ppi, nullptr, 0, 4).index == Vgic::no_lr);
    // No room: the LRs in use are all the capacity.
    Gic full(2);
    full.enable_group1();
    full.setup(timer_ppi, 0xa0, false, 0);
    for (std::uint32_t sgi = 1; sgi <= 2; ++sgi) {
        full.setup(sgi, 0x80, true, 0);
        full.vgic->raise_edge(0, sgi);
    }
    Vgic::Flush two = full.flush(0, 2);
    REQUIRE(two.used == 2);
    CHECK(full.vgic->pend_into_lrs(0, timer_ppi, two.lrs, 2, 2).index == Vgic::no_lr);
    // An SPI is not this path's.
    CHECK(full.vgic->pend_into_lrs(0, 40, two.lrs, 2, 4).index == Vgic::no_lr);
}

TEST_CASE("vgic: an enabled pending SPI goes into a list register, and out again when acknowledged and EOId", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0xa0, true);
    gic.vgic->raise_edge(0, spi);
    CHECK(gic.rec.calls == std::vector<unsigned>{0});
    CHECK(gic.pending_bit(spi));
    CHECK(gic.vgic->has_deliverable(0));

    Lrs lrs;
    Vgic::Flush f = reenter(gic, 0, lrs);
    REQUIRE(f.used == 1);
    CHECK_FALSE(f.more_pending);
    CHECK(f.lrs[0] == lr::make(spi, 0xa0, true, lr::state_pending, false));
    CHECK((f.lrs[0] & lr::eoi) == 0);  // edge: no resampling needed

    lrs.ack(spi);
    f = reenter(gic, 0, lrs);
    REQUIRE(f.used == 1);
    CHECK((f.lrs[0] & lr::state_mask) == lr::state_active);
    CHECK_FALSE(gic.pending_bit(spi));
    CHECK(gic.active_bit(spi));
    CHECK_FALSE(gic.vgic->has_deliverable(0));

    lrs.eoi(spi);
    f = reenter(gic, 0, lrs);
    CHECK(f.used == 0);
    CHECK_FALSE(gic.active_bit(spi));
    CHECK_FALSE(gic.pending_bit(spi));
    CHECK(gic.rec.calls.size() == 1);
}

TEST_CASE("vgic: a disabled pending interrupt waits, and enabling it notifies and lists it", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.dwrite(g::gicd_icenabler + 4, 1u << (spi % 32));
    gic.vgic->raise_edge(0, spi);
    CHECK(gic.rec.calls.empty());
    CHECK(gic.pending_bit(spi));
    CHECK_FALSE(gic.has_deliverable(0));
    CHECK(gic.flush(0).used == 0);

    gic.dwrite(g::gicd_isenabler + 4, 1u << (spi % 32));
    CHECK(gic.rec.calls == std::vector<unsigned>{0});
    CHECK(gic.flush(0).used == 1);
}

TEST_CASE("vgic: a disabled group stops delivery, enabling the group notifies", "[vgic]")
{
    Gic gic;
    gic.setup(spi, 0x80, true);
    gic.vgic->raise_edge(0, spi);
    CHECK(gic.rec.calls.empty());  // GICD_CTLR is 0
    CHECK(gic.flush(0).used == 0);
    CHECK_FALSE(gic.has_deliverable(0));

    gic.dwrite(g::gicd_ctlr, g::ctlr_enable_grp0);  // the wrong group
    CHECK(gic.rec.calls.empty());
    CHECK(gic.flush(0).used == 0);

    gic.enable_group1();
    CHECK(gic.rec.calls == std::vector<unsigned>{0});
    CHECK(gic.flush(0).used == 1);

    SECTION("a Group 0 interrupt is listed with Group 0 when Group 0 is enabled")
    {
        gic.dwrite(g::gicd_igroupr + 4, 0);
        gic.dwrite(g::gicd_ctlr, g::ctlr_enable_grp0);
        Vgic::Flush f = gic.flush(0);
        REQUIRE(f.used == 1);
        CHECK((f.lrs[0] & lr::group1) == 0);
    }
    SECTION("writing the same GICD_CTLR again tells nobody")
    {
        gic.rec.clear();
        gic.enable_group1();
        CHECK(gic.rec.calls.empty());
    }
}

TEST_CASE("vgic: an edge that fires again while active is listed pending and active", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.vgic->raise_edge(0, spi);
    Lrs lrs;
    reenter(gic, 0, lrs);
    lrs.ack(spi);
    gic.rec.clear();
    gic.vgic->raise_edge(0, spi);  // while the LR says active: the vCPU must refill
    CHECK(gic.rec.calls == std::vector<unsigned>{0});
    CHECK(gic.pending_bit(spi));
    Vgic::Flush f = reenter(gic, 0, lrs);
    REQUIRE(f.used == 1);
    CHECK((f.lrs[0] & lr::state_mask) == lr::state_pending_active);

    lrs.eoi(spi);
    f = reenter(gic, 0, lrs);
    REQUIRE(f.used == 1);
    CHECK((f.lrs[0] & lr::state_mask) == lr::state_pending);

    SECTION("edges while still pending in the LR merge into one")
    {
        gic.vgic->raise_edge(0, spi);
        gic.vgic->raise_edge(0, spi);
        lrs.ack(spi);
        f = reenter(gic, 0, lrs);
        REQUIRE(f.used == 1);
        CHECK((f.lrs[0] & lr::state_mask) == lr::state_pending_active);
        lrs.eoi(spi);
        lrs.ack(spi);
        lrs.eoi(spi);
        CHECK(reenter(gic, 0, lrs).used == 0);
    }
}

TEST_CASE("vgic: a level line held high pends again after EOI, lowered before EOI it does not", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, false);
    gic.vgic->set_level(0, spi, true);
    CHECK(gic.rec.calls == std::vector<unsigned>{0});
    Lrs lrs;
    Vgic::Flush f = reenter(gic, 0, lrs);
    REQUIRE(f.used == 1);
    CHECK(f.lrs[0] == lr::make(spi, 0x80, true, lr::state_pending, true));  // EOI: resample

    lrs.ack(spi);
    f = reenter(gic, 0, lrs);
    REQUIRE(f.used == 1);
    // Active only, though the line is still high: the EOI maintenance interrupt resamples.
    CHECK((f.lrs[0] & lr::state_mask) == lr::state_active);
    CHECK((f.lrs[0] & lr::eoi) != 0);
    CHECK(gic.pending_bit(spi));  // the distributor says pending and active, as a GIC would
    CHECK(gic.active_bit(spi));

    SECTION("held high: pending again after the EOI")
    {
        lrs.eoi(spi);
        f = reenter(gic, 0, lrs);
        REQUIRE(f.used == 1);
        CHECK((f.lrs[0] & lr::state_mask) == lr::state_pending);
    }
    SECTION("lowered before the EOI: gone after it")
    {
        gic.vgic->set_level(0, spi, false);
        lrs.eoi(spi);
        f = reenter(gic, 0, lrs);
        CHECK(f.used == 0);
        CHECK_FALSE(gic.pending_bit(spi));
        CHECK_FALSE(gic.active_bit(spi));
    }
    SECTION("lowered while still pending in the LR, before the guest took it: withdrawn")
    {
        lrs.eoi(spi);
        f = reenter(gic, 0, lrs);
        REQUIRE(f.used == 1);
        gic.vgic->set_level(0, spi, false);
        f = reenter(gic, 0, lrs);
        CHECK(f.used == 0);
    }
    SECTION("raising an already high line tells nobody again")
    {
        gic.rec.clear();
        gic.vgic->set_level(0, spi, true);
        CHECK(gic.rec.calls.empty());
    }
}

TEST_CASE("vgic: an edge on a level-configured PPI lasts until acknowledged, a second one after is kept", "[vgic]")
{
    // The virtual timer as the glue may inject it: Linux configures PPI 27 level, the glue
    // raises an edge each time the timer fires.
    Gic gic;
    gic.enable_group1();
    gic.setup(timer_ppi, 0xa0, false, 1);
    gic.vgic->raise_edge(1, timer_ppi);
    CHECK(gic.rec.calls == std::vector<unsigned>{1});
    Lrs lrs;
    Vgic::Flush f = reenter(gic, 1, lrs);
    REQUIRE(f.used == 1);
    // Pended through its latch alone, the line low: no EOI maintenance, so its EOI costs
    // no exit (vgic_lr.cpp).
    CHECK(f.lrs[0] == lr::make(timer_ppi, 0xa0, true, lr::state_pending, false));
    CHECK(gic.flush(0).used == 0);  // private to vCPU 1

    lrs.ack(timer_ppi);
    gic.vgic->raise_edge(1, timer_ppi);  // fires again before the vCPU exits
    f = reenter(gic, 1, lrs);
    REQUIRE(f.used == 1);
    CHECK((f.lrs[0] & lr::state_mask) == lr::state_active);
    lrs.eoi(timer_ppi);
    f = reenter(gic, 1, lrs);
    REQUIRE(f.used == 1);
    CHECK((f.lrs[0] & lr::state_mask) == lr::state_pending);
    lrs.ack(timer_ppi);
    lrs.eoi(timer_ppi);
    CHECK(reenter(gic, 1, lrs).used == 0);
}

TEST_CASE("vgic: list registers fill by priority, ties by INTID, active ones first", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    const std::pair<std::uint32_t, std::uint8_t> irqs[] = {
        {45, 0x80}, {33, 0xa0}, {50, 0x40}, {34, 0x80}, {60, 0xf0}, {3, 0x80}, {20, 0x10},
    };
    for (auto [intid, prio] : irqs) {
        gic.setup(intid, prio, true);
        gic.vgic->raise_edge(0, intid);
    }
    Vgic::Flush f = gic.flush(0, 16);
    REQUIRE(f.used == 7);
    CHECK_FALSE(f.more_pending);
    const std::uint32_t order[] = {20, 50, 3, 34, 45, 33, 60};
    for (unsigned i = 0; i < 7; ++i) {
        CHECK(lr::vintid(f.lrs[i]) == order[i]);
        CHECK(lr::priority(f.lrs[i]) == (lr::priority(f.lrs[i]) & 0xf8));
    }

    Lrs lrs;
    lrs.load(f, 16);
    lrs.ack(60);  // the lowest-priority one becomes active
    gic.vgic->fold(0, lrs.v, 16);
    f = gic.flush(0, 2);
    REQUIRE(f.used == 2);
    CHECK(lr::vintid(f.lrs[0]) == 60);  // active first: the guest must be able to deactivate it
    CHECK(lr::vintid(f.lrs[1]) == 20);
    CHECK(f.more_pending);
}

TEST_CASE("vgic: more interrupts than list registers: more_pending, then the rest after a fold", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    for (std::uint32_t i = 0; i < 6; ++i) {
        gic.setup(32 + i, static_cast<std::uint8_t>(0x80 + 8 * i), true);
        gic.vgic->raise_edge(0, 32 + i);
    }
    Lrs lrs;
    Vgic::Flush f = reenter(gic, 0, lrs, 4);
    REQUIRE(f.used == 4);
    CHECK(f.more_pending);
    for (std::uint32_t i = 0; i < 4; ++i) {
        CHECK(lr::vintid(f.lrs[i]) == 32 + i);
    }
    // The guest handles all four; the underflow maintenance interrupt brings the vCPU out.
    for (std::uint32_t i = 0; i < 4; ++i) {
        lrs.ack(32 + i);
        lrs.eoi(32 + i);
    }
    f = reenter(gic, 0, lrs, 4);
    REQUIRE(f.used == 2);
    CHECK_FALSE(f.more_pending);
    CHECK(lr::vintid(f.lrs[0]) == 36);
    CHECK(lr::vintid(f.lrs[1]) == 37);

    SECTION("no list registers at all: everything waits")
    {
        f = gic.flush(0, 0);
        CHECK(f.used == 0);
        CHECK(f.more_pending);
    }
    SECTION("more than max_lrs counts as max_lrs")
    {
        f = gic.flush(0, 100);
        CHECK(f.used == 2);
    }
}

TEST_CASE("vgic: a flush without a fold takes the list registers as unchanged", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.vgic->raise_edge(0, spi);
    Vgic::Flush f1 = gic.flush(0);
    Vgic::Flush f2 = gic.flush(0);
    REQUIRE(f2.used == 1);
    CHECK(f2.lrs[0] == f1.lrs[0]);

    SECTION("a fold with fewer LRs takes the rest as unchanged, and a wrong vINTID is ignored")
    {
        std::uint64_t wrong = lr::make(spi + 1, 0x80, true, lr::state_invalid, false);
        gic.vgic->fold(0, &wrong, 1);
        Vgic::Flush f3 = gic.flush(0);
        REQUIRE(f3.used == 1);
        CHECK(f3.lrs[0] == f1.lrs[0]);
        gic.vgic->fold(0, nullptr, 0);
        CHECK(gic.flush(0).used == 1);
    }
}

TEST_CASE("vgic: an interrupt that is pending and active cannot be taken until deactivated", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.vgic->raise_edge(0, spi);
    Lrs lrs;
    reenter(gic, 0, lrs);
    lrs.ack(spi);
    gic.vgic->raise_edge(0, spi);
    gic.vgic->fold(0, lrs.v, lrs.n);
    CHECK(gic.pending_bit(spi));
    CHECK(gic.active_bit(spi));
    CHECK_FALSE(gic.has_deliverable(0));  // WFI would not end for it

    SECTION("deactivated through ICACTIVER by another vCPU: takeable, and the vCPU is told")
    {
        gic.rec.clear();
        gic.dwrite(g::gicd_icactiver + 4, 1u << (spi % 32));
        CHECK(gic.rec.calls == std::vector<unsigned>{0});
        CHECK(gic.has_deliverable(0));
        Vgic::Flush f = gic.flush(0);
        REQUIRE(f.used == 1);
        CHECK((f.lrs[0] & lr::state_mask) == lr::state_pending);
    }
}

TEST_CASE("vgic: ICPENDR and ICACTIVER on a listed interrupt apply at the next fold", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.vgic->raise_edge(0, spi);
    Lrs lrs;
    reenter(gic, 0, lrs);
    CHECK(gic.pending_bit(spi));

    SECTION("clear pending")
    {
        gic.dwrite(g::gicd_icpendr + 4, 1u << (spi % 32));
        CHECK_FALSE(gic.pending_bit(spi));
        CHECK(reenter(gic, 0, lrs).used == 0);
    }
    SECTION("set then clear active")
    {
        gic.dwrite(g::gicd_isactiver + 4, 1u << (spi % 32));
        CHECK(gic.active_bit(spi));
        Vgic::Flush f = reenter(gic, 0, lrs);
        REQUIRE(f.used == 1);
        CHECK((f.lrs[0] & lr::state_mask) == lr::state_pending_active);
        gic.dwrite(g::gicd_icactiver + 4, 1u << (spi % 32));
        f = reenter(gic, 0, lrs);
        REQUIRE(f.used == 1);
        CHECK((f.lrs[0] & lr::state_mask) == lr::state_pending);
    }
    SECTION("ISPENDR on an SGI through the redistributor")
    {
        gic.setup(5, 0x90, true, 2);
        gic.rwrite(2, true, g::gicr_ispendr0, 1u << 5);
        CHECK(gic.rec.count(2) == 1);
        gic.rwrite(2, true, g::gicr_icpendr0, 1u << 5);
        CHECK(gic.flush(2).used == 0);
    }
}

TEST_CASE("vgic: a disabled interrupt that is active stays listed so the guest can deactivate it", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.vgic->raise_edge(0, spi);
    Lrs lrs;
    reenter(gic, 0, lrs);
    lrs.ack(spi);
    gic.dwrite(g::gicd_icenabler + 4, 1u << (spi % 32));
    gic.dwrite(g::gicd_ctlr, 0);
    Vgic::Flush f = reenter(gic, 0, lrs);
    REQUIRE(f.used == 1);
    CHECK((f.lrs[0] & lr::state_mask) == lr::state_active);
    lrs.eoi(spi);
    CHECK(reenter(gic, 0, lrs).used == 0);
}

TEST_CASE("vgic: an edge-configured interrupt latches on a rising line only", "[vgic]")
{
    Gic gic;
    gic.enable_group1();
    gic.setup(spi, 0x80, true);
    gic.vgic->set_level(0, spi, true);
    Lrs lrs;
    reenter(gic, 0, lrs);
    lrs.ack(spi);
    lrs.eoi(spi);
    gic.vgic->set_level(0, spi, true);  // still high: no new edge
    CHECK(reenter(gic, 0, lrs).used == 0);
    gic.vgic->set_level(0, spi, false);
    gic.vgic->set_level(0, spi, true);
    CHECK(reenter(gic, 0, lrs).used == 1);
}
