// Doorbells through their hypercalls (kernel/ipc/doorbell.h): the flag word, the masks,
// the interrupt (raised once per send or mask that finds an enabled flag, observed both
// by the source's count and by the vGIC's pending bit), binding, and every refusal, which
// must change nothing.
#include <cstdint>
#include <vector>

#include "test_ipc_fixture.h"

using namespace ipctest;

namespace {

constexpr std::uint64_t all = ~std::uint64_t{0};

struct Bells : Ipc {
    Return send(CapId d, std::uint64_t flags) { return call(GUNYAH_HC_DOORBELL_SEND, d, flags); }
    Return recv(CapId d, std::uint64_t clear) { return call(GUNYAH_HC_DOORBELL_RECEIVE, d, clear); }
    std::int64_t mask(CapId d, std::uint64_t enable, std::uint64_t ack)
    {
        return e(GUNYAH_HC_DOORBELL_MASK, d, enable, ack);
    }
    std::int64_t reset(CapId d) { return e(GUNYAH_HC_DOORBELL_RESET, d); }
    std::int64_t bind(CapId d, CapId vic, std::uint64_t virq) { return e(GUNYAH_HC_DOORBELL_BIND_VIRQ, d, vic, virq); }
    std::int64_t unbind(CapId d) { return e(GUNYAH_HC_DOORBELL_UNBIND_VIRQ, d); }
    std::uint64_t flags(CapId d) { return db(d).view().flags; }
    std::uint64_t raised(CapId d) { return db(d).view().raised; }
    // A cap id that named a doorbell once: deleted since.
    CapId revoked_doorbell()
    {
        CapId d = doorbell();
        CapId copy = weak(d, GUNYAH_RIGHTS_DOORBELL_ALL);
        drop(copy);
        return copy;
    }
};

}  // namespace

TEST_CASE("doorbell: created in init, activated with nothing to configure, nothing works before")
{
    Bells s;
    CapId d = s.new_doorbell();
    Doorbell& bell = s.db(d);
    CHECK(bell.state() == ObjectState::init);
    CHECK(bell.view() == Doorbell::View{0, all, 0, false, 0, 0});
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_DOORBELL, s.cspace_cap, s.cspace_cap)) ==
          GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.e(GUNYAH_HC_PARTITION_CREATE_DOORBELL, s.partition_cap, s.cspace_cap, 1) == GUNYAH_ERROR_ARG_INVAL);

    // Every call wants an active doorbell.
    CHECK(err(s.send(d, 1)) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(err(s.recv(d, 1)) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.mask(d, 1, 0) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.reset(d) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.bind(d, s.vic_cap, spi_a) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.unbind(d) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(bell.view() == Doorbell::View{0, all, 0, false, 0, 0});

    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, s.weak(d, GUNYAH_RIGHTS_DOORBELL_ALL & ~GUNYAH_RIGHT_ACTIVATE)) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, d) == GUNYAH_ERROR_OK);
    CHECK(bell.state() == ObjectState::active);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, d) == GUNYAH_ERROR_OBJECT_STATE);
}

