// What a stage-2 mapping grants (access rights and memory type) and how that becomes the
// attribute bits of a stage-2 leaf descriptor. Pure constexpr logic over the bit layout in
// arch/aarch64/pgtable_format.h, shared by the table engine and its host tests.
#pragma once

#include <cstdint>

#include "arch/aarch64/pgtable_format.h"

namespace hyp::mem {

// Access rights, encoded as Gunyah's pgtable access (X = 1, W = 2, R = 4) so that the
// addrspace hypercalls can pass their argument through unchanged.
enum class Stage2Access : std::uint8_t {
    none = 0,
    x = 1,
    w = 2,
    wx = 3,
    r = 4,
    rx = 5,
    rw = 6,
    rwx = 7,
};

inline constexpr std::uint8_t stage2_access_x = 1;
inline constexpr std::uint8_t stage2_access_w = 2;
inline constexpr std::uint8_t stage2_access_r = 4;

[[nodiscard]] constexpr bool has_right(Stage2Access access, std::uint8_t right)
{
    return (static_cast<std::uint8_t>(access) & right) != 0;
}
[[nodiscard]] constexpr bool is_valid(Stage2Access access)
{
    return static_cast<std::uint8_t>(access) <= static_cast<std::uint8_t>(Stage2Access::rwx);
}

// Memory type, encoded as the stage-2 MemAttr[3:0] field itself, which is also Gunyah's
// "stage-2 memtype" in mapping_attrs bits 23:16: one number from the ABI to the descriptor.
enum class Stage2MemType : std::uint8_t {
    device_ngnrne = 0x0,
    device_ngnre = 0x1,
    device_ngre = 0x2,
    device_gre = 0x3,
    normal_nc = 0x5,       // outer and inner non-cacheable
    normal_onc_iwt = 0x6,  // outer non-cacheable, inner write-through
    normal_onc_iwb = 0x7,
    normal_owt_inc = 0x9,
    normal_wt = 0xa,
    normal_owt_iwb = 0xb,
    normal_owb_inc = 0xd,
    normal_owb_iwt = 0xe,
    normal_wb = 0xf,       // ordinary RAM
};

[[nodiscard]] constexpr bool is_device(Stage2MemType type) { return (static_cast<unsigned>(type) >> 2) == 0; }

// Normal memory whose inner half is 0b00 is a reserved encoding, and the field has 4 bits.
[[nodiscard]] constexpr bool is_valid(Stage2MemType type)
{
    unsigned raw = static_cast<unsigned>(type);
    return raw <= 0xf && (is_device(type) || (raw & 0x3) != 0);
}

struct Stage2Attrs {
    Stage2Access access = Stage2Access::rw;
    Stage2MemType type = Stage2MemType::normal_wb;

    constexpr bool operator==(const Stage2Attrs&) const = default;
};

[[nodiscard]] constexpr bool is_valid(Stage2Attrs attrs) { return is_valid(attrs.access) && is_valid(attrs.type); }

// The attribute bits of a leaf descriptor (no output address, no type bits).
//  - AF is set: the kernel does not track accesses (no FEAT_HAFDBS use), and a clear AF
//    would only cost an access-flag fault per page.
//  - Normal memory is Inner Shareable, as the hypervisor's own mappings are, so that a
//    guest's view and the hypervisor's agree. Device memory ignores SH; it is left 0 so
//    that equal attributes always mean equal bits (merging compares bits).
//  - Not executable is XN = 0b10, which means "nowhere" both with FEAT_XNX and without.
[[nodiscard]] constexpr std::uint64_t stage2_leaf_attrs(Stage2Attrs attrs)
{
    namespace s2 = arch::pte::s2;
    std::uint64_t bits = arch::pte::access_flag |
                         (static_cast<std::uint64_t>(attrs.type) << s2::memattr_shift);
    if (!is_device(attrs.type)) {
        bits |= s2::sh_inner_shareable;
    }
    if (has_right(attrs.access, stage2_access_r)) {
        bits |= s2::s2ap_read;
    }
    if (has_right(attrs.access, stage2_access_w)) {
        bits |= s2::s2ap_write;
    }
    bits |= has_right(attrs.access, stage2_access_x) ? s2::xn_none : s2::xn_all;
    return bits;
}

// The inverse, for lookups. Any XN value other than 0b00 counts as "not executable",
// since with FEAT_XNX the others each forbid at least one exception level.
[[nodiscard]] constexpr Stage2Attrs stage2_decode_attrs(std::uint64_t descriptor)
{
    namespace s2 = arch::pte::s2;
    std::uint8_t access = 0;
    if (descriptor & s2::s2ap_read) {
        access |= stage2_access_r;
    }
    if (descriptor & s2::s2ap_write) {
        access |= stage2_access_w;
    }
    if ((descriptor & s2::xn_mask) == s2::xn_none) {
        access |= stage2_access_x;
    }
    auto type = static_cast<Stage2MemType>((descriptor & s2::memattr_mask) >> s2::memattr_shift);
    return Stage2Attrs{static_cast<Stage2Access>(access), type};
}

}  // namespace hyp::mem
