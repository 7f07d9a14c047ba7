// Fragmenting what the RM sends (rm/rpc/fragmenter.h), judged by Linux's receiver as
// restated in rpc_test_support.h and by the RM's own reassembler: sizes from 0 to the
// largest message round-trip, every fragment but the last is full, and each carries the
// first's count, sequence number and id.
#include <catch2/catch.hpp>

#include <memory>
#include <set>

#include "rm/rpc/fragmenter.h"
#include "rm/rpc/reassembler.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;

namespace {

std::vector<Bytes> encode(MsgType type, std::uint16_t seq, std::uint32_t msg_id, const Payload& payload)
{
    const Fragmenter f{type, seq, msg_id, payload};
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < f.count(); ++i) {
        std::uint8_t buffer[fragment_size + 1] = {};
        const std::size_t size = f.write(i, buffer);
        REQUIRE(size >= header_size);
        REQUIRE(size <= fragment_size);
        out.emplace_back(buffer, buffer + size);
    }
    return out;
}

Payload whole(const Bytes& b) { return Payload{b.data(), b.size(), nullptr, 0}; }

// Sizes where something changes: empty, one byte, around each fragment boundary, and
// around the largest message; plus a stride through everything between.
std::set<std::size_t> interesting_sizes()
{
    std::set<std::size_t> sizes{0, 1, 2, 3, 4, 5};
    for (std::size_t k = 1; k <= max_fragments; ++k) {
        for (std::size_t d : {0, 1, 2, 3, 4, 5}) {
            sizes.insert(k * fragment_payload - d);
            if (k * fragment_payload + d <= max_payload) {
                sizes.insert(k * fragment_payload + d);
            }
        }
    }
    for (std::size_t s = 0; s <= max_payload; s += 97) {
        sizes.insert(s);
    }
    return sizes;
}

}  // namespace

TEST_CASE("rm rpc: continuations needed for a payload: none up to 232 bytes, 62 for the largest", "[rpc]")
{
    CHECK(continuations_for(0) == 0);
    CHECK(continuations_for(1) == 0);
    CHECK(continuations_for(232) == 0);
    CHECK(continuations_for(233) == 1);
    CHECK(continuations_for(464) == 1);
    CHECK(continuations_for(465) == 2);
    CHECK(continuations_for(14616) == 62);
    CHECK(Fragmenter(MsgType::reply, 0, 0, Payload{nullptr, 0, nullptr, 14616}).fits());
    CHECK_FALSE(Fragmenter(MsgType::reply, 0, 0, Payload{nullptr, 0, nullptr, 14617}).fits());
}

TEST_CASE("rm rpc: an empty notification is one bare header", "[rpc]")
{
    const std::vector<Bytes> f = encode(MsgType::notification, 5, 0x56100002, Payload{});
    REQUIRE(f.size() == 1);
    CHECK(f[0] == header(0x21, type_byte(3, 0), 5, 0x56100002));
}

TEST_CASE("rm rpc: notifications of every interesting size reach Linux whole", "[rpc]")
{
    for (std::size_t size : interesting_sizes()) {
        CAPTURE(size);
        const Bytes body = pattern(size, static_cast<std::uint8_t>(size));
        const std::vector<Bytes> f = encode(MsgType::notification, 0x4242, 0x56100080, whole(body));
        CHECK(f.size() == continuations_for(size) + 1);
        for (std::size_t i = 0; i + 1 < f.size(); ++i) {
            CHECK(f[i].size() == fragment_size);  // all full but the last
        }
        LinuxReceiver linux;
        linux.take_all(f);
        REQUIRE(linux.messages.size() == 1);
        CHECK(linux.aborted == 0);
        CHECK(linux.ignored == 0);
        const Received& m = linux.messages[0];
        CHECK(m.type == GUNYAH_RM_RPC_TYPE_NOTIFICATION);
        CHECK(m.seq == 0x4242);
        CHECK(m.msg_id == 0x56100080);
        CHECK(m.payload == body);
    }
}

TEST_CASE("rm rpc: replies of every interesting size reach Linux with their error word and data", "[rpc]")
{
    // The error word and the data are two pieces; the first fragment holds the error and
    // 228 bytes of data, as Linux's reply header (12 bytes) expects.
    for (std::size_t size : interesting_sizes()) {
        if (size + 4 > max_payload) {
            continue;
        }
        CAPTURE(size);
        const Bytes data = pattern(size, 3);
        const std::uint8_t error_word[4] = {0x06, 0, 0, 0};
        const std::vector<Bytes> f =
            encode(MsgType::reply, 0xFFFF, 0x56000020, Payload{error_word, 4, data.data(), data.size()});
        LinuxReceiver linux;
        linux.take_all(f);
        REQUIRE(linux.messages.size() == 1);
        const Received& m = linux.messages[0];
        CHECK(m.type == GUNYAH_RM_RPC_TYPE_REPLY);
        CHECK(m.rm_error == GUNYAH_RM_ERROR_ARGUMENT_INVALID);
        CHECK(m.seq == 0xFFFF);
        CHECK(m.payload == data);
        CHECK(m.fragments == continuations_for(size + 4) + 1);
    }
}

TEST_CASE("rm rpc: the largest message goes as 63 fragments, each with the first's count, seq and id", "[rpc]")
{
    const Bytes body = pattern(max_payload, 9);
    const std::vector<Bytes> f = encode(MsgType::notification, 3, 0x51100011, whole(body));
    REQUIRE(f.size() == 63);
    for (std::size_t i = 0; i < f.size(); ++i) {
        CAPTURE(i);
        CHECK(f[i][0] == 0x21);
        CHECK(f[i][1] == type_byte(i == 0 ? 3 : 0, 62));
        CHECK(f[i][2] == 3);
        CHECK(f[i][3] == 0);
        CHECK(le32_at(f[i], 4) == 0x51100011);
        CHECK(f[i].size() == 240);
    }
}

TEST_CASE("rm rpc: what the fragmenter writes the reassembler reads back, for every interesting size", "[rpc]")
{
    auto r = std::make_unique<Reassembler>();
    for (std::size_t size : interesting_sizes()) {
        CAPTURE(size);
        const Bytes body = pattern(size, 1);
        const std::vector<Bytes> f = encode(MsgType::request, static_cast<std::uint16_t>(size), 0x56000009, whole(body));
        for (std::size_t i = 0; i < f.size(); ++i) {
            const Decoded d = decode_fragment(f[i].data(), f[i].size());
            REQUIRE(d.ok());
            const Take t = r->take(d.fragment).outcome;
            CHECK(t == (i + 1 == f.size() ? Take::complete : Take::partial));
        }
        const Message m = r->message();
        CHECK(m.type == MsgType::request);
        CHECK(m.seq == static_cast<std::uint16_t>(size));
        CHECK(Bytes(m.payload, m.payload + m.size) == body);
    }
}

TEST_CASE("rm rpc: a fragment index past the last writes nothing", "[rpc]")
{
    const Bytes body = pattern(300);
    const Fragmenter f{MsgType::reply, 1, 2, whole(body)};
    std::uint8_t buffer[fragment_size] = {};
    CHECK(f.count() == 2);
    CHECK(f.write(1, buffer) == 8 + 300 - 232);
    CHECK(f.write(2, buffer) == 0);
    const Fragmenter too_big{MsgType::reply, 1, 2, Payload{nullptr, 0, nullptr, max_payload + 1}};
    CHECK(too_big.write(0, buffer) == 0);
}
