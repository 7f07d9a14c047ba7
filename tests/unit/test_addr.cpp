// Strong address types and ranges (addr.h), and the integer alignment helpers they
// lean on (math.h).
#include <catch2/catch.hpp>

#include <cstdint>
#include <type_traits>

#include "support/addr.h"
#include "support/math.h"

using hyp::Ipa;
using hyp::IpaRange;
using hyp::PhysAddr;
using hyp::PhysRange;
using hyp::VirtAddr;

namespace {
constexpr std::uint64_t top = ~std::uint64_t{0};

// The point of the types: these must not compile.
static_assert(!std::is_convertible_v<PhysAddr, Ipa>);
static_assert(!std::is_convertible_v<Ipa, PhysAddr>);
static_assert(!std::is_convertible_v<VirtAddr, PhysAddr>);
static_assert(!std::is_convertible_v<std::uint64_t, PhysAddr>, "raw numbers need an explicit cast");
static_assert(!std::is_constructible_v<PhysAddr, Ipa>);
static_assert(sizeof(PhysAddr) == sizeof(std::uint64_t));
static_assert(std::is_trivially_copyable_v<PhysAddr>);
}  // namespace

TEST_CASE("address arithmetic and comparison work on the raw value", "[addr]")
{
    PhysAddr a{0x4000'0000};
    REQUIRE((a + 0x10).raw() == 0x4000'0010);
    REQUIRE((a - 0x10).raw() == 0x3fff'fff0);
    REQUIRE((a + 0x100) - a == 0x100);
    REQUIRE(a < a + 1);
    REQUIRE(a == PhysAddr{0x4000'0000});
    a += 0x1000;
    REQUIRE(a.raw() == 0x4000'1000);
    REQUIRE(PhysAddr{}.raw() == 0);
}

TEST_CASE("align_down and is_aligned respect power-of-two alignment", "[addr]")
{
    REQUIRE(PhysAddr{0x1234}.align_down(0x1000).raw() == 0x1000);
    REQUIRE(PhysAddr{0x2000}.align_down(0x1000).raw() == 0x2000);
    REQUIRE(PhysAddr{0x2000}.is_aligned(0x1000));
    REQUIRE_FALSE(PhysAddr{0x2008}.is_aligned(0x1000));
    REQUIRE(PhysAddr{0x2008}.is_aligned(8));
    REQUIRE(PhysAddr{0x2008}.is_aligned(1));
}

TEST_CASE("align_up rounds to the next boundary and keeps aligned addresses", "[addr]")
{
    REQUIRE(Ipa{0x1001}.align_up(0x1000).raw() == 0x2000);
    REQUIRE(Ipa{0x1000}.align_up(0x1000).raw() == 0x1000);
    REQUIRE(Ipa{0}.align_up(0x1000).raw() == 0);
}

TEST_CASE("align_up saturates at the top of the address space", "[addr]")
{
    // The last page-aligned address, not a wrap to zero.
    REQUIRE(PhysAddr{top - 5}.align_up(0x1000).raw() == top - 0xfff);
    REQUIRE(PhysAddr{top}.align_up(0x1000).raw() == top - 0xfff);
    REQUIRE(PhysAddr{top - 0xfff}.align_up(0x1000).raw() == top - 0xfff);
}

TEST_CASE("Range::contains includes the base and excludes the end", "[addr]")
{
    PhysRange r{PhysAddr{0x1000}, 0x1000};
    REQUIRE(r.end().raw() == 0x2000);
    REQUIRE(r.contains(PhysAddr{0x1000}));
    REQUIRE(r.contains(PhysAddr{0x1fff}));
    REQUIRE_FALSE(r.contains(PhysAddr{0x2000}));
    REQUIRE_FALSE(r.contains(PhysAddr{0xfff}));
}

TEST_CASE("Range::overlaps is symmetric and excludes touching ranges", "[addr]")
{
    IpaRange a{Ipa{0x1000}, 0x1000};
    IpaRange touching{Ipa{0x2000}, 0x1000};
    IpaRange straddling{Ipa{0x1800}, 0x1000};
    IpaRange inside{Ipa{0x1100}, 0x10};
    IpaRange before{Ipa{0x0}, 0x1000};

    REQUIRE_FALSE(a.overlaps(touching));
    REQUIRE_FALSE(touching.overlaps(a));
    REQUIRE_FALSE(a.overlaps(before));
    REQUIRE_FALSE(before.overlaps(a));
    REQUIRE(a.overlaps(straddling));
    REQUIRE(straddling.overlaps(a));
    REQUIRE(a.overlaps(inside));
    REQUIRE(inside.overlaps(a));
    REQUIRE(a.overlaps(a));
}

TEST_CASE("an empty Range contains and overlaps nothing", "[addr]")
{
    IpaRange empty{Ipa{0x1000}, 0};
    IpaRange around{Ipa{0}, 0x10000};
    REQUIRE(empty.empty());
    REQUIRE_FALSE(empty.contains(Ipa{0x1000}));
    REQUIRE_FALSE(empty.overlaps(around));
    REQUIRE_FALSE(around.overlaps(empty));
    REQUIRE_FALSE(empty.overlaps(empty));
}

TEST_CASE("a Range ending exactly at the top of the address space is well formed", "[addr]")
{
    PhysRange last{PhysAddr{top - 0xfff}, 0x1000};
    REQUIRE(last.well_formed());
    REQUIRE(last.contains(PhysAddr{top}));
    REQUIRE(last.overlaps(PhysRange{PhysAddr{top}, 1}));
    REQUIRE_FALSE(last.overlaps(PhysRange{PhysAddr{0}, 0x1000}));
}

TEST_CASE("Range::well_formed rejects ranges that wrap past the top", "[addr]")
{
    REQUIRE_FALSE((PhysRange{PhysAddr{top - 0xfff}, 0x1001}.well_formed()));
    REQUIRE_FALSE((PhysRange{PhysAddr{2}, top}.well_formed()));
    REQUIRE((PhysRange{PhysAddr{1}, top}.well_formed()));  // last byte is exactly the top
    REQUIRE((PhysRange{PhysAddr{0}, top}.well_formed()));
    REQUIRE((PhysRange{PhysAddr{top}, 0}.well_formed()));
}

// Integer helpers (math.h): sizes from outside must not wrap silently.

TEST_CASE("is_power_of_two accepts single bits only", "[math]")
{
    REQUIRE(hyp::is_power_of_two(1u));
    REQUIRE(hyp::is_power_of_two(std::uint64_t{1} << 63));
    REQUIRE_FALSE(hyp::is_power_of_two(0u));
    REQUIRE_FALSE(hyp::is_power_of_two(6u));
    REQUIRE_FALSE(hyp::is_power_of_two(top));
}

TEST_CASE("integer align_up rounds up and reports overflow instead of wrapping", "[math]")
{
    std::uint64_t out = 7;
    REQUIRE(hyp::align_up<std::uint64_t>(0x1001, 0x1000, out));
    REQUIRE(out == 0x2000);
    REQUIRE(hyp::align_up<std::uint64_t>(0x2000, 0x1000, out));
    REQUIRE(out == 0x2000);

    out = 7;
    REQUIRE_FALSE(hyp::align_up<std::uint64_t>(top - 5, 0x1000, out));
    REQUIRE(out == 7);  // left alone on failure

    std::uint8_t small = 0;
    REQUIRE(hyp::align_up<std::uint8_t>(240, 16, small));
    REQUIRE(small == 240);
    REQUIRE_FALSE(hyp::align_up<std::uint8_t>(241, 16, small));
    REQUIRE(small == 240);
}

TEST_CASE("integer align_up refuses an alignment that is not a power of two", "[math]")
{
    std::uint32_t out = 1;
    REQUIRE_FALSE(hyp::align_up<std::uint32_t>(10, 0, out));
    REQUIRE_FALSE(hyp::align_up<std::uint32_t>(10, 12, out));
    REQUIRE(out == 1);
}

TEST_CASE("integer align_down and is_aligned clear and test the low bits", "[math]")
{
    REQUIRE(hyp::align_down<std::uint64_t>(0x1fff, 0x1000) == 0x1000);
    REQUIRE(hyp::align_down<std::uint16_t>(0xffff, 0x100) == 0xff00);
    REQUIRE(hyp::is_aligned<std::uint32_t>(0x40, 0x40));
    REQUIRE_FALSE(hyp::is_aligned<std::uint32_t>(0x41, 0x40));
}

TEST_CASE("checked_add reports overflow and leaves the output alone", "[math]")
{
    std::uint64_t out = 3;
    REQUIRE(hyp::checked_add<std::uint64_t>(top - 1, 1, out));
    REQUIRE(out == top);
    REQUIRE_FALSE(hyp::checked_add<std::uint64_t>(top, 1, out));
    REQUIRE(out == top);
}
