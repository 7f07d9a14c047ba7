// The memory ownership database, case by case: insertion of RAM, transfers (whole,
// partial, straddling, from the wrong owner, over holes), coalescing, argument
// refusal, capacity exhaustion, lookups, the consistency check and concurrent use.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kernel/mem/memdb.h"

using namespace hyp;
using namespace hyp::mem;

namespace {

constexpr std::uint64_t page = Memdb::granule;
constexpr std::uint64_t ram = 0x8000'0000;

// Pages [first, first + count) above `ram`.
PhysRange pages(std::uint64_t first, std::uint64_t count) { return PhysRange{PhysAddr{ram + first * page}, count * page}; }

// Stand-ins for kernel objects: the memdb only compares their addresses.
int root_obj, child_obj, ext_a_obj, ext_b_obj;
const Owner hyp_owner = Owner::hypervisor();
const Owner root = Owner::partition(&root_obj);
const Owner child = Owner::partition(&child_obj);
const Owner ext_a = Owner::memextent(&ext_a_obj);
const Owner ext_b = Owner::memextent(&ext_b_obj);

template <std::size_t N>
struct Db {
    std::array<OwnedRange, N> storage{};
    Memdb db{storage.data(), N};
};

std::vector<OwnedRange> snapshot(const Memdb& db)
{
    std::vector<OwnedRange> out;
    db.for_each([&](const OwnedRange& r) { out.push_back(r); });
    return out;
}

OwnedRange rec(std::uint64_t first, std::uint64_t count, Owner owner) { return {pages(first, count), owner}; }

}  // namespace

TEST_CASE("inserted RAM belongs to its first owner, and touching inserts with one owner coalesce")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 16), hyp_owner).ok());
    REQUIRE(d.db.insert(pages(16, 100), root).ok());
    REQUIRE(d.db.insert(pages(116, 12), root).ok());   // touches the root range: merges
    REQUIRE(d.db.insert(pages(200, 10), root).ok());   // a second bank after a hole
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, 16, hyp_owner), rec(16, 112, root), rec(200, 10, root)});
    CHECK(d.db.check().ok());
    CHECK(d.db.tracked_bytes() == 138 * page);
}

TEST_CASE("an insert that fills the hole between two ranges of one owner leaves one record")
{
    Db<4> d;
    REQUIRE(d.db.insert(pages(0, 4), root).ok());
    REQUIRE(d.db.insert(pages(8, 4), root).ok());
    REQUIRE(d.db.insert(pages(4, 4), root).ok());
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, 12, root)});
}

TEST_CASE("insert refuses memory that is already tracked, wholly or in part")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(10, 10), root).ok());
    const auto before = snapshot(d.db);
    CHECK(d.db.insert(pages(10, 10), root).error() == Error::busy);
    CHECK(d.db.insert(pages(5, 6), child).error() == Error::busy);    // overlaps the start
    CHECK(d.db.insert(pages(19, 5), child).error() == Error::busy);   // overlaps the end
    CHECK(d.db.insert(pages(12, 2), child).error() == Error::busy);   // inside
    CHECK(d.db.insert(pages(0, 40), child).error() == Error::busy);   // around
    CHECK(snapshot(d.db) == before);
}

TEST_CASE("operations refuse owners that are not owners")
{
    Db<8> d;
    CHECK(d.db.insert(pages(0, 1), Owner{}).error() == Error::arg_inval);
    CHECK(d.db.insert(pages(0, 1), Owner::partition(nullptr)).error() == Error::arg_inval);
    REQUIRE(d.db.insert(pages(0, 4), root).ok());
    CHECK(d.db.transfer(pages(0, 1), root, Owner{}).error() == Error::arg_inval);
    CHECK(d.db.transfer(pages(0, 1), Owner{}, root).error() == Error::arg_inval);
    CHECK(d.db.transfer(pages(0, 1), root, Owner::memextent(nullptr)).error() == Error::arg_inval);
    CHECK(d.db.transfer(pages(0, 1), root, root).error() == Error::arg_inval);
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, 4, root)});
}

