// An MMIO access's data as gh_vcpu_run carries it: len bytes, little-endian, in data[].
#pragma once

#include <cstdint>

namespace vmm {

inline std::uint64_t mmio_load(const std::uint8_t* data, unsigned len)
{
    std::uint64_t v = 0;
    for (unsigned i = len; i-- > 0;) {
        v = (v << 8) | data[i];
    }
    return v;
}

inline void mmio_store(std::uint8_t* data, unsigned len, std::uint64_t value)
{
    for (unsigned i = 0; i < len; ++i) {
        data[i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
}

}  // namespace vmm
