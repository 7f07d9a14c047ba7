// Reading and building single stage-2 descriptors, for the table engine's two halves
// (stage2_table.cpp, stage2_edit.cpp). Internal to kernel/mem.
#pragma once

#include <cstdint>

#include "arch/aarch64/pgtable_format.h"
#include "kernel/mem/stage2_config.h"

namespace hyp::mem::s2desc {

namespace pte = arch::pte;

inline constexpr unsigned last_level = 3;

[[nodiscard]] constexpr bool is_valid(std::uint64_t d) { return (d & pte::valid) != 0; }

// At levels 0-2, type 0b11 is a table; at level 3 the same bits mean a page.
[[nodiscard]] constexpr bool is_table(std::uint64_t d, unsigned level)
{
    return level < last_level && (d & pte::type_mask) == pte::type_table;
}

[[nodiscard]] constexpr bool is_leaf(std::uint64_t d, unsigned level)
{
    return is_valid(d) && !is_table(d, level);
}

// Blocks exist at levels 1 and 2 with a 4 KiB granule (level 0 only with FEAT_LPA2).
[[nodiscard]] constexpr bool can_be_leaf(unsigned level) { return level >= 1; }

[[nodiscard]] constexpr std::uint64_t output_address(std::uint64_t d) { return d & pte::output_address_mask; }

[[nodiscard]] constexpr std::uint64_t leaf_attrs(std::uint64_t d) { return d & pte::s2::leaf_attr_mask; }

[[nodiscard]] constexpr std::uint64_t leaf(unsigned level, std::uint64_t oa, std::uint64_t attrs)
{
    return oa | attrs | (level == last_level ? pte::type_page : pte::type_block);
}

[[nodiscard]] constexpr std::uint64_t table(std::uint64_t phys) { return phys | pte::type_table; }

// Entries in the table(s) at `level`: the root may be concatenated or partly used.
[[nodiscard]] inline std::uint64_t entries_at(const Stage2Geometry& g, unsigned level)
{
    return level == g.start_level ? g.root_entries() : pte::entries_per_table;
}

[[nodiscard]] inline std::uint64_t index_at(const Stage2Geometry& g, std::uint64_t ipa, unsigned level)
{
    return (ipa >> pte::level_shift(level)) & (entries_at(g, level) - 1);
}

}  // namespace hyp::mem::s2desc
