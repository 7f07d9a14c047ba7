// The stage-2 engine's map, unmap, protect and lookup: leaf sizes, splitting blocks,
// merging them back, refusals that change nothing, and what is left after unmapping all.
#include <catch2/catch.hpp>

#include <arch/tlb.h>

#include "test_stage2_support.h"

using namespace hyp;
using namespace hyp::mem;
using namespace stage2_test;

namespace {

const Stage2Attrs rw{Stage2Access::rw, Stage2MemType::normal_wb};
const Stage2Attrs ro{Stage2Access::r, Stage2MemType::normal_wb};
const Stage2Attrs rwx{Stage2Access::rwx, Stage2MemType::normal_wb};
const Stage2Attrs dev{Stage2Access::rw, Stage2MemType::device_ngnre};

struct Vm {
    explicit Vm(unsigned ipa_bits = 40, std::size_t pages = 2048) : arena{pages}
    {
        REQUIRE(table.init(arena, Stage2Config{ipa_bits, 40, 7}).ok());
    }
    Arena arena;
    Stage2Table table;  // after the arena: destroyed first
};

void require_canonical(const Vm& vm)
{
    Walk w = walk(vm.table, vm.arena);
    INFO((w.problems.empty() ? std::string{} : w.problems.front()));
    REQUIRE(w.problems.empty());
    REQUIRE(w.tables == vm.table.table_pages());
    REQUIRE(vm.arena.in_use() == vm.table.table_pages());
}

}  // namespace

