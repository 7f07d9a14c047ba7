// PageAllocator::claim: allocating exactly the pages a caller names (memory extents
// configured at a physical address), all or nothing.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "kernel/mem/page_allocator.h"

using namespace hyp;
using namespace hyp::mem;

namespace {

constexpr std::uint64_t page = PageAllocator::page_size;
constexpr std::uint64_t ram = 0x8000'0000;

PhysAddr at(std::uint64_t first) { return PhysAddr{ram + first * page}; }
PhysRange pages(std::uint64_t first, std::uint64_t count) { return PhysRange{at(first), count * page}; }

struct Storage {
    PageAllocator::Region region;
    std::vector<std::uint64_t> bits;
    explicit Storage(std::size_t words = 64) : bits(words, ~std::uint64_t{0}) {}
};

Status add(PageAllocator& a, Storage& s, PhysRange range) { return a.add_range(range, s.region, s.bits.data(), s.bits.size()); }

}  // namespace

TEST_CASE("claiming free pages allocates exactly them")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 64)).ok());
    REQUIRE(a.claim(pages(10, 4)).ok());
    CHECK(a.free_bytes() == 60 * page);
    // They are in use: freeing them works once, first fit skips them.
    CHECK(a.allocate(10).value() == at(0));
    CHECK(a.allocate(1).value() == at(14));
    REQUIRE(a.free(at(10), 4).ok());
    CHECK(a.free(at(10), 4).error() == Error::denied);
    CHECK(a.free_bytes() == (64 - 11) * page);
}

TEST_CASE("claiming the bottom of a range moves first fit past it")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 64)).ok());
    REQUIRE(a.claim(pages(0, 3)).ok());
    CHECK(a.allocate(1).value() == at(3));
    REQUIRE(a.free(at(1), 1).ok());
    CHECK(a.allocate(1).value() == at(1));  // a hole below the claim is found again
}

TEST_CASE("a claim that touches an allocated page is refused and changes nothing")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 64)).ok());
    PhysAddr used = a.allocate(1, 8 * page).value();  // page 0
    REQUIRE(used == at(0));
    REQUIRE(a.claim(pages(20, 2)).ok());
    std::uint64_t free_before = a.free_bytes();
    CHECK(a.claim(pages(0, 4)).error() == Error::busy);
    CHECK(a.claim(pages(19, 2)).error() == Error::busy);
    CHECK(a.claim(pages(21, 1)).error() == Error::busy);
    CHECK(a.free_bytes() == free_before);
    // The pages around the refused claims are still free.
    REQUIRE(a.claim(pages(1, 3)).ok());
    REQUIRE(a.claim(pages(19, 1)).ok());
}

TEST_CASE("a claim outside the allocator's ranges or across a gap between two is addr_inval")
{
    PageAllocator a;
    Storage s1, s2;
    REQUIRE(add(a, s1, pages(0, 16)).ok());
    REQUIRE(add(a, s2, pages(20, 12)).ok());  // a gap of 4 pages between them
    std::uint64_t free_before = a.free_bytes();
    CHECK(a.claim(pages(14, 4)).error() == Error::addr_inval);
    CHECK(a.claim(pages(14, 8)).error() == Error::addr_inval);
    CHECK(a.claim(pages(40, 1)).error() == Error::addr_inval);
    CHECK(a.claim(PhysRange{at(0) - page, 2 * page}).error() == Error::addr_inval);
    CHECK(a.claim(pages(30, 4)).error() == Error::addr_inval);
    CHECK(a.free_bytes() == free_before);
    REQUIRE(a.claim(pages(20, 12)).ok());  // a whole range at once
    CHECK(a.free_bytes() == free_before - 12 * page);
}

TEST_CASE("a claim across ranges that follow one another takes from each, all or nothing")
{
    // Boot modules are ranges of their own; given back, they join the RAM around them.
    PageAllocator a;
    Storage s1, s2, s3;
    REQUIRE(add(a, s1, pages(0, 16)).ok());
    REQUIRE(add(a, s3, pages(20, 12)).ok());
    REQUIRE(add(a, s2, pages(16, 4)).ok());  // fills the gap, added last
    const std::uint64_t free_before = a.free_bytes();

    REQUIRE(a.claim(pages(31, 1)).ok());
    CHECK(a.claim(pages(10, 22)).error() == Error::busy);  // its last page is taken
    CHECK(a.free_bytes() == free_before - page);           // nothing else changed
    REQUIRE(a.claim(pages(10, 21)).ok());
    CHECK(a.free_bytes() == free_before - 22 * page);
    CHECK(s1.region.free_pages() == 10);
    CHECK(s2.region.free_pages() == 0);
    CHECK(s3.region.free_pages() == 0);
    CHECK(a.allocate(1).value() == at(0));  // first fit is still the lowest free page

    // Freed across them again, all or nothing.
    CHECK(a.free(at(9), 3).error() == Error::denied);  // page 9 is free
    REQUIRE(a.free(at(10), 22).ok());
    CHECK(a.free_bytes() == free_before - page);
    CHECK(s2.region.free_pages() == 4);
    REQUIRE(a.claim(pages(12, 8)).ok());
}

TEST_CASE("malformed claims are refused before anything is looked at")
{
    PageAllocator a;
    Storage s;
    REQUIRE(add(a, s, pages(0, 16)).ok());
    CHECK(a.claim(PhysRange{at(0), 0}).error() == Error::arg_size);
    CHECK(a.claim(PhysRange{at(0) + 1, page}).error() == Error::arg_align);
    CHECK(a.claim(PhysRange{at(0), page + 8}).error() == Error::arg_align);
    CHECK(a.claim(PhysRange{PhysAddr{~std::uint64_t{0} - page + 1}, page}).error() == Error::addr_ovfl);
    CHECK(a.free_bytes() == 16 * page);
}
