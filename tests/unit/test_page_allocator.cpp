// The per-partition page allocator, case by case: first fit, alignment, exhaustion,
// fragmentation, double and foreign frees, adding and removing ranges, accounting,
// and concurrent use.
#include <catch2/catch.hpp>

#include <cstdint>
#include <thread>
#include <vector>

#include "kernel/mem/page_allocator.h"

using namespace hyp;
using namespace hyp::mem;

namespace {

constexpr std::uint64_t page = PageAllocator::page_size;
constexpr std::uint64_t mib = 1024 * 1024;
constexpr std::uint64_t ram = 0x8000'0000;

PhysAddr at(std::uint64_t first) { return PhysAddr{ram + first * page}; }
PhysRange pages(std::uint64_t first, std::uint64_t count) { return PhysRange{at(first), count * page}; }

// A range's bookkeeping, as partition code would keep it (the bitmap starts dirty, to
// show that add_range() does not rely on it being clear).
struct Storage {
    PageAllocator::Region region;
    std::vector<std::uint64_t> bits;
    explicit Storage(std::size_t words = 64) : bits(words, ~std::uint64_t{0}) {}
};

Status add(PageAllocator& a, Storage& s, PhysRange range) { return a.add_range(range, s.region, s.bits.data(), s.bits.size()); }

PhysAddr alloc(PageAllocator& a, std::size_t n, std::uint64_t align = page)
{
    Result<PhysAddr> r = a.allocate(n, align);
    REQUIRE(r.ok());
    return *r;
}

}  // namespace

TEST_CASE("a new range is all free and allocations come from its bottom, first fit")
{
    PageAllocator a;
    Storage s;
    CHECK(a.total_bytes() == 0);
    CHECK(a.allocate(1).error() == Error::nomem);
    REQUIRE(add(a, s, pages(0, 64)).ok());
    CHECK(a.total_bytes() == 64 * page);
    CHECK(a.free_bytes() == 64 * page);
    CHECK(alloc(a, 1) == at(0));
    CHECK(alloc(a, 3) == at(1));
    CHECK(alloc(a, 1) == at(4));
    CHECK(a.free_bytes() == 59 * page);
    REQUIRE(a.free(at(1), 3).ok());
    CHECK(alloc(a, 2) == at(1));   // the lowest hole that fits
    CHECK(alloc(a, 2) == at(5));   // the hole left at 3 is too small
    CHECK(alloc(a, 1) == at(3));
}

TEST_CASE("allocations are aligned to physical addresses, not to the start of the range")
{
    PageAllocator a;
    Storage s{1024};
    // The range starts 3 pages past a 2 MiB boundary.
    const PhysRange range{PhysAddr{ram + 3 * page}, 4 * mib};
    REQUIRE(add(a, s, range).ok());
    PhysAddr big = alloc(a, 512, 2 * mib);
    CHECK(big == PhysAddr{ram + 2 * mib});
    CHECK(big.is_aligned(2 * mib));
    CHECK(alloc(a, 1, 16 * page) == PhysAddr{ram + 16 * page});
    CHECK(alloc(a, 2) == PhysAddr{ram + 3 * page});
    // The 2 MiB-aligned run above the first is cut short by the end of the range.
    CHECK(a.allocate(512, 2 * mib).error() == Error::nomem);
    CHECK(a.allocate(1, 8 * mib).error() == Error::nomem);
}

TEST_CASE("an alignment below a page means a page, and other alignments must be powers of two")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(1, 16)).ok());
    CHECK(alloc(a, 1, 1) == at(1));
    CHECK(alloc(a, 1, 64) == at(2));
    CHECK(a.allocate(1, 0).error() == Error::arg_align);
    CHECK(a.allocate(1, 3 * page).error() == Error::arg_align);
    CHECK(a.allocate(0).error() == Error::arg_size);
    CHECK(a.free_bytes() == 14 * page);
}

TEST_CASE("exhaustion gives nomem and changes nothing")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 8)).ok());
    CHECK(a.allocate(9).error() == Error::nomem);
    CHECK(alloc(a, 8) == at(0));
    CHECK(a.free_bytes() == 0);
    CHECK(a.allocate(1).error() == Error::nomem);
    CHECK(a.allocate(~std::size_t{0}).error() == Error::nomem);
    REQUIRE(a.free(at(0), 8).ok());
    CHECK(a.free_bytes() == 8 * page);
}

