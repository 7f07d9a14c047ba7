// Hardware forwarding in the vGIC (Vgic::set_forwarded): a forwarded SPI is always listed
// with the EOI bit, and only the fold that finds the guest done with it (listed pending or
// active, now neither) drops its line and reports it for the physical one to be unmasked.
#include <vector>

#include "tests/unit/test_vgic_support.h"

using namespace vgic_test;

namespace {

constexpr std::uint32_t spi = 40;

std::vector<std::uint32_t> resampled(Gic& gic)
{
    std::uint32_t out[4];
    std::vector<std::uint32_t> all;
    for (unsigned n = gic.vgic->take_resampled(out, 4); n != 0; n = gic.vgic->take_resampled(out, 4)) {
        all.insert(all.end(), out, out + n);
    }
    CHECK_FALSE(gic.vgic->has_resampled());
    return all;
}

// A forwarded level SPI, enabled for vCPU 0, its line raised as the physical one fired.
struct Forwarded : Gic {
    Forwarded() : Gic(2, 64)
    {
        enable_group1();
        setup(spi, 0xa0);
        vgic->set_forwarded(spi, true);
        vgic->set_level(0, spi, true);
    }
};

}  // namespace

TEST_CASE("vgic forwarding: listed with the EOI bit, done only once deactivated, then the line drops")
{
    Forwarded gic;
    Lrs lrs;
    Vgic::Flush f = gic.flush(0);
    lrs.load(f, 4);
    REQUIRE(lrs.find(spi) >= 0);
    CHECK((lrs.v[lrs.find(spi)] & lr::eoi) != 0);
    CHECK(lrs.state(spi) == lr::state_pending);

    // Not taken yet: nothing to resample, and it is listed again, pending.
    reenter(gic, 0, lrs);
    CHECK_FALSE(gic.vgic->has_resampled());
    CHECK(lrs.state(spi) == lr::state_pending);

    // Taken, not ended: listed active, still with the EOI bit; no resample yet.
    lrs.ack(spi);
    reenter(gic, 0, lrs);
    CHECK_FALSE(gic.vgic->has_resampled());
    REQUIRE(lrs.find(spi) >= 0);
    CHECK(lrs.state(spi) == lr::state_active);
    CHECK((lrs.v[lrs.find(spi)] & lr::eoi) != 0);

    // Ended: the fold reports it and drops the line, so it is not listed again.
    lrs.eoi(spi);
    reenter(gic, 0, lrs);
    CHECK(resampled(gic) == std::vector<std::uint32_t>{spi});
    CHECK(lrs.find(spi) < 0);
    CHECK_FALSE(gic.pending_bit(spi));
    CHECK(resampled(gic).empty());

    // The physical one fires again: a new pend, listed with the EOI bit again.
    gic.vgic->set_level(0, spi, true);
    f = gic.flush(0);
    lrs.load(f, 4);
    REQUIRE(lrs.find(spi) >= 0);
    CHECK((lrs.v[lrs.find(spi)] & lr::eoi) != 0);
}

TEST_CASE("vgic forwarding: taken and ended within one run, and an edge-configured one, are done too")
{
    Forwarded gic;
    Lrs lrs;
    lrs.load(gic.flush(0), 4);
    lrs.ack(spi);
    lrs.eoi(spi);
    reenter(gic, 0, lrs);
    CHECK(resampled(gic) == std::vector<std::uint32_t>{spi});

    // The guest configured it edge: its rising line latched, and the EOI bit is there still.
    gic.setup(spi, 0xa0, true);
    gic.vgic->set_level(0, spi, true);
    lrs.load(gic.flush(0), 4);
    REQUIRE(lrs.find(spi) >= 0);
    CHECK((lrs.v[lrs.find(spi)] & lr::eoi) != 0);
    lrs.ack(spi);
    lrs.eoi(spi);
    reenter(gic, 0, lrs);
    CHECK(resampled(gic) == std::vector<std::uint32_t>{spi});
}

TEST_CASE("vgic forwarding: not forwarded, a level line stays high and is listed again, and unforwarding forgets")
{
    Gic gic(2, 64);
    gic.enable_group1();
    gic.setup(spi, 0xa0);
    gic.vgic->set_level(0, spi, true);
    Lrs lrs;
    lrs.load(gic.flush(0), 4);
    lrs.ack(spi);
    lrs.eoi(spi);
    reenter(gic, 0, lrs);
    CHECK_FALSE(gic.vgic->has_resampled());
    CHECK(lrs.state(spi) == lr::state_pending);  // its line is still high

    Forwarded other;
    Lrs l2;
    l2.load(other.flush(0), 4);
    l2.ack(spi);
    l2.eoi(spi);
    other.vgic->fold(0, l2.v, l2.n);
    other.vgic->set_forwarded(spi, false);  // unbound before the run loop resampled it
    CHECK(resampled(other).empty());
}

TEST_CASE("vgic forwarding: a reset drops every line, so each forwarded SPI is to be unmasked")
{
    Forwarded gic;
    gic.vgic->set_forwarded(50, true);
    REQUIRE(gic.vgic->init(gic.config(), gic.rec).ok());
    CHECK(resampled(gic) == std::vector<std::uint32_t>{spi, 50});
    CHECK_FALSE(gic.pending_bit(spi));
}
