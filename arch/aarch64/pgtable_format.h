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
