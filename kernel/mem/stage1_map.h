// Builds the hypervisor's own (EL2 stage-1) translation tables: maps ranges with the
// largest blocks their alignment allows. Portable: tables live in memory the caller
// provides, so the host tests build and walk real tables.
//
// The tables are only ever built before they are installed (the boot code builds a
// fresh set and switches TTBR0_EL2), so this never changes a live entry and needs no
// break-before-make.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"

namespace hyp::mem {

// MAIR_EL2 indices the kernel programs (arch/aarch64/mmu.cpp sets the matching MAIR).
enum class MemoryType : std::uint8_t {
    normal = 0,        // write-back cacheable RAM
    device = 1,        // Device-nGnRE
    device_strict = 2, // Device-nGnRnE
    normal_nc = 3,     // non-cacheable RAM
};

enum class Access : std::uint8_t { read_only, read_write, read_exec };

struct MapAttributes {
    MemoryType type = MemoryType::normal;
    Access access = Access::read_write;
};

// A fixed pool of 4 KiB table pages. `phys_of` turns a table pointer into the address
// the MMU sees (identity on the target; on the host, the pointer value).
class TablePool {
public:
    TablePool(void* pages, std::size_t page_count);

    [[nodiscard]] std::uint64_t* allocate();  // zeroed, or nullptr when exhausted
    [[nodiscard]] std::size_t used() const { return used_; }
    [[nodiscard]] std::size_t capacity() const { return count_; }
    [[nodiscard]] bool owns(const std::uint64_t* table) const;

private:
    std::uint64_t* pages_;
    std::size_t count_;
    std::size_t used_ = 0;
};

class Stage1Map {
public:
    // The root is a level-0 table (48-bit input addresses).
    explicit Stage1Map(TablePool& pool);

    [[nodiscard]] bool valid() const { return root_ != nullptr; }
    [[nodiscard]] std::uint64_t* root() const { return root_; }

    // Maps [va, va + size) to [pa, pa + size). Page aligned, inside 48 bits, and not
    // overlapping anything already mapped (arg_align, addr_ovfl, busy, nomem). On
    // failure nothing that was mapped before is changed, though table pages may be used.
    [[nodiscard]] Status map(VirtAddr va, PhysAddr pa, std::uint64_t size, MapAttributes attrs);

    // What the tables say about `va`: the output address and leaf descriptor, for tests
    // and debugging.
    struct Translation {
        bool mapped = false;
        PhysAddr pa;
        std::uint64_t descriptor = 0;
        unsigned level = 0;
    };
    [[nodiscard]] Translation translate(VirtAddr va) const;

    static constexpr unsigned va_bits = 48;

private:
    [[nodiscard]] bool range_is_free(std::uint64_t va, std::uint64_t size) const;
    [[nodiscard]] Status map_range(std::uint64_t* table, unsigned level, std::uint64_t va, std::uint64_t pa,
                                   std::uint64_t size, std::uint64_t leaf_attrs);

    TablePool& pool_;
    std::uint64_t* root_;
};

// The leaf attribute bits for `attrs` (exposed for tests).
[[nodiscard]] std::uint64_t leaf_attributes(MapAttributes attrs);

}  // namespace hyp::mem
