// Unpacking one gzip member (RFC 1952: a header, a deflate stream as RFC 1951 defines it,
// then the CRC-32 and length of what it holds). The build stores the resource manager's
// image this way inside hyp.bin (cmake/rm.cmake), about half the size of rm.bin, and the
// kernel unpacks it into the RM's RAM once, at boot (kernel/boot/root_vm.cpp).
//
// Small rather than fast: Huffman codes are decoded a bit at a time from their canonical
// counts, as zlib's reference decoder puff.c does; about 100 KB takes a few milliseconds.
// Everything is checked against the input's and the output's bounds, so a damaged image
// is refused, never written beyond the destination.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hyp {

enum class GunzipStatus : std::uint8_t {
    ok,
    bad_header,   // not a gzip member with deflate and no optional header fields
    truncated,    // the input ends inside the stream or its trailer
    bad_data,     // not a valid deflate stream: block type, stored length, a Huffman code
    too_far,      // a match reaches back before the start of the output
    output_full,  // the contents are larger than the destination
    bad_check,    // the trailer's length or CRC-32 is not that of what was unpacked
};

struct [[nodiscard]] GunzipResult {
    GunzipStatus status;
    std::size_t size;  // bytes written to the destination (all of them when ok)
};

// The size of the contents as the member's trailer states it (ISIZE: modulo 2^32), so
// the caller can check it fits before unpacking; 0 when `src` is too short to be a member.
[[nodiscard]] std::size_t gunzip_stated_size(const std::uint8_t* src, std::size_t src_size);

// Unpacks the member at [src, src + src_size), which must end where the member does, into
// [dst, dst + dst_capacity).
GunzipResult gunzip(const std::uint8_t* src, std::size_t src_size, std::uint8_t* dst, std::size_t dst_capacity);

// "bad_header", ..., for logs.
[[nodiscard]] const char* gunzip_status_name(GunzipStatus status);

}  // namespace hyp
