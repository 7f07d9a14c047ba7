// The EL2 stage-1 table builder: block selection, permissions, overlap refusal, and
// pool exhaustion, checked by walking the tables it wrote.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "arch/aarch64/pgtable_format.h"
#include "kernel/mem/stage1_map.h"

using namespace hyp;
using namespace hyp::mem;
namespace pte = hyp::arch::pte;

namespace {

constexpr std::uint64_t kib = 1024, mib = 1024 * kib, gib = 1024 * mib;

struct Pages {
    explicit Pages(std::size_t n)
        : count{n}, memory{static_cast<std::uint64_t*>(std::aligned_alloc(pte::page_size, n * pte::page_size))}
    {
    }
    ~Pages() { std::free(memory); }
    std::size_t count;
    std::uint64_t* memory;
};

const MapAttributes rw{MemoryType::normal, Access::read_write};
const MapAttributes rx{MemoryType::normal, Access::read_exec};
const MapAttributes ro{MemoryType::normal, Access::read_only};
const MapAttributes dev{MemoryType::device, Access::read_write};

}  // namespace

TEST_CASE("a 1 GiB-aligned gigabyte becomes one level-1 block")
{
    Pages pages{8};
    TablePool pool{pages.memory, pages.count};
    Stage1Map map{pool};
    REQUIRE(map.map(VirtAddr{gib}, PhysAddr{gib}, gib, rw).ok());
    auto t = map.translate(VirtAddr{gib + 0x12345});
    CHECK(t.mapped);
    CHECK(t.level == 1);
    CHECK(t.pa == PhysAddr{gib + 0x12345});
    CHECK(pool.used() == 2);  // level 0 and level 1 tables only
}

TEST_CASE("unaligned starts use pages up to the next 2 MiB boundary, then blocks")
{
    Pages pages{16};
    TablePool pool{pages.memory, pages.count};
    Stage1Map map{pool};
    const std::uint64_t base = gib + 2 * mib - 16 * kib;
    REQUIRE(map.map(VirtAddr{base}, PhysAddr{base}, 16 * kib + 4 * mib, rw).ok());
    CHECK(map.translate(VirtAddr{base}).level == 3);
    CHECK(map.translate(VirtAddr{gib + 2 * mib}).level == 2);
    CHECK(map.translate(VirtAddr{gib + 4 * mib + 0x10}).level == 2);
    CHECK_FALSE(map.translate(VirtAddr{gib + 6 * mib}).mapped);
    CHECK_FALSE(map.translate(VirtAddr{base - 4 * kib}).mapped);
}

TEST_CASE("blocks are used only when input and output are equally aligned")
{
    Pages pages{16};
    TablePool pool{pages.memory, pages.count};
    Stage1Map map{pool};
    REQUIRE(map.map(VirtAddr{2 * mib}, PhysAddr{2 * mib + 4 * kib}, 2 * mib, rw).ok());
    auto t = map.translate(VirtAddr{2 * mib + 8 * kib});
    CHECK(t.level == 3);
    CHECK(t.pa == PhysAddr{2 * mib + 12 * kib});
}

TEST_CASE("permissions and memory types land in the descriptor bits")
{
    CHECK((leaf_attributes(rx) & pte::xn) == 0);
    CHECK((leaf_attributes(rx) & pte::ap_read_only) != 0);
    CHECK((leaf_attributes(rw) & pte::xn) != 0);  // W^X
    CHECK((leaf_attributes(rw) & pte::ap_read_only) == 0);
    CHECK((leaf_attributes(ro) & pte::ap_read_only) != 0);
    CHECK((leaf_attributes(dev) & pte::xn) != 0);
    CHECK((leaf_attributes(dev) & pte::attr_index_mask) >> pte::attr_index_shift ==
          static_cast<unsigned>(MemoryType::device));
    CHECK((leaf_attributes(dev) & pte::sh_inner) == 0);
    for (auto attrs : {rw, rx, ro, dev}) {
        CHECK((leaf_attributes(attrs) & pte::access_flag) != 0);
        CHECK((leaf_attributes(attrs) & pte::ap_el2_res1) != 0);
    }
}

