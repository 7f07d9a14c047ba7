// One client's RPC channel (rm/rpc/channel.h) over a scripted queue pair: requests in,
// replies and notifications out in order and whole, a full TX queue making fragments
// wait in the backlog, the notification limit, reading held back while a reply would not
// fit, the poll budget, and every dropped fragment counted by kind.
#include <catch2/catch.hpp>

#include <memory>

#include "rm/rpc/channel.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp;
using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;

namespace {

constexpr std::uint16_t client = 3;
constexpr std::uint32_t echo_id = 0x5600FF01;  // no such message: the test sink's own
constexpr std::uint32_t status_id = GUNYAH_RM_NOTIF_VM_STATUS;

// A sink that keeps every message and answers each request with OK and its own payload
// (or with reply_size bytes of pattern, when set).
struct EchoSink final : MessageSink {
    struct Seen {
        MsgType type;
        std::uint16_t seq;
        std::uint32_t msg_id;
        Bytes payload;
    };
    std::vector<Seen> seen;
    std::size_t reply_size = SIZE_MAX;
    bool replies_refused = false;

    void on_message(RpcChannel& channel, const Message& m) override
    {
        seen.push_back(Seen{m.type, m.seq, m.msg_id, Bytes(m.payload, m.payload + m.size)});
        if (m.type != MsgType::request) {
            return;
        }
        const Bytes data = reply_size == SIZE_MAX ? seen.back().payload : pattern(reply_size, 7);
        if (!channel.reply(m.seq, m.msg_id, GUNYAH_RM_OK, data.data(), data.size())) {
            replies_refused = true;
        }
    }
};

struct Setup {
    FakeQueuePair queues;
    RpcChannel channel;
    EchoSink sink;
    NotificationSequence sequence;

    Setup() { channel.attach(queues, client); }
    PollResult poll() { return channel.poll(sink); }
};

std::unique_ptr<Setup> setup() { return std::make_unique<Setup>(); }

const Bytes vm_status{3, 0, 0, 0, 3, 4, 0, 0};

}  // namespace

TEST_CASE("rm rpc channel: a request is handed over whole and its reply goes out as Linux expects", "[rpc]")
{
    auto s = setup();
    const Bytes payload = pattern(500);
    client_sends(s->queues, echo_id, 41, payload);
    const PollResult r = s->poll();
    CHECK_FALSE(r.rx_pending);
    CHECK_FALSE(r.tx_pending);
    REQUIRE(s->sink.seen.size() == 1);
    CHECK(s->sink.seen[0].payload == payload);
    CHECK(s->sink.seen[0].seq == 41);

    const LinuxReceiver linux = client_view(s->queues);
    REQUIRE(linux.messages.size() == 1);
    CHECK(linux.messages[0].type == GUNYAH_RM_RPC_TYPE_REPLY);
    CHECK(linux.messages[0].seq == 41);
    CHECK(linux.messages[0].msg_id == echo_id);
    CHECK(linux.messages[0].rm_error == GUNYAH_RM_OK);
    CHECK(linux.messages[0].payload == payload);
    CHECK(linux.aborted == 0);
    // 504 bytes: 232 + 232 + 40; only the last fragment pushes.
    CHECK(s->queues.tx_push == std::vector<bool>{false, false, true});
    CHECK(s->channel.stats().fragments_received == 3);
    CHECK(s->channel.stats().messages_received == 1);
    CHECK(s->channel.stats().fragments_sent == 3);
}

TEST_CASE("rm rpc channel: with the TX queue full, replies wait in the backlog and then go in order", "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 0;
    for (std::uint16_t seq = 1; seq <= 5; ++seq) {
        client_sends(s->queues, echo_id, seq, pattern(seq * 100u, static_cast<std::uint8_t>(seq)));
    }
    PollResult r = s->poll();
    CHECK_FALSE(r.rx_pending);
    CHECK(r.tx_pending);
    CHECK(s->queues.tx.empty());
    CHECK(s->channel.stats().queue_full > 0);
    CHECK(s->channel.backlog_fragments() == 1 + 1 + 2 + 2 + 3);

    // Room for three fragments at a time: each poll sends what fits and stops.
    while (s->channel.backlog_fragments() != 0) {
        s->queues.tx_room = 3;
        const std::size_t before = s->queues.tx.size();
        (void)s->channel.send_pending();
        CHECK(s->queues.tx.size() - before <= 3);
    }
    const LinuxReceiver linux = client_view(s->queues);
    CHECK(linux.aborted == 0);
    REQUIRE(linux.messages.size() == 5);
    for (std::uint16_t seq = 1; seq <= 5; ++seq) {
        CHECK(linux.messages[seq - 1u].seq == seq);
        CHECK(linux.messages[seq - 1u].payload == pattern(seq * 100u, static_cast<std::uint8_t>(seq)));
    }
}

