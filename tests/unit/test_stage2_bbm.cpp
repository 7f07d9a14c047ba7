// Break-before-make and TLB maintenance, seen through the host's fake <arch/tlb.h>: an
// observer looks at the tables at the moment of every invalidation, which is exactly what
// a concurrent hardware walker could see then.
#include <catch2/catch.hpp>

#include <vector>

#include <arch/tlb.h>

#include "test_stage2_support.h"

using namespace hyp;
using namespace hyp::mem;
using namespace stage2_test;
namespace fake = hyp::arch::tlb_fake;

namespace {

const Stage2Attrs rw{Stage2Access::rw, Stage2MemType::normal_wb};
const Stage2Attrs ro{Stage2Access::r, Stage2MemType::normal_wb};
const Stage2Attrs nc{Stage2Access::rw, Stage2MemType::normal_nc};

// What lookup(watched) said at each TLB call.
struct Observation {
    fake::Call call;
    bool mapped;
    unsigned level;
    Stage2Attrs attrs;
};

struct Watch {
    const Stage2Table* table;
    const Arena* arena;
    Ipa watched;
    std::vector<Observation> seen;
    PhysAddr page;  // a table page whose lifetime is checked
    std::vector<bool> page_alive;
};

void observe(const fake::Call& call, void* context)
{
    auto& w = *static_cast<Watch*>(context);
    auto m = w.table->lookup(w.watched);
    w.seen.push_back({call, m.ok(), m.ok() ? m->level : 0, m.ok() ? m->attrs : Stage2Attrs{}});
    if (w.page.raw() != 0) {
        w.page_alive.push_back(w.arena->page_in_use(w.page));
    }
}

struct Vm {
    Vm() : arena{256}
    {
        REQUIRE(table.init(arena, Stage2Config{40, 40, 42}).ok());
        watch.table = &table;
        watch.arena = &arena;
    }
    ~Vm() { fake::set_observer(nullptr, nullptr); }
    void start(Ipa watched)
    {
        watch.watched = watched;
        watch.seen.clear();
        fake::reset();
        fake::set_observer(observe, &watch);
    }
    Arena arena;
    Stage2Table table;
    Watch watch{};
};

}  // namespace

TEST_CASE("splitting a live block breaks it, invalidates the block, then installs the table", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    vm.start(Ipa{2 * mib + 8 * kib});  // a page that stays mapped
    REQUIRE(vm.table.unmap(Ipa{3 * mib}, 4 * kib).ok());

    // One invalidation (the unmapped page was never live on its own), then the publish.
    REQUIRE(vm.watch.seen.size() == 2);
    const Observation& o = vm.watch.seen[0];
    CHECK(o.call.kind == fake::Kind::ipa);
    CHECK(o.call.ipa == Ipa{2 * mib});  // the block's base ...
    CHECK(o.call.level == 2);           // ... at the block's level
    CHECK(o.call.vmid == 42);
    CHECK_FALSE(o.mapped);              // broken: neither old block nor new table visible
    auto after = vm.table.lookup(Ipa{2 * mib + 8 * kib});
    CHECK(after.value().level == 3);    // made: the table is in
    CHECK(vm.watch.seen[1].call.kind == fake::Kind::publish);  // the make, before returning
    CHECK(vm.watch.seen[1].level == 3);
}

TEST_CASE("a rights-only change is written in place and invalidated afterwards", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    vm.start(Ipa{2 * mib});
    REQUIRE(vm.table.protect(Ipa{2 * mib}, 2 * mib, ro).ok());
    REQUIRE(vm.watch.seen.size() == 1);
    CHECK(vm.watch.seen[0].call.kind == fake::Kind::ipa);
    CHECK(vm.watch.seen[0].call.level == 2);
    CHECK(vm.watch.seen[0].mapped);  // never broken ...
    CHECK(vm.watch.seen[0].attrs == ro);  // ... and already changed when invalidated
}

TEST_CASE("a memory type change breaks the entry before making the new one", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    vm.start(Ipa{2 * mib});
    REQUIRE(vm.table.protect(Ipa{2 * mib}, 2 * mib, nc).ok());
    REQUIRE(vm.watch.seen.size() == 2);  // the invalidation, then the closing publish
    CHECK(vm.watch.seen[0].call.kind == fake::Kind::ipa);
    CHECK_FALSE(vm.watch.seen[0].mapped);
    CHECK(vm.watch.seen[1].call.kind == fake::Kind::publish);
    CHECK(vm.watch.seen[1].attrs == nc);
}

