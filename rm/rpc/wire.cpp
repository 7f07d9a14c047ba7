// Bounds-checked little-endian payload fields (see wire.h).
#include "rm/rpc/wire.h"

namespace hyp::rm::rpc {
namespace {

constexpr std::size_t bits_per_byte = 8;

std::uint64_t read_little_endian(const std::uint8_t* p, std::size_t n)
{
    std::uint64_t value = 0;
    for (std::size_t i = n; i > 0; --i) {
        value = (value << bits_per_byte) | p[i - 1];
    }
    return value;
}

}  // namespace

const std::uint8_t* WireReader::bytes(std::size_t n)
{
    if (failed_ || n > remaining()) {
        failed_ = true;
        return nullptr;
    }
    const std::uint8_t* p = data_ + at_;
    at_ += n;
    return p;
}

std::uint8_t WireReader::u8()
{
    const std::uint8_t* p = bytes(sizeof(std::uint8_t));
    return p == nullptr ? 0 : *p;
}

std::uint16_t WireReader::le16()
{
    const std::uint8_t* p = bytes(sizeof(std::uint16_t));
    return p == nullptr ? 0 : static_cast<std::uint16_t>(read_little_endian(p, sizeof(std::uint16_t)));
}

std::uint32_t WireReader::le32()
{
    const std::uint8_t* p = bytes(sizeof(std::uint32_t));
    return p == nullptr ? 0 : static_cast<std::uint32_t>(read_little_endian(p, sizeof(std::uint32_t)));
}

std::uint64_t WireReader::le64()
{
    const std::uint8_t* p = bytes(sizeof(std::uint64_t));
    return p == nullptr ? 0 : read_little_endian(p, sizeof(std::uint64_t));
}

ListHead WireReader::list(std::size_t entry_size, std::size_t max_entries)
{
    const std::uint16_t count = le16();
    const std::uint16_t other = le16();
    // Divides rather than multiplies, so no entry size can make the product wrap.
    const bool fits = entry_size == 0 || count <= remaining() / entry_size;
    if (failed_ || count > max_entries || !fits) {
        failed_ = true;
        return ListHead{0, 0};
    }
    return ListHead{count, other};
}

std::uint8_t* WireWriter::claim(std::size_t n)
{
    if (failed_ || n > capacity_ - size_) {
        failed_ = true;
        return nullptr;
    }
    std::uint8_t* p = data_ + size_;
    size_ += n;
    return p;
}

void WireWriter::little_endian(std::uint64_t value, std::size_t n)
{
    std::uint8_t* p = claim(n);
    if (p == nullptr) {
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        p[i] = static_cast<std::uint8_t>(value >> (bits_per_byte * i));
    }
}

void WireWriter::u8(std::uint8_t value) { little_endian(value, sizeof(value)); }
void WireWriter::le16(std::uint16_t value) { little_endian(value, sizeof(value)); }
void WireWriter::le32(std::uint32_t value) { little_endian(value, sizeof(value)); }
void WireWriter::le64(std::uint64_t value) { little_endian(value, sizeof(value)); }

void WireWriter::bytes(const std::uint8_t* source, std::size_t n)
{
    std::uint8_t* p = claim(n);
    if (p != nullptr && n != 0) {
        __builtin_memcpy(p, source, n);
    }
}

void WireWriter::zeros(std::size_t n)
{
    std::uint8_t* p = claim(n);
    for (std::size_t i = 0; p != nullptr && i < n; ++i) {
        p[i] = 0;
    }
}

void WireWriter::list(std::uint16_t count, std::uint16_t other)
{
    le16(count);
    le16(other);
}

}  // namespace hyp::rm::rpc
