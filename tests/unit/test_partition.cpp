// Partitions: memory enters through the memdb, objects are made from it and freed back
// when their last reference goes, and a child's memory returns to its parent.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>

#include "kernel/object/cspace.h"
#include "kernel/object/partition.h"

using namespace hyp;

namespace {

constexpr std::uint64_t page = 4096;

// "Physical memory" for the tests: an arena at its own address (the kernel's identity
// convention), owned by the hypervisor in the memdb until a partition takes it.
struct Machine {
    explicit Machine(std::size_t pages)
        : size{pages * page}, arena{static_cast<std::uint8_t*>(std::aligned_alloc(page, pages * page))},
          memdb{records, 256}, root{memdb, nullptr, nullptr}
    {
        REQUIRE(memdb.insert(ram(), mem::Owner::hypervisor()).ok());
    }
    ~Machine() { std::free(arena); }
    PhysRange ram() const { return {PhysAddr{reinterpret_cast<std::uintptr_t>(arena)}, size}; }

    std::uint64_t size;
    std::uint8_t* arena;
    mem::Memdb::Record records[256];
    mem::Memdb memdb;
    Partition root;
};

struct Widget final : Object {
    static constexpr ObjectType object_type = ObjectType::doorbell;
    explicit Widget(int v, ObjectDestroyer d) : Object{ObjectType::doorbell, d}, value{v} {}
    int value;
    char payload[5000];  // two pages
};

}  // namespace

TEST_CASE("memory given to a partition is owned by it and allocatable, less its bookkeeping")
{
    Machine m{64};
    REQUIRE(m.root.add_memory(m.ram(), mem::Owner::hypervisor()).ok());
    CHECK(m.memdb.bytes_owned(m.root.owner()) == 64 * page);
    CHECK(m.root.total_bytes() == 63 * page);
    CHECK(m.root.free_bytes() == 63 * page);
    CHECK(m.memdb.check().ok());
}

TEST_CASE("memory a partition does not get from its real owner is refused and nothing changes")
{
    Machine m{16};
    Partition other{m.memdb, nullptr, nullptr};
    CHECK(m.root.add_memory(m.ram(), other.owner()).error() == Error::denied);
    CHECK(m.root.total_bytes() == 0);
    CHECK(m.root.add_memory({m.ram().base + 1, page}, mem::Owner::hypervisor()).error() == Error::arg_align);
    CHECK(m.root.add_memory({m.ram().base, page}, mem::Owner::hypervisor()).error() == Error::arg_size);
    CHECK(m.memdb.bytes_owned(mem::Owner::hypervisor()) == 16 * page);
}

TEST_CASE("an object made in a partition uses its pages until its last reference goes")
{
    Machine m{32};
    REQUIRE(m.root.add_memory(m.ram(), mem::Owner::hypervisor()).ok());
    std::uint64_t free_before = m.root.free_bytes();
    Widget* w = m.root.create<Widget>(7).value();
    CHECK(w->value == 7);
    CHECK(Partition::of(*w) == &m.root);
    CHECK(m.root.free_bytes() == free_before - 2 * page);
    CHECK(m.root.references() == 1);
    w->retain();
    w->put();
    CHECK(m.root.free_bytes() == free_before);
    CHECK(m.root.references() == 0);
}

TEST_CASE("creating objects until memory runs out fails with nomem, then frees cleanly")
{
    Machine m{16};
    REQUIRE(m.root.add_memory(m.ram(), mem::Owner::hypervisor()).ok());
    Widget* made[16] = {};
    int n = 0;
    for (;;) {
        Result<Widget*> w = m.root.create<Widget>(n);
        if (!w) {
            CHECK(w.error() == Error::nomem);
            break;
        }
        (*w)->retain();
        made[n++] = *w;
    }
    CHECK(n == 7);  // 15 allocatable pages, two per widget
    for (int i = 0; i < n; ++i) {
        made[i]->put();
    }
    CHECK(m.root.free_bytes() == 15 * page);
}

