// Unpacking a gzip member (see gunzip.h). The deflate decoder follows RFC 1951, section
// 3.2, in the shape of Mark Adler's puff.c: canonical Huffman codes kept as counts per
// length and symbols in code order, and decoded one bit at a time.
#include "kernel/boot/gunzip.h"

namespace hyp {
namespace {

constexpr std::size_t header_size = 10;  // ID1 ID2 CM FLG MTIME(4) XFL OS
constexpr std::size_t trailer_size = 8;  // CRC32 ISIZE, little-endian
constexpr std::uint8_t id1 = 0x1f, id2 = 0x8b, cm_deflate = 8;
constexpr std::uint8_t flg_text = 0x01;  // a hint only; every other flag adds fields we do not read

constexpr unsigned max_bits = 15;               // the longest Huffman code
constexpr std::size_t max_length_codes = 286;   // literal/length symbols a dynamic block may use
constexpr std::size_t max_distance_codes = 30;
constexpr std::size_t fixed_length_codes = 288;  // the fixed code defines 286 and 287 (never valid)
constexpr std::size_t code_length_codes = 19;

// Length symbols 257..285 and distance symbols 0..29: base values and extra bits.
constexpr std::uint16_t length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                           31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                           2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::uint16_t distance_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                             33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                             1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::uint8_t distance_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
                                             6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// The order in which a dynamic block lists the code lengths of the code-length code.
constexpr std::uint8_t code_length_order[code_length_codes] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                               11, 4,  12, 3, 13, 2, 14, 1, 15};

// CRC-32 (the gzip / IEEE 802.3 polynomial, reflected) four bits at a time: a 64-byte
// table instead of zlib's 1 KB one.
constexpr std::uint32_t crc_polynomial = 0xedb88320;
struct CrcNibbles {
    std::uint32_t entry[16];
    constexpr CrcNibbles() : entry{}
    {
        for (std::uint32_t n = 0; n < 16; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 4; ++k) {
                c = (c & 1) != 0 ? (c >> 1) ^ crc_polynomial : c >> 1;
            }
            entry[n] = c;
        }
    }
};
constexpr CrcNibbles crc_nibbles;

std::uint32_t crc32(const std::uint8_t* data, std::size_t size)
{
    std::uint32_t crc = ~std::uint32_t{0};
    for (std::size_t i = 0; i < size; ++i) {
        crc ^= data[i];
        crc = (crc >> 4) ^ crc_nibbles.entry[crc & 15];
        crc = (crc >> 4) ^ crc_nibbles.entry[crc & 15];
    }
    return ~crc;
}

