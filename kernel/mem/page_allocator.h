// Per-partition page allocator: contiguous runs of 4 KiB pages (page tables, kernel
// objects, memory for extents) from the physical ranges a partition has received, with
// exact accounting of what is free.
//
// Design: one bitmap per range (1 = allocated) and a first-fit search that honours a
// power-of-two alignment. The metadata (a Region and its bitmap) lives in storage the
// caller provides, never in the managed memory, so the allocator never touches the
// pages it hands out: it runs unchanged on the host, where the "physical" addresses are
// only numbers, and callers zero what they allocate.
//
// Costs, with P pages in all ranges: allocate O(P / 64) word scans in the worst case
// (each allocated run is skipped in one step, and a per-range hint skips the fully
// allocated prefix); free O(ranges + pages / 64); the byte counters are O(1).
// Fragmentation: first-fit keeps low addresses busy and leaves large runs at the top,
// but nothing compacts; an allocation never crosses from one range into another, so
// the largest possible allocation is the largest free run within a single range.
//
// The allocator does not remember allocation sizes: free(addr, pages) releases any run
// of allocated pages, so a caller may free part of an allocation or two neighbouring
// allocations at once. It does refuse to free pages that are already free.
//
// Locking: one SpinLock inside, taken by every public call. It never calls out, so it
// is a leaf like the memdb's; partition code may hold its own lock around both.
//
// ---- How partition code uses it together with the memdb ---------------------------
// The memdb says who owns memory; a partition's allocator says which of the partition's
// pages are in use. Pages handed out by the allocator stay owned by the partition in the
// memdb until the caller transfers them, so the two never disagree:
//
//   // A partition receives a whole range (at boot, or donated by its parent):
//   if (Status s = memdb.transfer(range, Owner::partition(parent), Owner::partition(part)); !s)
//       return s;
//   if (Status s = part->allocator.add_range(range, *region, bits, words); !s) {
//       (void)memdb.transfer(range, Owner::partition(part), Owner::partition(parent));  // undo
//       return s;
//   }
//
//   // A memory extent is created from the partition's free memory:
//   Result<PhysAddr> p = part->allocator.allocate(pages, alignment);
//   if (!p) return fail(p.error());
//   PhysRange r{*p, pages * PageAllocator::page_size};
//   if (Status s = memdb.transfer(r, Owner::partition(part), Owner::memextent(ext)); !s) {
//       (void)part->allocator.free(*p, pages);  // undo: still the partition's in the memdb
//       return s;
//   }
//   // ...and deleted again: first the memdb (which refuses if the extent has given any
//   // of it away), then the allocator.
//   if (Status s = memdb.transfer(r, Owner::memextent(ext), Owner::partition(part)); !s)
//       return s;
//   (void)part->allocator.free(r.base, pages);
//
//   // A whole range leaves the partition (donated away): only when none of it is in use.
//   if (Result<PageAllocator::Region*> gone = part->allocator.remove_range(range); !gone)
//       return fail(gone.error());  // busy: some page is allocated
//   if (Status s = memdb.transfer(range, Owner::partition(part), Owner::partition(other)); !s) {
//       (void)part->allocator.add_range(range, *region, bits, words);  // put it back
//       return s;
//   }
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/list.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"

namespace hyp::mem {

class PageAllocator {
public:
    static constexpr std::uint64_t page_size = 4096;

    // The bookkeeping for one range, in storage the caller provides together with the
    // bitmap. It belongs to the allocator from add_range() until remove_range() hands
    // it back, and must stay alive (and unmoved) in between.
    class Region {
    public:
        constexpr Region() = default;
        Region(const Region&) = delete;
        Region& operator=(const Region&) = delete;

        [[nodiscard]] PhysRange range() const { return range_; }
        [[nodiscard]] std::size_t free_pages() const { return free_; }
        [[nodiscard]] bool in_use() const { return node_.linked(); }

    private:
        friend class PageAllocator;
        ListNode node_;
        PhysRange range_;
        std::uint64_t* bits_ = nullptr;  // one bit per page, 1 = allocated
        std::size_t pages_ = 0;
        std::size_t free_ = 0;
        std::size_t hint_ = 0;  // every page below this index is allocated
    };

