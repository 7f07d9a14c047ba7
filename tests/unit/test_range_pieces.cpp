// for_each_piece: what is left of a range around holes.
#include <catch2/catch.hpp>

#include <vector>

#include "support/range_pieces.h"

using namespace hyp;

namespace {

std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces(PhysRange r, std::vector<PhysRange> holes)
{
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    REQUIRE(for_each_piece(r, holes.data(), holes.size(), [&](PhysRange p) {
                out.emplace_back(p.base.raw(), p.size);
                return success();
            }).ok());
    return out;
}

PhysRange R(std::uint64_t base, std::uint64_t size) { return {PhysAddr{base}, size}; }

}  // namespace

TEST_CASE("holes cut a range into the pieces around them, in order")
{
    using V = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
    CHECK(pieces(R(0, 100), {}) == V{{0, 100}});
    CHECK(pieces(R(0, 100), {R(10, 10)}) == V{{0, 10}, {20, 80}});
    CHECK(pieces(R(0, 100), {R(50, 10), R(10, 10)}) == V{{0, 10}, {20, 30}, {60, 40}});
    CHECK(pieces(R(0, 100), {R(0, 100)}).empty());
    CHECK(pieces(R(10, 100), {R(0, 20), R(100, 50)}) == V{{20, 80}});
    CHECK(pieces(R(0, 100), {R(200, 10)}) == V{{0, 100}});
    CHECK(pieces(R(0, 100), {R(10, 30), R(20, 30)}) == V{{0, 10}, {50, 50}});  // overlapping holes
}

TEST_CASE("the first failure stops the walk and is returned")
{
    int calls = 0;
    PhysRange hole = R(10, 10);
    Status s = for_each_piece(R(0, 100), &hole, 1, [&](PhysRange) {
        ++calls;
        return Status{fail(Error::nomem)};
    });
    CHECK(s.error() == Error::nomem);
    CHECK(calls == 1);
}
