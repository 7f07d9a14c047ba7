// How fast the memdb is on the host: transfers (lending part of an extent and taking it
// back: a split, then the merge that undoes it) and lookups, in tables of about 130 and
// 1000 records. Hidden ([.bench]): run it with `hyp_unit_tests "[.bench]"`, ideally from
// an optimised build without sanitizers; the default host build (ASan, UBSan, -O1) is
// slower and says little about the target.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "kernel/mem/memdb.h"

using namespace hyp;
using namespace hyp::mem;

namespace {

constexpr std::uint64_t page = Memdb::granule;
constexpr std::uint64_t ram = 0x8000'0000;

void bench(std::size_t extents)
{
    constexpr std::uint64_t stride = 2048;  // pages between extents: 8 MiB
    constexpr std::uint64_t extent_pages = 64;
    constexpr std::uint64_t operations = 1'000'000;

    std::vector<OwnedRange> storage(4096);
    Memdb db{storage.data(), storage.size()};
    db.set_self_check(false);
    char root_obj = 0, child_obj = 0;
    std::vector<char> extent_objs(extents);
    const Owner root = Owner::partition(&root_obj), child = Owner::partition(&child_obj);
    auto at = [&](std::uint64_t first, std::uint64_t n) { return PhysRange{PhysAddr{ram + first * page}, n * page}; };

    REQUIRE(db.insert(at(0, 4096), Owner::hypervisor()).ok());
    REQUIRE(db.insert(at(4096, extents * stride), root).ok());
    for (std::size_t e = 0; e < extents; ++e) {
        REQUIRE(db.transfer(at(4096 + e * stride + 16, extent_pages), root, Owner::memextent(&extent_objs[e])).ok());
    }
    const std::size_t records = db.records();

    std::uint64_t x = 0x2545f4914f6cdd1d, failures = 0;
    auto next = [&] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    for (std::uint64_t i = 0; i < operations; i += 2) {
        std::uint64_t r = next();
        std::size_t e = r % extents;
        PhysRange sub = at(4096 + e * stride + 16 + (r >> 20) % 60, 1 + (r >> 40) % 4);
        const Owner ext = Owner::memextent(&extent_objs[e]);
        failures += !db.transfer(sub, ext, child).ok();  // lend part of an extent...
        failures += !db.transfer(sub, child, ext).ok();  // ...and reclaim it
    }
    double transfer_s = std::chrono::duration<double>(clock::now() - start).count();

    start = clock::now();
    std::uint64_t found = 0;
    for (std::uint64_t i = 0; i < operations; ++i) {
        found += db.lookup(PhysAddr{ram + (next() % (4096 + extents * stride)) * page}).ok();
    }
    double lookup_s = std::chrono::duration<double>(clock::now() - start).count();

    CHECK(failures == 0);
    CHECK(found == operations);
    CHECK(db.records() == records);
    std::printf("memdb bench: %4zu records: %6.2f M transfers/s (%4.0f ns each), %6.2f M lookups/s (%3.0f ns each)\n",
                records, operations / transfer_s / 1e6, transfer_s / operations * 1e9, operations / lookup_s / 1e6,
                lookup_s / operations * 1e9);
}

}  // namespace

TEST_CASE("memdb operations per second on the host", "[.bench]")
{
    bench(64);
    bench(512);
}