TEST_CASE("misaligned, empty and wrapping ranges are refused before anything changes")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 8), root).ok());
    const auto before = snapshot(d.db);
    const PhysRange unaligned_base{PhysAddr{ram + 0x800}, page};
    const PhysRange unaligned_size{PhysAddr{ram}, page + 1};
    const PhysRange empty{PhysAddr{ram}, 0};
    const PhysRange wraps{PhysAddr{~std::uint64_t{0} - 3 * page + 1}, 4 * page};
    const PhysRange to_the_top{PhysAddr{~std::uint64_t{0} - 3 * page + 1}, 3 * page};  // ends at 2^64

    CHECK(d.db.insert(unaligned_base, child).error() == Error::arg_align);
    CHECK(d.db.insert(unaligned_size, child).error() == Error::arg_align);
    CHECK(d.db.insert(empty, child).error() == Error::arg_size);
    CHECK(d.db.insert(wraps, child).error() == Error::addr_ovfl);
    CHECK(d.db.insert(to_the_top, child).error() == Error::addr_ovfl);
    CHECK(d.db.transfer(unaligned_base, root, child).error() == Error::arg_align);
    CHECK(d.db.transfer(unaligned_size, root, child).error() == Error::arg_align);
    CHECK(d.db.transfer(empty, root, child).error() == Error::arg_size);
    CHECK(d.db.transfer(wraps, root, child).error() == Error::addr_ovfl);
    CHECK(d.db.owner_of_range(unaligned_base).error() == Error::arg_align);
    CHECK(d.db.owner_of_range(wraps).error() == Error::addr_ovfl);
    CHECK(snapshot(d.db) == before);
}

TEST_CASE("transfer of a whole range changes its owner and merges it with like neighbours")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 4), child).ok());
    REQUIRE(d.db.insert(pages(4, 4), root).ok());
    REQUIRE(d.db.insert(pages(8, 4), child).ok());
    REQUIRE(d.db.records() == 3);
    REQUIRE(d.db.transfer(pages(4, 4), root, child).ok());
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, 12, child)});
}

TEST_CASE("transfer of the middle of a range splits it in three")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 10), root).ok());
    REQUIRE(d.db.transfer(pages(3, 4), root, ext_a).ok());
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, 3, root), rec(3, 4, ext_a), rec(7, 3, root)});
    CHECK(d.db.check().ok());
}

TEST_CASE("transfer of either end of a range splits it in two and joins a like neighbour")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 4), child).ok());
    REQUIRE(d.db.insert(pages(4, 10), root).ok());
    REQUIRE(d.db.transfer(pages(4, 2), root, child).ok());    // joins the child on the left
    REQUIRE(d.db.transfer(pages(12, 2), root, ext_a).ok());   // a new record on the right
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, 6, child), rec(6, 6, root), rec(12, 2, ext_a)});
}

TEST_CASE("lend then reclaim restores the owner and the original records")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 64), root).ok());
    REQUIRE(d.db.transfer(pages(8, 16), root, ext_a).ok());
    const auto before = snapshot(d.db);
    REQUIRE(d.db.transfer(pages(10, 4), ext_a, child).ok());     // lend part of the extent
    CHECK(d.db.lookup(PhysAddr{ram + 11 * page})->owner == child);
    REQUIRE(d.db.transfer(pages(10, 4), child, ext_a).ok());     // reclaim it
    CHECK(snapshot(d.db) == before);
    REQUIRE(d.db.transfer(pages(8, 16), ext_a, root).ok());      // delete the extent
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, 64, root)});
}

TEST_CASE("transfer straddling two owners is denied and changes nothing")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 8), root).ok());
    REQUIRE(d.db.insert(pages(8, 8), child).ok());
    const auto before = snapshot(d.db);
    CHECK(d.db.transfer(pages(6, 4), root, ext_a).error() == Error::denied);
    CHECK(d.db.transfer(pages(6, 4), child, ext_a).error() == Error::denied);
    CHECK(snapshot(d.db) == before);
}

TEST_CASE("transfer from an owner that does not hold the memory is denied")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 8), root).ok());
    REQUIRE(d.db.transfer(pages(2, 2), root, ext_a).ok());
    const auto before = snapshot(d.db);
    CHECK(d.db.transfer(pages(2, 2), root, child).error() == Error::denied);   // the extent has it now
    CHECK(d.db.transfer(pages(2, 2), ext_b, child).error() == Error::denied);  // another extent
    CHECK(d.db.transfer(pages(2, 1), hyp_owner, child).error() == Error::denied);
    CHECK(snapshot(d.db) == before);
}

TEST_CASE("transfer over memory that is not tracked is addr_inval, not denied")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 8), root).ok());
    REQUIRE(d.db.insert(pages(16, 8), child).ok());   // a hole at pages 8..15
    const auto before = snapshot(d.db);
    CHECK(d.db.transfer(pages(9, 2), root, ext_a).error() == Error::addr_inval);    // inside the hole
    CHECK(d.db.transfer(pages(6, 4), root, ext_a).error() == Error::addr_inval);    // root, then hole
    CHECK(d.db.transfer(pages(12, 6), child, ext_a).error() == Error::addr_inval);  // hole, then child
    // Crosses the hole and a second owner: untracked memory is reported first.
    CHECK(d.db.transfer(pages(4, 16), root, ext_a).error() == Error::addr_inval);
    CHECK(d.db.transfer(pages(20, 8), child, ext_a).error() == Error::addr_inval);  // past the end
    CHECK(d.db.transfer(pages(1000, 1), root, ext_a).error() == Error::addr_inval);
    CHECK(snapshot(d.db) == before);
}