TEST_CASE("a page maps at level 3 and looks up with its address and attributes", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{0x8000'1000}, PhysAddr{0x4000'3000}, 4 * kib, rwx).ok());
    auto m = vm.table.lookup(Ipa{0x8000'1234});
    REQUIRE(m.ok());
    CHECK(m->level == 3);
    CHECK(m->size == 4 * kib);
    CHECK(m->ipa_base == Ipa{0x8000'1000});
    CHECK(m->pa_base == PhysAddr{0x4000'3000});
    CHECK(m->pa == PhysAddr{0x4000'3234});
    CHECK(m->attrs == rwx);
    CHECK(vm.table.lookup(Ipa{0x8000'2000}).error() == Error::addr_inval);
    CHECK(vm.table.lookup(Ipa{0x8000'0fff}).error() == Error::addr_inval);
    require_canonical(vm);
}

TEST_CASE("an aligned 2 MiB range becomes one level-2 block", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{gib + 2 * mib}, PhysAddr{6 * mib}, 2 * mib, rw).ok());
    auto m = vm.table.lookup(Ipa{gib + 3 * mib});
    REQUIRE(m.ok());
    CHECK(m->level == 2);
    CHECK(m->size == 2 * mib);
    CHECK(m->pa == PhysAddr{7 * mib});
    CHECK(vm.table.table_pages() == 3);  // 2 concatenated level-1 roots + 1 level-2 table
    require_canonical(vm);
}

TEST_CASE("an aligned 1 GiB range becomes one level-1 block in the root", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{3 * gib}, PhysAddr{gib}, gib, dev).ok());
    auto m = vm.table.lookup(Ipa{3 * gib + 0x1234'5678});
    REQUIRE(m.ok());
    CHECK(m->level == 1);
    CHECK(m->size == gib);
    CHECK(m->pa == PhysAddr{gib + 0x1234'5678});
    CHECK(m->attrs == dev);
    CHECK(vm.table.table_pages() == 2);  // the root alone
    require_canonical(vm);
}

TEST_CASE("a whole 1 GiB block changes rights in place and unmaps as one entry", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * gib}, PhysAddr{gib}, gib, rw).ok());
    REQUIRE(vm.table.protect(Ipa{2 * gib}, gib, ro).ok());
    auto m = vm.table.lookup(Ipa{2 * gib + gib / 2});
    CHECK(m.value().level == 1);
    CHECK(m.value().attrs == ro);
    CHECK(vm.table.table_pages() == 2);
    REQUIRE(vm.table.unmap(Ipa{2 * gib}, gib).ok());
    CHECK_FALSE(vm.table.lookup(Ipa{2 * gib}).ok());
    require_canonical(vm);
}

TEST_CASE("blocks are used only where IPA and PA are aligned alike", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib + 4 * kib}, 2 * mib, rw).ok());
    CHECK(vm.table.lookup(Ipa{2 * mib}).value().level == 3);
    CHECK(vm.table.lookup(Ipa{4 * mib - 4 * kib}).value().pa == PhysAddr{4 * mib});
    require_canonical(vm);
}

TEST_CASE("unaligned ends use pages, the aligned middle uses 2 MiB and 1 GiB blocks", "[stage2]")
{
    Vm vm;
    const std::uint64_t start = gib - 2 * mib - 8 * kib;
    const std::uint64_t size = 8 * kib + 2 * mib + gib + 2 * mib + 12 * kib;
    REQUIRE(vm.table.map(Ipa{start}, PhysAddr{start}, size, rw).ok());
    CHECK(vm.table.lookup(Ipa{start}).value().level == 3);
    CHECK(vm.table.lookup(Ipa{gib - 2 * mib}).value().level == 2);
    CHECK(vm.table.lookup(Ipa{gib}).value().level == 1);
    CHECK(vm.table.lookup(Ipa{2 * gib}).value().level == 2);
    CHECK(vm.table.lookup(Ipa{2 * gib + 2 * mib + 8 * kib}).value().level == 3);
    CHECK_FALSE(vm.table.lookup(Ipa{2 * gib + 2 * mib + 12 * kib}).ok());
    CHECK_FALSE(vm.table.lookup(Ipa{start - 4 * kib}).ok());
    require_canonical(vm);
}

TEST_CASE("unmapping a page in the middle of a 2 MiB block splits it into 511 pages", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{4 * mib}, PhysAddr{8 * mib}, 2 * mib, rw).ok());
    REQUIRE(vm.table.unmap(Ipa{5 * mib}, 4 * kib).ok());
    CHECK_FALSE(vm.table.lookup(Ipa{5 * mib}).ok());
    auto before = vm.table.lookup(Ipa{5 * mib - 4 * kib});
    auto after = vm.table.lookup(Ipa{5 * mib + 4 * kib});
    REQUIRE(before.ok());
    REQUIRE(after.ok());
    CHECK(before->level == 3);
    CHECK(before->pa == PhysAddr{9 * mib - 4 * kib});
    CHECK(after->pa == PhysAddr{9 * mib + 4 * kib});
    CHECK(after->attrs == rw);
    Walk w = walk(vm.table, vm.arena);
    CHECK(w.leaves.size() == 511);
    require_canonical(vm);
}

TEST_CASE("unmapping a page in the middle of a 1 GiB block leaves 2 MiB blocks around one page table", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{gib}, PhysAddr{4 * gib}, gib, rw).ok());
    REQUIRE(vm.table.unmap(Ipa{gib + 300 * mib + 4 * kib}, 4 * kib).ok());
    Walk w = walk(vm.table, vm.arena);
    CHECK(w.leaves.size() == 511 + 511);
    CHECK(vm.table.table_pages() == 2 + 2);
    CHECK(vm.table.lookup(Ipa{gib}).value().level == 2);
    CHECK(vm.table.lookup(Ipa{gib + 300 * mib}).value().level == 3);
    CHECK(vm.table.lookup(Ipa{gib + 300 * mib + 8 * kib}).value().pa == PhysAddr{4 * gib + 300 * mib + 8 * kib});
    require_canonical(vm);
}

TEST_CASE("protecting one page of a block splits it and changes only that page", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    REQUIRE(vm.table.protect(Ipa{3 * mib}, 4 * kib, ro).ok());
    CHECK(vm.table.lookup(Ipa{3 * mib}).value().attrs == ro);
    CHECK(vm.table.lookup(Ipa{3 * mib}).value().level == 3);
    CHECK(vm.table.lookup(Ipa{3 * mib - 4 * kib}).value().attrs == rw);
    CHECK(vm.table.lookup(Ipa{3 * mib + 4 * kib}).value().attrs == rw);
    require_canonical(vm);
}

TEST_CASE("giving the split page its old rights back merges the block again", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    const std::size_t pages = vm.table.table_pages();
    REQUIRE(vm.table.protect(Ipa{3 * mib}, 4 * kib, ro).ok());
    CHECK(vm.table.table_pages() == pages + 1);
    REQUIRE(vm.table.protect(Ipa{3 * mib}, 4 * kib, rw).ok());
    CHECK(vm.table.lookup(Ipa{3 * mib}).value().level == 2);
    CHECK(vm.table.table_pages() == pages);
    require_canonical(vm);
}

TEST_CASE("mapping the hole again with contiguous output merges the block again", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{gib}, PhysAddr{gib}, gib, rw).ok());
    REQUIRE(vm.table.unmap(Ipa{gib + 6 * mib}, 4 * kib).ok());
    CHECK(vm.table.table_pages() == 4);
    REQUIRE(vm.table.map(Ipa{gib + 6 * mib}, PhysAddr{gib + 6 * mib}, 4 * kib, rw).ok());
    auto m = vm.table.lookup(Ipa{gib + 6 * mib});
    CHECK(m.value().level == 1);  // page table -> 2 MiB block -> 1 GiB block, in one call
    CHECK(vm.table.table_pages() == 2);
    require_canonical(vm);
}

TEST_CASE("a hole filled with other output or other attributes stays in pages", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    REQUIRE(vm.table.unmap(Ipa{3 * mib}, 4 * kib).ok());
    SECTION("other output")
    {
        REQUIRE(vm.table.map(Ipa{3 * mib}, PhysAddr{64 * mib}, 4 * kib, rw).ok());
    }
    SECTION("other attributes")
    {
        REQUIRE(vm.table.map(Ipa{3 * mib}, PhysAddr{3 * mib}, 4 * kib, rwx).ok());
    }
    CHECK(vm.table.lookup(Ipa{3 * mib}).value().level == 3);
    require_canonical(vm);
}

TEST_CASE("512 pages mapped one at a time end as one block", "[stage2]")
{
    Vm vm;
    for (std::uint64_t i = 0; i < 512; ++i) {
        std::uint64_t page = (i * 37) % 512;  // out of order
        REQUIRE(vm.table.map(Ipa{8 * mib + page * 4 * kib}, PhysAddr{16 * mib + page * 4 * kib}, 4 * kib, rw).ok());
    }
    CHECK(vm.table.lookup(Ipa{8 * mib}).value().level == 2);
    CHECK(vm.table.table_pages() == 3);
    require_canonical(vm);
}

TEST_CASE("mapping over anything already mapped is refused and changes nothing", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    REQUIRE(vm.table.map(Ipa{8 * mib + 4 * kib}, PhysAddr{0}, 4 * kib, ro).ok());
    const Walk before = walk(vm.table, vm.arena);
    const std::size_t in_use = vm.arena.in_use();
    CHECK(vm.table.map(Ipa{3 * mib}, PhysAddr{0}, 4 * kib, rw).error() == Error::existing_mapping);
    CHECK(vm.table.map(Ipa{0}, PhysAddr{0}, 2 * mib + 4 * kib, rw).error() == Error::existing_mapping);
    CHECK(vm.table.map(Ipa{8 * mib}, PhysAddr{0}, 8 * kib, rw).error() == Error::existing_mapping);
    CHECK(vm.table.map(Ipa{0}, PhysAddr{0}, gib, rw).error() == Error::existing_mapping);
    CHECK(walk(vm.table, vm.arena).entries == before.entries);
    CHECK(vm.arena.in_use() == in_use);
    CHECK(vm.table.map(Ipa{8 * mib}, PhysAddr{0}, 4 * kib, rw).ok());  // right beside is fine
}

TEST_CASE("unmapping where nothing is mapped succeeds without touching anything", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 4 * kib, rw).ok());
    const Walk before = walk(vm.table, vm.arena);
    arch::tlb_fake::reset();
    CHECK(vm.table.unmap(Ipa{4 * mib}, 2 * mib).ok());
    CHECK(vm.table.unmap(Ipa{2 * mib + 4 * kib}, 8 * kib).ok());
    CHECK(vm.table.unmap(Ipa{16 * gib}, 4 * gib).ok());
    CHECK(arch::tlb_fake::count() == 0);
    CHECK(walk(vm.table, vm.arena).entries == before.entries);
    // A range that is partly mapped: the mapped part goes, the holes are fine.
    CHECK(vm.table.unmap(Ipa{0}, 4 * mib).ok());
    CHECK_FALSE(vm.table.lookup(Ipa{2 * mib}).ok());
    CHECK(vm.table.table_pages() == 2);
}