    // How many 64-bit words of bitmap a range of `size` bytes needs.
    [[nodiscard]] static constexpr std::size_t bitmap_words(std::uint64_t size)
    {
        return static_cast<std::size_t>((size / page_size + 63) / 64);
    }

    constexpr PageAllocator() = default;
    PageAllocator(const PageAllocator&) = delete;
    PageAllocator& operator=(const PageAllocator&) = delete;

    // Adds `range`, all free, tracked in `region` with the bitmap `bits` (at least
    // bitmap_words(range.size) words; its contents are overwritten).
    //   arg_size   empty range, or bitmap too small (or null)
    //   arg_align  base or size not page aligned
    //   addr_ovfl  base + size wraps
    //   arg_inval  `region` is already in use
    //   busy       the range overlaps one this allocator already has
    [[nodiscard]] Status add_range(PhysRange range, Region& region, std::uint64_t* bits,
                                   std::size_t words);

    // Takes back a range added earlier (exactly that range) when none of it is allocated,
    // and returns its Region (and so its bitmap) to the caller.
    //   addr_inval  not a range this allocator has
    //   busy        some page of it is allocated
    [[nodiscard]] Result<Region*> remove_range(PhysRange range);

    // `pages` contiguous pages starting at a multiple of `alignment` (a power of two in
    // bytes; anything below page_size means page alignment). First fit: the lowest
    // suitable address of the lowest range.
    //   arg_size   pages == 0
    //   arg_align  alignment is not a power of two
    //   nomem      no range has such a run free (nothing changes)
    [[nodiscard]] Result<PhysAddr> allocate(std::size_t pages, std::uint64_t alignment = page_size);

    // Returns `pages` pages at `base` to the free pool; all or nothing.
    //   arg_size   pages == 0
    //   arg_align  base not page aligned
    //   addr_ovfl  the run wraps the address space
    //   addr_inval not wholly inside this allocator's ranges: one range, or ranges that
    //              follow one another with no gap (a foreign free)
    //   denied     some page of it is already free (a double free)
    [[nodiscard]] Status free(PhysAddr base, std::size_t pages);

    // Allocates exactly the pages of `range`, all or nothing: for memory a caller chose
    // by address (a memory extent configured at a physical base) rather than asked for.
    //   arg_size   empty range
    //   arg_align  base or size not page aligned
    //   addr_ovfl  base + size wraps
    //   addr_inval not wholly inside this allocator's ranges: one range, or ranges that
    //              follow one another with no gap (boot modules, added as ranges of
    //              their own, become part of the RAM around them when given back)
    //   busy       some page of it is already allocated
    [[nodiscard]] Status claim(PhysRange range);

    // Exact: every page of every range is either free or allocated.
    [[nodiscard]] std::uint64_t free_bytes() const;
    [[nodiscard]] std::uint64_t total_bytes() const;
    [[nodiscard]] std::size_t range_count() const;

private:
    using RegionList = IntrusiveList<Region, &Region::node_>;

    // Whether `range` lies inside ranges that follow one another with no gap.
    [[nodiscard]] bool covered_locked(PhysRange range) const;
    // fn(region, first index, count) for the part of `range` in each region it overlaps.
    template <typename Fn>
    void for_each_part_locked(PhysRange range, Fn fn)
    {
        for (Region& r : regions_) {
            const std::uint64_t lo = r.range_.base > range.base ? r.range_.base.raw() : range.base.raw();
            const std::uint64_t r_end = r.range_.end().raw();
            const std::uint64_t hi = r_end < range.end().raw() ? r_end : range.end().raw();
            if (lo < hi) {
                fn(r, static_cast<std::size_t>((lo - r.range_.base.raw()) / page_size),
                   static_cast<std::size_t>((hi - lo) / page_size));
            }
        }
    }
    [[nodiscard]] static bool allocate_in(Region& region, std::size_t pages, std::uint64_t align_pages,
                                          std::size_t& index);

    mutable SpinLock lock_;
    RegionList regions_;  // sorted by base address
    std::uint64_t total_pages_ = 0;
    std::uint64_t free_pages_ = 0;
};

}  // namespace hyp::mem
