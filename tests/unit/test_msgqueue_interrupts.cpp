// Message queues' interrupts and thresholds (kernel/ipc/msgqueue.h): the receive
// interrupt at the not-empty threshold or on push, the send interrupt at the not-full
// threshold, threshold changes, holdoffs, flush, and binding. Each raise is counted at its
// source (exactly once per edge) and seen pending in the vGIC.
#include <cstdint>

#include "test_ipc_fixture.h"

using namespace ipctest;

namespace {

constexpr std::uint64_t all = ~std::uint64_t{0};
constexpr std::uint64_t unchanged = GUNYAH_MSGQUEUE_THRESHOLD_UNCHANGED;
constexpr std::uint64_t maximum = GUNYAH_MSGQUEUE_THRESHOLD_MAXIMUM;

}  // namespace

TEST_CASE("msgqueue: the receive interrupt fires when the count reaches the not-empty threshold, or on push")
{
    Queues s;
    CapId q = s.bound_queue(4, rm_size);
    CHECK_FALSE(s.spi_pending(spi_b));

    // Threshold 1 (default): the first message is the edge; more messages are not.
    s.send_ok(q, 1);
    CHECK(s.rx_raised(q) == 1);
    CHECK(s.spi_pending(spi_b));
    CHECK_FALSE(s.spi_pending(spi_a));  // the send side heard nothing
    s.clear_spi(spi_b);
    s.send_ok(q, 2);
    CHECK(s.rx_raised(q) == 1);
    CHECK_FALSE(s.spi_pending(spi_b));
    // Push raises on every send, whatever the count.
    s.send_ok(q, 1, 16, push);
    CHECK(s.rx_raised(q) == 2);
    CHECK(s.spi_pending(spi_b));
    // Draining and refilling: an edge again.
    s.receive_ok(q, 4);
    s.send_ok(q, 1);
    CHECK(s.rx_raised(q) == 3);
    s.receive_ok(q, 1);

    // Threshold 3: quiet until the third message.
    REQUIRE(s.configure_receive(q, 3) == GUNYAH_ERROR_OK);
    CHECK(s.mq(q).view().not_empty_threshold == 3);
    s.send_ok(q, 2);
    CHECK(s.rx_raised(q) == 3);
    s.send_ok(q, 1);
    CHECK(s.rx_raised(q) == 4);
    s.send_ok(q, 1);
    CHECK(s.rx_raised(q) == 4);
    // ... but push still wakes the receiver early.
    s.receive_ok(q, 4);
    s.send_ok(q, 1, 16, push);
    CHECK(s.rx_raised(q) == 5);
    s.receive_ok(q, 1);

    // MAXIMUM is the depth: a full queue.
    REQUIRE(s.configure_receive(q, maximum) == GUNYAH_ERROR_OK);
    CHECK(s.mq(q).view().not_empty_threshold == 4);
    s.send_ok(q, 3);
    CHECK(s.rx_raised(q) == 5);
    s.send_ok(q, 1);
    CHECK(s.rx_raised(q) == 6);
}

TEST_CASE("msgqueue: the send interrupt fires when the count drops to the not-full threshold")
{
    Queues s;
    CapId q = s.bound_queue(4, rm_size);
    // Threshold depth - 1 (default): the queue stops being full.
    s.send_ok(q, 4);
    CHECK(s.tx_raised(q) == 0);
    s.receive_ok(q, 1);
    CHECK(s.tx_raised(q) == 1);
    CHECK(s.spi_pending(spi_a));
    s.clear_spi(spi_a);
    s.receive_ok(q, 3);  // further receives are below the threshold already
    CHECK(s.tx_raised(q) == 1);
    CHECK_FALSE(s.spi_pending(spi_a));
    // A queue never full never says it stopped being full.
    s.send_ok(q, 3);
    s.receive_ok(q, 3);
    CHECK(s.tx_raised(q) == 1);

    // Threshold 1: the edge is at one message left.
    REQUIRE(s.configure_send(q, 1) == GUNYAH_ERROR_OK);
    s.send_ok(q, 3);
    s.receive_ok(q, 1);
    CHECK(s.tx_raised(q) == 1);
    s.receive_ok(q, 1);
    CHECK(s.tx_raised(q) == 2);
    s.receive_ok(q, 1);
    CHECK(s.tx_raised(q) == 2);
    // Threshold 0: only an empty queue.
    REQUIRE(s.configure_send(q, 0) == GUNYAH_ERROR_OK);
    s.send_ok(q, 2);
    s.receive_ok(q, 1);
    CHECK(s.tx_raised(q) == 2);
    s.receive_ok(q, 1);
    CHECK(s.tx_raised(q) == 3);
}

