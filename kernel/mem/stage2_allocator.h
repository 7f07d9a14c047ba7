// Where stage-2 table pages come from: an interface the owner of an address space
// implements (the partition's page allocator on the target, a test arena on the host).
// It also translates between the physical address a descriptor holds and the pointer the
// hypervisor writes through, so the table walker never assumes the two are equal.
#pragma once

#include <cstdint>

#include "support/addr.h"

namespace hyp::mem {

class TableAllocator {
public:
    struct Pages {
        std::uint64_t* table = nullptr;  // where the hypervisor reads and writes the entries
        PhysAddr phys{};                 // what descriptors and VTTBR_EL2 hold

        [[nodiscard]] bool valid() const { return table != nullptr; }
    };

    // `count` physically contiguous 4 KiB pages, aligned to count * 4 KiB, or an invalid
    // Pages when there is no memory. `count` is a power of two from 1 to 16: more than one
    // only for a concatenated root. The contents need not be zeroed; the engine writes
    // every entry before a walker can reach the page.
    [[nodiscard]] virtual Pages allocate_pages(unsigned count) = 0;

    // Takes back what allocate_pages(count) returned. The engine calls this only once no
    // walker can reach the pages (after the TLB invalidation that unhooked them).
    virtual void free_pages(Pages pages, unsigned count) = 0;

    // The pointer for a table this allocator handed out, given its physical address.
    [[nodiscard]] virtual std::uint64_t* table_at(PhysAddr phys) const = 0;

    [[nodiscard]] Pages allocate_page() { return allocate_pages(1); }
    void free_page(Pages page) { free_pages(page, 1); }

protected:
    TableAllocator() = default;
    ~TableAllocator() = default;
    TableAllocator(const TableAllocator&) = default;
    TableAllocator& operator=(const TableAllocator&) = default;
};

}  // namespace hyp::mem
