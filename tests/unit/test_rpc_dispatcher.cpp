// Dispatching requests (rm/rpc/dispatcher.h) and the built-in VM_GET_VMID handler
// (rm/rpc/builtin_handlers.h), end to end through a channel: an unknown id gets
// UNIMPLEMENTED with the request's id and sequence number, VM_GET_VMID answers the
// caller's vmid and refuses a payload, replies and notifications from a client are
// dropped, and handler results shape the reply.
#include <catch2/catch.hpp>

#include <memory>

#include "rm/rpc/builtin_handlers.h"
#include "rm/rpc/dispatcher.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp;
using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;

namespace {

constexpr std::uint16_t client = GUNYAH_RM_VMID_HLOS;

struct Setup {
    FakeQueuePair queues;
    RpcChannel channel;
    Dispatcher dispatcher;

    Setup()
    {
        channel.attach(queues, client);
        REQUIRE(add_builtin_handlers(dispatcher));
    }
    LinuxReceiver run()
    {
        (void)channel.poll(dispatcher);
        return client_view(queues);
    }
};

std::unique_ptr<Setup> setup() { return std::make_unique<Setup>(); }

// A handler that records what it was given and answers as told.
struct Recorder {
    std::size_t calls = 0;
    Request last{};
    Bytes payload;
    HandlerResult answer = HandlerResult::ok();
    Bytes data;

    static HandlerResult handle(void* context, const Request& request, WireWriter& reply)
    {
        auto* self = static_cast<Recorder*>(context);
        ++self->calls;
        self->last = request;
        self->payload.assign(request.payload, request.payload + request.size);
        reply.bytes(self->data.data(), self->data.size());
        return self->answer;
    }
};

constexpr std::uint32_t recorded_id = GUNYAH_RM_MSG_VM_GET_STATE;

}  // namespace

TEST_CASE("rm rpc dispatch: an unknown id is answered UNIMPLEMENTED with its id and sequence number", "[rpc]")
{
    auto s = setup();
    client_sends(s->queues, 0x12345678, 0xABCD, pattern(10));
    client_sends(s->queues, 0, 0);  // id 0, which Linux keeps reserved, is unknown too
    const LinuxReceiver linux = s->run();
    REQUIRE(linux.messages.size() == 2);
    CHECK(linux.messages[0].type == GUNYAH_RM_RPC_TYPE_REPLY);
    CHECK(linux.messages[0].msg_id == 0x12345678);
    CHECK(linux.messages[0].seq == 0xABCD);
    CHECK(linux.messages[0].rm_error == GUNYAH_RM_ERROR_UNIMPLEMENTED);
    CHECK(linux.messages[0].payload.empty());
    CHECK(linux.messages[1].msg_id == 0);
    CHECK(linux.messages[1].rm_error == GUNYAH_RM_ERROR_UNIMPLEMENTED);
    CHECK(s->dispatcher.stats().unimplemented == 2);
    // The reply is the error word alone: one fragment of 12 bytes.
    CHECK(s->queues.tx[0].size() == 12);
}

TEST_CASE("rm rpc dispatch: VM_GET_VMID answers le32 the caller's vmid", "[rpc]")
{
    auto s = setup();
    client_sends(s->queues, GUNYAH_RM_MSG_VM_GET_VMID, 17);
    const LinuxReceiver linux = s->run();
    REQUIRE(linux.messages.size() == 1);
    CHECK(linux.messages[0].msg_id == GUNYAH_RM_MSG_VM_GET_VMID);
    CHECK(linux.messages[0].seq == 17);
    CHECK(linux.messages[0].rm_error == GUNYAH_RM_OK);
    CHECK(linux.messages[0].payload == Bytes{GUNYAH_RM_VMID_HLOS, 0, 0, 0});

    // Another client on its own channel hears its own vmid.
    FakeQueuePair other;
    auto channel = std::make_unique<RpcChannel>();
    channel->attach(other, 0x80);
    client_sends(other, GUNYAH_RM_MSG_VM_GET_VMID, 1);
    (void)channel->poll(s->dispatcher);
    CHECK(client_view(other).messages.at(0).payload == Bytes{0x80, 0, 0, 0});
}

TEST_CASE("rm rpc dispatch: VM_GET_VMID with a payload is malformed (MSG_INVALID) and carries no data", "[rpc]")
{
    auto s = setup();
    client_sends(s->queues, GUNYAH_RM_MSG_VM_GET_VMID, 1, {0});
    client_sends(s->queues, GUNYAH_RM_MSG_VM_GET_VMID, 2, {0, 0, 0, 0});
    client_sends(s->queues, GUNYAH_RM_MSG_VM_GET_VMID, 3, pattern(300));  // two fragments
    const LinuxReceiver linux = s->run();
    REQUIRE(linux.messages.size() == 3);
    for (const Received& m : linux.messages) {
        CHECK(m.rm_error == GUNYAH_RM_ERROR_MSG_INVALID);
        CHECK(m.rm_error == malformed_request);
        CHECK(m.payload.empty());
    }
    CHECK(linux.messages[2].seq == 3);
}