TEST_CASE("msgqueue: a threshold change raises only when it makes its condition true")
{
    Queues s;
    CapId q = s.bound_queue(4, rm_size);
    REQUIRE(s.configure_receive(q, 3) == GUNYAH_ERROR_OK);
    s.send_ok(q, 2);
    CHECK(s.rx_raised(q) == 0);
    REQUIRE(s.configure_receive(q, 2) == GUNYAH_ERROR_OK);  // 2 >= 2 now: an edge
    CHECK(s.rx_raised(q) == 1);
    REQUIRE(s.configure_receive(q, 1) == GUNYAH_ERROR_OK);  // was true already
    CHECK(s.rx_raised(q) == 1);
    REQUIRE(s.configure_receive(q, unchanged) == GUNYAH_ERROR_OK);
    CHECK(s.mq(q).view().not_empty_threshold == 1);

    s.send_ok(q, 2);  // full: not-full (count <= 3) is false
    REQUIRE(s.configure_send(q, 2) == GUNYAH_ERROR_OK);
    CHECK(s.tx_raised(q) == 0);
    s.receive_ok(q, 1);  // 3: above the threshold still
    CHECK(s.tx_raised(q) == 0);
    REQUIRE(s.configure_send(q, 3) == GUNYAH_ERROR_OK);  // 3 <= 3: an edge
    CHECK(s.tx_raised(q) == 1);
    REQUIRE(s.configure_send(q, unchanged) == GUNYAH_ERROR_OK);
    CHECK(s.mq(q).view().not_full_threshold == 3);
    CHECK(s.tx_raised(q) == 1);
}

TEST_CASE("msgqueue: configure_send and configure_receive refuse bad thresholds and any holdoff")
{
    Queues s;
    CapId q = s.bound_queue(4, rm_size);
    const MsgQueue::View before = s.mq(q).view();
    // Not-full: 0..depth - 1; MAXIMUM is not one.
    for (std::uint64_t bad : {std::uint64_t{4}, std::uint64_t{5}, maximum, std::uint64_t{1} << 32, all - 2}) {
        CAPTURE(bad);
        CHECK(s.configure_send(q, bad) == GUNYAH_ERROR_ARG_INVAL);
    }
    // Not-empty: 1..depth or MAXIMUM.
    for (std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{5}, all - 2, std::uint64_t{1} << 32}) {
        CAPTURE(bad);
        CHECK(s.configure_receive(q, bad) == GUNYAH_ERROR_ARG_INVAL);
    }
    // Holdoff: only 0 and UNCHANGED (either width); any delay is UNIMPLEMENTED, before the
    // threshold is looked at; a value that is no u32 is arg_inval.
    for (std::uint64_t delay : {std::uint64_t{1}, std::uint64_t{1000}, std::uint64_t{0xfffffffe}, all - 1}) {
        CAPTURE(delay);
        CHECK(s.configure_send(q, 1, delay) == GUNYAH_ERROR_UNIMPLEMENTED);
        CHECK(s.configure_send(q, 99, delay) == GUNYAH_ERROR_UNIMPLEMENTED);
        CHECK(s.configure_receive(q, 1, delay) == GUNYAH_ERROR_UNIMPLEMENTED);
    }
    CHECK(s.configure_send(q, 1, std::uint64_t{1} << 32) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.configure_receive(q, 1, 0x1'ffff'ffff) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.mq(q).view() == before);

    // Accepted: holdoff 0 or unchanged, as 32 or 64 bits; res1 is not looked at.
    CHECK(s.configure_send(q, 3, 0) == GUNYAH_ERROR_OK);
    CHECK(s.configure_send(q, 0, all) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_CONFIGURE_SEND, q, 2, GUNYAH_MSGQUEUE_DELAY_UNCHANGED, 0) == GUNYAH_ERROR_OK);
    CHECK(s.mq(q).view().not_full_threshold == 2);
    CHECK(s.configure_receive(q, 4, 0) == GUNYAH_ERROR_OK);
    CHECK(s.configure_receive(q, all, all) == GUNYAH_ERROR_OK);  // unchanged, sign-extended
    CHECK(s.configure_receive(q, all - 1, 0) == GUNYAH_ERROR_OK);  // MAXIMUM, sign-extended
    CHECK(s.mq(q).view().not_empty_threshold == 4);
}