TEST_CASE("protect over a hole is refused and changes nothing", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    const Walk before = walk(vm.table, vm.arena);
    CHECK(vm.table.protect(Ipa{2 * mib}, 2 * mib + 4 * kib, ro).error() == Error::addr_inval);
    CHECK(vm.table.protect(Ipa{2 * mib - 4 * kib}, 8 * kib, ro).error() == Error::addr_inval);
    CHECK(walk(vm.table, vm.arena).entries == before.entries);
    CHECK(vm.table.protect(Ipa{2 * mib}, 2 * mib, ro).ok());
    CHECK(vm.table.lookup(Ipa{2 * mib}).value().level == 2);  // whole block: no split
}

TEST_CASE("bad arguments get their own errors", "[stage2]")
{
    Vm vm;
    CHECK(vm.table.map(Ipa{0}, PhysAddr{0}, 0, rw).error() == Error::arg_size);
    CHECK(vm.table.map(Ipa{0x800}, PhysAddr{0}, 4 * kib, rw).error() == Error::arg_align);
    CHECK(vm.table.map(Ipa{0}, PhysAddr{0x800}, 4 * kib, rw).error() == Error::arg_align);
    CHECK(vm.table.map(Ipa{0}, PhysAddr{0}, 100, rw).error() == Error::arg_align);
    CHECK(vm.table.map(Ipa{(1ULL << 40) - 4 * kib}, PhysAddr{0}, 8 * kib, rw).error() == Error::addr_ovfl);
    CHECK(vm.table.map(Ipa{1ULL << 40}, PhysAddr{0}, 4 * kib, rw).error() == Error::addr_ovfl);
    CHECK(vm.table.map(Ipa{0}, PhysAddr{(1ULL << 40) - 4 * kib}, 8 * kib, rw).error() == Error::addr_ovfl);
    CHECK(vm.table.map(Ipa{0}, PhysAddr{0}, 4 * kib, Stage2Attrs{Stage2Access::rw, Stage2MemType{0x4}}).error() ==
          Error::arg_inval);
    CHECK(vm.table.map(Ipa{0}, PhysAddr{0}, 4 * kib, Stage2Attrs{Stage2Access{8}, Stage2MemType::normal_wb}).error() ==
          Error::arg_inval);
    CHECK(vm.table.unmap(Ipa{0}, 0).error() == Error::arg_size);
    CHECK(vm.table.protect(Ipa{0x10}, 4 * kib, rw).error() == Error::arg_align);
    CHECK(vm.table.lookup(Ipa{1ULL << 40}).error() == Error::addr_ovfl);
    CHECK(vm.table.table_pages() == 2);

    Arena arena{4};
    Stage2Table idle;
    CHECK(idle.map(Ipa{0}, PhysAddr{0}, 4 * kib, rw).error() == Error::object_state);
    CHECK(idle.lookup(Ipa{0}).error() == Error::object_state);
    CHECK(idle.init(arena, Stage2Config{40, 40, 0}).error() == Error::arg_inval);   // VMID 0
    CHECK(idle.init(arena, Stage2Config{49, 48, 1}).error() == Error::arg_inval);   // IPA too big
    CHECK(idle.init(arena, Stage2Config{40, 40, 1}).ok());
    CHECK(idle.init(arena, Stage2Config{40, 40, 1}).error() == Error::object_state);
}