TEST_CASE("rm rpc dispatch: replies and notifications a client sends the RM are dropped and counted", "[rpc]")
{
    auto s = setup();
    s->queues.rx.push_back(fragment(GUNYAH_RM_RPC_TYPE_REPLY, 0, 1, GUNYAH_RM_MSG_VM_GET_VMID, {0, 0, 0, 0}));
    s->queues.rx.push_back(fragment(GUNYAH_RM_RPC_TYPE_NOTIFICATION, 1, 2, GUNYAH_RM_NOTIF_VM_STATUS, pattern(232)));
    s->queues.rx.push_back(fragment(GUNYAH_RM_RPC_TYPE_CONTINUATION, 1, 2, GUNYAH_RM_NOTIF_VM_STATUS, {1}));
    const LinuxReceiver linux = s->run();
    CHECK(linux.messages.empty());
    CHECK(s->queues.tx.empty());
    CHECK(s->dispatcher.stats().replies_ignored == 1);
    CHECK(s->dispatcher.stats().notifications_ignored == 1);
    CHECK(s->dispatcher.stats().requests == 0);
}

TEST_CASE("rm rpc dispatch: a handler gets the request and its context, its data goes out only with OK", "[rpc]")
{
    auto s = setup();
    Recorder rec;
    REQUIRE(s->dispatcher.add(recorded_id, &Recorder::handle, &rec));
    CHECK(s->dispatcher.handles(recorded_id));
    rec.data = {1, 2, 3};
    const Bytes request = pattern(1000);
    client_sends(s->queues, recorded_id, 55, request);
    LinuxReceiver linux = s->run();
    REQUIRE(rec.calls == 1);
    CHECK(rec.last.client_vmid == client);
    CHECK(rec.last.seq == 55);
    CHECK(rec.last.msg_id == recorded_id);
    CHECK(rec.payload == request);
    REQUIRE(linux.messages.size() == 1);
    CHECK(linux.messages[0].payload == Bytes{1, 2, 3});

    rec.answer = HandlerResult::error(GUNYAH_RM_ERROR_VMID_INVALID);
    client_sends(s->queues, recorded_id, 56);
    linux = s->run();
    REQUIRE(linux.messages.size() == 2);
    CHECK(linux.messages[1].rm_error == GUNYAH_RM_ERROR_VMID_INVALID);
    CHECK(linux.messages[1].payload.empty());

    rec.answer = HandlerResult::error_with_data(GUNYAH_RM_ERROR_DENIED);
    client_sends(s->queues, recorded_id, 57);
    linux = s->run();
    REQUIRE(linux.messages.size() == 3);
    CHECK(linux.messages[2].rm_error == GUNYAH_RM_ERROR_DENIED);
    CHECK(linux.messages[2].payload == Bytes{1, 2, 3});
}

TEST_CASE("rm rpc dispatch: the largest request in and the largest reply out", "[rpc]")
{
    auto s = setup();
    Recorder rec;
    REQUIRE(s->dispatcher.add(recorded_id, &Recorder::handle, &rec));
    rec.data = pattern(Dispatcher::max_reply_data, 4);
    const Bytes request = pattern(max_payload, 8);  // 63 fragments
    client_sends(s->queues, recorded_id, 9, request);
    REQUIRE(s->queues.rx.size() == 63);
    const LinuxReceiver linux = s->run();
    CHECK(rec.payload == request);
    REQUIRE(linux.messages.size() == 1);
    CHECK(linux.messages[0].fragments == 63);
    CHECK(linux.messages[0].payload == rec.data);
}

TEST_CASE("rm rpc dispatch: a handler writing more than a reply holds gets NOMEM instead", "[rpc]")
{
    auto s = setup();
    Recorder rec;
    REQUIRE(s->dispatcher.add(recorded_id, &Recorder::handle, &rec));
    rec.data = pattern(Dispatcher::max_reply_data + 1);
    client_sends(s->queues, recorded_id, 9);
    const LinuxReceiver linux = s->run();
    REQUIRE(linux.messages.size() == 1);
    CHECK(linux.messages[0].rm_error == GUNYAH_RM_ERROR_NOMEM);
    CHECK(linux.messages[0].payload.empty());
    CHECK(s->dispatcher.stats().reply_overflows == 1);
}

TEST_CASE("rm rpc dispatch: requests outstanding together are answered in order, sequence numbers echoed",
          "[rpc]")
{
    // Linux lets several callers wait at once, each with its own sequence number.
    auto s = setup();
    const std::uint16_t seqs[] = {0, 65535, 7, 1000};
    for (std::uint16_t seq : seqs) {
        client_sends(s->queues, GUNYAH_RM_MSG_VM_GET_VMID, seq);
    }
    const LinuxReceiver linux = s->run();
    REQUIRE(linux.messages.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(linux.messages[i].seq == seqs[i]);
    }
}

TEST_CASE("rm rpc dispatch: the table refuses a null handler, a second handler for an id, and a 65th", "[rpc]")
{
    auto d = std::make_unique<Dispatcher>();
    Recorder rec;
    CHECK_FALSE(d->add(1, nullptr));
    CHECK(add_builtin_handlers(*d));
    CHECK_FALSE(add_builtin_handlers(*d));
    CHECK_FALSE(d->add(GUNYAH_RM_MSG_VM_GET_VMID, &Recorder::handle, &rec));
    for (std::uint32_t id = 1; id < Dispatcher::max_handlers; ++id) {
        CHECK(d->add(id, &Recorder::handle, &rec));
    }
    CHECK_FALSE(d->add(0x9999, &Recorder::handle, &rec));
    CHECK_FALSE(d->handles(0x9999));
    CHECK(d->handles(GUNYAH_RM_MSG_VM_GET_VMID));
}

TEST_CASE("rm rpc dispatch: a reply the channel cannot keep is counted", "[rpc]")
{
    auto s = setup();
    s->channel.detach();
    const Message m{MsgType::request, 1, GUNYAH_RM_MSG_VM_GET_VMID, nullptr, 0};
    s->dispatcher.on_message(s->channel, m);
    CHECK(s->dispatcher.stats().replies_lost == 1);
}
