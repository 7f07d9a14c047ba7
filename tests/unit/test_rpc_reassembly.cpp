// Reassembling a client's fragments into messages (rm/rpc/reassembler.h): continuations
// join the message in progress only with its id, sequence number and count; strays and
// orphans are dropped without harming it; a new first fragment abandons it; the largest
// message (63 fragments) fits, and fragments need not be full.
#include <catch2/catch.hpp>

#include <memory>

#include "rm/rpc/reassembler.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;

namespace {

constexpr std::uint32_t id = 0x56000009;
constexpr std::uint16_t seq = 77;

TakeResult feed(Reassembler& r, const Bytes& f)
{
    const Decoded d = decode_fragment(f.data(), f.size());
    REQUIRE(d.ok());
    return r.take(d.fragment);
}

Bytes payload_of(const Reassembler& r)
{
    const Message m = r.message();
    return Bytes(m.payload, m.payload + m.size);
}

}  // namespace

TEST_CASE("rm rpc: a single-fragment message is complete at once, empty or full", "[rpc]")
{
    auto r = std::make_unique<Reassembler>();
    TakeResult t = feed(*r, fragment(GUNYAH_RM_RPC_TYPE_REQUEST, 0, seq, id));
    CHECK(t.outcome == Take::complete);
    CHECK_FALSE(t.abandoned);
    CHECK(r->message().size == 0);
    CHECK(r->message().type == MsgType::request);
    CHECK(r->message().seq == seq);
    CHECK(r->message().msg_id == id);

    t = feed(*r, fragment(GUNYAH_RM_RPC_TYPE_NOTIFICATION, 0, 9, 0x56100008, pattern(232)));
    CHECK(t.outcome == Take::complete);
    CHECK(r->message().type == MsgType::notification);
    CHECK(payload_of(*r) == pattern(232));
    CHECK_FALSE(r->in_progress());
}

TEST_CASE("rm rpc: the largest message, 63 fragments of 232 bytes, reassembles whole", "[rpc]")
{
    auto r = std::make_unique<Reassembler>();
    const Bytes big = pattern(232 * 63, 5);
    const std::vector<Bytes> fragments = linux_request(id, seq, big);
    REQUIRE(fragments.size() == 63);
    for (std::size_t i = 0; i + 1 < fragments.size(); ++i) {
        CHECK(feed(*r, fragments[i]).outcome == Take::partial);
        CHECK(r->in_progress());
    }
    CHECK(feed(*r, fragments.back()).outcome == Take::complete);
    CHECK(payload_of(*r) == big);
}

TEST_CASE("rm rpc: fragments that are not full are joined as they come", "[rpc]")
{
    // Neither Linux's receiver nor the reference RM's asks for full fragments; the
    // concatenation is the message.
    auto r = std::make_unique<Reassembler>();
    CHECK(feed(*r, fragment(1, 3, seq, id, {1, 2})).outcome == Take::partial);
    CHECK(feed(*r, fragment(0, 3, seq, id)).outcome == Take::partial);
    CHECK(feed(*r, fragment(0, 3, seq, id, {3})).outcome == Take::partial);
    CHECK(feed(*r, fragment(0, 3, seq, id, {4, 5, 6})).outcome == Take::complete);
    CHECK(payload_of(*r) == Bytes{1, 2, 3, 4, 5, 6});
}

TEST_CASE("rm rpc: a continuation with no message in progress is an orphan", "[rpc]")
{
    auto r = std::make_unique<Reassembler>();
    CHECK(feed(*r, fragment(0, 1, seq, id, {1})).outcome == Take::orphan);
    CHECK_FALSE(r->in_progress());
    // Also right after a message completed.
    CHECK(feed(*r, fragment(1, 0, seq, id, {1})).outcome == Take::complete);
    CHECK(feed(*r, fragment(0, 0, seq, id, {2})).outcome == Take::orphan);
    CHECK(payload_of(*r) == Bytes{1});
}

TEST_CASE("rm rpc: a continuation of another message is a stray and the message waits on", "[rpc]")
{
    auto r = std::make_unique<Reassembler>();
    CHECK(feed(*r, fragment(1, 2, seq, id, {1})).outcome == Take::partial);
    // Wrong id, wrong sequence, wrong count, each in turn.
    CHECK(feed(*r, fragment(0, 2, seq, id + 1, {9})).outcome == Take::stray);
    CHECK(feed(*r, fragment(0, 2, seq + 1, id, {9})).outcome == Take::stray);
    CHECK(feed(*r, fragment(0, 1, seq, id, {9})).outcome == Take::stray);
    CHECK(feed(*r, fragment(0, 3, seq, id, {9})).outcome == Take::stray);
    CHECK(r->in_progress());
    CHECK(feed(*r, fragment(0, 2, seq, id, {2})).outcome == Take::partial);
    CHECK(feed(*r, fragment(0, 2, seq, id, {3})).outcome == Take::complete);
    CHECK(payload_of(*r) == Bytes{1, 2, 3});
}

TEST_CASE("rm rpc: a first fragment before the last continuation abandons the message", "[rpc]")
{
    auto r = std::make_unique<Reassembler>();
    CHECK(feed(*r, fragment(1, 2, seq, id, {1})).outcome == Take::partial);
    CHECK(feed(*r, fragment(0, 2, seq, id, {2})).outcome == Take::partial);
    const TakeResult t = feed(*r, fragment(1, 0, seq + 1, id + 1, {7}));
    CHECK(t.outcome == Take::complete);
    CHECK(t.abandoned);
    CHECK(r->message().seq == seq + 1);
    CHECK(payload_of(*r) == Bytes{7});
    // The old message's last continuation is now an orphan.
    CHECK(feed(*r, fragment(0, 2, seq, id, {3})).outcome == Take::orphan);
    // Replies and notifications start messages too (the dispatcher drops them later).
    CHECK(feed(*r, fragment(1, 1, seq, id, {1})).outcome == Take::partial);
    CHECK(feed(*r, fragment(3, 0, seq, id, {1})).abandoned);
    CHECK(feed(*r, fragment(1, 1, seq, id, {1})).outcome == Take::partial);
    CHECK(feed(*r, fragment(2, 0, seq, id, {1})).abandoned);
}

TEST_CASE("rm rpc: a count that promises more than arrives leaves the message waiting, harmlessly", "[rpc]")
{
    auto r = std::make_unique<Reassembler>();
    CHECK(feed(*r, fragment(1, 62, seq, id, pattern(232))).outcome == Take::partial);
    for (int i = 0; i < 10; ++i) {
        CHECK(feed(*r, fragment(0, 62, seq, id, pattern(232))).outcome == Take::partial);
    }
    CHECK(r->in_progress());
    r->reset();
    CHECK_FALSE(r->in_progress());
    CHECK(feed(*r, fragment(0, 62, seq, id, {1})).outcome == Take::orphan);
}