TEST_CASE("doorbell: send ORs flags in, receive clears them, each returns the word as it was")
{
    Bells s;
    CapId d = s.doorbell();
    Return r = s.send(d, 0x5);
    CHECK(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == 0);
    r = s.send(d, 0x30);
    CHECK(r.x[1] == 0x5);
    CHECK(s.flags(d) == 0x35);
    r = s.recv(d, 0x11);
    CHECK(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == 0x35);
    CHECK(s.flags(d) == 0x24);
    r = s.recv(d, all);
    CHECK(r.x[1] == 0x24);
    CHECK(s.flags(d) == 0);
    // Nothing to send or to clear: arg_inval, as Gunyah.
    CHECK(err(s.send(d, 0)) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(err(s.recv(d, 0)) == GUNYAH_ERROR_ARG_INVAL);
    // Unbound: no interrupt anywhere, and no count.
    CHECK(s.raised(d) == 0);
}

TEST_CASE("doorbell: a bound doorbell raises its SPI once per send that finds an enabled flag")
{
    Bells s;
    CapId d = s.doorbell();
    REQUIRE(s.bind(d, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    CHECK(s.db(d).view().bound);
    CHECK(s.db(d).view().virq == spi_a);
    CHECK_FALSE(s.spi_pending(spi_a));

    // Enabled by default: every send raises, and the vGIC shows the SPI pending.
    CHECK(err(s.send(d, 1)) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 1);
    CHECK(s.spi_pending(spi_a));
    CHECK_FALSE(s.spi_pending(spi_b));
    s.clear_spi(spi_a);  // the guest took it
    CHECK(err(s.send(d, 1)) == GUNYAH_ERROR_OK);  // no new flag, but an enabled one is set: rung again
    CHECK(s.raised(d) == 2);
    CHECK(s.spi_pending(spi_a));
    s.clear_spi(spi_a);

    // Only bit 4 enabled: flags outside it are recorded and ring nothing...
    REQUIRE(err(s.recv(d, all)) == GUNYAH_ERROR_OK);
    REQUIRE(s.mask(d, 0x10, 0) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 2);
    CHECK(err(s.send(d, 0x1)) == GUNYAH_ERROR_OK);
    CHECK(err(s.send(d, 0x2)) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 2);
    CHECK_FALSE(s.spi_pending(spi_a));
    CHECK(s.flags(d) == 0x3);
    // ... until an enabled one comes.
    CHECK(err(s.send(d, 0x10)) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 3);
    CHECK(s.spi_pending(spi_a));
    CHECK(s.flags(d) == 0x13);
}

TEST_CASE("doorbell: ack_mask bits are cleared when the interrupt is raised")
{
    Bells s;
    CapId d = s.doorbell();
    REQUIRE(s.bind(d, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    REQUIRE(s.mask(d, 0xff, 0x0f) == GUNYAH_ERROR_OK);
    Return r = s.send(d, 0x13);
    CHECK(r.x[1] == 0);
    CHECK(s.raised(d) == 1);
    CHECK(s.flags(d) == 0x10);  // 0x03 acknowledged with the interrupt
    // A flag outside enable_mask raises nothing, so nothing is acknowledged either.
    REQUIRE(s.mask(d, 0xf0, 0x0f) == GUNYAH_ERROR_OK);  // 0x10 still enabled and set: no new edge
    CHECK(s.raised(d) == 1);
    REQUIRE(err(s.recv(d, 0x10)) == GUNYAH_ERROR_OK);
    r = s.send(d, 0x100);
    CHECK(s.raised(d) == 1);
    CHECK(s.flags(d) == 0x100);
    r = s.send(d, 0x01);  // ack'ed bits stay while nothing enabled is set
    CHECK(s.flags(d) == 0x101);
    CHECK(s.raised(d) == 1);
    // An unbound doorbell acknowledges the same way (the interrupt just goes nowhere).
    CapId quiet = s.doorbell();
    REQUIRE(s.mask(quiet, all, 0x1) == GUNYAH_ERROR_OK);
    REQUIRE(err(s.send(quiet, 0x3)) == GUNYAH_ERROR_OK);
    CHECK(s.flags(quiet) == 0x2);
    CHECK(s.raised(quiet) == 0);
}

TEST_CASE("doorbell: mask raises once when it enables flags already set, reset restores the defaults")
{
    Bells s;
    CapId d = s.doorbell();
    REQUIRE(s.bind(d, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    REQUIRE(s.mask(d, 0, 0) == GUNYAH_ERROR_OK);  // nothing enabled
    REQUIRE(err(s.send(d, 0x6)) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 0);
    // Enabling a set flag: one edge, and the ack bits go.
    REQUIRE(s.mask(d, 0x2, 0x4) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 1);
    CHECK(s.spi_pending(spi_a));
    CHECK(s.flags(d) == 0x2);
    CHECK(s.db(d).view().enable_mask == 0x2);
    CHECK(s.db(d).view().ack_mask == 0x4);
    // Still enabled under a new mask: no new edge; the new ack bits go.
    REQUIRE(s.mask(d, 0x3, 0x2) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 1);
    CHECK(s.flags(d) == 0);
    // Disabling: no edge.
    REQUIRE(err(s.send(d, 0x1)) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 2);
    REQUIRE(s.mask(d, 0, 0) == GUNYAH_ERROR_OK);
    CHECK(s.raised(d) == 2);

    REQUIRE(s.reset(d) == GUNYAH_ERROR_OK);
    Doorbell::View v = s.db(d).view();
    CHECK(v.flags == 0);
    CHECK(v.enable_mask == all);
    CHECK(v.ack_mask == 0);
    CHECK(v.bound);  // reset keeps the binding
    CHECK(v.virq == spi_a);
    CHECK(v.raised == 2);
}

TEST_CASE("doorbell: every call checks its cap (null, revoked, type, rights) and R0, and changes nothing")
{
    Bells s;
    CapId d = s.doorbell();
    REQUIRE(s.bind(d, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    REQUIRE(s.mask(d, 0xff, 0x80) == GUNYAH_ERROR_OK);
    REQUIRE(err(s.send(d, 0x3)) == GUNYAH_ERROR_OK);
    const Doorbell::View before = s.db(d).view();
    const CapId revoked = s.revoked_doorbell();
    const CapId null_cap = 0xdead'beef;

    struct Call {
        const char* name;
        std::uint32_t number;
        Rights needs;
        unsigned args;  // inputs before R0 (the cap first)
        std::uint64_t a1, a2;
    };
    const Call calls[] = {
        {"send", GUNYAH_HC_DOORBELL_SEND, GUNYAH_RIGHT_DOORBELL_SEND, 2, 0x4, 0},
        {"receive", GUNYAH_HC_DOORBELL_RECEIVE, GUNYAH_RIGHT_DOORBELL_RECEIVE, 2, 0x1, 0},
        {"mask", GUNYAH_HC_DOORBELL_MASK, GUNYAH_RIGHT_DOORBELL_RECEIVE, 3, 0x1, 0x1},
        {"reset", GUNYAH_HC_DOORBELL_RESET, GUNYAH_RIGHT_DOORBELL_RECEIVE, 1, 0, 0},
        {"unbind_virq", GUNYAH_HC_DOORBELL_UNBIND_VIRQ, GUNYAH_RIGHT_DOORBELL_BIND, 1, 0, 0},
        {"bind_virq", GUNYAH_HC_DOORBELL_BIND_VIRQ, GUNYAH_RIGHT_DOORBELL_BIND, 3, s.vic_cap, spi_b},
    };
    for (const Call& c : calls) {
        CAPTURE(c.name);
        auto as = [&](CapId cap) { return s.e(c.number, cap, c.a1, c.a2); };
        CHECK(as(null_cap) == GUNYAH_ERROR_CSPACE_CAP_NULL);
        CHECK(as(GUNYAH_CAP_ID_INVALID) == GUNYAH_ERROR_CSPACE_CAP_NULL);
        CHECK(as(revoked) == GUNYAH_ERROR_CSPACE_CAP_REVOKED);
        CHECK(as(s.vic_cap) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
        CHECK(as(s.weak(d, GUNYAH_RIGHTS_DOORBELL_ALL & ~c.needs)) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
        // R0, the input after the last one the call takes.
        std::uint64_t regs[4] = {d, c.a1, c.a2, 0};
        regs[c.args] = 1;
        CHECK(s.e(c.number, regs[0], regs[1], regs[2], regs[3]) == GUNYAH_ERROR_ARG_INVAL);
        CHECK(s.db(d).view() == before);
    }
    CHECK_FALSE(s.spi_pending(spi_b));

    // The right each needs is enough on its own.
    CHECK(err(s.send(s.weak(d, GUNYAH_RIGHT_DOORBELL_SEND), 0x4)) == GUNYAH_ERROR_OK);
    CHECK(err(s.recv(s.weak(d, GUNYAH_RIGHT_DOORBELL_RECEIVE), 0x4)) == GUNYAH_ERROR_OK);
    CHECK(s.mask(s.weak(d, GUNYAH_RIGHT_DOORBELL_RECEIVE), 0xff, 0x80) == GUNYAH_ERROR_OK);
    CHECK(s.unbind(s.weak(d, GUNYAH_RIGHT_DOORBELL_BIND)) == GUNYAH_ERROR_OK);
    CHECK(s.bind(s.weak(d, GUNYAH_RIGHT_DOORBELL_BIND), s.weak(s.vic_cap, GUNYAH_RIGHT_VIC_BIND_SOURCE), spi_b) ==
          GUNYAH_ERROR_OK);
    CHECK(s.reset(s.weak(d, GUNYAH_RIGHT_DOORBELL_RECEIVE)) == GUNYAH_ERROR_OK);
}

TEST_CASE("doorbell: bind_virq and unbind_virq refuse what they must, in order, changing nothing")
{
    Bells s;
    CapId d = s.doorbell();
    CapId other = s.doorbell();
    const Doorbell::View unbound = s.db(d).view();

    // The vic's cap: type, rights (bind_source), state.
    CHECK(s.bind(d, s.vm_as, spi_a) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.bind(d, s.weak(s.vic_cap, GUNYAH_RIGHTS_VIC_ALL & ~GUNYAH_RIGHT_VIC_BIND_SOURCE), spi_a) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CapId init_vic = s.new_vic();
    REQUIRE(s.configure(init_vic, 1, 32) == GUNYAH_ERROR_OK);
    CHECK(s.bind(d, init_vic, spi_a) == GUNYAH_ERROR_OBJECT_STATE);
    // The doorbell's state comes before the vic's cap.
    CHECK(s.bind(s.new_doorbell(), s.vm_as, spi_a) == GUNYAH_ERROR_OBJECT_STATE);
    // virq: one of the vic's SPIs (INTIDs 32..95 here); all 64 bits of it.
    for (std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{15}, std::uint64_t{27}, std::uint64_t{31},
                              std::uint64_t{last_spi + 1}, std::uint64_t{1020}, std::uint64_t{1} << 32,
                              (std::uint64_t{1} << 32) | spi_a, all}) {
        CAPTURE(bad);
        CHECK(s.bind(d, s.vic_cap, bad) == GUNYAH_ERROR_ARG_INVAL);
    }
    // The vPL011's SPI is taken.
    CHECK(s.bind(d, s.vic_cap, uart_intid) == GUNYAH_ERROR_IRQ_BOUND);
    // Not bound: unbind is irq_unbound.
    CHECK(s.unbind(d) == GUNYAH_ERROR_IRQ_UNBOUND);
    CHECK(s.db(d).view() == unbound);
    const std::uint32_t vic_refs = s.vic(s.vic_cap).references();

    // The first and last SPIs are fine.
    REQUIRE(s.bind(d, s.vic_cap, 32) == GUNYAH_ERROR_OK);
    CHECK(s.vic(s.vic_cap).references() == vic_refs + 1);  // the doorbell holds the vic
    REQUIRE(s.bind(other, s.vic_cap, last_spi) == GUNYAH_ERROR_OK);
    // Bound already (even to the same SPI, or to a free one): irq_bound.
    CHECK(s.bind(d, s.vic_cap, 32) == GUNYAH_ERROR_IRQ_BOUND);
    CHECK(s.bind(d, s.vic_cap, spi_a) == GUNYAH_ERROR_IRQ_BOUND);
    // The source's binding is checked before the SPI's range.
    CHECK(s.bind(d, s.vic_cap, all) == GUNYAH_ERROR_IRQ_BOUND);
    // Another source's SPI: irq_bound.
    CapId third = s.doorbell();
    CHECK(s.bind(third, s.vic_cap, last_spi) == GUNYAH_ERROR_IRQ_BOUND);
    CHECK_FALSE(s.db(third).view().bound);
    CHECK(s.vic(s.vic_cap).references() == vic_refs + 2);

    // Unbind frees the SPI and the vic's reference; a second unbind is irq_unbound.
    REQUIRE(s.unbind(other) == GUNYAH_ERROR_OK);
    CHECK(s.unbind(other) == GUNYAH_ERROR_IRQ_UNBOUND);
    CHECK(s.vic(s.vic_cap).references() == vic_refs + 1);
    CHECK(s.bind(third, s.vic_cap, last_spi) == GUNYAH_ERROR_OK);
    // An unbound doorbell raises nothing any more; its old SPI stays quiet.
    REQUIRE(err(s.send(other, 1)) == GUNYAH_ERROR_OK);
    CHECK(s.raised(other) == 0);
}
