// What is read from a flattened device tree before the MMU is on: its size (to map it)
// and the root node's `compatible` strings (which board is this?), to choose the early
// UART and the board's policies before libfdt runs. Only aligned
// 32-bit and byte loads (Device memory faults on anything else with the MMU off; the
// kernel is built -mstrict-align), and never a byte outside [blob, blob + size).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hyp::platform {

// The header's totalsize, or 0 when `blob` is null, not 8-byte aligned or has no FDT
// magic. One aligned load each for the magic and the size.
[[nodiscard]] std::size_t early_blob_size(const std::uint8_t* blob);

// Calls `visit(string, length)` for each string of the root node's `compatible`, in
// order, until it returns true. False when the blob is not a valid tree as far as
// this reads, or the root has no `compatible`, or no visit returned true.
template <typename Visit>
[[nodiscard]] bool for_each_root_compatible(const std::uint8_t* blob, std::size_t size, Visit visit);

// The root `compatible` property's bytes (NUL-separated strings), found by scanning the
// header and the root node's properties. False for anything malformed.
[[nodiscard]] bool find_root_compatible(const std::uint8_t* blob, std::size_t size, const std::uint8_t*& value,
                                        std::size_t& length);

template <typename Visit>
bool for_each_root_compatible(const std::uint8_t* blob, std::size_t size, Visit visit)
{
    const std::uint8_t* value = nullptr;
    std::size_t length = 0;
    if (!find_root_compatible(blob, size, value, length)) {
        return false;
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i < length; ++i) {
        if (value[i] == 0) {
            if (i > start && visit(reinterpret_cast<const char*>(value + start), i - start)) {
                return true;
            }
            start = i + 1;
        }
    }
    return false;  // a last string without its NUL is not counted
}

}  // namespace hyp::platform
