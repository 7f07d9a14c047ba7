// Partitions (see partition.h).
#include "kernel/object/partition.h"

#include "kernel/core/panic.h"

namespace hyp {
namespace {

constexpr std::uint64_t page = mem::PageAllocator::page_size;

}  // namespace

// The header, then the bitmap, rounded up to whole pages, at the start of each range.
static std::uint64_t header_pages(std::uint64_t range_size, std::size_t header_bytes)
{
    std::uint64_t bytes = header_bytes + mem::PageAllocator::bitmap_words(range_size) * sizeof(std::uint64_t);
    return (bytes + page - 1) / page;
}

Partition::Partition(mem::Memdb& memdb, Partition* parent, ObjectDestroyer destroyer)
    : Object{ObjectType::partition, destroyer}, memdb_{memdb}, parent_{parent}
{
}

Partition::~Partition()
{
    if (parent_ != nullptr) {
        HYP_ASSERT(return_memory_to_parent().ok());
    }
}

Status Partition::add_memory(PhysRange range, mem::Owner from)
{
    if (!range.base.is_aligned(page) || (range.size % page) != 0 || !range.well_formed()) {
        return fail(Error::arg_align);
    }
    if (range.size <= header_pages(range.size, sizeof(RangeHeader)) * page) {
        return fail(Error::arg_size);  // too small to hold its own bookkeeping and a page
    }
    if (Status s = memdb_.transfer(range, from, owner()); !s) {
        return s;
    }
    if (Status s = adopt(range); !s) {
        HYP_ASSERT(memdb_.transfer(range, owner(), from).ok());  // undo: we just took it
        return s;
    }
    return success();
}

Status Partition::add_memory_in_place(PhysRange range, mem::Owner from)
{
    if (parent_ != nullptr) {
        return fail(Error::denied);
    }
    if (!range.base.is_aligned(page) || (range.size % page) != 0 || !range.well_formed() || range.size == 0) {
        return fail(Error::arg_align);
    }
    std::uint64_t meta = header_pages(range.size, sizeof(RangeHeader));
    Result<PhysAddr> storage = allocate_pages(static_cast<std::size_t>(meta));
    if (!storage) {
        return fail(storage.error());
    }
    if (Status s = memdb_.transfer(range, from, owner()); !s) {
        free_pages(*storage, static_cast<std::size_t>(meta));
        return s;
    }
    auto* header = new (to_pointer(*storage)) RangeHeader{};
    header->whole = range;
    std::size_t words = mem::PageAllocator::bitmap_words(range.size);
    if (Status s = allocator_.add_range(range, header->region, header_bits(*header), words); !s) {
        header->~RangeHeader();
        HYP_ASSERT(memdb_.transfer(range, owner(), from).ok());
        free_pages(*storage, static_cast<std::size_t>(meta));
        return s;
    }
    ranges_.push_back(*header);
    return success();
}

Status Partition::add_device_memory(PhysRange range, mem::Owner from)
{
    if (parent_ != nullptr) {
        return fail(Error::denied);
    }
    if (!range.base.is_aligned(page) || (range.size % page) != 0 || !range.well_formed() || range.size == 0) {
        return fail(Error::arg_align);
    }
    return memdb_.transfer(range, from, device_owner());
}

Result<Partition::Given> Partition::give(PhysRange range, mem::Owner to, bool device_ok)
{
    Result<mem::Owner> owner_now = memdb_.owner_of_range(range);
    if (!owner_now) {
        return fail(owner_now.error());
    }
    if (*owner_now == device_owner() && device_ok) {
        if (Status s = memdb_.transfer(range, device_owner(), to); !s) {
            return fail(s.error());
        }
        return Given::device;
    }
    if (*owner_now != owner()) {
        return fail(Error::memdb_not_owner);
    }
    if (!allocator_.claim(range)) {
        return fail(Error::busy);  // in use, or the allocator's own bookkeeping
    }
    if (Status s = memdb_.transfer(range, owner(), to); !s) {
        HYP_ASSERT(allocator_.free(range.base, range.size / page).ok());
        return fail(s.error());
    }
    return Given::ram;
}

void Partition::take_back(PhysRange range, mem::Owner from, Given kind)
{
    if (kind == Given::device) {
        HYP_ASSERT(memdb_.transfer(range, from, device_owner()).ok());
        return;
    }
    HYP_ASSERT(memdb_.transfer(range, from, owner()).ok());
    HYP_ASSERT(allocator_.free(range.base, range.size / page).ok());
}

Status Partition::adopt(PhysRange range)
{
    std::uint64_t meta = header_pages(range.size, sizeof(RangeHeader));
    auto* header = new (to_pointer(range.base)) RangeHeader{};
    header->whole = range;
    std::uint64_t* bits = header_bits(*header);
    PhysRange managed{range.base + meta * page, range.size - meta * page};
    std::size_t words = mem::PageAllocator::bitmap_words(managed.size);
    if (Status s = allocator_.add_range(managed, header->region, bits, words); !s) {
        header->~RangeHeader();
        return s;
    }
    ranges_.push_back(*header);
    return success();
}

Result<PhysAddr> Partition::allocate_pages(std::size_t pages, std::uint64_t alignment)
{
    return allocator_.allocate(pages, alignment);
}

void Partition::free_pages(PhysAddr base, std::size_t pages)
{
    // Only the partition's own objects free here; a failure is a kernel bug.
    HYP_ASSERT(allocator_.free(base, pages).ok());
}

Status Partition::return_memory_to_parent()
{
    if (parent_ == nullptr) {
        return fail(Error::denied);
    }
    while (!ranges_.empty()) {
        RangeHeader& header = *ranges_.pop_front();
        PhysRange whole = header.whole;
        Result<mem::PageAllocator::Region*> region = allocator_.remove_range(header.region.range());
        if (!region) {
            ranges_.push_front(header);
            return fail(region.error());  // busy: something is still allocated from it
        }
        if (Status s = memdb_.transfer(whole, owner(), parent_->owner()); !s) {
            HYP_ASSERT(allocator_.add_range(header.region.range(), header.region, header_bits(header),
                                            mem::PageAllocator::bitmap_words(header.region.range().size)).ok());
            ranges_.push_front(header);
            return s;
        }
        header.~RangeHeader();
        // The parent lent these pages out of its own allocator (give_to_child).
        parent_->free_pages(whole.base, static_cast<std::size_t>(whole.size / page));
    }
    return success();
}

Status Partition::give_to_child(Partition& child, std::size_t pages)
{
    if (child.parent_ != this) {
        return fail(Error::arg_inval);
    }
    Result<PhysAddr> base = allocate_pages(pages);
    if (!base) {
        return fail(base.error());
    }
    PhysRange range{*base, pages * page};
    if (Status s = child.add_memory(range, owner()); !s) {
        free_pages(*base, pages);
        return s;
    }
    return success();
}

std::uint64_t* Partition::header_bits(RangeHeader& header) { return reinterpret_cast<std::uint64_t*>(&header + 1); }

}  // namespace hyp
