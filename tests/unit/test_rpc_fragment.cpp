// The RM RPC fragment codec (rm/rpc/fragment.h): a header is accepted only with version
// 1, 2 header words and at most 62 continuations, in a fragment of 8 to 240 bytes; every
// other field value is passed on for reassembly and dispatch to judge.
#include <catch2/catch.hpp>

#include "rm/rpc/fragment.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;

namespace {

FragmentFault fault_of(const Bytes& b) { return decode_fragment(b.data(), b.size()).fault; }

}  // namespace

TEST_CASE("rm rpc: a well-formed fragment decodes to its fields and payload", "[rpc]")
{
    const Bytes f = fragment(GUNYAH_RM_RPC_TYPE_REQUEST, 3, 0xBEEF, 0x56000024, {1, 2, 3});
    const Decoded d = decode_fragment(f.data(), f.size());
    REQUIRE(d.ok());
    CHECK(d.fragment.header.type == MsgType::request);
    CHECK(d.fragment.header.continuations == 3);
    CHECK(d.fragment.header.seq == 0xBEEF);
    CHECK(d.fragment.header.msg_id == 0x56000024);
    REQUIRE(d.fragment.payload_size == 3);
    CHECK(d.fragment.payload == f.data() + 8);
    CHECK(d.fragment.payload[2] == 3);
}

TEST_CASE("rm rpc: every message type decodes as itself", "[rpc]")
{
    CHECK(decode_fragment(fragment(0, 1, 0, 1).data(), 8).fragment.header.type == MsgType::continuation);
    CHECK(decode_fragment(fragment(1, 0, 0, 1).data(), 8).fragment.header.type == MsgType::request);
    CHECK(decode_fragment(fragment(2, 0, 0, 1).data(), 8).fragment.header.type == MsgType::reply);
    CHECK(decode_fragment(fragment(3, 0, 0, 1).data(), 8).fragment.header.type == MsgType::notification);
}

TEST_CASE("rm rpc: each header field wrong in turn is dropped for its own reason", "[rpc]")
{
    const auto with_api = [](std::uint8_t api) { return header(api, type_byte(1, 0), 7, 0x56000024); };
    CHECK(fault_of(with_api(0x21)) == FragmentFault::none);
    // api bits 3:0, the version: only 1.
    CHECK(fault_of(with_api(0x20)) == FragmentFault::bad_version);
    CHECK(fault_of(with_api(0x22)) == FragmentFault::bad_version);
    CHECK(fault_of(with_api(0x2F)) == FragmentFault::bad_version);
    // api bits 7:4, the header length in words: only 2.
    CHECK(fault_of(with_api(0x11)) == FragmentFault::bad_header_words);
    CHECK(fault_of(with_api(0x31)) == FragmentFault::bad_header_words);
    CHECK(fault_of(with_api(0x01)) == FragmentFault::bad_header_words);
    CHECK(fault_of(with_api(0xF1)) == FragmentFault::bad_header_words);
    // Both wrong: the version is judged first.
    CHECK(fault_of(with_api(0x00)) == FragmentFault::bad_version);
    CHECK(fault_of(with_api(0xFF)) == FragmentFault::bad_version);
    // type bits 7:2: 62 continuations at most; 63 (all ones) is the only value above.
    for (std::uint32_t type = 0; type < 4; ++type) {
        CHECK(fault_of(header(0x21, type_byte(type, 62), 0, 1)) == FragmentFault::none);
        CHECK(fault_of(header(0x21, type_byte(type, 63), 0, 1)) == FragmentFault::too_many_continuations);
    }
}

TEST_CASE("rm rpc: sequence numbers and ids take any value", "[rpc]")
{
    for (std::uint16_t seq : {0, 1, 0x7FFF, 0x8000, 0xFFFF}) {
        for (std::uint32_t id : {0u, 1u, 0x56000024u, 0x80000000u, 0xFFFFFFFFu}) {
            const Bytes f = fragment(GUNYAH_RM_RPC_TYPE_REQUEST, 0, seq, id);
            const Decoded d = decode_fragment(f.data(), f.size());
            REQUIRE(d.ok());
            CHECK(d.fragment.header.seq == seq);
            CHECK(d.fragment.header.msg_id == id);
        }
    }
}

TEST_CASE("rm rpc: a fragment shorter than its header or longer than a queue message is dropped", "[rpc]")
{
    const Bytes full = fragment(GUNYAH_RM_RPC_TYPE_REQUEST, 0, 1, 2, pattern(232));
    for (std::size_t size = 0; size < 8; ++size) {
        CHECK(decode_fragment(full.data(), size).fault == FragmentFault::too_short);
    }
    // Judged by its size alone: a header is not even read.
    CHECK(decode_fragment(nullptr, 0).fault == FragmentFault::too_short);
    CHECK(decode_fragment(full.data(), 8).ok());
    CHECK(decode_fragment(full.data(), 8).fragment.payload_size == 0);
    CHECK(decode_fragment(full.data(), 240).ok());
    CHECK(decode_fragment(full.data(), 240).fragment.payload_size == 232);
    Bytes longer = full;
    longer.push_back(0);
    CHECK(decode_fragment(longer.data(), longer.size()).fault == FragmentFault::too_long);
    CHECK(decode_fragment(longer.data(), SIZE_MAX).fault == FragmentFault::too_long);
}

TEST_CASE("rm rpc: a header written is the one gunyah_rm_rpc.h and Linux read", "[rpc]")
{
    std::uint8_t out[8] = {};
    write_header(out, Header{MsgType::reply, 62, 0x1234, 0x56000024});
    CHECK(Bytes(out, out + 8) == header(0x21, type_byte(2, 62), 0x1234, 0x56000024));
    const Decoded d = decode_fragment(out, 8);
    REQUIRE(d.ok());
    CHECK(d.fragment.header.type == MsgType::reply);
    CHECK(d.fragment.header.continuations == 62);
}
