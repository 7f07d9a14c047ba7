// An RPC channel over real message-queue calls (rm/rpc/msgqueue_pair.h), played against
// the recording fake hypervisor: receives from the RX cap, sends on the TX cap with PUSH
// on each message's last fragment, waits when the queue is full. And the queue and
// doorbell calls the fake records for the RM.
#include <catch2/catch.hpp>

#include <memory>

#include "hyp_api/gunyah_objects.h"
#include "rm/rpc/builtin_handlers.h"
#include "rm/rpc/msgqueue_pair.h"
#include "tests/unit/rm_fake_hypervisor.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp;
using namespace hyp::rm;
using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;
using hyp::test::FakeHypervisor;

namespace {

constexpr CapId tx_cap = 0x20, rx_cap = 0x21;

// The RM keeps these as constinit globals: they must need no constructor at run time.
constinit MsgqueuePair global_queues;
constinit RpcChannel global_channel;
constinit Dispatcher global_dispatcher;

}  // namespace

TEST_CASE("rm rpc msgqueue: a channel, its queues and the dispatcher work as constinit globals", "[rpc]")
{
    FakeHypervisor hyp{1};
    global_queues = MsgqueuePair{hyp, tx_cap, rx_cap};
    REQUIRE(add_builtin_handlers(global_dispatcher));
    global_channel.attach(global_queues, 0x81);
    for (Bytes& f : linux_request(GUNYAH_RM_MSG_VM_GET_VMID, 1, {})) {
        hyp.inbox[rx_cap].push_back(f);
    }
    (void)global_channel.poll(global_dispatcher);
    REQUIRE(hyp.sent[tx_cap].size() == 1);
    CHECK(le32_at(hyp.sent[tx_cap][0], 12) == 0x81);
    global_channel.detach();
}

TEST_CASE("rm rpc msgqueue: a request received on the RX cap is answered on the TX cap", "[rpc]")
{
    FakeHypervisor hyp{1};
    MsgqueuePair queues;  // bound later, as a constinit one in the RM would be
    queues = MsgqueuePair{hyp, tx_cap, rx_cap};
    auto channel = std::make_unique<RpcChannel>();
    auto dispatcher = std::make_unique<Dispatcher>();
    REQUIRE(add_builtin_handlers(*dispatcher));
    channel->attach(queues, GUNYAH_RM_VMID_HLOS);

    for (Bytes& f : linux_request(GUNYAH_RM_MSG_VM_GET_VMID, 3, {})) {
        hyp.inbox[rx_cap].push_back(f);
    }
    for (Bytes& f : linux_request(0x5600FFFF, 4, pattern(300))) {
        hyp.inbox[rx_cap].push_back(f);
    }
    const PollResult r = channel->poll(*dispatcher);
    CHECK_FALSE(r.rx_pending);
    CHECK_FALSE(r.tx_pending);

    const auto receives = hyp.all("msgqueue_receive");
    REQUIRE(receives.size() == 3);  // the last says not_empty = false: no fourth call
    CHECK(receives[0].args == std::vector<std::uint64_t>{rx_cap, fragment_size});

    LinuxReceiver linux;
    linux.take_all(std::vector<Bytes>(hyp.sent[tx_cap].begin(), hyp.sent[tx_cap].end()));
    REQUIRE(linux.messages.size() == 2);
    CHECK(linux.messages[0].payload == Bytes{3, 0, 0, 0});
    CHECK(linux.messages[1].rm_error == GUNYAH_RM_ERROR_UNIMPLEMENTED);
    const auto sends = hyp.all("msgqueue_send");
    REQUIRE(sends.size() == 2);
    CHECK(sends[0].args == std::vector<std::uint64_t>{tx_cap, 16, GUNYAH_MSGQUEUE_SEND_PUSH});
    CHECK(sends[1].args == std::vector<std::uint64_t>{tx_cap, 12, GUNYAH_MSGQUEUE_SEND_PUSH});
}