TEST_CASE("merging pages back into a block invalidates the whole VMID between break and make", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    REQUIRE(vm.table.protect(Ipa{3 * mib}, 4 * kib, ro).ok());
    auto pages = vm.table.lookup(Ipa{2 * mib});
    REQUIRE(pages.value().level == 3);
    vm.start(Ipa{2 * mib});
    REQUIRE(vm.table.protect(Ipa{3 * mib}, 4 * kib, rw).ok());
    // The page's rights change (in place), then the table goes: any of its 512 pages may
    // be cached, so the whole VMID is invalidated while the entry is invalid.
    bool saw_break = false;
    for (const Observation& o : vm.watch.seen) {
        if (o.call.kind == fake::Kind::vmid) {
            CHECK_FALSE(o.mapped);
            saw_break = true;
        }
    }
    CHECK(saw_break);
    CHECK(vm.table.lookup(Ipa{2 * mib}).value().level == 2);
}

TEST_CASE("mapping into empty entries publishes once and invalidates nothing", "[stage2]")
{
    Vm vm;
    vm.start(Ipa{0});
    REQUIRE(vm.table.map(Ipa{gib - 8 * kib}, PhysAddr{gib - 8 * kib}, 2 * mib + 16 * kib, rw).ok());
    CHECK(fake::count() == 1);
    CHECK(fake::count(fake::Kind::publish) == 1);
}

TEST_CASE("unmapping many pages costs one VMID-wide invalidation, a few cost one each", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{4 * kib}, PhysAddr{0}, 64 * kib, rw).ok());
    vm.start(Ipa{0});
    REQUIRE(vm.table.unmap(Ipa{4 * kib}, 12 * kib).ok());
    CHECK(fake::count(fake::Kind::ipa) == 3);
    CHECK(fake::count(fake::Kind::vmid) == 0);
    CHECK(fake::at(0).ipa == Ipa{4 * kib});
    CHECK(fake::at(0).level == 3);
    fake::reset();
    REQUIRE(vm.table.unmap(Ipa{16 * kib}, 52 * kib).ok());  // 13 pages, then the empty tables
    CHECK(fake::count(fake::Kind::ipa) == 0);
    CHECK(fake::count(fake::Kind::vmid) == 1);
    CHECK(vm.table.table_pages() == 2);
}

TEST_CASE("an unhooked table page is freed only after the invalidation", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{4 * gib}, PhysAddr{0}, 4 * kib, rw).ok());
    // The level-2 table is the second page the arena handed out after the root pair.
    const PhysAddr level2{Arena::phys_base + 2 * pte::page_size};
    REQUIRE(vm.arena.page_in_use(level2));
    vm.watch.page = level2;
    vm.start(Ipa{4 * gib});
    REQUIRE(vm.table.unmap(Ipa{4 * gib}, gib).ok());  // the whole level-1 entry goes
    REQUIRE(fake::count(fake::Kind::vmid) == 1);
    REQUIRE(vm.watch.page_alive.size() == 1);
    CHECK(vm.watch.page_alive[0]);  // still allocated while being invalidated
    CHECK_FALSE(vm.arena.page_in_use(level2));
    CHECK(vm.table.table_pages() == 2);
}

TEST_CASE("an emptied table is unhooked with an invalidation of its walk cache entry", "[stage2]")
{
    Vm vm;
    REQUIRE(vm.table.map(Ipa{4 * gib + 4 * kib}, PhysAddr{0}, 4 * kib, rw).ok());
    vm.start(Ipa{0});
    REQUIRE(vm.table.unmap(Ipa{4 * gib + 4 * kib}, 4 * kib).ok());
    // The page, then the level-3 and level-2 tables left empty.
    REQUIRE(fake::count(fake::Kind::ipa) == 3);
    CHECK(fake::at(0).level == 3);
    CHECK(fake::at(1).level == arch::tlb_level_unknown);
    CHECK(fake::at(2).level == arch::tlb_level_unknown);
    CHECK(vm.table.table_pages() == 2);
}
