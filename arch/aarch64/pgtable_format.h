// The VMSAv8-64 translation-table descriptor format with a 4 KiB granule.
// Pure constants: the host build includes this too, so that page-table code can be
// unit-tested against the real bit layout.
#pragma once

#include <cstdint>

namespace hyp::arch::pte {

inline constexpr unsigned page_shift = 12;
inline constexpr std::uint64_t page_size = std::uint64_t{1} << page_shift;
inline constexpr unsigned entries_per_table = 512;
inline constexpr unsigned bits_per_level = 9;

// Level 0 covers 512 GiB per entry, level 3 covers one 4 KiB page.
constexpr unsigned level_shift(unsigned level) { return page_shift + bits_per_level * (3 - level); }
constexpr std::uint64_t level_size(unsigned level) { return std::uint64_t{1} << level_shift(level); }
constexpr unsigned index_at(std::uint64_t va, unsigned level)
{
    return static_cast<unsigned>((va >> level_shift(level)) & (entries_per_table - 1));
}

inline constexpr std::uint64_t valid = 1ULL << 0;
inline constexpr std::uint64_t table = 1ULL << 1;  // at levels 0-2: next-level table; at level 3: page
inline constexpr std::uint64_t type_block = valid;
inline constexpr std::uint64_t type_table = valid | table;
inline constexpr std::uint64_t type_page = valid | table;
inline constexpr std::uint64_t type_mask = valid | table;

inline constexpr std::uint64_t output_address_mask = 0x0000fffffffff000ULL;  // bits 47:12

// Stage-1 lower attributes.
inline constexpr unsigned attr_index_shift = 2;
inline constexpr std::uint64_t attr_index_mask = 7ULL << attr_index_shift;
inline constexpr std::uint64_t ap_el2_res1 = 1ULL << 6;  // AP[1]: RES1 in the EL2 regime
inline constexpr std::uint64_t ap_read_only = 1ULL << 7; // AP[2]
inline constexpr std::uint64_t sh_inner = 3ULL << 8;
inline constexpr std::uint64_t access_flag = 1ULL << 10;
inline constexpr std::uint64_t not_global = 1ULL << 11;

// Stage-1 upper attributes.
inline constexpr std::uint64_t pxn = 1ULL << 53;
inline constexpr std::uint64_t xn = 1ULL << 54;  // the EL2 regime's only execute-never bit

}  // namespace hyp::arch::pte

// ---------------------------------------------------------------------------------------
// Stage 2 (the EL1&0 regime's second stage, VMSAv8-64, 4 KiB granule, FEAT_S2FWB off).
// Table and page/block type bits are the same as stage 1 above; the attributes differ.
// Stage-2 table descriptors carry no attributes (bits 63:59 are RES0 at stage 2).
namespace hyp::arch::pte::s2 {

// MemAttr[3:0], descriptor bits 5:2. With [3:2] = 0b00 it is Device memory and [1:0]
// picks the kind; otherwise [3:2] is the outer and [1:0] the inner cacheability of Normal
// memory (0b01 non-cacheable, 0b10 write-through, 0b11 write-back). [1:0] = 0b00 with
// [3:2] != 0b00 is reserved.
inline constexpr unsigned memattr_shift = 2;
inline constexpr std::uint64_t memattr_mask = 0xfULL << memattr_shift;
inline constexpr std::uint64_t memattr_device_ngnrne = 0b0000;
inline constexpr std::uint64_t memattr_device_ngnre = 0b0001;
inline constexpr std::uint64_t memattr_device_ngre = 0b0010;
inline constexpr std::uint64_t memattr_device_gre = 0b0011;
inline constexpr std::uint64_t memattr_normal_nc = 0b0101;
inline constexpr std::uint64_t memattr_normal_wt = 0b1010;
inline constexpr std::uint64_t memattr_normal_wb = 0b1111;

// S2AP[1:0], bits 7:6: stage 2 has one set of data permissions for EL1 and EL0.
inline constexpr std::uint64_t s2ap_read = 1ULL << 6;
inline constexpr std::uint64_t s2ap_write = 1ULL << 7;
inline constexpr std::uint64_t s2ap_mask = s2ap_read | s2ap_write;

// SH[1:0], bits 9:8 (ignored for Device memory, which is always Outer Shareable).
inline constexpr std::uint64_t sh_mask = 3ULL << 8;
inline constexpr std::uint64_t sh_none = 0ULL << 8;
inline constexpr std::uint64_t sh_outer = 2ULL << 8;
inline constexpr std::uint64_t sh_inner_shareable = 3ULL << 8;

// XN[1:0], bits 54:53. With FEAT_XNX: 0b00 executable at EL1 and EL0, 0b01 not at EL1,
// 0b10 at neither, 0b11 not at EL0. Without it bit 53 is RES0 and bit 54 alone is XN, so
// 0b00 and 0b10 are the two encodings that mean the same on every CPU.
inline constexpr unsigned xn_shift = 53;
inline constexpr std::uint64_t xn_mask = 3ULL << xn_shift;
inline constexpr std::uint64_t xn_none = 0ULL << xn_shift;  // executable everywhere
inline constexpr std::uint64_t xn_all = 2ULL << xn_shift;   // executable nowhere

// The bits a leaf descriptor's attributes occupy: lower attributes 11:2 and upper
// attributes 63:50 (what is left once the output address and type are taken out).
inline constexpr std::uint64_t leaf_attr_mask = ~(output_address_mask | type_mask);

// Bits whose change needs no break-before-make: permissions only. The Arm ARM requires
// break-before-make for a change of output address, block size, memory type or
// shareability of a live entry, not for a change of access permissions.
inline constexpr std::uint64_t permission_mask = s2ap_mask | xn_mask;

}  // namespace hyp::arch::pte::s2

// VTCR_EL2 fields (non-VHE layout), each already shifted unless its name ends in _shift.
namespace hyp::arch::vtcr {
inline constexpr unsigned t0sz_shift = 0;      // T0SZ, bits 5:0: input size is 64 - T0SZ
inline constexpr unsigned sl0_shift = 6;       // SL0, bits 7:6: the start level
inline constexpr std::uint64_t sl0_mask = 3ULL << sl0_shift;
inline constexpr std::uint64_t irgn0_wbwa = 1ULL << 8;   // walks: inner write-back
inline constexpr std::uint64_t orgn0_wbwa = 1ULL << 10;  // walks: outer write-back
inline constexpr std::uint64_t sh0_inner = 3ULL << 12;   // walks: inner shareable
inline constexpr std::uint64_t tg0_4k = 0ULL << 14;
inline constexpr unsigned ps_shift = 16;       // PS, bits 18:16: output (physical) size
inline constexpr std::uint64_t ps_mask = 7ULL << ps_shift;
inline constexpr std::uint64_t vs_16bit = 1ULL << 19;  // VMIDs are 16 bits wide
inline constexpr std::uint64_t res1 = 1ULL << 31;

// SL0 for a 4 KiB granule counts down from level 2: SL0 = 2 - start level.
inline constexpr unsigned sl0_base_4k = 2;
}  // namespace hyp::arch::vtcr

// VTTBR_EL2: the stage-2 root and the VMID that tags its TLB entries.
namespace hyp::arch::vttbr {
inline constexpr unsigned vmid_shift = 48;
inline constexpr std::uint64_t baddr_mask = 0x0000fffffffffffeULL;  // bits 47:1 (CnP is bit 0)
}  // namespace hyp::arch::vttbr
