// Device memory (MMIO) in the root partition: tracked in the memdb under the partition's
// device owner, never in its allocator; only an extent of memtype device takes it; it
// maps only as Device; and it goes back as device memory, whether the extent donates it
// or is deleted. The addresses are never dereferenced, so any range clear of the arena
// will do.
#include "tests/unit/test_memextent_fixture.h"

using namespace memtest;

namespace {

constexpr std::uint64_t mmio_base = 0x10000000;  // 256 MiB: below any host heap
constexpr std::uint64_t mmio_size = 2 * mib;
const PhysRange mmio{PhysAddr{mmio_base}, mmio_size};

constexpr std::uint32_t rw_device = ext(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_DEVICE);
constexpr std::uint32_t map_device = mapping(GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_DEVICE_NGNRE);

// A System whose root partition also holds `mmio` as device memory, as cold boot sets it up.
struct DeviceSystem : System {
    DeviceSystem()
    {
        REQUIRE(memdb.insert(mmio, mem::Owner::hypervisor()).ok());
        REQUIRE(root.add_device_memory(mmio, mem::Owner::hypervisor()).ok());
    }
    CapId configured(std::uint32_t attrs)
    {
        CapId me = new_extent();
        REQUIRE(e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, mmio_base, mmio_size, attrs) == GUNYAH_ERROR_OK);
        return me;
    }
};

}  // namespace

TEST_CASE("device memory: only an extent of memtype device takes it, and the allocator never sees it")
{
    DeviceSystem s;
    CHECK(s.owner_at(mmio_base) == s.root.device_owner());
    CHECK(s.memdb.bytes_owned(s.root.device_owner()) == mmio_size);

    // Cacheable, uncached or "any" would let a Normal mapping of MMIO exist.
    for (std::uint32_t memtype : {GUNYAH_MEMEXTENT_MEMTYPE_ANY, GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED,
                                  GUNYAH_MEMEXTENT_MEMTYPE_CACHED}) {
        CapId wrong = s.configured(ext(GUNYAH_ACCESS_RW, memtype));
        Snapshot before = s.snapshot();
        CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, wrong) == GUNYAH_ERROR_MEMDB_NOT_OWNER);
        CHECK(s.snapshot() == before);
        s.drop(wrong);
    }

    const std::uint64_t free_at_start = s.root.free_bytes();
    CapId me = s.configured(rw_device);
    const std::uint64_t with_object = s.root.free_bytes();  // the extent object's own page
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OK);
    CHECK(s.owner_at(mmio_base) == s.obj<MemExtent>(me).owner());
    CHECK(s.root.free_bytes() == with_object);

    s.drop(me);
    CHECK(s.owner_at(mmio_base) == s.root.device_owner());
    CHECK(s.owner_at(mmio_base + mmio_size - page) == s.root.device_owner());
    CHECK(s.root.free_bytes() == free_at_start);
}

TEST_CASE("device memory maps as Device only, at the IPA asked for")
{
    DeviceSystem s;
    CapId me = s.configured(rw_device);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OK);
    CapId as = s.addrspace(10);

    Snapshot before = s.snapshot({as}, {me});
    CHECK(s.map(as, me, mmio_base, rw_wb) != GUNYAH_ERROR_OK);
    CHECK(s.snapshot({as}, {me}) == before);

    REQUIRE(s.map(as, me, mmio_base, map_device) == GUNYAH_ERROR_OK);
    std::vector<Leaf> mapped = leaves(s.obj<AddrSpace>(as));
    REQUIRE_FALSE(mapped.empty());
    std::uint64_t bytes = 0;
    for (const Leaf& leaf : mapped) {
        CHECK(leaf.pa == leaf.ipa);
        CHECK(leaf.attrs == s2(mem::Stage2Access::rw, mem::Stage2MemType::device_ngnre));
        bytes += leaf.size;
    }
    CHECK(bytes == mmio_size);
    REQUIRE(s.unmap(as, me, mmio_base) == GUNYAH_ERROR_OK);
}

TEST_CASE("device memory donated to the partition and back stays device memory")
{
    DeviceSystem s;
    const std::uint64_t free_at_start = s.root.free_bytes();
    CapId me = s.configured(rw_device);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OK);
    const std::uint64_t free_before = s.root.free_bytes();

    REQUIRE(s.donate(GUNYAH_DONATE_TO_PARENT, me, s.partition_cap, 4 * page, 2 * page) == GUNYAH_ERROR_OK);
    CHECK(s.owner_at(mmio_base + 4 * page) == s.root.device_owner());
    CHECK(s.owner_at(mmio_base + 6 * page) == s.obj<MemExtent>(me).owner());
    CHECK(s.root.free_bytes() == free_before);  // not allocatable: no object can be made of MMIO

    REQUIRE(s.donate(GUNYAH_DONATE_TO_CHILD, s.partition_cap, me, 4 * page, 2 * page) == GUNYAH_ERROR_OK);
    CHECK(s.owner_at(mmio_base + 4 * page) == s.obj<MemExtent>(me).owner());

    s.drop(me);
    CHECK(s.memdb.bytes_owned(s.root.device_owner()) == mmio_size);
    CHECK(s.root.free_bytes() == free_at_start);
}

TEST_CASE("device memory: RAM extents of memtype device still take RAM from the allocator")
{
    DeviceSystem s;
    const std::uint64_t free_before = s.root.free_bytes();
    CapId me = s.extent(s.top(4), 4 * page, rw_device);
    CHECK(s.root.free_bytes() == free_before - 4 * page - Partition::pages_for(sizeof(MemExtent)) * page);
    CHECK(s.owner_at(s.top(4)) == s.obj<MemExtent>(me).owner());
    s.drop(me);
    CHECK(s.root.free_bytes() == free_before);
    CHECK(s.memdb.bytes_owned(s.root.device_owner()) == mmio_size);
}

TEST_CASE("add_device_memory: root partition only, whole pages, from its current owner")
{
    DeviceSystem s;
    const PhysRange more{PhysAddr{mmio_base + 16 * mib}, mib};
    REQUIRE(s.memdb.insert(more, mem::Owner::hypervisor()).ok());
    CHECK(s.root.add_device_memory(PhysRange{more.base + 1, page}, mem::Owner::hypervisor()).error() ==
          Error::arg_align);
    CHECK(s.root.add_device_memory(PhysRange{more.base, 0}, mem::Owner::hypervisor()).error() == Error::arg_align);
    // Not the hypervisor's any more: the memdb refuses the transfer.
    CHECK_FALSE(s.root.add_device_memory(mmio, mem::Owner::hypervisor()).ok());

    Partition child{s.memdb, &s.root, nullptr};
    CHECK(child.add_device_memory(more, mem::Owner::hypervisor()).error() == Error::denied);
    CHECK(s.owner_at(more.base.raw()) == mem::Owner::hypervisor());
    REQUIRE(s.root.add_device_memory(more, mem::Owner::hypervisor()).ok());
    CHECK(s.memdb.bytes_owned(s.root.device_owner()) == mmio_size + mib);
}
