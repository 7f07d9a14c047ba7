// Per-partition page allocator (see page_allocator.h): bitmaps per range, first fit
// with alignment. Every operation checks everything before it changes a bit, so a
// failure leaves the bitmaps and the counters as they were.
#include "kernel/mem/page_allocator.h"

#include <bit>

namespace hyp::mem {

namespace {

constexpr std::size_t word_bits = 64;
constexpr std::uint64_t all_ones = ~std::uint64_t{0};

// The first index in [from, limit) whose bit equals `value`, or `limit` if none.
std::size_t find_bit(const std::uint64_t* bits, std::size_t from, std::size_t limit, bool value)
{
    const std::uint64_t invert = value ? 0 : all_ones;
    while (from < limit) {
        std::uint64_t word = (bits[from / word_bits] ^ invert) & (all_ones << (from % word_bits));
        if (word != 0) {
            std::size_t found = from - from % word_bits + static_cast<std::size_t>(std::countr_zero(word));
            return found < limit ? found : limit;
        }
        from = from - from % word_bits + word_bits;
    }
    return limit;
}

// Sets (value) or clears every bit in [from, from + count), a word at a time.
void fill_bits(std::uint64_t* bits, std::size_t from, std::size_t count, bool value)
{
    while (count > 0) {
        std::size_t shift = from % word_bits;
        std::size_t n = word_bits - shift < count ? word_bits - shift : count;
        std::uint64_t mask = (n == word_bits ? all_ones : ((std::uint64_t{1} << n) - 1)) << shift;
        if (value) {
            bits[from / word_bits] |= mask;
        } else {
            bits[from / word_bits] &= ~mask;
        }
        from += n;
        count -= n;
    }
}

// The argument checks add_range() shares with the memdb's (see page_allocator.h).
Status check_range(PhysRange range)
{
    std::uint64_t end = 0;
    if (range.size == 0) {
        return fail(Error::arg_size);
    }
    if (!range.base.is_aligned(PageAllocator::page_size) || (range.size & (PageAllocator::page_size - 1)) != 0) {
        return fail(Error::arg_align);
    }
    if (__builtin_add_overflow(range.base.raw(), range.size, &end)) {
        return fail(Error::addr_ovfl);
    }
    return success();
}

}  // namespace

Status PageAllocator::add_range(PhysRange range, Region& region, std::uint64_t* bits, std::size_t words)
{
    if (Status s = check_range(range); !s) {
        return s;
    }
    if (bits == nullptr || words < bitmap_words(range.size)) {
        return fail(Error::arg_size);
    }
    LockGuard held{lock_};
    if (region.in_use()) {
        return fail(Error::arg_inval);
    }
    Region* after = nullptr;  // the first region above the new one: keeps the list sorted
    for (Region& r : regions_) {
        if (r.range_.overlaps(range)) {
            return fail(Error::busy);
        }
        if (after == nullptr && r.range_.base > range.base) {
            after = &r;
        }
    }

    region.range_ = range;
    region.bits_ = bits;
    region.pages_ = static_cast<std::size_t>(range.size / page_size);
    region.free_ = region.pages_;
    region.hint_ = 0;
    fill_bits(bits, 0, bitmap_words(range.size) * word_bits, false);
    if (after != nullptr) {
        regions_.insert_before(*after, region);
    } else {
        regions_.push_back(region);
    }
    total_pages_ += region.pages_;
    free_pages_ += region.pages_;
    return success();
}

Result<PageAllocator::Region*> PageAllocator::remove_range(PhysRange range)
{
    LockGuard held{lock_};
    for (Region& r : regions_) {
        if (r.range_ == range) {
            if (r.free_ != r.pages_) {
                return fail(Error::busy);
            }
            regions_.remove(r);
            total_pages_ -= r.pages_;
            free_pages_ -= r.pages_;
            return &r;
        }
    }
    return fail(Error::addr_inval);
}

bool PageAllocator::allocate_in(Region& region, std::size_t pages, std::uint64_t align_pages,
                                std::size_t& index)
{
    if (region.free_ < pages) {
        return false;
    }
    // Index i is suitably aligned when (first page number + i) is a multiple of
    // align_pages; page numbers fit in 52 bits, so none of this can overflow.
    const std::uint64_t first_pfn = region.range_.base.raw() / page_size;
    auto align_index = [&](std::uint64_t i) -> std::uint64_t {
        return ((first_pfn + i + align_pages - 1) & ~(align_pages - 1)) - first_pfn;
    };

    std::uint64_t i = align_index(region.hint_);
    while (i <= region.pages_ && region.pages_ - i >= pages) {
        std::size_t start = static_cast<std::size_t>(i);
        std::size_t busy = find_bit(region.bits_, start, start + pages, true);
        if (busy == start + pages) {
            index = start;
            return true;
        }
        // Skip the whole allocated run that stopped us, then realign.
        std::size_t next_free = find_bit(region.bits_, busy, region.pages_, false);
        i = align_index(next_free);
    }
    return false;
}

Result<PhysAddr> PageAllocator::allocate(std::size_t pages, std::uint64_t alignment)
{
    if (pages == 0) {
        return fail(Error::arg_size);
    }
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        return fail(Error::arg_align);
    }
    const std::uint64_t align_pages = alignment < page_size ? 1 : alignment / page_size;