TEST_CASE("a split that needs more records than are free fails with nomem and changes nothing")
{
    Db<3> d;
    REQUIRE(d.db.insert(pages(0, 30), root).ok());
    REQUIRE(d.db.transfer(pages(0, 10), root, ext_a).ok());   // 2 records
    const auto before = snapshot(d.db);
    // Carving from the middle of the root range needs 2 more records; only 1 is free.
    CHECK(d.db.transfer(pages(15, 5), root, ext_b).error() == Error::nomem);
    CHECK(snapshot(d.db) == before);
    CHECK(d.db.insert(pages(100, 1), child).ok());            // takes the last record
    CHECK(d.db.insert(pages(200, 1), child).error() == Error::nomem);
    CHECK(d.db.transfer(pages(29, 1), root, ext_b).error() == Error::nomem);
    // Changes that do not add records still work in a full table.
    CHECK(d.db.transfer(pages(10, 20), root, ext_a).ok());    // merges: 3 records -> 2
    CHECK(d.db.insert(pages(101, 1), child).ok());            // joins the child record
    CHECK(d.db.records() == 2);
    CHECK(d.db.check().ok());
}

TEST_CASE("an insert that bridges two records succeeds in a full table")
{
    Db<2> d;
    REQUIRE(d.db.insert(pages(0, 4), root).ok());
    REQUIRE(d.db.insert(pages(8, 4), root).ok());
    REQUIRE(d.db.insert(pages(4, 4), root).ok());
    CHECK(d.db.records() == 1);
}

TEST_CASE("lookup returns the owner and the whole run it holds around the address")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 32), root).ok());
    REQUIRE(d.db.transfer(pages(8, 8), root, ext_a).ok());
    Result<OwnedRange> inside = d.db.lookup(PhysAddr{ram + 12 * page + 0x123});
    REQUIRE(inside.ok());
    CHECK(*inside == rec(8, 8, ext_a));
    CHECK(*d.db.lookup(PhysAddr{ram}) == rec(0, 8, root));
    CHECK(*d.db.lookup(PhysAddr{ram + 32 * page - 1}) == rec(16, 16, root));
    CHECK(d.db.lookup(PhysAddr{ram + 32 * page}).error() == Error::addr_inval);
    CHECK(d.db.lookup(PhysAddr{ram - 1}).error() == Error::addr_inval);
    CHECK(d.db.lookup(PhysAddr{0}).error() == Error::addr_inval);
}

TEST_CASE("owner_of_range names the one owner, or says why there is none")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(0, 16), root).ok());
    REQUIRE(d.db.insert(pages(32, 16), root).ok());
    REQUIRE(d.db.transfer(pages(4, 4), root, ext_a).ok());
    CHECK(*d.db.owner_of_range(pages(4, 4)) == ext_a);
    CHECK(*d.db.owner_of_range(pages(8, 8)) == root);
    CHECK(d.db.owner_of_range(pages(2, 4)).error() == Error::denied);        // root and extent
    CHECK(d.db.owner_of_range(pages(8, 16)).error() == Error::addr_inval);   // runs into the hole
    CHECK(d.db.owner_of_range(pages(0, 48)).error() == Error::addr_inval);
}

TEST_CASE("bytes per owner add up to the tracked total")
{
    Db<16> d;
    REQUIRE(d.db.insert(pages(0, 16), hyp_owner).ok());
    REQUIRE(d.db.insert(pages(16, 240), root).ok());
    REQUIRE(d.db.transfer(pages(100, 20), root, child).ok());
    REQUIRE(d.db.transfer(pages(104, 4), child, ext_a).ok());
    CHECK(d.db.bytes_owned(hyp_owner) == 16 * page);
    CHECK(d.db.bytes_owned(root) == 220 * page);
    CHECK(d.db.bytes_owned(child) == 16 * page);
    CHECK(d.db.bytes_owned(ext_a) == 4 * page);
    CHECK(d.db.bytes_owned(ext_b) == 0);
    CHECK(d.db.tracked_bytes() == 256 * page);
}