TEST_CASE("overlapping a mapped range is refused and changes nothing")
{
    Pages pages{16};
    TablePool pool{pages.memory, pages.count};
    Stage1Map map{pool};
    REQUIRE(map.map(VirtAddr{4 * mib}, PhysAddr{4 * mib}, 8 * kib, rx).ok());
    auto before = map.translate(VirtAddr{4 * mib + 4 * kib});
    CHECK(map.map(VirtAddr{4 * mib + 4 * kib}, PhysAddr{0}, 4 * kib, rw).error() == Error::busy);
    CHECK(map.map(VirtAddr{2 * mib}, PhysAddr{2 * mib}, 2 * mib + 4 * kib, rw).error() == Error::busy);
    CHECK(map.map(VirtAddr{0}, PhysAddr{0}, gib, rw).error() == Error::busy);
    auto after = map.translate(VirtAddr{4 * mib + 4 * kib});
    CHECK(after.descriptor == before.descriptor);
    // Right next to it is fine.
    CHECK(map.map(VirtAddr{4 * mib + 8 * kib}, PhysAddr{4 * mib + 8 * kib}, 4 * kib, rw).ok());
}

TEST_CASE("misaligned, empty and out-of-range requests get their own errors")
{
    Pages pages{4};
    TablePool pool{pages.memory, pages.count};
    Stage1Map map{pool};
    CHECK(map.map(VirtAddr{0x1001}, PhysAddr{0x1000}, 4 * kib, rw).error() == Error::arg_align);
    CHECK(map.map(VirtAddr{0x1000}, PhysAddr{0x1001}, 4 * kib, rw).error() == Error::arg_align);
    CHECK(map.map(VirtAddr{0x1000}, PhysAddr{0x1000}, 100, rw).error() == Error::arg_align);
    CHECK(map.map(VirtAddr{0x1000}, PhysAddr{0x1000}, 0, rw).error() == Error::arg_align);
    const std::uint64_t top = std::uint64_t{1} << Stage1Map::va_bits;
    CHECK(map.map(VirtAddr{top}, PhysAddr{0}, 4 * kib, rw).error() == Error::addr_ovfl);
    CHECK(map.map(VirtAddr{top - 4 * kib}, PhysAddr{0}, 8 * kib, rw).error() == Error::addr_ovfl);
    CHECK(map.map(VirtAddr{0}, PhysAddr{~std::uint64_t{0} & ~(pte::page_size - 1)}, 4 * kib, rw).error() ==
          Error::addr_ovfl);
    CHECK(pool.used() == 1);
}

TEST_CASE("an exhausted pool reports nomem and keeps earlier mappings")
{
    Pages pages{3};  // level 0, 1, 2: no room for a level-3 table
    TablePool pool{pages.memory, pages.count};
    Stage1Map map{pool};
    REQUIRE(map.map(VirtAddr{2 * mib}, PhysAddr{2 * mib}, 2 * mib, rw).ok());
    CHECK(map.map(VirtAddr{8 * mib}, PhysAddr{8 * mib}, 4 * kib, rw).error() == Error::nomem);
    CHECK(map.translate(VirtAddr{3 * mib}).mapped);
}

TEST_CASE("the table descriptor format walks like the hardware expects")
{
    Pages pages{8};
    TablePool pool{pages.memory, pages.count};
    Stage1Map map{pool};
    REQUIRE(map.map(VirtAddr{0x40000000}, PhysAddr{0x40000000}, 4 * kib, ro).ok());
    std::uint64_t l0 = map.root()[pte::index_at(0x40000000, 0)];
    CHECK((l0 & pte::type_mask) == pte::type_table);
    auto* l1 = reinterpret_cast<std::uint64_t*>(l0 & pte::output_address_mask);
    CHECK(pool.owns(l1));
    std::uint64_t l1e = l1[pte::index_at(0x40000000, 1)];
    CHECK((l1e & pte::type_mask) == pte::type_table);
    auto* l2 = reinterpret_cast<std::uint64_t*>(l1e & pte::output_address_mask);
    auto* l3 = reinterpret_cast<std::uint64_t*>(l2[0] & pte::output_address_mask);
    CHECK((l3[0] & pte::type_mask) == pte::type_page);
    CHECK((l3[0] & pte::output_address_mask) == 0x40000000);
    CHECK(l3[1] == 0);
}