std::uint32_t load_le32(const std::uint8_t* p)
{
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

// A canonical Huffman code: how many codes there are of each length, and the symbols
// ordered by code (by length, then by symbol value).
struct Huffman {
    std::uint16_t count[max_bits + 1];
    std::uint16_t* symbol;
};

// Builds `h` from the code length of each of `n` symbols (0: unused). Returns 0 for a
// complete code (or one with no codes at all, which decodes nothing), a negative value
// for an over-subscribed one (invalid), and a positive one for an incomplete one, which
// the caller may accept where RFC 1951 allows it.
int build(Huffman& h, const std::uint8_t* lengths, std::size_t n)
{
    for (std::uint16_t& c : h.count) {
        c = 0;
    }
    for (std::size_t s = 0; s < n; ++s) {
        ++h.count[lengths[s]];
    }
    if (h.count[0] == n) {
        return 0;
    }
    int left = 1;  // codes of the current length not yet used
    for (unsigned len = 1; len <= max_bits; ++len) {
        left = 2 * left - h.count[len];
        if (left < 0) {
            return left;
        }
    }
    std::uint16_t offset[max_bits + 1];
    offset[1] = 0;
    for (unsigned len = 1; len < max_bits; ++len) {
        offset[len + 1] = static_cast<std::uint16_t>(offset[len] + h.count[len]);
    }
    for (std::size_t s = 0; s < n; ++s) {
        if (lengths[s] != 0) {
            h.symbol[offset[lengths[s]]++] = static_cast<std::uint16_t>(s);
        }
    }
    return left;
}

class Inflater {
public:
    Inflater(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_capacity)
        : in_{in}, in_size_{in_size}, out_{out}, out_capacity_{out_capacity}
    {
    }

    // The whole stream, block by block, up to and including the last.
    GunzipStatus run()
    {
        bool last = false;
        while (!last && status_ == GunzipStatus::ok) {
            last = bits(1) != 0;
            switch (bits(2)) {
            case 0: stored(); break;
            case 1: fixed(); break;
            case 2: dynamic(); break;
            default: fail(GunzipStatus::bad_data); break;
            }
        }
        return status_;
    }
    [[nodiscard]] std::size_t consumed() const { return in_pos_; }
    [[nodiscard]] std::size_t produced() const { return out_pos_; }

private:
    void fail(GunzipStatus status)
    {
        if (status_ == GunzipStatus::ok) {
            status_ = status;
        }
    }
    [[nodiscard]] bool failed() const { return status_ != GunzipStatus::ok; }

    // The next `need` bits (at most 16), least significant first. Past the end of the
    // input: zeros, and the stream is truncated.
    unsigned bits(unsigned need)
    {
        std::uint32_t value = bit_buffer_;
        while (bit_count_ < need) {
            if (in_pos_ == in_size_) {
                fail(GunzipStatus::truncated);
                return 0;
            }
            value |= std::uint32_t{in_[in_pos_++]} << bit_count_;
            bit_count_ += 8;
        }
        bit_buffer_ = value >> need;
        bit_count_ -= need;
        return value & ((std::uint32_t{1} << need) - 1);
    }

    // One symbol of code `h`; -1 when the bits are no code of it (or the input ran out).
    int decode(const Huffman& h)
    {
        int code = 0;   // the bits read so far
        int first = 0;  // the first code of the current length
        int index = 0;  // where the symbols of the current length start
        for (unsigned len = 1; len <= max_bits; ++len) {
            code |= static_cast<int>(bits(1));
            int count = h.count[len];
            if (code - first < count) {
                return failed() ? -1 : h.symbol[index + code - first];
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        return -1;
    }

    // A stored block: byte aligned, LEN and its complement NLEN, then LEN bytes.
    void stored()
    {
        bit_buffer_ = 0;  // drop the rest of the current byte
        bit_count_ = 0;
        if (in_size_ - in_pos_ < 4) {
            fail(GunzipStatus::truncated);
            return;
        }
        std::size_t len = in_[in_pos_] | std::size_t{in_[in_pos_ + 1]} << 8;
        std::size_t nlen = in_[in_pos_ + 2] | std::size_t{in_[in_pos_ + 3]} << 8;
        in_pos_ += 4;
        if (len != (~nlen & 0xffff)) {
            fail(GunzipStatus::bad_data);
        } else if (in_size_ - in_pos_ < len) {
            fail(GunzipStatus::truncated);
        } else if (out_capacity_ - out_pos_ < len) {
            fail(GunzipStatus::output_full);
        } else {
            for (std::size_t i = 0; i < len; ++i) {
                out_[out_pos_++] = in_[in_pos_++];
            }
        }
    }

    // Literals and matches until the end-of-block symbol.
    void codes(const Huffman& lengths, const Huffman& distances)
    {
        while (!failed()) {
            int symbol = decode(lengths);
            if (symbol < 0) {
                fail(GunzipStatus::bad_data);
            } else if (symbol < 256) {
                if (out_pos_ == out_capacity_) {
                    fail(GunzipStatus::output_full);
                } else {
                    out_[out_pos_++] = static_cast<std::uint8_t>(symbol);
                }
            } else if (symbol == 256) {
                return;
            } else {
                copy_match(static_cast<unsigned>(symbol - 257), distances);
            }
        }
    }

    void copy_match(unsigned length_symbol, const Huffman& distances)
    {
        if (length_symbol >= 29) {  // 286 and 287: in the fixed code, never valid
            fail(GunzipStatus::bad_data);
            return;
        }
        std::size_t len = length_base[length_symbol] + bits(length_extra[length_symbol]);
        int d = decode(distances);  // never 30 or 31: no code has them
        if (d < 0) {
            fail(GunzipStatus::bad_data);
            return;
        }
        std::size_t distance = distance_base[d] + bits(distance_extra[d]);
        if (failed()) {
            return;
        }
        if (distance > out_pos_) {
            fail(GunzipStatus::too_far);
        } else if (out_capacity_ - out_pos_ < len) {
            fail(GunzipStatus::output_full);
        } else {
            // Byte by byte: a match may overlap the bytes it produces (distance < len).
            for (std::size_t i = 0; i < len; ++i, ++out_pos_) {
                out_[out_pos_] = out_[out_pos_ - distance];
            }
        }
    }

    void fixed()
    {
        std::uint8_t lengths[fixed_length_codes + max_distance_codes];
        for (std::size_t s = 0; s < fixed_length_codes; ++s) {
            lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
        }
        for (std::size_t s = 0; s < max_distance_codes; ++s) {
            lengths[fixed_length_codes + s] = 5;
        }
        std::uint16_t length_symbols[fixed_length_codes];
        std::uint16_t distance_symbols[max_distance_codes];
        Huffman length_code{{}, length_symbols};
        Huffman distance_code{{}, distance_symbols};
        (void)build(length_code, lengths, fixed_length_codes);
        (void)build(distance_code, lengths + fixed_length_codes, max_distance_codes);  // incomplete: 30 of 32
        codes(length_code, distance_code);
    }

    void dynamic()
    {
        std::size_t nlen = bits(5) + 257;
        std::size_t ndist = bits(5) + 1;
        std::size_t ncode = bits(4) + 4;
        if (nlen > max_length_codes || ndist > max_distance_codes) {
            fail(GunzipStatus::bad_data);
            return;
        }
        std::uint8_t lengths[max_length_codes + max_distance_codes] = {};
        for (std::size_t i = 0; i < ncode; ++i) {
            lengths[code_length_order[i]] = static_cast<std::uint8_t>(bits(3));
        }
        std::uint16_t length_symbols[max_length_codes];
        std::uint16_t distance_symbols[max_distance_codes];
        Huffman length_code{{}, length_symbols};
        Huffman distance_code{{}, distance_symbols};
        // The code-length code must be complete.
        if (failed() || build(length_code, lengths, code_length_codes) != 0) {
            fail(GunzipStatus::bad_data);
            return;
        }

        // The code lengths of both codes, as one sequence with repeats.
        std::size_t index = 0;
        while (index < nlen + ndist) {
            int symbol = decode(length_code);
            if (symbol < 0) {
                fail(GunzipStatus::bad_data);
                return;
            }
            if (symbol < 16) {
                lengths[index++] = static_cast<std::uint8_t>(symbol);
                continue;
            }
            std::uint8_t value = 0;
            std::size_t repeat;
            if (symbol == 16) {  // the previous length, 3..6 times
                if (index == 0) {
                    fail(GunzipStatus::bad_data);
                    return;
                }
                value = lengths[index - 1];
                repeat = 3 + bits(2);
            } else if (symbol == 17) {  // zeros, 3..10 times
                repeat = 3 + bits(3);
            } else {  // 18: zeros, 11..138 times
                repeat = 11 + bits(7);
            }
            if (failed() || index + repeat > nlen + ndist) {
                fail(GunzipStatus::bad_data);
                return;
            }
            while (repeat-- != 0) {
                lengths[index++] = value;
            }
        }
        if (lengths[256] == 0) {  // no end-of-block code: the block could never end
            fail(GunzipStatus::bad_data);
            return;
        }
        // Incomplete codes are allowed only when they are a single code of one bit.
        int err = build(length_code, lengths, nlen);
        if (err < 0 || (err > 0 && nlen != length_code.count[0] + length_code.count[1])) {
            fail(GunzipStatus::bad_data);
            return;
        }
        err = build(distance_code, lengths + nlen, ndist);
        if (err < 0 || (err > 0 && ndist != distance_code.count[0] + distance_code.count[1])) {
            fail(GunzipStatus::bad_data);
            return;
        }
        codes(length_code, distance_code);
    }

    const std::uint8_t* in_;
    std::size_t in_size_;
    std::size_t in_pos_ = 0;
    std::uint32_t bit_buffer_ = 0;
    unsigned bit_count_ = 0;
    std::uint8_t* out_;
    std::size_t out_capacity_;
    std::size_t out_pos_ = 0;
    GunzipStatus status_ = GunzipStatus::ok;
};

}  // namespace

std::size_t gunzip_stated_size(const std::uint8_t* src, std::size_t src_size)
{
    return src_size < header_size + trailer_size ? 0 : load_le32(src + src_size - 4);
}

GunzipResult gunzip(const std::uint8_t* src, std::size_t src_size, std::uint8_t* dst, std::size_t dst_capacity)
{
    if (src_size < header_size) {
        return {GunzipStatus::truncated, 0};
    }
    if (src[0] != id1 || src[1] != id2 || src[2] != cm_deflate || (src[3] & ~flg_text) != 0) {
        return {GunzipStatus::bad_header, 0};
    }
    if (src_size < header_size + trailer_size) {
        return {GunzipStatus::truncated, 0};
    }
    const std::size_t stream_size = src_size - header_size - trailer_size;
    Inflater inflater{src + header_size, stream_size, dst, dst_capacity};
    GunzipStatus status = inflater.run();
    const std::size_t size = inflater.produced();
    if (status != GunzipStatus::ok) {
        return {status, size};
    }
    // The trailer follows the stream directly: anything between them is not a member
    // as gzip writes it.
    if (inflater.consumed() != stream_size) {
        return {GunzipStatus::bad_data, size};
    }
    const std::uint8_t* trailer = src + src_size - trailer_size;
    if (load_le32(trailer) != crc32(dst, size) || load_le32(trailer + 4) != static_cast<std::uint32_t>(size)) {
        return {GunzipStatus::bad_check, size};
    }
    return {GunzipStatus::ok, size};
}

const char* gunzip_status_name(GunzipStatus status)
{
    switch (status) {
    case GunzipStatus::ok: return "ok";
    case GunzipStatus::bad_header: return "bad_header";
    case GunzipStatus::truncated: return "truncated";
    case GunzipStatus::bad_data: return "bad_data";
    case GunzipStatus::too_far: return "too_far";
    case GunzipStatus::output_full: return "output_full";
    case GunzipStatus::bad_check: return "bad_check";
    }
    return "unknown";
}

}  // namespace hyp
