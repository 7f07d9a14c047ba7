// gunzip, which unpacks the resource manager's image at boot: whatever zlib writes, at
// every level and strategy (stored, fixed and dynamic Huffman blocks, overlapping
// matches), and every way a member can be damaged, refused without writing a byte beyond
// the destination.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernel/boot/gunzip.h"

using namespace hyp;

namespace {

using Bytes = std::vector<std::uint8_t>;

// A gzip member as zlib's deflate writes it (windowBits 15 + 16: a gzip wrapper with no
// name and mtime 0, as Python's gzip.compress(mtime=0) in the build does).
Bytes gzip(const Bytes& data, int level = 9, int strategy = Z_DEFAULT_STRATEGY)
{
    z_stream z{};
    REQUIRE(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9, strategy) == Z_OK);
    Bytes out(deflateBound(&z, data.size()) + 64);
    z.next_in = const_cast<Bytes::value_type*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// Text-like bytes: words from a small vocabulary, so matches of every length and distance.
Bytes words(std::size_t size, std::uint32_t seed)
{
    static const char* const vocabulary[] = {"memextent ", "addrspace ", "vcpu ", "the ",    "partition ",
                                             "donate ",    "\n",          "0x40200000 ", "rm ", "msgqueue "};
    std::mt19937 rng{seed};
    Bytes out;
    while (out.size() < size) {
        const char* w = vocabulary[rng() % 10];
        out.insert(out.end(), w, w + std::char_traits<char>::length(w));
    }
    out.resize(size);
    return out;
}

Bytes random_bytes(std::size_t size, std::uint32_t seed)
{
    std::mt19937 rng{seed};
    Bytes out(size);
    for (std::uint8_t& b : out) {
        b = static_cast<std::uint8_t>(rng());
    }
    return out;
}

// Unpacks into a buffer of `capacity` bytes followed by guard bytes, and checks that no
// guard byte changed whatever the outcome.
GunzipResult unpack(const Bytes& member, Bytes& out, std::size_t capacity)
{
    constexpr std::size_t guard = 64;
    out.assign(capacity + guard, 0xa5);
    GunzipResult r = gunzip(member.data(), member.size(), out.data(), capacity);
    for (std::size_t i = capacity; i < out.size(); ++i) {
        REQUIRE(out[i] == 0xa5);
    }
    REQUIRE(r.size <= capacity);
    out.resize(r.size);
    return r;
}

// Deflate bits, least significant first; Huffman codes go most significant bit first.
class BitWriter {
public:
    void bits(std::uint32_t value, unsigned count)
    {
        for (unsigned i = 0; i < count; ++i) {
            put((value >> i) & 1);
        }
    }
    void code(std::uint32_t value, unsigned count)
    {
        for (unsigned i = count; i-- > 0;) {
            put((value >> i) & 1);
        }
    }
    // A whole member around the stream, with the trailer of `contents`.
    Bytes member(const Bytes& contents) const
    {
        Bytes m = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
        m.insert(m.end(), bytes_.begin(), bytes_.end());
        std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, contents.data(), static_cast<uInt>(contents.size())));
        for (std::uint32_t word : {crc, static_cast<std::uint32_t>(contents.size())}) {
            for (int i = 0; i < 4; ++i) {
                m.push_back(static_cast<std::uint8_t>(word >> (8 * i)));
            }
        }
        return m;
    }

private:
    void put(std::uint32_t bit)
    {
        if (used_ == 0) {
            bytes_.push_back(0);
        }
        bytes_.back() |= static_cast<std::uint8_t>(bit << used_);
        used_ = (used_ + 1) % 8;
    }
    Bytes bytes_;
    unsigned used_ = 0;
};

}  // namespace

TEST_CASE("gunzip unpacks what zlib packs, at every level and strategy", "[gunzip]")
{
    const std::vector<Bytes> inputs = {
        {},
        {'h', 'y', 'p'},
        words(70000, 1),                 // more than one 32 KiB window, many blocks
        Bytes(200000, 0),                // the longest matches, overlapping themselves
        random_bytes(70000, 2),          // incompressible: stored blocks at most levels
    };
    const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED};
    for (const Bytes& input : inputs) {
        for (int level : {0, 1, 6, 9}) {
            for (int strategy : strategies) {
                CAPTURE(input.size(), level, strategy);
                Bytes member = gzip(input, level, strategy);
                REQUIRE(gunzip_stated_size(member.data(), member.size()) == input.size());
                Bytes out;
                GunzipResult r = unpack(member, out, input.size());
                REQUIRE(r.status == GunzipStatus::ok);
                REQUIRE(out == input);
            }
        }
    }
}

TEST_CASE("gunzip writes exactly the contents into a larger destination", "[gunzip]")
{
    Bytes input = words(5000, 3);
    Bytes out;
    GunzipResult r = unpack(gzip(input), out, 1 << 20);
    REQUIRE(r.status == GunzipStatus::ok);
    REQUIRE(r.size == input.size());
    REQUIRE(out == input);
}

TEST_CASE("gunzip refuses contents larger than the destination, writing only what fits", "[gunzip]")
{
    for (const Bytes& input : {words(40000, 4), random_bytes(40000, 5), Bytes(40000, 7)}) {
        Bytes member = gzip(input);
        for (std::size_t capacity : {std::size_t{0}, std::size_t{1}, input.size() / 2, input.size() - 1}) {
            CAPTURE(capacity);
            Bytes out;
            GunzipResult r = unpack(member, out, capacity);
            REQUIRE(r.status == GunzipStatus::output_full);
            REQUIRE(Bytes(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(r.size)) == out);
        }
    }
}