TEST_CASE("rm rpc msgqueue: MSGQUEUE_FULL keeps the reply until the queue has room", "[rpc]")
{
    FakeHypervisor hyp{1};
    MsgqueuePair queues{hyp, tx_cap, rx_cap};
    auto channel = std::make_unique<RpcChannel>();
    channel->attach(queues, 5);
    const Bytes data = pattern(500);
    hyp.fail_next("msgqueue_send", {Error::msgqueue_full});
    REQUIRE(channel->reply(1, 2, GUNYAH_RM_OK, data.data(), data.size()));
    CHECK(hyp.sent[tx_cap].empty());
    CHECK(channel->backlog_fragments() == 3);
    CHECK_FALSE(channel->send_pending());
    const auto sends = hyp.all("msgqueue_send");
    REQUIRE(sends.size() == 4);
    CHECK(sends[0].result == Error::msgqueue_full);
    CHECK(sends[1].args[2] == 0);
    CHECK(sends[2].args[2] == 0);
    CHECK(sends[3].args[2] == GUNYAH_MSGQUEUE_SEND_PUSH);
}

TEST_CASE("rm rpc msgqueue: an unbound pair fails every call without a hypercall", "[rpc]")
{
    MsgqueuePair unbound;
    std::uint8_t buffer[fragment_size] = {};
    CHECK(unbound.send(buffer, 8, true).error == Error::cspace_cap_null);
    CHECK(unbound.receive(buffer, sizeof(buffer)).error == Error::cspace_cap_null);
}

TEST_CASE("rm fake hypervisor: queue and doorbell objects and calls are recorded as the RM makes them", "[rpc]")
{
    FakeHypervisor hyp{1};
    const CapResult mq = hyp.partition_create(ObjectKind::msgqueue, 1, 2);
    const CapResult db = hyp.partition_create(ObjectKind::doorbell, 1, 2);
    REQUIRE(mq.ok());
    REQUIRE(db.ok());
    CHECK(hyp.names() == std::vector<std::string>{"partition_create_msgqueue", "partition_create_doorbell"});
    CHECK(hyp.msgqueue_configure(mq.cap, GUNYAH_MSGQUEUE_CREATE_INFO(8, 240)) == Error::ok);
    CHECK(hyp.all("msgqueue_configure")[0].args[1] == (8u | (240u << 16)));
    CHECK(hyp.msgqueue_configure_send(mq.cap, 1, 0) == Error::ok);
    CHECK(hyp.msgqueue_configure_receive(mq.cap, 1, 0) == Error::ok);
    CHECK(hyp.msgqueue_bind_send_virq(mq.cap, 9, 40) == Error::ok);
    CHECK(hyp.msgqueue_bind_receive_virq(mq.cap, 9, 41) == Error::ok);
    CHECK(hyp.msgqueue_unbind_send_virq(mq.cap) == Error::ok);
    CHECK(hyp.msgqueue_unbind_receive_virq(mq.cap) == Error::ok);
    hyp.inbox[mq.cap].push_back({1, 2});
    CHECK(hyp.msgqueue_flush(mq.cap) == Error::ok);
    std::uint8_t buffer[4];
    CHECK(hyp.msgqueue_receive(mq.cap, buffer, sizeof(buffer)).error == Error::msgqueue_empty);

    CHECK(hyp.doorbell_send(db.cap, 0x5).old_flags == 0);
    CHECK(hyp.doorbell_send(db.cap, 0x2).old_flags == 0x5);
    CHECK(hyp.doorbell_receive(db.cap, 0x1).old_flags == 0x7);
    CHECK(hyp.doorbell_receive(db.cap, ~0ull).old_flags == 0x6);
    CHECK(hyp.doorbell_mask(db.cap, 1, 1) == Error::ok);
    CHECK(hyp.doorbell_bind_virq(db.cap, 9, 42) == Error::ok);
    CHECK(hyp.doorbell_unbind_virq(db.cap) == Error::ok);

    const CapResult copy = hyp.cspace_copy_cap_from(2, mq.cap, 3, GUNYAH_RIGHT_DOORBELL_SEND);
    REQUIRE(copy.ok());
    CHECK(hyp.all("cspace_copy_cap_from")[0].args == std::vector<std::uint64_t>{2, mq.cap, 3, 1, copy.cap});
    hyp.fail_next("cspace_copy_cap_from", {Error::cspace_full});
    CHECK(hyp.cspace_copy_cap_from(2, mq.cap, 3, 1).error == Error::cspace_full);
    CHECK(std::string{create_call_name(ObjectKind::msgqueue)} == "partition_create_msgqueue");
    CHECK(std::string{create_call_name(ObjectKind::doorbell)} == "partition_create_doorbell");
}