TEST_CASE("rm rpc channel: a send that leaves the queue full is the last until it has room again", "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 2;
    const Bytes big = pattern(232 * 4);
    REQUIRE(s->channel.notify(s->sequence, status_id, big.data(), big.size()));
    // Two went; the second said not_full = false, so the channel did not try a third.
    CHECK(s->queues.tx.size() == 2);
    CHECK(s->queues.send_calls == 2);
    CHECK(s->channel.stats().queue_full == 0);
    s->queues.tx_room = 10;
    CHECK_FALSE(s->channel.send_pending());
    CHECK(client_view(s->queues).messages.size() == 1);
}

TEST_CASE("rm rpc channel: notifications and replies interleave by message, never by fragment", "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 1;
    const Bytes two_fragments = pattern(300);
    REQUIRE(s->channel.notify(s->sequence, status_id, two_fragments.data(), two_fragments.size()));
    client_sends(s->queues, echo_id, 9, pattern(700));
    (void)s->poll();
    REQUIRE(s->channel.notify(s->sequence, status_id, vm_status.data(), vm_status.size()));
    for (int i = 0; i < 20 && s->channel.backlog_fragments() != 0; ++i) {
        s->queues.tx_room = 1;
        (void)s->poll();
    }
    const LinuxReceiver linux = client_view(s->queues);
    CHECK(linux.aborted == 0);
    REQUIRE(linux.messages.size() == 3);
    CHECK(linux.messages[0].type == GUNYAH_RM_RPC_TYPE_NOTIFICATION);
    CHECK(linux.messages[0].seq == 0);
    CHECK(linux.messages[0].payload == two_fragments);
    CHECK(linux.messages[1].type == GUNYAH_RM_RPC_TYPE_REPLY);
    CHECK(linux.messages[1].seq == 9);
    CHECK(linux.messages[2].type == GUNYAH_RM_RPC_TYPE_NOTIFICATION);
    CHECK(linux.messages[2].seq == 1);
    CHECK(linux.messages[2].payload == vm_status);
}

TEST_CASE("rm rpc channel: 256 notifications wait for a full queue, the 257th is dropped and costs no number",
          "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 0;
    for (std::size_t i = 0; i < RpcChannel::max_pending_notifications; ++i) {
        REQUIRE(s->channel.notify(s->sequence, status_id, vm_status.data(), vm_status.size()));
    }
    CHECK(s->channel.pending_notifications() == 256);
    CHECK_FALSE(s->channel.notify(s->sequence, status_id, vm_status.data(), vm_status.size()));
    CHECK(s->channel.stats().notifications_dropped == 1);
    CHECK(s->sequence.next() == 256);

    s->queues.tx_room = SIZE_MAX;
    CHECK_FALSE(s->channel.send_pending());
    CHECK(s->channel.pending_notifications() == 0);
    const LinuxReceiver linux = client_view(s->queues);
    REQUIRE(linux.messages.size() == 256);
    for (std::size_t i = 0; i < 256; ++i) {
        CHECK(linux.messages[i].seq == i);
    }
    // There is room again.
    CHECK(s->channel.notify(s->sequence, status_id, vm_status.data(), vm_status.size()));
    CHECK(client_view(s->queues).messages.back().seq == 256);
}

TEST_CASE("rm rpc channel: notifications never take the room kept for a reply", "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 0;
    const Bytes largest = pattern(max_payload);
    // The backlog holds 32 KiB; the reply reserve is 15,246 bytes; one largest
    // notification takes as much again, so the second one does not fit.
    CHECK(s->channel.notify(s->sequence, status_id, largest.data(), largest.size()));
    CHECK_FALSE(s->channel.notify(s->sequence, status_id, largest.data(), largest.size()));
    CHECK(s->channel.notify(s->sequence, status_id, vm_status.data(), vm_status.size()));
    CHECK(s->channel.stats().notifications_dropped == 1);
    // Too large for any message.
    const Bytes too_large = pattern(max_payload + 1);
    CHECK_FALSE(s->channel.notify(s->sequence, status_id, too_large.data(), too_large.size()));
    // The reply to a request read now still fits.
    s->sink.reply_size = max_payload - 4;  // the largest a reply carries
    client_sends(s->queues, echo_id, 5);
    (void)s->poll();
    CHECK_FALSE(s->sink.replies_refused);
    CHECK(s->channel.stats().replies_dropped == 0);
    s->queues.tx_room = SIZE_MAX;
    (void)s->poll();
    const LinuxReceiver linux = client_view(s->queues);
    REQUIRE(linux.messages.size() == 3);
    CHECK(linux.messages[2].payload.size() == max_payload - 4);
}