TEST_CASE("unmapping everything frees every table but the root, and destroy frees the root", "[stage2]")
{
    Arena arena{2048};
    {
        Stage2Table table;
        REQUIRE(table.init(arena, Stage2Config{40, 40, 3}).ok());
        REQUIRE(table.map(Ipa{gib - 12 * kib}, PhysAddr{5 * gib + 4 * kib}, gib + 4 * mib, rw).ok());
        REQUIRE(table.map(Ipa{512 * gib}, PhysAddr{0}, 3 * gib, dev).ok());
        REQUIRE(table.protect(Ipa{gib + 2 * mib}, 8 * kib, ro).ok());
        CHECK(arena.in_use() > 2);
        REQUIRE(table.unmap(Ipa{0}, 1ULL << 40).ok());
        CHECK(arena.in_use() == 2);
        CHECK(table.table_pages() == 2);
        REQUIRE(table.map(Ipa{0}, PhysAddr{0}, 4 * kib, rw).ok());
        arch::tlb_fake::reset();
    }
    CHECK(arena.in_use() == 0);
    CHECK(arena.allocations() == arena.frees());
    REQUIRE(arch::tlb_fake::count(arch::tlb_fake::Kind::vmid) == 1);
    CHECK(arch::tlb_fake::at(0).vmid == 3);
}

