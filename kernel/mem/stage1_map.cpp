// EL2 stage-1 table construction (see stage1_map.h).
#include "kernel/mem/stage1_map.h"

#include "arch/aarch64/pgtable_format.h"

namespace hyp::mem {

namespace pte = arch::pte;

namespace {

std::uint64_t table_address(const std::uint64_t* table)
{
    return reinterpret_cast<std::uintptr_t>(table);
}

std::uint64_t* table_at(std::uint64_t descriptor)
{
    return reinterpret_cast<std::uint64_t*>(static_cast<std::uintptr_t>(descriptor & pte::output_address_mask));
}

bool is_table(std::uint64_t descriptor, unsigned level)
{
    return level < 3 && (descriptor & pte::type_mask) == pte::type_table;
}

// Walks the part of `table` (at `level`) that covers [va, va + size) and reports
// whether every entry there is invalid or a table whose covered part is invalid.
bool free_in(const std::uint64_t* table, unsigned level, std::uint64_t va, std::uint64_t size)
{
    while (size > 0) {
        std::uint64_t entry_size = pte::level_size(level);
        std::uint64_t entry_base = va & ~(entry_size - 1);
        std::uint64_t chunk = entry_base + entry_size - va;
        if (chunk > size) {
            chunk = size;
        }
        std::uint64_t descriptor = table[pte::index_at(va, level)];
        if (descriptor & pte::valid) {
            if (!is_table(descriptor, level) || !free_in(table_at(descriptor), level + 1, va, chunk)) {
                return false;
            }
        }
        va += chunk;
        size -= chunk;
    }
    return true;
}

}  // namespace

TablePool::TablePool(void* pages, std::size_t page_count)
    : pages_{static_cast<std::uint64_t*>(pages)}, count_{page_count}
{
}

std::uint64_t* TablePool::allocate()
{
    if (used_ == count_) {
        return nullptr;
    }
    std::uint64_t* table = pages_ + used_ * pte::entries_per_table;
    ++used_;
    for (unsigned i = 0; i < pte::entries_per_table; ++i) {
        table[i] = 0;
    }
    return table;
}

bool TablePool::owns(const std::uint64_t* table) const
{
    return table >= pages_ && table < pages_ + count_ * pte::entries_per_table;
}

std::uint64_t leaf_attributes(MapAttributes attrs)
{
    std::uint64_t bits = pte::access_flag | pte::ap_el2_res1 |
                         (static_cast<std::uint64_t>(attrs.type) << pte::attr_index_shift);
    if (attrs.type == MemoryType::normal || attrs.type == MemoryType::normal_nc) {
        bits |= pte::sh_inner;
    }
    if (attrs.access != Access::read_write) {
        bits |= pte::ap_read_only;
    }
    // Device memory is never executable; writable memory neither (W^X).
    if (attrs.access != Access::read_exec || attrs.type != MemoryType::normal) {
        bits |= pte::xn;
    }
    return bits;
}

Stage1Map::Stage1Map(TablePool& pool) : pool_{pool}, root_{pool.allocate()} {}

bool Stage1Map::range_is_free(std::uint64_t va, std::uint64_t size) const
{
    return free_in(root_, 0, va, size);
}

Status Stage1Map::map(VirtAddr va, PhysAddr pa, std::uint64_t size, MapAttributes attrs)
{
    if (root_ == nullptr) {
        return fail(Error::nomem);
    }
    if (size == 0 || !va.is_aligned(pte::page_size) || !pa.is_aligned(pte::page_size) ||
        (size & (pte::page_size - 1)) != 0) {
        return fail(Error::arg_align);
    }
    constexpr std::uint64_t limit = std::uint64_t{1} << va_bits;
    if (va.raw() >= limit || size > limit - va.raw() || pa.raw() >= limit || size > limit - pa.raw()) {
        return fail(Error::addr_ovfl);
    }
    if (!range_is_free(va.raw(), size)) {
        return fail(Error::busy);
    }
    return map_range(root_, 0, va.raw(), pa.raw(), size, leaf_attributes(attrs));
}

Status Stage1Map::map_range(std::uint64_t* table, unsigned level, std::uint64_t va, std::uint64_t pa,
                            std::uint64_t size, std::uint64_t leaf_attrs)
{
    std::uint64_t entry_size = pte::level_size(level);
    while (size > 0) {
        std::uint64_t entry_base = va & ~(entry_size - 1);
        std::uint64_t chunk = entry_base + entry_size - va;
        if (chunk > size) {
            chunk = size;
        }
        std::uint64_t& entry = table[pte::index_at(va, level)];
        // Blocks exist at levels 1 (1 GiB) and 2 (2 MiB); level 3 holds pages.
        bool whole_entry = chunk == entry_size && (pa & (entry_size - 1)) == 0;
        if (whole_entry && level >= 1 && (entry & pte::valid) == 0) {
            entry = (pa & pte::output_address_mask) | leaf_attrs | (level == 3 ? pte::type_page : pte::type_block);
        } else {
            if ((entry & pte::valid) == 0) {
                std::uint64_t* next = pool_.allocate();
                if (next == nullptr) {
                    return fail(Error::nomem);
                }
                entry = table_address(next) | pte::type_table;
            }
            Status status = map_range(table_at(entry), level + 1, va, pa, chunk, leaf_attrs);
            if (!status) {
                return status;
            }
        }
        va += chunk;
        pa += chunk;
        size -= chunk;
    }
    return success();
}

Stage1Map::Translation Stage1Map::translate(VirtAddr va) const
{
    Translation result;
    if (root_ == nullptr || va.raw() >= (std::uint64_t{1} << va_bits)) {
        return result;
    }
    const std::uint64_t* table = root_;
    for (unsigned level = 0; level <= 3; ++level) {
        std::uint64_t descriptor = table[pte::index_at(va.raw(), level)];
        if ((descriptor & pte::valid) == 0) {
            return result;
        }
        if (is_table(descriptor, level)) {
            table = table_at(descriptor);
            continue;
        }
        if (level == 0 || (level == 3 && (descriptor & pte::type_mask) != pte::type_page)) {
            return result;  // no blocks at level 0; reserved encoding at level 3
        }
        std::uint64_t offset_mask = pte::level_size(level) - 1;
        result.mapped = true;
        result.pa = PhysAddr{(descriptor & pte::output_address_mask & ~offset_mask) | (va.raw() & offset_mask)};
        result.descriptor = descriptor;
        result.level = level;
        return result;
    }
    return result;
}

}  // namespace hyp::mem
