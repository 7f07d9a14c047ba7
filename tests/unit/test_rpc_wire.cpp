// Reading and writing RPC payloads (rm/rpc/wire.h): little-endian fields, reads and
// writes that stop at the end and stay failed, lists whose count must agree with the
// bytes, and done() as the exact-length check.
#include <catch2/catch.hpp>

#include "rm/rpc/wire.h"
#include "tests/unit/rpc_test_support.h"

using namespace hyp::rm::rpc;
using namespace hyp::test::rpc;

TEST_CASE("rm rpc: fields are read little-endian, back to back", "[rpc]")
{
    const Bytes b{0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01};
    WireReader r{b.data(), b.size()};
    CHECK(r.u8() == 0x01);
    CHECK(r.le16() == 0x1234);
    CHECK(r.le32() == 0x12345678);
    CHECK(r.le64() == 0x0123456789ABCDEF);
    CHECK(r.done());
}

TEST_CASE("rm rpc: a read past the end yields 0 and the reader stays failed", "[rpc]")
{
    const Bytes b{1, 2, 3};
    WireReader r{b.data(), b.size()};
    CHECK(r.le16() == 0x0201);
    CHECK(r.le16() == 0);  // one byte left: not enough
    CHECK_FALSE(r.ok());
    CHECK(r.u8() == 0);  // even though one byte would fit now
    CHECK_FALSE(r.done());
    CHECK(r.remaining() == 1);
}

TEST_CASE("rm rpc: done() is the exact-length check: short and long payloads both fail it", "[rpc]")
{
    const Bytes four{3, 0, 0, 0};
    const Bytes five{3, 0, 0, 0, 0};
    const auto vmid_and_pad = [](const Bytes& b) {
        WireReader r{b.data(), b.size()};
        (void)r.le16();
        r.skip(2);
        return r.done();
    };
    CHECK(vmid_and_pad(four));
    CHECK_FALSE(vmid_and_pad(five));
    CHECK_FALSE(vmid_and_pad(Bytes{3, 0, 0}));
    CHECK_FALSE(vmid_and_pad(Bytes{}));
    CHECK(WireReader{nullptr, 0}.done());
}

TEST_CASE("rm rpc: a list's count must fit both its limit and the bytes that follow", "[rpc]")
{
    // count 2, other 0x0505, two entries of 4 bytes.
    const Bytes b{2, 0, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2};
    {
        WireReader r{b.data(), b.size()};
        const ListHead l = r.list(4);
        CHECK(r.ok());
        CHECK(l.count == 2);
        CHECK(l.other == 0x0505);
        CHECK(r.le32() == 0x01010101);
        CHECK(r.le32() == 0x02020202);
        CHECK(r.done());
    }
    {
        WireReader r{b.data(), b.size()};
        (void)r.list(5);  // 2 x 5 bytes do not fit in 8
        CHECK_FALSE(r.ok());
    }
    {
        WireReader r{b.data(), b.size()};
        (void)r.list(4, 1);  // more than the limit
        CHECK_FALSE(r.ok());
    }
    {
        const Bytes huge{0xFF, 0xFF, 0, 0, 1, 2, 3, 4};
        WireReader r{huge.data(), huge.size()};
        CHECK(r.list(1, 0xFFFF).count == 0);
        CHECK_FALSE(r.ok());
    }
    {
        const Bytes empty_list{0, 0, 0, 0};
        WireReader r{empty_list.data(), empty_list.size()};
        CHECK(r.list(16).count == 0);
        CHECK(r.done());
    }
}

TEST_CASE("rm rpc: a list of 512 entries is allowed and 513 is not", "[rpc]")
{
    Bytes b{0x00, 0x02, 0, 0};  // 512
    b.resize(4 + 512 * 4);
    WireReader ok_reader{b.data(), b.size()};
    CHECK(ok_reader.list(4).count == 512);
    CHECK(ok_reader.ok());
    b[0] = 0x01;  // 513
    b.resize(4 + 513 * 4);
    WireReader too_many{b.data(), b.size()};
    (void)too_many.list(4);
    CHECK_FALSE(too_many.ok());
}

TEST_CASE("rm rpc: fields are written little-endian and a write past the end writes nothing", "[rpc]")
{
    std::uint8_t buffer[16] = {};
    WireWriter w{buffer, 15};
    w.u8(0x01);
    w.le16(0x1234);
    w.le32(0x12345678);
    w.le64(0x0123456789ABCDEF);
    CHECK(w.ok());
    CHECK(w.size() == 15);
    CHECK(Bytes(buffer, buffer + 15) ==
          Bytes{0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01});
    w.u8(0xAA);
    CHECK_FALSE(w.ok());
    CHECK(w.size() == 15);
    CHECK(buffer[15] == 0);
}

TEST_CASE("rm rpc: a writer stays failed once a write has not fitted", "[rpc]")
{
    std::uint8_t buffer[8] = {};
    WireWriter w{buffer, sizeof(buffer)};
    w.list(1, 2);
    w.le64(5);  // 4 left: does not fit
    CHECK_FALSE(w.ok());
    w.le16(7);  // would fit, but the writer has failed
    CHECK(w.size() == 4);
    const std::uint8_t src[3] = {9, 9, 9};
    WireWriter z{buffer, sizeof(buffer)};
    z.bytes(src, 3);
    z.zeros(5);
    CHECK(z.ok());
    CHECK(Bytes(buffer, buffer + 8) == Bytes{9, 9, 9, 0, 0, 0, 0, 0});
}