TEST_CASE("a table page shortage leaves the tables unchanged and keeps no page", "[stage2]")
{
    // Each operation needs several new tables; let the allocator fail at every point.
    for (int op = 0; op < 3; ++op) {
        for (std::size_t allow = 0;; ++allow) {
            Vm vm;
            REQUIRE(vm.table.map(Ipa{gib}, PhysAddr{gib}, gib, rw).ok());
            REQUIRE(vm.table.map(Ipa{2 * gib}, PhysAddr{0}, 2 * mib, rw).ok());
            const Walk before = walk(vm.table, vm.arena);
            const std::size_t in_use = vm.arena.in_use();
            const std::size_t allocations = vm.arena.allocations();
            vm.arena.fail_after(allow);
            Status status = success();
            switch (op) {
            case 0:  // level-2 and page tables at both unaligned ends, a 1 GiB block between
                status = vm.table.map(Ipa{4 * gib - 8 * kib}, PhysAddr{8 * gib - 8 * kib}, gib + 16 * kib, rw);
                break;
            case 1:  // splits the 1 GiB block into 2 MiB blocks and two of those into pages
                status = vm.table.unmap(Ipa{gib + 2 * mib - 4 * kib}, 8 * kib);
                break;
            default:  // splits the 1 GiB block and the 2 MiB block after it
                status = vm.table.protect(Ipa{2 * gib - 4 * kib}, 8 * kib, ro);
                break;
            }
            vm.arena.never_fail();
            INFO("op " << op << ", allocator allowed " << allow << " pages");
            if (status.ok()) {
                CHECK(allow == (op == 0 ? 4 : 3));  // the count was exact
                CHECK(vm.arena.allocations() - allocations == allow);
                require_canonical(vm);
                break;
            }
            CHECK(status.error() == Error::nomem);
            CHECK(walk(vm.table, vm.arena).entries == before.entries);
            CHECK(vm.arena.in_use() == in_use);
            REQUIRE(allow < 8);
        }
    }
}

TEST_CASE("without blocks every leaf is a page, and pages do not merge into blocks", "[stage2]")
{
    // QEMU virt's choice (platform/qemu-virt/board.h): 4 KiB pages only.
    Arena arena{2048};
    Stage2Table table;
    Stage2Config config{40, 40, 7};
    config.blocks = false;
    REQUIRE(table.init(arena, config).ok());
    REQUIRE(table.map(Ipa{3 * gib}, PhysAddr{gib}, 4 * mib, rw).ok());  // 1 GiB and 2 MiB aligned
    for (std::uint64_t at : {std::uint64_t{0}, 2 * mib - 4 * kib, 3 * mib + 0x123}) {
        auto m = table.lookup(Ipa{3 * gib + at});
        REQUIRE(m.ok());
        CHECK(m->level == 3);
        CHECK(m->size == 4 * kib);
        CHECK(m->pa == PhysAddr{gib + at});
    }
    CHECK(table.table_pages() == 2 + 1 + 2);  // the root, one level-2 table, two level-3 tables

    // Unmapping a page and mapping it back leaves pages, where blocks would merge again.
    REQUIRE(table.unmap(Ipa{3 * gib + 4 * kib}, 4 * kib).ok());
    REQUIRE(table.map(Ipa{3 * gib + 4 * kib}, PhysAddr{gib + 4 * kib}, 4 * kib, rw).ok());
    auto m = table.lookup(Ipa{3 * gib});
    REQUIRE(m.ok());
    CHECK(m->level == 3);
    CHECK(table.table_pages() == 5);

    REQUIRE(table.unmap(Ipa{3 * gib}, 4 * mib).ok());
    CHECK(table.table_pages() == 2);  // empty tables are still freed
    table.destroy();
    CHECK(arena.in_use() == 0);
}