    LockGuard held{lock_};
    if (pages > free_pages_) {
        return fail(Error::nomem);
    }
    for (Region& r : regions_) {
        std::size_t index = 0;
        if (!allocate_in(r, pages, align_pages, index)) {
            continue;
        }
        fill_bits(r.bits_, index, pages, true);
        r.free_ -= pages;
        free_pages_ -= pages;
        if (index == r.hint_) {
            r.hint_ = index + pages;  // everything below index was allocated already
        }
        return r.range_.base + index * page_size;
    }
    return fail(Error::nomem);
}

bool PageAllocator::covered_locked(PhysRange range) const
{
    // Regions are sorted: walk those overlapping the range, each one starting where the
    // covered part ends, until the range is covered.
    std::uint64_t covered = range.base.raw();
    const std::uint64_t end = range.end().raw();
    for (const Region& r : regions_) {
        const std::uint64_t r_end = r.range_.end().raw();
        if (r_end <= covered) {
            continue;
        }
        if (r.range_.base.raw() > covered) {
            return false;
        }
        covered = r_end;
        if (covered >= end) {
            return true;
        }
    }
    return false;
}

Status PageAllocator::free(PhysAddr base, std::size_t pages)
{
    if (pages == 0) {
        return fail(Error::arg_size);
    }
    if (!base.is_aligned(page_size)) {
        return fail(Error::arg_align);
    }
    std::uint64_t size = 0;
    std::uint64_t end = 0;
    if (__builtin_mul_overflow(std::uint64_t{pages}, page_size, &size) ||
        __builtin_add_overflow(base.raw(), size, &end)) {
        return fail(Error::addr_ovfl);
    }

    LockGuard held{lock_};
    const PhysRange range{base, size};
    if (!covered_locked(range)) {
        return fail(Error::addr_inval);
    }
    bool all_allocated = true;
    for_each_part_locked(range, [&](Region& r, std::size_t index, std::size_t count) {
        all_allocated = all_allocated && find_bit(r.bits_, index, index + count, false) == index + count;
    });
    if (!all_allocated) {
        return fail(Error::denied);
    }
    for_each_part_locked(range, [&](Region& r, std::size_t index, std::size_t count) {
        fill_bits(r.bits_, index, count, false);
        r.free_ += count;
        if (index < r.hint_) {
            r.hint_ = index;
        }
    });
    free_pages_ += pages;
    return success();
}

Status PageAllocator::claim(PhysRange range)
{
    if (Status s = check_range(range); !s) {
        return s;
    }
    LockGuard held{lock_};
    if (!covered_locked(range)) {
        return fail(Error::addr_inval);
    }
    bool all_free = true;
    for_each_part_locked(range, [&](Region& r, std::size_t index, std::size_t count) {
        all_free = all_free && find_bit(r.bits_, index, index + count, true) == index + count;
    });
    if (!all_free) {
        return fail(Error::busy);
    }
    for_each_part_locked(range, [&](Region& r, std::size_t index, std::size_t count) {
        fill_bits(r.bits_, index, count, true);
        r.free_ -= count;
        if (index == r.hint_) {
            r.hint_ = index + count;  // everything below index was allocated already
        }
    });
    free_pages_ -= range.size / page_size;
    return success();
}

std::uint64_t PageAllocator::free_bytes() const
{
    LockGuard held{lock_};
    return free_pages_ * page_size;
}

std::uint64_t PageAllocator::total_bytes() const
{
    LockGuard held{lock_};
    return total_pages_ * page_size;
}

std::size_t PageAllocator::range_count() const
{
    LockGuard held{lock_};
    std::size_t n = 0;
    for (const Region& r : regions_) {
        (void)r;
        ++n;
    }
    return n;
}

}  // namespace hyp::mem
