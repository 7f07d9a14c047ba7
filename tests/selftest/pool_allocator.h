// Stage-2 table pages for self-tests: a static pool, identity-mapped at EL2, handed out
// aligned to their count.
#pragma once

#include <cstdint>

#include "kernel/mem/stage2_allocator.h"

namespace hyp::selftest {

// The pages themselves live outside the object (in BSS): an object with a vtable is
// initialised data, and 256 KiB of it would be carried in the image.
inline constexpr unsigned pool_pages = 64;
using PoolPages = std::uint64_t[pool_pages][512];

class PoolAllocator final : public mem::TableAllocator {
public:
    explicit constexpr PoolAllocator(PoolPages& pages) : pool_{pages} {}

    Pages allocate_pages(unsigned count) override
    {
        for (unsigned i = 0; i + count <= pool_pages; i += count) {
            bool free = true;
            for (unsigned j = i; j < i + count; ++j) {
                free = free && !used_[j];
            }
            if (free) {
                for (unsigned j = i; j < i + count; ++j) {
                    used_[j] = true;
                }
                in_use_ += count;
                auto* table = pool_[i];
                return Pages{table, PhysAddr{reinterpret_cast<std::uintptr_t>(table)}};
            }
        }
        return Pages{};
    }
    void free_pages(Pages pages, unsigned count) override
    {
        auto index = static_cast<unsigned>((pages.table - pool_[0]) / 512);
        for (unsigned j = index; j < index + count; ++j) {
            used_[j] = false;
        }
        in_use_ -= count;
    }
    std::uint64_t* table_at(PhysAddr phys) const override
    {
        return reinterpret_cast<std::uint64_t*>(static_cast<std::uintptr_t>(phys.raw()));
    }
    [[nodiscard]] unsigned in_use() const { return in_use_; }

private:
    PoolPages& pool_;
    bool used_[pool_pages] = {};
    unsigned in_use_ = 0;
};

}  // namespace hyp::selftest