TEST_CASE("msgqueue: flush empties the queue and says so to a sender that was above its threshold")
{
    Queues s;
    CapId q = s.bound_queue(4, rm_size);
    s.send_ok(q, 4);
    REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_FLUSH, q) == GUNYAH_ERROR_OK);
    CHECK(s.count(q) == 0);
    CHECK(s.tx_raised(q) == 1);
    CHECK(s.spi_pending(spi_a));
    CHECK(err(s.receive(q)) == GUNYAH_ERROR_MSGQUEUE_EMPTY);
    // At or below the threshold already: nothing to say.
    s.send_ok(q, 3);
    REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_FLUSH, q) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_FLUSH, q) == GUNYAH_ERROR_OK);
    CHECK(s.tx_raised(q) == 1);
    // The ring starts over: order and contents after a flush.
    for (std::uint8_t i = 0; i < 4; ++i) {
        s.fill(buf_ipa, 4, i);
        REQUIRE(err(s.send(q, 4)) == GUNYAH_ERROR_OK);
    }
    for (std::uint8_t i = 0; i < 4; ++i) {
        REQUIRE(err(s.receive(q, rx_ipa, 4)) == GUNYAH_ERROR_OK);
        CHECK(s.bytes(rx_ipa, 4) == Ipc::pattern(4, i));
    }
}

TEST_CASE("msgqueue: binding: each side once, on a free SPI of an active vic, unbinding an unbound side")
{
    Queues s;
    CapId q = s.msgqueue(4, rm_size);
    auto bind_tx = [&](CapId vic, std::uint64_t virq) { return s.e(GUNYAH_HC_MSGQUEUE_BIND_SEND_VIRQ, q, vic, virq); };
    auto bind_rx = [&](CapId vic, std::uint64_t virq) {
        return s.e(GUNYAH_HC_MSGQUEUE_BIND_RECEIVE_VIRQ, q, vic, virq);
    };
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_SEND_VIRQ, q) == GUNYAH_ERROR_IRQ_UNBOUND);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, q) == GUNYAH_ERROR_IRQ_UNBOUND);
    CHECK(bind_tx(s.vm_as, spi_a) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(bind_tx(s.weak(s.vic_cap, GUNYAH_RIGHT_VIC_ATTACH_VCPU), spi_a) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CapId init_vic = s.new_vic();
    CHECK(bind_rx(init_vic, spi_a) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(bind_tx(s.vic_cap, 31) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(bind_tx(s.vic_cap, last_spi + 1) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(bind_rx(s.vic_cap, uart_intid) == GUNYAH_ERROR_IRQ_BOUND);
    CHECK_FALSE(s.mq(q).view().send_bound);
    CHECK_FALSE(s.mq(q).view().receive_bound);

    REQUIRE(bind_tx(s.vic_cap, spi_a) == GUNYAH_ERROR_OK);
    CHECK(bind_tx(s.vic_cap, spi_b) == GUNYAH_ERROR_IRQ_BOUND);  // the send side is bound
    CHECK(bind_rx(s.vic_cap, spi_a) == GUNYAH_ERROR_IRQ_BOUND);  // its SPI is taken
    REQUIRE(bind_rx(s.vic_cap, spi_b) == GUNYAH_ERROR_OK);
    CHECK(s.mq(q).view().send_bound);
    CHECK(s.mq(q).view().receive_bound);
    // A doorbell cannot take a queue's SPI either.
    CHECK(s.e(GUNYAH_HC_DOORBELL_BIND_VIRQ, s.doorbell(), s.vic_cap, spi_b) == GUNYAH_ERROR_IRQ_BOUND);

    // Unbound sides raise nothing; rebinding elsewhere works.
    REQUIRE(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, q) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_MSGQUEUE_UNBIND_RECEIVE_VIRQ, q) == GUNYAH_ERROR_IRQ_UNBOUND);
    s.send_ok(q, 1);
    CHECK_FALSE(s.spi_pending(spi_b));
    CHECK(s.rx_raised(q) == 0);
    REQUIRE(bind_rx(s.vic_cap, spi_c) == GUNYAH_ERROR_OK);
    s.receive_ok(q, 1);
    s.send_ok(q, 1);
    CHECK(s.spi_pending(spi_c));
    CHECK_FALSE(s.spi_pending(spi_b));
}
