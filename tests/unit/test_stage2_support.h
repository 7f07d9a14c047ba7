// Test helpers for the stage-2 engine: a table-page arena whose "physical" addresses are
// not the host pointers (so an identity assumption in the walker would crash), counts
// every allocation and free, and can be told to run dry; and an independent walker that
// lists the leaves and checks the canonical form (no empty tables, no table that should
// have merged into a block).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "arch/aarch64/pgtable_format.h"
#include "kernel/mem/stage2_table.h"

namespace stage2_test {

namespace pte = hyp::arch::pte;
using hyp::PhysAddr;

inline constexpr std::uint64_t kib = 1024, mib = 1024 * kib, gib = 1024 * mib;

class Arena final : public hyp::mem::TableAllocator {
public:
    // Far from any host pointer and aligned for the largest concatenated root.
    static constexpr std::uint64_t phys_base = 0x40'0000'0000ULL;

    explicit Arena(std::size_t pages)
        : pages_{pages},
          memory_{static_cast<std::uint64_t*>(std::aligned_alloc(pte::page_size, pages * pte::page_size))},
          used_(pages, false)
    {
    }
    ~Arena() { std::free(memory_); }
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    Pages allocate_pages(unsigned count) override
    {
        if (budget_ == 0 || in_use_ + count > limit_) {
            ++refused_;
            return {};
        }
        for (std::size_t first = 0; first + count <= pages_; first += count) {  // aligned runs only
            bool free = true;
            for (unsigned i = 0; i < count; ++i) {
                free = free && !used_[first + i];
            }
            if (!free) {
                continue;
            }
            for (unsigned i = 0; i < count; ++i) {
                used_[first + i] = true;
            }
            in_use_ += count;
            ++allocations_;
            if (budget_ != unlimited) {
                --budget_;
            }
            std::uint64_t* table = memory_ + first * pte::entries_per_table;
            std::memset(table, 0xa5, count * pte::page_size);  // the engine must write every entry
            return {table, PhysAddr{phys_base + first * pte::page_size}};
        }
        ++refused_;
        return {};
    }

    void free_pages(Pages pages, unsigned count) override
    {
        std::size_t first = index_of(pages.phys);
        if (memory_ + first * pte::entries_per_table != pages.table) {
            std::abort();  // pointer and address disagree
        }
        for (unsigned i = 0; i < count; ++i) {
            if (!used_[first + i]) {
                std::abort();  // double free
            }
            used_[first + i] = false;
        }
        std::memset(pages.table, 0x5a, count * pte::page_size);  // a later read of it shows up
        in_use_ -= count;
        ++frees_;
    }

    std::uint64_t* table_at(PhysAddr phys) const override
    {
        std::size_t index = index_of(phys);
        if (!used_[index]) {
            std::abort();  // the walker followed a descriptor to a page it gave back
        }
        return memory_ + index * pte::entries_per_table;
    }

    [[nodiscard]] bool page_in_use(PhysAddr phys) const { return used_[index_of(phys)]; }

    // The next `n` allocations succeed, the ones after fail.
    void fail_after(std::size_t n) { budget_ = n; }
    void never_fail() { budget_ = unlimited; }
    void limit_pages(std::size_t n) { limit_ = n; }

    [[nodiscard]] std::size_t in_use() const { return in_use_; }
    [[nodiscard]] std::size_t allocations() const { return allocations_; }
    [[nodiscard]] std::size_t frees() const { return frees_; }

private:
    static constexpr std::size_t unlimited = ~std::size_t{0};

    std::size_t index_of(PhysAddr phys) const
    {
        std::uint64_t offset = phys.raw() - phys_base;
        if (phys.raw() < phys_base || offset % pte::page_size != 0 || offset / pte::page_size >= pages_) {
            std::abort();  // not one of ours
        }
        return static_cast<std::size_t>(offset / pte::page_size);
    }

    std::size_t pages_;
    std::uint64_t* memory_;
    std::vector<bool> used_;
    std::size_t in_use_ = 0;
    std::size_t allocations_ = 0;
    std::size_t frees_ = 0;
    std::size_t refused_ = 0;
    std::size_t budget_ = unlimited;
    std::size_t limit_ = unlimited;
};

struct Leaf {
    std::uint64_t ipa;
    std::uint64_t size;
    unsigned level;
    std::uint64_t descriptor;
};

// Everything a walk of the tables found.
struct Walk {
    std::vector<Leaf> leaves;            // in IPA order
    std::vector<std::uint64_t> entries;  // every valid entry, depth first: equal walks mean equal tables
    std::size_t tables = 0;              // pages, the root's included
    std::vector<std::string> problems;   // breaches of the format or of the canonical form
};

namespace detail {

inline void walk_table(const Arena& arena, const std::uint64_t* table, std::uint64_t entries, unsigned level,
                       std::uint64_t base, Walk& out, bool blocks = true)
{
    const std::uint64_t entry_size = pte::level_size(level);
    for (std::uint64_t i = 0; i < entries; ++i) {
        const std::uint64_t d = table[i];
        const std::uint64_t ipa = base + i * entry_size;
        if ((d & pte::valid) == 0) {
            if (d != 0) {
                out.problems.push_back("invalid entry with stray bits at " + std::to_string(ipa));
            }
            continue;
        }
        out.entries.push_back(d);
        const bool table_type = (d & pte::type_mask) == pte::type_table;
        if (level < 3 && table_type) {
            ++out.tables;
            const std::uint64_t* child = arena.table_at(PhysAddr{d & pte::output_address_mask});
            // Canonical form: no empty table, no table that is one block in disguise.
            bool any = false;
            bool progression = blocks && level >= 1 && (child[0] & pte::valid) &&
                               !(level + 1 < 3 && (child[0] & pte::type_mask) == pte::type_table) &&
                               ((child[0] & pte::output_address_mask) % entry_size) == 0;
            for (unsigned j = 0; j < pte::entries_per_table; ++j) {
                any = any || (child[j] & pte::valid);
                progression = progression && child[j] == child[0] + j * pte::level_size(level + 1);
            }
            if (!any) {
                out.problems.push_back("empty table kept at " + std::to_string(ipa));
            }
            if (progression) {
                out.problems.push_back("unmerged block at " + std::to_string(ipa));
            }
            walk_table(arena, child, pte::entries_per_table, level + 1, ipa, out, blocks);
            continue;
        }
        if (level == 0 || (level == 3 && !table_type)) {
            out.problems.push_back("leaf with a reserved encoding at " + std::to_string(ipa));
        }
        if ((d & pte::access_flag) == 0) {
            out.problems.push_back("leaf without AF at " + std::to_string(ipa));
        }
        out.leaves.push_back({ipa, entry_size, level, d});
    }
}

}  // namespace detail

inline Walk walk(const hyp::mem::Stage2Table& table, const Arena& arena)
{
    Walk out;
    const auto& g = table.geometry();
    out.tables = g.root_tables;
    // Without blocks (Stage2Config::blocks false) a table of contiguous pages is canonical.
    detail::walk_table(arena, arena.table_at(table.root()), g.root_entries(), g.start_level, 0, out,
                       table.leaf_allowed(2));
    return out;
}

}  // namespace stage2_test
