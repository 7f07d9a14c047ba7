// Shared helpers for the kernel/virt tests: a guest register file, ESR_EL2 builders for
// data and instruction aborts, and a GuestMemory over two ranges.
#pragma once

#include <cstdint>

#include "kernel/virt/guest_context.h"
#include "kernel/virt/mmio_decode.h"

namespace virt_test {

struct Guest {
    std::uint64_t x[31] = {};
    std::uint64_t pc = 0x40080000;
    std::uint64_t pstate = 0x3c5;  // EL1h, DAIF masked
    hyp::virt::RegisterFile regs() { return hyp::virt::RegisterFile{x, pc, pstate}; }
};

inline constexpr std::uint64_t il = std::uint64_t{1} << 25;

struct Dabt {
    unsigned sas = 2;  // 4 bytes
    bool write = false;
    unsigned srt = 0;
    bool sse = false;
    bool sf = true;
    bool isv = true;
    std::uint64_t fsc = 0x07;  // translation fault, level 3
    std::uint64_t extra = 0;   // other ISS bits (S1PTW, CM, FnV, VNCR...)
    std::uint64_t ec = 0x24;
    bool il32 = true;

    [[nodiscard]] std::uint64_t esr() const
    {
        return (ec << 26) | (il32 ? il : 0) | (isv ? std::uint64_t{1} << 24 : 0) | (std::uint64_t{sas} << 22) |
               (sse ? std::uint64_t{1} << 21 : 0) | (std::uint64_t{srt} << 16) | (sf ? std::uint64_t{1} << 15 : 0) |
               (write ? std::uint64_t{1} << 6 : 0) | fsc | extra;
    }
};

// HPFAR_EL2 for the page of `ipa`.
inline constexpr std::uint64_t hpfar_of(std::uint64_t ipa) { return (ipa >> 12) << 4; }

inline hyp::virt::AbortSyndrome syndrome(const Dabt& d, std::uint64_t ipa, std::uint64_t va = 0xffff000012345000)
{
    return hyp::virt::AbortSyndrome{d.esr(), (va & ~std::uint64_t{0xfff}) | (ipa & 0xfff), hpfar_of(ipa)};
}

// RAM at [ram_base, ram_base + ram_size), of which [mapped_base, +mapped_size) is mapped.
class FakeMemory final : public hyp::virt::GuestMemory {
public:
    std::uint64_t ram_base = 0x40000000;
    std::uint64_t ram_size = 0x10000000;
    std::uint64_t mapped_base = 0;
    std::uint64_t mapped_size = 0;

    bool is_executable_ram(hyp::Ipa ipa) const override
    {
        return ipa.raw() >= ram_base && ipa.raw() - ram_base < ram_size;
    }
    bool is_mapped(hyp::Ipa ipa) const override
    {
        return ipa.raw() >= mapped_base && ipa.raw() - mapped_base < mapped_size;
    }
};

}  // namespace virt_test