TEST_CASE("a child partition gets pages from its parent and gives them all back")
{
    Machine m{64};
    REQUIRE(m.root.add_memory(m.ram(), mem::Owner::hypervisor()).ok());
    Partition* child = m.root.create<Partition>(m.memdb, &m.root).value();
    child->retain();
    std::uint64_t root_free = m.root.free_bytes();
    REQUIRE(m.root.give_to_child(*child, 16).ok());
    CHECK(m.root.free_bytes() == root_free - 16 * page);
    CHECK(m.memdb.bytes_owned(child->owner()) == 16 * page);
    CHECK(child->free_bytes() == 15 * page);

    Widget* w = child->create<Widget>(1).value();
    w->retain();
    CHECK(child->return_memory_to_parent().error() == Error::busy);  // the widget still lives there
    CHECK(m.memdb.bytes_owned(child->owner()) == 16 * page);
    w->put();

    REQUIRE(child->return_memory_to_parent().ok());
    CHECK(m.memdb.bytes_owned(child->owner()) == 0);
    CHECK(m.root.free_bytes() == root_free);
    CHECK(m.memdb.check().ok());
    child->put();
    CHECK(m.root.free_bytes() == root_free + Partition::pages_for(sizeof(Partition)) * page);
}

TEST_CASE("a partition will not give memory to a partition that is not its child")
{
    Machine m{64};
    REQUIRE(m.root.add_memory(m.ram(), mem::Owner::hypervisor()).ok());
    Partition stranger{m.memdb, nullptr, nullptr};
    std::uint64_t before = m.root.free_bytes();
    CHECK(m.root.give_to_child(stranger, 4).error() == Error::arg_inval);
    CHECK(m.root.free_bytes() == before);
}

TEST_CASE("destroying a child partition returns its memory to the parent")
{
    Machine m{64};
    REQUIRE(m.root.add_memory(m.ram(), mem::Owner::hypervisor()).ok());
    std::uint64_t root_free = m.root.free_bytes();
    Partition* child = m.root.create<Partition>(m.memdb, &m.root).value();
    child->retain();
    REQUIRE(m.root.give_to_child(*child, 8).ok());
    child->put();
    CHECK(m.root.free_bytes() == root_free);
    CHECK(m.memdb.bytes_owned(m.root.owner()) == 64 * page);
    CHECK(m.memdb.check().ok());
}

TEST_CASE("memory added in place keeps its contents: the bookkeeping comes from elsewhere")
{
    Machine m{64};
    PhysRange first{m.ram().base, 32 * page};
    PhysRange module{m.ram().base + 32 * page, 32 * page};
    REQUIRE(m.root.add_memory(first, mem::Owner::hypervisor()).ok());
    std::memset(m.arena + 32 * page, 0x5a, 32 * page);  // what the boot loader put there
    std::uint64_t free_before = m.root.free_bytes();

    REQUIRE(m.root.add_memory_in_place(module, mem::Owner::hypervisor()).ok());
    CHECK(m.memdb.bytes_owned(m.root.owner()) == 64 * page);
    // Every page of the module is allocatable; one page of the first range holds its bookkeeping.
    CHECK(m.root.free_bytes() == free_before + 32 * page - page);
    for (std::size_t i = 32 * page; i < 64 * page; ++i) {
        REQUIRE(m.arena[i] == 0x5a);
    }
    CHECK(m.root.allocator().claim(module).ok());  // whole, as a memory extent takes it
    CHECK(m.memdb.check().ok());

    SECTION("a child partition may not: its ranges go back to its parent whole")
    {
        Partition child{m.memdb, &m.root, nullptr};
        CHECK(child.add_memory_in_place(module, m.root.owner()).error() == Error::denied);
    }
    SECTION("misaligned ranges are refused and nothing changes")
    {
        std::uint64_t free_now = m.root.free_bytes();
        CHECK(m.root.add_memory_in_place({module.base + 1, page}, mem::Owner::hypervisor()).error() ==
              Error::arg_align);
        CHECK(m.root.free_bytes() == free_now);
    }
}