TEST_CASE("rm rpc channel: requests wait in the client's queue while their replies could not be kept", "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 0;
    s->sink.reply_size = max_payload - 4;  // each reply as large as a message goes
    for (std::uint16_t seq = 0; seq < 4; ++seq) {
        client_sends(s->queues, echo_id, seq);
    }
    PollResult r = s->poll();
    // Two largest replies fill the backlog past the reserve: the third request is not read,
    // and polling again before the TX queue drains would do nothing.
    CHECK_FALSE(r.rx_pending);
    CHECK(r.tx_pending);
    const std::size_t receives = s->queues.receive_calls;
    r = s->poll();
    CHECK_FALSE(r.rx_pending);
    CHECK(s->queues.receive_calls == receives);
    CHECK(s->sink.seen.size() == 2);
    CHECK(s->sink.seen.size() == 2);
    CHECK(s->queues.rx.size() == 2);
    CHECK(s->channel.stats().replies_dropped == 0);

    // The client reads: its TX not-full interrupt brings the next poll.
    s->queues.tx_room = SIZE_MAX;
    r = s->poll();
    CHECK_FALSE(r.rx_pending);
    CHECK_FALSE(r.tx_pending);
    CHECK(s->sink.seen.size() == 4);
    const LinuxReceiver linux = client_view(s->queues);
    REQUIRE(linux.messages.size() == 4);
    for (std::uint16_t seq = 0; seq < 4; ++seq) {
        CHECK(linux.messages[seq].seq == seq);
        CHECK(linux.messages[seq].fragments == 63);
    }
}

TEST_CASE("rm rpc channel: held back, a poll says to poll again when its last sends made the room", "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 0;
    // Sends: one per reply (full, full), then the poll's last, by which time the client
    // has read its queue. (The poll's first send has nothing to send.)
    s->queues.open_tx_at_send_call = 3;
    s->sink.reply_size = max_payload - 4;
    for (std::uint16_t seq = 0; seq < 3; ++seq) {
        client_sends(s->queues, echo_id, seq);
    }
    PollResult r = s->poll();
    CHECK(s->sink.seen.size() == 2);
    CHECK(r.rx_pending);
    CHECK_FALSE(r.tx_pending);
    r = s->poll();
    CHECK_FALSE(r.rx_pending);
    CHECK(s->sink.seen.size() == 3);
    CHECK(client_view(s->queues).messages.size() == 3);
}

TEST_CASE("rm rpc channel: one poll reads at most its budget of fragments", "[rpc]")
{
    auto s = setup();
    for (std::uint16_t seq = 0; seq < 100; ++seq) {
        client_sends(s->queues, echo_id, seq);
    }
    PollResult r = s->poll();
    CHECK(r.rx_pending);
    CHECK(s->sink.seen.size() == RpcChannel::max_fragments_per_poll);
    r = s->poll();
    CHECK_FALSE(r.rx_pending);
    CHECK(s->sink.seen.size() == 100);
    CHECK(client_view(s->queues).messages.size() == 100);
}

TEST_CASE("rm rpc channel: dropped fragments are counted by kind and harm nothing after them", "[rpc]")
{
    auto s = setup();
    auto& rx = s->queues.rx;
    rx.push_back(Bytes{0x21, 0x04, 0});                                     // too short
    rx.push_back(fragment(1, 0, 1, echo_id, pattern(233)));                 // too long: 241 bytes
    rx.push_back(fragment(1, 0, 1, echo_id, pattern(400)));                 // longer than the buffer
    rx.push_back(header(0x22, type_byte(1, 0), 1, echo_id));                // version 2
    rx.push_back(header(0x31, type_byte(1, 0), 1, echo_id));                // 3 header words
    rx.push_back(header(0x21, type_byte(1, 63), 1, echo_id));               // 63 continuations
    rx.push_back(fragment(0, 1, 1, echo_id, {1}));                          // orphan
    rx.push_back(fragment(1, 2, 2, echo_id, {1}));                          // a message in progress...
    rx.push_back(fragment(0, 2, 3, echo_id, {1}));                          // ... a stray (seq)
    rx.push_back(fragment(0, 2, 2, echo_id, {2}));                          // ... its own continuation
    client_sends(s->queues, echo_id, 4, {9, 9});                            // abandons it
    (void)s->poll();
    const ChannelStats& st = s->channel.stats();
    CHECK(st.fragments_received == 11);
    CHECK(st.bad(FragmentFault::too_short) == 1);
    CHECK(st.bad(FragmentFault::too_long) == 2);
    CHECK(st.bad(FragmentFault::bad_version) == 1);
    CHECK(st.bad(FragmentFault::bad_header_words) == 1);
    CHECK(st.bad(FragmentFault::too_many_continuations) == 1);
    CHECK(st.bad_fragments_total() == 6);
    CHECK(st.orphan_continuations == 1);
    CHECK(st.stray_continuations == 1);
    CHECK(st.abandoned_messages == 1);
    CHECK(st.messages_received == 1);
    REQUIRE(s->sink.seen.size() == 1);
    CHECK(s->sink.seen[0].seq == 4);
    CHECK(s->sink.seen[0].payload == Bytes{9, 9});
}