TEST_CASE("freeing every other page leaves holes too small for two pages")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 64)).ok());
    for (std::uint64_t i = 0; i < 64; ++i) {
        REQUIRE(alloc(a, 1) == at(i));
    }
    for (std::uint64_t i = 0; i < 64; i += 2) {
        REQUIRE(a.free(at(i), 1).ok());
    }
    CHECK(a.free_bytes() == 32 * page);
    CHECK(a.allocate(2).error() == Error::nomem);   // 32 pages free, no two together
    REQUIRE(a.free(at(41), 1).ok());                // joins the holes at 40 and 42
    CHECK(a.allocate(4).error() == Error::nomem);
    CHECK(alloc(a, 3) == at(40));
    CHECK(alloc(a, 1) == at(0));
}

TEST_CASE("a large aligned allocation succeeds only in a hole that is big enough at the alignment")
{
    PageAllocator a;
    Storage s{64};
    REQUIRE(add(a, s, pages(0, 4096)).ok());   // 16 MiB at a 2 MiB boundary
    const std::uint64_t block = 2 * mib / page;  // 512 pages
    // Fill everything, then free 600 pages starting at 700: plenty of pages, but the only
    // 2 MiB boundary inside the hole (page 1024) has just 276 free pages above it.
    REQUIRE(alloc(a, 4096) == at(0));
    REQUIRE(a.free(at(700), 600).ok());
    CHECK(a.allocate(block, 2 * mib).error() == Error::nomem);
    CHECK(a.allocate(block).ok());   // unaligned, it fits: at 700
    REQUIRE(a.free(at(700), block).ok());
    // Free up to page 1536: now [1024, 1536) is a whole aligned block.
    REQUIRE(a.free(at(1300), 236).ok());
    CHECK(alloc(a, block, 2 * mib) == at(1024));
    CHECK(a.free_bytes() == (600 + 236 - block) * page);
}

TEST_CASE("a double free is denied and changes nothing")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 16)).ok());
    PhysAddr p = alloc(a, 4);
    REQUIRE(a.free(p, 4).ok());
    const std::uint64_t free_before = a.free_bytes();
    CHECK(a.free(p, 4).error() == Error::denied);
    CHECK(a.free(p + page, 1).error() == Error::denied);
    CHECK(a.free_bytes() == free_before);

    // Partly allocated: the allocated half must stay allocated.
    PhysAddr q = alloc(a, 2);
    CHECK(a.free(q, 4).error() == Error::denied);
    CHECK(a.free_bytes() == free_before - 2 * page);
    CHECK(alloc(a, 2) == q + 2 * page);   // q itself is still taken
}

TEST_CASE("freeing memory the allocator does not own is addr_inval")
{
    PageAllocator a;
    Storage s1, s2;
    REQUIRE(add(a, s1, pages(0, 16)).ok());
    REQUIRE(add(a, s2, pages(17, 16)).ok());   // a page apart
    REQUIRE(alloc(a, 16) == at(0));
    REQUIRE(alloc(a, 16) == at(17));
    CHECK(a.free(at(33), 1).error() == Error::addr_inval);      // past the end
    CHECK(a.free(at(0) - page, 1).error() == Error::addr_inval);  // below the start
    CHECK(a.free(at(14), 4).error() == Error::addr_inval);      // across the gap
    CHECK(a.free(at(31), 4).error() == Error::addr_inval);      // runs off the end
    CHECK(a.free_bytes() == 0);
}

TEST_CASE("free refuses misaligned, empty and wrapping runs before looking further")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 16)).ok());
    REQUIRE(alloc(a, 16) == at(0));
    CHECK(a.free(at(0) + 8, 1).error() == Error::arg_align);
    CHECK(a.free(at(0), 0).error() == Error::arg_size);
    CHECK(a.free(PhysAddr{0 - 2 * page}, 3).error() == Error::addr_ovfl);
    CHECK(a.free(at(0), ~std::size_t{0}).error() == Error::addr_ovfl);
    CHECK(a.free_bytes() == 0);
}

TEST_CASE("an allocation never spans two ranges, even adjacent ones")
{
    PageAllocator a;
    Storage s1, s2;
    REQUIRE(add(a, s1, pages(0, 4)).ok());
    REQUIRE(add(a, s2, pages(4, 4)).ok());
    CHECK(a.free_bytes() == 8 * page);
    CHECK(a.allocate(8).error() == Error::nomem);
    CHECK(alloc(a, 4) == at(0));
    CHECK(alloc(a, 4) == at(4));
}

TEST_CASE("ranges are used lowest address first, whatever order they were added in")
{
    PageAllocator a;
    Storage high, low, middle;
    REQUIRE(add(a, high, pages(200, 2)).ok());
    REQUIRE(add(a, low, pages(0, 2)).ok());
    REQUIRE(add(a, middle, pages(100, 2)).ok());
    CHECK(a.range_count() == 3);
    CHECK(alloc(a, 2) == at(0));
    CHECK(alloc(a, 2) == at(100));
    CHECK(alloc(a, 2) == at(200));
}