TEST_CASE("records move to bigger storage, and never to storage too small for them")
{
    Db<2> d;
    REQUIRE(d.db.insert(pages(0, 8), root).ok());
    REQUIRE(d.db.transfer(pages(4, 4), root, ext_a).ok());
    CHECK(d.db.insert(pages(20, 1), child).error() == Error::nomem);

    std::array<OwnedRange, 1> tiny{};
    CHECK(d.db.set_storage(tiny.data(), tiny.size()).error() == Error::arg_size);
    std::array<OwnedRange, 8> bigger{};
    Result<OwnedRange*> old = d.db.set_storage(bigger.data(), bigger.size());
    REQUIRE(old.ok());
    CHECK(*old == d.storage.data());
    CHECK(d.db.capacity() == 8);
    CHECK(d.db.insert(pages(20, 1), child).ok());
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, 4, root), rec(4, 4, ext_a), rec(20, 1, child)});
}

TEST_CASE("an empty memdb tracks nothing and refuses inserts until it has storage")
{
    Memdb db;
    CHECK(db.check().ok());
    CHECK(db.records() == 0);
    CHECK(db.lookup(PhysAddr{ram}).error() == Error::addr_inval);
    CHECK(db.insert(pages(0, 1), root).error() == Error::nomem);
    std::array<OwnedRange, 4> storage{};
    REQUIRE(db.set_storage(storage.data(), storage.size()).ok());
    CHECK(db.insert(pages(0, 1), root).ok());
}

TEST_CASE("check finds unsorted, overlapping, uncoalesced, empty and ownerless records")
{
    // The storage belongs to the test, so it can corrupt what the memdb keeps there.
    Db<8> d;
    d.db.set_self_check(false);
    REQUIRE(d.db.insert(pages(0, 4), root).ok());
    REQUIRE(d.db.insert(pages(8, 4), child).ok());
    REQUIRE(d.db.insert(pages(16, 4), root).ok());
    REQUIRE(d.db.check().ok());
    const auto good = d.storage;

    auto problem = [&](auto corrupt) {
        d.storage = good;
        corrupt(d.storage);
        MemdbCheck c = d.db.check();
        return std::string{c.ok() ? "" : c.problem} + "@" + std::to_string(c.index);
    };
    CHECK(problem([](auto& s) { std::swap(s[0], s[1]); }) == "records out of order@1");
    CHECK(problem([](auto& s) { s[1].range = pages(2, 4); }) == "records overlap@1");
    CHECK(problem([](auto& s) { s[1] = rec(4, 4, root); }) == "touching records with one owner not coalesced@1");
    CHECK(problem([](auto& s) { s[2].range.size = 0; }) == "empty record@2");
    CHECK(problem([](auto& s) { s[2].range.base = PhysAddr{ram + 16 * page + 8}; }) == "record not granule-aligned@2");
    CHECK(problem([](auto& s) { s[2].owner = Owner{}; }) == "record without a valid owner@2");
    CHECK(problem([](auto& s) { s[2].range = PhysRange{PhysAddr{~std::uint64_t{0} - page + 1}, page}; }) ==
          "record wraps the address space@2");
    d.storage = good;
}

TEST_CASE("for_each visits every record in address order")
{
    Db<8> d;
    REQUIRE(d.db.insert(pages(50, 10), child).ok());
    REQUIRE(d.db.insert(pages(0, 10), root).ok());
    REQUIRE(d.db.insert(pages(20, 10), hyp_owner).ok());
    std::vector<std::uint64_t> bases;
    d.db.for_each([&](const OwnedRange& r) { bases.push_back(r.range.base.raw()); });
    CHECK(bases == std::vector<std::uint64_t>{ram, ram + 20 * page, ram + 50 * page});
}

TEST_CASE("transfers from several CPUs at once neither lose nor duplicate memory")
{
    // Each thread moves pages of its own slice between the root and its own extent and
    // back; the lock must keep the neighbouring records of other threads intact.
    constexpr int threads = 4;
    constexpr std::uint64_t slice = 64;
    Db<64> d;
    d.db.set_self_check(false);   // check() below, after the threads; it is O(n) per call
    REQUIRE(d.db.insert(pages(0, threads * slice), root).ok());
    int extents[threads];
    std::vector<std::thread> workers;
    std::array<int, threads> failures{};
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            const Owner mine = Owner::memextent(&extents[t]);
            for (std::uint64_t i = 0; i < 2000; ++i) {
                PhysRange r = pages(t * slice + (i * 7) % (slice - 4), 1 + i % 4);
                failures[t] += !d.db.transfer(r, root, mine).ok();
                failures[t] += !d.db.transfer(r, mine, root).ok();
            }
        });
    }
    for (std::thread& w : workers) {
        w.join();
    }
    CHECK(failures == std::array<int, threads>{});
    CHECK(d.db.check().ok());
    CHECK(snapshot(d.db) == std::vector<OwnedRange>{rec(0, threads * slice, root)});
}
