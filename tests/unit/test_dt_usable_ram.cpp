// Usable RAM = memory minus reserved, as sorted, merged, non-overlapping ranges; checked
// on hand-picked layouts and against a byte-by-byte model on random small ones.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::platform;
using hyp::test::info_of;
using hyp::test::Layout;
using hyp::test::range;

namespace {

std::vector<PhysRange> usable_of(const Layout& layout)
{
    auto info = info_of(layout);
    PhysRange out[max_memory_ranges + max_reserved_ranges];
    Result<std::size_t> count = usable_ram(*info, out, std::size(out));
    REQUIRE(count.ok());
    return {out, out + *count};
}

constexpr std::uint64_t top = ~std::uint64_t{0};

}  // namespace

TEST_CASE("usable RAM: unsorted and overlapping memory comes out sorted and merged")
{
    Layout layout{{range(0x3000, 0x1000), range(0x1000, 0x1000), range(0x1800, 0x1000), range(0x2800, 0x400)}, {}};
    CHECK(usable_of(layout) == std::vector<PhysRange>{range(0x1000, 0x1c00), range(0x3000, 0x1000)});
}

TEST_CASE("usable RAM: adjacent memory ranges merge into one")
{
    Layout layout{{range(0x2000, 0x1000), range(0x1000, 0x1000)}, {}};
    CHECK(usable_of(layout) == std::vector<PhysRange>{range(0x1000, 0x2000)});
}

TEST_CASE("usable RAM: reservations cut holes, trim edges and straddle ranges")
{
    Layout layout{{range(0x1000, 0x4000), range(0x8000, 0x2000)},
                  {range(0x2000, 0x100),           // a hole
                   range(0x800, 0x1000),           // over the start of the first range
                   range(0x4800, 0x4000),          // over the end of the first and start of the second
                   range(0x2080, 0x200)}};         // overlapping the hole
    CHECK(usable_of(layout) ==
          std::vector<PhysRange>{range(0x1800, 0x800), range(0x2280, 0x4800 - 0x2280), range(0x8800, 0x1800)});
}

TEST_CASE("usable RAM: reservations outside memory and empty entries change nothing")
{
    Layout layout{{range(0x1000, 0x1000), range(0x5000, 0)}, {range(0x9000, 0x1000), range(0x1800, 0)}};
    CHECK(usable_of(layout) == std::vector<PhysRange>{range(0x1000, 0x1000)});
}

TEST_CASE("usable RAM: nothing when there is no memory or when all of it is reserved")
{
    CHECK(usable_of(Layout{}).empty());
    Layout covered{{range(0x1000, 0x1000)}, {range(0x1000, 0x800), range(0x1700, 0x900)}};
    CHECK(usable_of(covered).empty());
}

TEST_CASE("usable RAM: ranges at the very top of the address space")
{
    Layout at_top{{range(top - 0xfff, 0x1000)}, {range(top - 0xfff, 0x10)}};
    CHECK(usable_of(at_top) == std::vector<PhysRange>{range(top - 0xfef, 0xff0)});

    // Two halves covering all 2^64 bytes: one range cannot say so, the top byte comes apart.
    Layout everything{{range(0, 0x8000000000000000), range(0x8000000000000000, 0x8000000000000000)}, {}};
    CHECK(usable_of(everything) == std::vector<PhysRange>{range(0, top), range(top, 1)});
}

TEST_CASE("usable RAM: too many ranges for the output is an error")
{
    Layout layout{{range(0x1000, 0x10000)}, {range(0x2000, 0x100), range(0x4000, 0x100), range(0x6000, 0x100)}};
    auto info = info_of(layout);
    PhysRange out[3];
    Result<std::size_t> count = usable_ram(*info, out, 3);
    REQUIRE_FALSE(count.ok());
    CHECK(count.error() == Error::nomem);
    CHECK(out[0] == range(0x1000, 0x1000));  // the ones that fit are written
    PhysRange enough[4];
    Result<std::size_t> fits = usable_ram(*info, enough, 4);
    REQUIRE(fits.ok());
    CHECK(*fits == 4);
}

TEST_CASE("usable RAM matches a byte-by-byte model on random small layouts")
{
    constexpr std::uint64_t space = 96;
    std::mt19937 random{7};
    std::uniform_int_distribution<std::uint64_t> base{0, space - 1};
    std::uniform_int_distribution<std::uint64_t> size{0, 24};
    std::uniform_int_distribution<int> count{0, 6};
    for (int iteration = 0; iteration < 3000; ++iteration) {
        Layout layout;
        std::vector<bool> usable(space + 32, false);
        for (int n = count(random); n > 0; --n) {
            PhysRange r = range(base(random), size(random));
            layout.memory.push_back(r);
            for (std::uint64_t a = r.base.raw(); a < r.end().raw(); ++a) {
                usable[a] = true;
            }
        }
        for (int n = count(random); n > 0; --n) {
            PhysRange r = range(base(random), size(random));
            layout.reserved.push_back(r);
        }
        for (const PhysRange& r : layout.reserved) {
            for (std::uint64_t a = r.base.raw(); a < r.end().raw(); ++a) {
                usable[a] = false;
            }
        }
        std::vector<PhysRange> expected;
        for (std::uint64_t a = 0; a < usable.size(); ++a) {
            if (usable[a] && (a == 0 || !usable[a - 1])) {
                expected.push_back(range(a, 0));
            }
            if (usable[a]) {
                expected.back().size += 1;
            }
        }
        INFO("iteration " << iteration);
        REQUIRE(usable_of(layout) == expected);
    }
}
