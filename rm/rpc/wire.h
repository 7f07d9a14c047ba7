// Reading and writing RPC payloads (docs/rpc.md, "Payloads"): little-endian fields at
// any alignment, bounds-checked. A read past the end yields 0 and marks the reader
// failed, a write past the end writes nothing and marks the writer failed; both stay
// failed, so a handler reads every field first and checks once. Gunyah's RM checks every
// request's length exactly before it acts; done() is that check.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/gunyah_rm_rpc.h"

namespace hyp::rm::rpc {

// The RM error for a request whose payload has the wrong length or shape (too short, too
// long, a list whose count disagrees with the bytes): MSG_INVALID, as the reference RM's
// handlers answer. ARGUMENT_INVALID is for well-formed requests with values out of range.
inline constexpr std::uint32_t malformed_request = GUNYAH_RM_ERROR_MSG_INVALID;

// A list's head: count:2 and a second u16 that is reserved or, for some lists, a field.
struct ListHead {
    std::uint16_t count;
    std::uint16_t other;
};

class WireReader {
public:
    constexpr WireReader(const std::uint8_t* data, std::size_t size) : data_{data}, size_{size} {}

    [[nodiscard]] std::uint8_t u8();
    [[nodiscard]] std::uint16_t le16();
    [[nodiscard]] std::uint32_t le32();
    [[nodiscard]] std::uint64_t le64();
    // The next n bytes in place, or null (and failed) when fewer remain.
    [[nodiscard]] const std::uint8_t* bytes(std::size_t n);
    // Passes over n bytes of padding or reserved space.
    void skip(std::size_t n) { (void)bytes(n); }
    // A list head whose count entries of entry_size bytes follow: fails (and answers a
    // count of 0) when the count exceeds max_entries or the entries do not fit in what
    // remains. The entries are left to read.
    [[nodiscard]] ListHead list(std::size_t entry_size, std::size_t max_entries = GUNYAH_RM_LIST_MAX_ENTRIES);

    // No read ran past the end.
    [[nodiscard]] bool ok() const { return !failed_; }
    [[nodiscard]] std::size_t remaining() const { return size_ - at_; }
    // The exact-length check: every read fitted and nothing is left over.
    [[nodiscard]] bool done() const { return ok() && remaining() == 0; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
    bool failed_ = false;
};

class WireWriter {
public:
    constexpr WireWriter(std::uint8_t* data, std::size_t capacity) : data_{data}, capacity_{capacity} {}

    void u8(std::uint8_t value);
    void le16(std::uint16_t value);
    void le32(std::uint32_t value);
    void le64(std::uint64_t value);
    void bytes(const std::uint8_t* source, std::size_t n);
    void zeros(std::size_t n);
    void list(std::uint16_t count, std::uint16_t other = 0);

    // Every write fitted.
    [[nodiscard]] bool ok() const { return !failed_; }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] const std::uint8_t* data() const { return data_; }

private:
    // Room for n more bytes at the end, or null (and failed).
    std::uint8_t* claim(std::size_t n);
    void little_endian(std::uint64_t value, std::size_t n);

    std::uint8_t* data_;
    std::size_t capacity_;
    std::size_t size_ = 0;
    bool failed_ = false;
};

}  // namespace hyp::rm::rpc