TEST_CASE("gunzip refuses a header that is not gzip's with deflate and no optional fields", "[gunzip]")
{
    Bytes input = words(1000, 6);
    Bytes good = gzip(input);
    Bytes out;
    for (std::size_t at : {0, 1, 2}) {
        Bytes bad = good;
        bad[at] ^= 0x40;
        REQUIRE(unpack(bad, out, input.size()).status == GunzipStatus::bad_header);
    }
    for (std::uint8_t flag : {0x02, 0x04, 0x08, 0x10, 0x20}) {  // FHCRC, FEXTRA, FNAME, FCOMMENT, reserved
        Bytes bad = good;
        bad[3] = flag;
        REQUIRE(unpack(bad, out, input.size()).status == GunzipStatus::bad_header);
    }
    Bytes text = good;
    text[3] = 0x01;  // FTEXT is a hint, nothing follows from it
    REQUIRE(unpack(text, out, input.size()).status == GunzipStatus::ok);
}

TEST_CASE("gunzip refuses every truncation of a member", "[gunzip]")
{
    Bytes input = words(3000, 7);
    Bytes member = gzip(input);
    for (std::size_t size = 0; size < member.size(); ++size) {
        CAPTURE(size);
        Bytes cut(member.begin(), member.begin() + static_cast<std::ptrdiff_t>(size));
        Bytes out;
        REQUIRE(unpack(cut, out, input.size()).status != GunzipStatus::ok);
    }
}

TEST_CASE("gunzip refuses a trailer whose CRC-32 or length does not match", "[gunzip]")
{
    Bytes input = words(3000, 8);
    Bytes member = gzip(input);
    for (std::size_t from_end : {8, 5, 4, 1}) {  // CRC's first and last byte, ISIZE's
        Bytes bad = member;
        bad[bad.size() - from_end] ^= 1;
        Bytes out;
        REQUIRE(unpack(bad, out, 2 * input.size()).status == GunzipStatus::bad_check);
    }
}

TEST_CASE("gunzip refuses bytes between the stream and the trailer", "[gunzip]")
{
    Bytes input = words(3000, 9);
    Bytes member = gzip(input);
    member.insert(member.end() - 8, 0);
    Bytes out;
    REQUIRE(unpack(member, out, input.size()).status == GunzipStatus::bad_data);
}

TEST_CASE("gunzip refuses a match reaching back before the start of the output", "[gunzip]")
{
    BitWriter w;
    w.bits(1, 1);         // BFINAL
    w.bits(1, 2);         // fixed Huffman codes
    w.code(0x30 + 'a', 8);  // literal 'a'
    w.code(1, 7);         // length symbol 257: 3 bytes
    w.code(1, 5);         // distance symbol 1: 2 bytes back, one more than there is
    w.code(0, 7);         // end of block
    Bytes out;
    REQUIRE(unpack(w.member({'a', 'a', 'a', 'a'}), out, 16).status == GunzipStatus::too_far);

    BitWriter ok;  // the same at distance 1: an overlapping copy of the one byte there is
    ok.bits(1, 1);
    ok.bits(1, 2);
    ok.code(0x30 + 'a', 8);
    ok.code(1, 7);
    ok.code(0, 5);
    ok.code(0, 7);
    REQUIRE(unpack(ok.member({'a', 'a', 'a', 'a'}), out, 16).status == GunzipStatus::ok);
    REQUIRE(out == Bytes{'a', 'a', 'a', 'a'});
}

TEST_CASE("gunzip refuses block type 3, a bad stored length, and codes the fixed code forbids", "[gunzip]")
{
    Bytes out;
    BitWriter reserved;
    reserved.bits(1, 1);
    reserved.bits(3, 2);
    REQUIRE(unpack(reserved.member({}), out, 16).status == GunzipStatus::bad_data);

    BitWriter stored;
    stored.bits(1, 1);
    stored.bits(0, 2);
    stored.bits(0, 5);  // to the byte boundary
    stored.bits(2, 16);
    stored.bits(0xfffe, 16);  // NLEN should be 0xfffd
    stored.bits('h', 8);
    stored.bits('i', 8);
    REQUIRE(unpack(stored.member({'h', 'i'}), out, 16).status == GunzipStatus::bad_data);

    BitWriter length286;
    length286.bits(1, 1);
    length286.bits(1, 2);
    length286.code(0xc6, 8);  // symbol 286: 280..287 are 0xc0..0xc7
    REQUIRE(unpack(length286.member({}), out, 16).status == GunzipStatus::bad_data);

    BitWriter distance30;
    distance30.bits(1, 1);
    distance30.bits(1, 2);
    distance30.code(0x30 + 'a', 8);
    distance30.code(1, 7);
    distance30.code(30, 5);
    distance30.bits(0, 16);  // enough bits that it is no code rather than the input ending
    REQUIRE(unpack(distance30.member({}), out, 16).status == GunzipStatus::bad_data);
}

TEST_CASE("gunzip never writes beyond the destination or accepts a damaged member", "[gunzip]")
{
    Bytes input = words(20000, 10);
    Bytes member = gzip(input);
    std::mt19937 rng{11};
    for (int round = 0; round < 3000; ++round) {
        Bytes bad = member;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; ++i) {
            bad[10 + rng() % (bad.size() - 18)] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        }
        Bytes out;
        GunzipResult r = unpack(bad, out, input.size() + 100);
        if (r.status == GunzipStatus::ok) {
            REQUIRE(out == input);  // only a flip deflate ignores (an unused bit) may pass
        }
    }
}

TEST_CASE("gunzip_stated_size reads the trailer, and 0 when there is none", "[gunzip]")
{
    Bytes member = gzip(words(1234, 12));
    REQUIRE(gunzip_stated_size(member.data(), member.size()) == 1234);
    REQUIRE(gunzip_stated_size(member.data(), 17) == 0);
}
