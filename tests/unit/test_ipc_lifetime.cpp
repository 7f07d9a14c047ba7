// Who keeps whom alive when message queues and doorbells are bound to a vic: a bound
// source holds a reference on the vic (kernel/object/vic.h), so deleting the vic's last
// cap leaves it in place, still taking interrupts, until the source unbinds or is
// destroyed; destroying a bound queue or doorbell unbinds it. ASan checks that nothing
// touches freed memory on the way; the partition's free bytes that everything comes back.
#include <cstdint>

#include "test_ipc_fixture.h"

using namespace ipctest;

TEST_CASE("ipc lifetime: a bound queue keeps its vic alive after the vic's cap is gone")
{
    Ipc s;
    const std::uint64_t free_at_start = s.root.free_bytes();
    CapId vic_cap = s.active_vic(1, 32);  // a second vic, with no vCPU: only the caps and sources hold it
    Vic* vic = &s.vic(vic_cap);
    CHECK(vic->references() == 1);
    CapId q = s.msgqueue(2, 16);
    CapId d = s.doorbell();
    REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, vic_cap, 40) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_DOORBELL_BIND_VIRQ, d, vic_cap, 41) == GUNYAH_ERROR_OK);
    CHECK(vic->references() == 3);

    s.drop(vic_cap);
    CHECK(vic->references() == 2);
    CHECK(vic->state() == ObjectState::active);
    // Still raising into the vic's vGIC (which ASan would flag if it were freed).
    REQUIRE(err(s.send(q, 16)) == GUNYAH_ERROR_OK);
    REQUIRE(err(s.call(GUNYAH_HC_DOORBELL_SEND, d, 1)) == GUNYAH_ERROR_OK);
    CHECK(s.mq(q).view().receive_raised == 1);
    CHECK(s.db(d).view().raised == 1);

    SECTION("the queue unbinds, then the doorbell is destroyed: the vic goes with the last")
    {
        REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, q) == GUNYAH_ERROR_OK);
        CHECK(vic->references() == 1);
        s.drop(d);  // its destructor unbinds, and that was the vic's last reference
        REQUIRE(err(s.receive(q)) == GUNYAH_ERROR_OK);
        s.drop(q);
    }
    SECTION("both are destroyed while bound")
    {
        s.drop(q);
        CHECK(vic->references() == 1);
        s.drop(d);
    }
    CHECK(s.root.free_bytes() == free_at_start);
}

TEST_CASE("ipc lifetime: destroying a bound queue or doorbell frees its SPIs and its hold on the vic")
{
    Ipc s;
    Vic& vic = s.vic(s.vic_cap);
    const std::uint32_t refs = vic.references();
    const std::uint64_t free_before = s.root.free_bytes();
    {
        CapId q = s.msgqueue(4, rm_size);
        CapId d = s.doorbell();
        REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, q, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
        REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, s.vic_cap, spi_b) == GUNYAH_ERROR_OK);
        REQUIRE(s.e(GUNYAH_HC_DOORBELL_BIND_VIRQ, d, s.vic_cap, spi_c) == GUNYAH_ERROR_OK);
        CHECK(vic.references() == refs + 3);
        REQUIRE(err(s.send(q, 100)) == GUNYAH_ERROR_OK);  // a message still queued when it goes
        s.drop(q);
        s.drop(d);
    }
    CHECK(vic.references() == refs);
    CHECK(s.root.free_bytes() == free_before);
    // The SPIs are free for new sources.
    CapId q2 = s.msgqueue(1, 8);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, q2, s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q2, s.vic_cap, spi_b) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_DOORBELL_BIND_VIRQ, s.doorbell(), s.vic_cap, spi_c) == GUNYAH_ERROR_OK);
}

TEST_CASE("ipc lifetime: a source bound to a vic on its SPI first keeps it from the vPL011")
{
    // A vic whose first vCPU is activated after a queue took the UART's SPI: the vPL011
    // is not wired (one SPI, one source), and the queue's interrupt is the SPI's alone.
    Ipc s;
    CapId vic_cap = s.active_vic(1, 32);
    CapId q = s.msgqueue(2, 16);
    REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, vic_cap, uart_intid) == GUNYAH_ERROR_OK);
    // A second VM (address space vmid 2, with its own vPL011) for that vic.
    CapId t = s.attached_thread(2);
    REQUIRE(s.attach_vic(vic_cap, t, 0) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, t) == GUNYAH_ERROR_OK);
    AddrSpace* as = s.v(t).addrspace();
    REQUIRE(as != nullptr);
    REQUIRE(as->devices().has_uart());
    // The UART raises its line: the vGIC does not see it.
    REQUIRE(as->devices().bus().write(Ipa{uart + pl011::imsc}, 4, pl011::int_tx) == virt::BusResult::handled);
    REQUIRE(as->devices().bus().write(Ipa{uart + pl011::dr}, 4, 'x') == virt::BusResult::handled);
    std::uint64_t pending = 0;
    REQUIRE(as->devices().bus().read(Ipa{gicd + gicv3::gicd_ispendr + 4}, 4, pending) == virt::BusResult::handled);
    CHECK((pending & (1u << (uart_intid - 32))) == 0);
    REQUIRE(err(s.send(q, 16)) == GUNYAH_ERROR_OK);
    REQUIRE(as->devices().bus().read(Ipa{gicd + gicv3::gicd_ispendr + 4}, 4, pending) == virt::BusResult::handled);
    CHECK((pending & (1u << (uart_intid - 32))) != 0);
}