TEST_CASE("rm rpc channel: a failed receive ends the poll and is counted", "[rpc]")
{
    auto s = setup();
    client_sends(s->queues, echo_id, 1);
    s->queues.receive_error = Error::cspace_cap_revoked;
    const PollResult r = s->poll();
    CHECK_FALSE(r.rx_pending);
    CHECK(s->channel.stats().receive_errors == 1);
    CHECK(s->sink.seen.empty());
}

TEST_CASE("rm rpc channel: a send failing other than full discards the backlog", "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 0;
    const Bytes body = pattern(1000);
    REQUIRE(s->channel.notify(s->sequence, status_id, body.data(), body.size()));
    REQUIRE(s->channel.reply(1, echo_id, GUNYAH_RM_OK, body.data(), body.size()));
    CHECK(s->channel.backlog_fragments() == 10);
    s->queues.send_error = Error::cspace_cap_revoked;
    CHECK_FALSE(s->channel.send_pending());
    const ChannelStats& st = s->channel.stats();
    CHECK(st.send_errors == 1);
    CHECK(st.last_send_error == Error::cspace_cap_revoked);
    CHECK(st.fragments_discarded == 10);
    CHECK(s->channel.backlog_fragments() == 0);
    CHECK(s->channel.pending_notifications() == 0);
}

TEST_CASE("rm rpc channel: a reply too large for a message is refused and counted", "[rpc]")
{
    auto s = setup();
    const Bytes data = pattern(max_payload - 3);
    CHECK_FALSE(s->channel.reply(1, echo_id, GUNYAH_RM_OK, data.data(), data.size()));
    CHECK(s->channel.reply(1, echo_id, GUNYAH_RM_OK, data.data(), data.size() - 1));
    CHECK(s->channel.stats().replies_dropped == 1);
    CHECK(client_view(s->queues).messages.at(0).fragments == 63);
}

TEST_CASE("rm rpc channel: a detached channel neither reads nor sends, and attach starts afresh", "[rpc]")
{
    auto s = setup();
    s->queues.tx_room = 0;
    REQUIRE(s->channel.notify(s->sequence, status_id, vm_status.data(), vm_status.size()));
    client_sends(s->queues, echo_id, 1, pattern(300));
    s->queues.rx.pop_back();  // the request is left half sent
    (void)s->poll();
    CHECK(s->channel.message_in_progress());

    s->channel.detach();
    CHECK_FALSE(s->channel.attached());
    CHECK_FALSE(s->channel.message_in_progress());
    CHECK(s->channel.backlog_fragments() == 0);
    client_sends(s->queues, echo_id, 2);
    const PollResult r = s->poll();
    CHECK_FALSE(r.rx_pending);
    CHECK_FALSE(r.tx_pending);
    CHECK(s->queues.rx.size() == 1);
    CHECK_FALSE(s->channel.reply(2, echo_id, GUNYAH_RM_OK, nullptr, 0));
    CHECK_FALSE(s->channel.notify(s->sequence, status_id, nullptr, 0));

    s->queues.tx_room = SIZE_MAX;
    s->channel.attach(s->queues, 7);
    CHECK(s->channel.client_vmid() == 7);
    (void)s->poll();
    CHECK(s->sink.seen.size() == 1);
    CHECK(client_view(s->queues).messages.size() == 1);
}

TEST_CASE("rm rpc channel: the notification sequence is one counter across clients", "[rpc]")
{
    FakeQueuePair qa, qb;
    auto a = std::make_unique<RpcChannel>();
    auto b = std::make_unique<RpcChannel>();
    a->attach(qa, 3);
    b->attach(qb, 4);
    NotificationSequence sequence;
    REQUIRE(a->notify(sequence, status_id, vm_status.data(), vm_status.size()));
    REQUIRE(b->notify(sequence, status_id, vm_status.data(), vm_status.size()));
    REQUIRE(a->notify(sequence, status_id, vm_status.data(), vm_status.size()));
    const LinuxReceiver la = client_view(qa), lb = client_view(qb);
    REQUIRE(la.messages.size() == 2);
    REQUIRE(lb.messages.size() == 1);
    CHECK(la.messages[0].seq == 0);
    CHECK(lb.messages[0].seq == 1);
    CHECK(la.messages[1].seq == 2);
}