TEST_CASE("add_range refuses bad ranges, small bitmaps, overlaps and regions in use")
{
    PageAllocator a;
    Storage s, other;
    CHECK(add(a, s, PhysRange{at(0), 0}).error() == Error::arg_size);
    CHECK(add(a, s, PhysRange{at(0) + 16, page}).error() == Error::arg_align);
    CHECK(add(a, s, PhysRange{at(0), page + 16}).error() == Error::arg_align);
    CHECK(add(a, s, PhysRange{PhysAddr{0 - page}, 2 * page}).error() == Error::addr_ovfl);
    CHECK(a.add_range(pages(0, 65), s.region, s.bits.data(), 1).error() == Error::arg_size);
    CHECK(a.add_range(pages(0, 1), s.region, nullptr, 1).error() == Error::arg_size);
    CHECK(a.add_range(pages(0, 64), s.region, s.bits.data(), 1).ok());   // exactly enough
    CHECK(add(a, s, pages(100, 1)).error() == Error::arg_inval);          // region in use
    CHECK(add(a, other, pages(63, 2)).error() == Error::busy);
    CHECK(add(a, other, pages(0, 1)).error() == Error::busy);
    CHECK(a.total_bytes() == 64 * page);
    CHECK(a.range_count() == 1);
}

TEST_CASE("remove_range takes back a wholly free range and hands back its region")
{
    PageAllocator a;
    Storage s1, s2;
    REQUIRE(add(a, s1, pages(0, 8)).ok());
    REQUIRE(add(a, s2, pages(8, 8)).ok());
    PhysAddr p = alloc(a, 2);
    CHECK(a.remove_range(pages(0, 8)).error() == Error::busy);
    CHECK(a.remove_range(pages(8, 4)).error() == Error::addr_inval);   // only whole ranges
    CHECK(a.remove_range(pages(100, 8)).error() == Error::addr_inval);
    Result<PageAllocator::Region*> gone = a.remove_range(pages(8, 8));
    REQUIRE(gone.ok());
    CHECK(*gone == &s2.region);
    CHECK_FALSE(s2.region.in_use());
    CHECK(a.total_bytes() == 8 * page);
    CHECK(a.free_bytes() == 6 * page);
    REQUIRE(a.free(p, 2).ok());
    REQUIRE(a.remove_range(pages(0, 8)).ok());
    CHECK(a.total_bytes() == 0);
    CHECK(a.allocate(1).error() == Error::nomem);
    // The storage can take another range at once.
    REQUIRE(add(a, s1, pages(500, 4)).ok());
    CHECK(alloc(a, 4) == at(500));
}

TEST_CASE("part of an allocation, or two neighbouring allocations, can be freed in one call")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 16)).ok());
    PhysAddr p = alloc(a, 4);
    PhysAddr q = alloc(a, 4);
    REQUIRE(a.free(p + 2 * page, 4).ok());   // the top of p and the bottom of q
    CHECK(a.free_bytes() == 12 * page);
    CHECK(alloc(a, 4) == p + 2 * page);
    REQUIRE(a.free(p, 8).ok());
    CHECK(a.free_bytes() == 16 * page);
    (void)q;
}

TEST_CASE("allocations from several CPUs at once never overlap and accounting stays exact")
{
    constexpr int threads = 4;
    constexpr int rounds = 2000;
    PageAllocator a;
    Storage s{16};
    REQUIRE(add(a, s, pages(0, 1024)).ok());
    std::vector<std::uint8_t> owner(1024, 0);   // which thread holds each page: 0 = none
    std::vector<int> conflicts(threads, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < rounds; ++i) {
                std::size_t n = 1 + (i * 7 + t) % 8;
                Result<PhysAddr> p = a.allocate(n, page << (i % 3));
                if (!p) {
                    continue;
                }
                std::size_t first = (p->raw() - ram) / page;
                // Claim the pages in the shared map: a page that is already claimed means
                // the allocator handed it out twice.
                for (std::size_t k = first; k < first + n; ++k) {
                    conflicts[t] += __atomic_exchange_n(&owner[k], std::uint8_t(t + 1), __ATOMIC_RELAXED) != 0;
                }
                for (std::size_t k = first; k < first + n; ++k) {
                    __atomic_store_n(&owner[k], std::uint8_t{0}, __ATOMIC_RELAXED);
                }
                conflicts[t] += !a.free(*p, n).ok();
            }
        });
    }
    for (std::thread& w : workers) {
        w.join();
    }
    CHECK(conflicts == std::vector<int>(threads, 0));
    CHECK(a.free_bytes() == a.total_bytes());
}
