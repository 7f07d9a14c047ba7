// Address spaces through hypercalls: configure and activate (VMIDs, tables) and map, with
// partial mappings and slots. Every refusal has its own Gunyah error and leaves the memdb,
// the partition, the caps, the tables and the mapping slots as they were. Unmap,
// update_access, lookup and teardown: test_addrspace_unmap.cpp.
#include <algorithm>

#include "test_memextent_fixture.h"

using namespace memtest;

namespace {

constexpr std::uint64_t gib = 1024 * mib;
constexpr std::uint64_t ipa = 0x1000'0000;


}  // namespace

TEST_CASE("an address space claims its VMID and builds its tables, deleting it gives both back")
{
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    mem::VmidAllocator& vmids = addrspace_platform::vmids();
    REQUIRE_FALSE(vmids.in_use(77));
    CapId as = s.new_addrspace();
    REQUIRE(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 77) == GUNYAH_ERROR_OK);
    CHECK_FALSE(vmids.in_use(77));  // claimed at activation, not before
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_OK);
    AddrSpace& space = s.obj<AddrSpace>(as);
    CHECK(vmids.in_use(77));
    CHECK(space.vmid() == 77);
    CHECK(space.ipa_limit() == std::uint64_t{1} << addrspace_platform::ipa_bits());
    CHECK(space.table_pages() == 2);  // 40-bit IPA: two concatenated level-1 roots
    CHECK(s.root.free_bytes() == free_start - (1 + 2 + PartitionTables::table_reserve) * page);
    s.drop(as);
    CHECK_FALSE(vmids.in_use(77));
    CHECK(s.root.free_bytes() == free_start);
}

TEST_CASE("addrspace_configure checks the VMID, and activation refuses one another address space has")
{
    System s;
    CapId as = s.new_addrspace();
    Snapshot before = s.snapshot();
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 0) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 0x10000) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, std::uint64_t{1} << 32 | 5) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 5, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, 0xbad, 5) == GUNYAH_ERROR_CSPACE_CAP_NULL);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, s.partition_cap, 5) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CapId weak = s.weak(as, GUNYAH_RIGHTS_ADDRSPACE_ALL & ~GUNYAH_RIGHT_ACTIVATE);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, weak, 5) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    s.drop(weak);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_OBJECT_CONFIG);
    CHECK(s.snapshot() == before);

    CapId first = s.addrspace(0xffff);  // the widest 16-bit VMID
    REQUIRE(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 0xffff) == GUNYAH_ERROR_OK);
    before = s.snapshot();
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_BUSY);
    CHECK(s.snapshot() == before);
    CHECK(s.obj<AddrSpace>(as).state() == ObjectState::init);
    s.drop(first);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 6) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_OBJECT_STATE);
}

TEST_CASE("an address space that cannot get its tables is not activated and keeps nothing")
{
    System s{512};
    CapId as = s.new_addrspace();
    REQUIRE(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 9) == GUNYAH_ERROR_OK);
    // Leave the root (two pages) but not the reserve.
    std::vector<PhysAddr> hog;
    for (;;) {
        Result<PhysAddr> p = s.root.allocate_pages(1);
        if (!p) {
            break;
        }
        hog.push_back(*p);
    }
    for (std::size_t i = 0; i < 4; ++i) {
        s.root.free_pages(hog.back(), 1);
        hog.pop_back();
    }
    Snapshot before = s.snapshot();
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_NOMEM);
    CHECK(s.snapshot() == before);
    CHECK_FALSE(addrspace_platform::vmids().in_use(9));
    for (PhysAddr p : hog) {
        s.root.free_pages(p, 1);
    }
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_OK);
}

TEST_CASE("a mapped extent appears at vbase with the attributes asked for, and goes again")
{
    System s;
    CapId as = s.addrspace(20);
    CapId me = s.extent(s.top(8), 8 * page);
    REQUIRE(s.map(as, me, ipa, r_wb) == GUNYAH_ERROR_OK);
    AddrSpace& space = s.obj<AddrSpace>(as);
    for (std::uint64_t i = 0; i < 8; ++i) {
        Result<mem::Stage2Mapping> m = space.translate(Ipa{ipa + i * page});
        REQUIRE(m.ok());
        CHECK(m->pa == PhysAddr{s.top(8) + i * page});
        CHECK(m->attrs == s2(mem::Stage2Access::r));
    }
    CHECK_FALSE(space.translate(Ipa{ipa + 8 * page}).ok());
    CHECK(space.mapping_count() == 1);
    CHECK(s.obj<MemExtent>(me).mapping_count() == 1);

    Return found = s.call(GUNYAH_HC_ADDRSPACE_LOOKUP, as, me, ipa + 2 * page, 16 * page);
    REQUIRE(err(found) == GUNYAH_ERROR_OK);
    CHECK(found.x[1] == 2 * page);
    CHECK(found.x[2] == 6 * page);  // to the end of the extent
    CHECK(found.x[3] == r_wb);

    REQUIRE(s.unmap(as, me, ipa) == GUNYAH_ERROR_OK);
    CHECK(leaves(space).empty());
    CHECK(space.mapping_count() == 0);
    CHECK(s.obj<MemExtent>(me).mapping_count() == 0);
}

TEST_CASE("addrspace_map refuses each bad argument with its own error and changes nothing")
{
    System s{2048};
    CapId as = s.addrspace(21);
    CapId me = s.extent(s.top(8), 8 * page);
    CapId read_only = s.extent(s.top(16), 4 * page, ext(GUNYAH_ACCESS_R, GUNYAH_MEMEXTENT_MEMTYPE_ANY));
    CapId device = s.extent(s.top(20), page, ext(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_DEVICE));
    CapId uncached = s.extent(s.top(24), page, ext(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED));
    CapId cached = s.extent(s.top(28), page, ext(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_CACHED));
    CapId inactive_me = s.new_extent();
    CapId inactive_as = s.new_addrspace();
    CapId other = s.extent(s.top(40), 8 * page);
    REQUIRE(s.map(as, other, 2 * ipa) == GUNYAH_ERROR_OK);
    CapId as_no_map = s.weak(as, GUNYAH_RIGHTS_ADDRSPACE_ALL & ~GUNYAH_RIGHT_ADDRSPACE_MAP);
    CapId me_no_map = s.weak(me, GUNYAH_RIGHTS_MEMEXTENT_ALL & ~GUNYAH_RIGHT_MEMEXTENT_MAP);
    const std::uint64_t limit = s.obj<AddrSpace>(as).ipa_limit();
    const std::uint64_t partial = GUNYAH_ADDRSPACE_MAP_PARTIAL;

    Snapshot before = s.snapshot({as}, {me, other});
    struct Case {
        std::uint64_t as, me, vbase, attrs, flags, offset, size;
        std::int64_t error;
    };
    const Case cases[] = {
        {as, me, ipa, rw_wb | 0x8, 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},                    // undefined attr bits
        {as, me, ipa, rw_wb | 0x80, 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, me, ipa, rw_wb | 0x0100'0000, 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, me, ipa, rw_wb | (std::uint64_t{1} << 32), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, me, ipa, rw_wb, 0x2, 0, 0, GUNYAH_ERROR_ARG_INVAL},                        // undefined flag bits
        {as, me, ipa, rw_wb, std::uint64_t{1} << 32, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {0xbad, me, ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_CSPACE_CAP_NULL},
        {me, me, ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE},
        {as, as, ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE},
        {as_no_map, me, ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
        {as, me_no_map, ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
        {inactive_as, me, ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_OBJECT_STATE},
        {as, inactive_me, ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_OBJECT_STATE},
        {as, me, ipa + 8, rw_wb, 0, 0, 0, GUNYAH_ERROR_ARG_ALIGN},
        {as, me, ipa, rw_wb, partial, 8, page, GUNYAH_ERROR_ARG_ALIGN},
        {as, me, ipa, rw_wb, partial, 0, page + 8, GUNYAH_ERROR_ARG_ALIGN},
        {as, me, ipa, rw_wb, partial, 0, 0, GUNYAH_ERROR_ARG_SIZE},
        {as, me, ipa, rw_wb, partial, 8 * page, page, GUNYAH_ERROR_ARG_SIZE},          // beyond the extent
        {as, me, ipa, rw_wb, partial, 4 * page, 5 * page, GUNYAH_ERROR_ARG_SIZE},
        {as, me, ipa, rw_wb, partial, page, ~std::uint64_t{0} & ~(page - 1), GUNYAH_ERROR_ARG_SIZE},
        {as, me, limit - 4 * page, rw_wb, 0, 0, 0, GUNYAH_ERROR_ADDR_OVFL},            // past the IPA size
        {as, me, ~std::uint64_t{0} & ~(page - 1), rw_wb, 0, 0, 0, GUNYAH_ERROR_ADDR_OVFL},  // wraps
        {as, me, ipa, GUNYAH_MAPPING_ATTRS(6, 4, 0xf), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},  // user != kernel
        {as, me, ipa, mapping(GUNYAH_ACCESS_RW, 0x4), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},   // undefined memtypes
        {as, me, ipa, mapping(GUNYAH_ACCESS_RW, 0x8), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, me, ipa, mapping(GUNYAH_ACCESS_RW, 0xc), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, me, ipa, mapping(GUNYAH_ACCESS_RW, 0x10), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, me, ipa, mapping(GUNYAH_ACCESS_RW, 0xff), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, device, ipa, mapping(GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_NC), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, uncached, ipa, mapping(GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WT), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, cached, ipa, mapping(GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_NC), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, cached, ipa, mapping(GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_ONC_IWB), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, cached, ipa, mapping(GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_DEVICE_GRE), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, read_only, ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},                   // W is not the extent's
        {as, read_only, ipa, mapping(GUNYAH_ACCESS_RX, 0xf), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {as, me, 2 * ipa + 7 * page, rw_wb, 0, 0, 0, GUNYAH_ERROR_EXISTING_MAPPING},    // meets `other`
        {as, me, 2 * ipa - 7 * page, rw_wb, 0, 0, 0, GUNYAH_ERROR_EXISTING_MAPPING},
        {as, other, 2 * ipa, rw_wb, 0, 0, 0, GUNYAH_ERROR_EXISTING_MAPPING},            // the same again
    };
    for (const Case& c : cases) {
        CAPTURE(c.as, c.me, c.vbase, c.attrs, c.flags, c.offset, c.size);
        CHECK(s.e(GUNYAH_HC_ADDRSPACE_MAP, c.as, c.me, c.vbase, c.attrs, c.flags, c.offset, c.size) == c.error);
    }
    Snapshot after = s.snapshot({as}, {me, other});
    CHECK(after == before);
}

TEST_CASE("each extent memory type takes the stage-2 types it allows")
{
    System s;
    CapId as = s.addrspace(22);
    struct Case {
        std::uint32_t memtype;
        std::vector<std::uint32_t> allowed;
    };
    const Case cases[] = {
        {GUNYAH_MEMEXTENT_MEMTYPE_ANY, {0, 1, 2, 3, 5, 6, 7, 9, 0xa, 0xb, 0xd, 0xe, 0xf}},
        {GUNYAH_MEMEXTENT_MEMTYPE_DEVICE, {0, 1, 2, 3}},
        {GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED, {0, 1, 2, 3, 5}},
        {GUNYAH_MEMEXTENT_MEMTYPE_CACHED, {0xa, 0xb, 0xe, 0xf}},
    };
    std::uint64_t slot = 4;
    for (const Case& c : cases) {
        CapId me = s.extent(s.top(slot), page, ext(GUNYAH_ACCESS_RW, c.memtype));
        slot += 4;
        for (std::uint32_t type = 0; type < 16; ++type) {
            const bool allowed = std::find(c.allowed.begin(), c.allowed.end(), type) != c.allowed.end();
            CAPTURE(c.memtype, type);
            CHECK(s.map(as, me, ipa, mapping(GUNYAH_ACCESS_RW, type)) ==
                  (allowed ? GUNYAH_ERROR_OK : GUNYAH_ERROR_ARG_INVAL));
            if (allowed) {
                CHECK(s.obj<AddrSpace>(as).translate(Ipa{ipa})->attrs.type == static_cast<mem::Stage2MemType>(type));
                REQUIRE(s.unmap(as, me, ipa) == GUNYAH_ERROR_OK);
            }
        }
    }
}

TEST_CASE("a partial unmap splits a mapping and the same partial map joins it again")
{
    System s;
    CapId as = s.addrspace(23);
    CapId me = s.extent(s.top(8), 8 * page);
    MemExtent& extent = s.obj<MemExtent>(me);
    REQUIRE(s.map(as, me, ipa) == GUNYAH_ERROR_OK);
    std::vector<Leaf> whole = leaves(s.obj<AddrSpace>(as));
    REQUIRE(s.unmap_part(as, me, ipa + 2 * page, 2 * page, 3 * page) == GUNYAH_ERROR_OK);
    CHECK(extent.mapping_count() == 2);
    CHECK(pages_of(s.obj<AddrSpace>(as)).size() == 5);
    CHECK_FALSE(s.obj<AddrSpace>(as).translate(Ipa{ipa + 3 * page}).ok());
    // Unmapped IPAs are free again, for anyone.
    CapId other = s.extent(s.top(16), page);
    REQUIRE(s.map(as, other, ipa + 3 * page) == GUNYAH_ERROR_OK);
    REQUIRE(s.unmap(as, other, ipa + 3 * page) == GUNYAH_ERROR_OK);
    // Mapping some of the extent there with another translation is a mapping of its own.
    REQUIRE(s.map_part(as, me, ipa + 3 * page, 2 * page, page) == GUNYAH_ERROR_OK);
    CHECK(extent.mapping_count() == 3);
    REQUIRE(s.unmap(as, me, ipa + 3 * page - 2 * page) == GUNYAH_ERROR_OK);  // at its vbase for offset 0
    CHECK(extent.mapping_count() == 2);
    // The same offsets at their old IPAs join the mapping again.
    REQUIRE(s.map_part(as, me, ipa + 2 * page, 2 * page, 3 * page) == GUNYAH_ERROR_OK);
    CHECK(extent.mapping_count() == 1);
    CHECK(leaves(s.obj<AddrSpace>(as)) == whole);
    // A non-partial unmap takes whatever is left of the mapping at vbase.
    REQUIRE(s.unmap_part(as, me, ipa, 0, page) == GUNYAH_ERROR_OK);
    REQUIRE(s.unmap_part(as, me, ipa + 6 * page, 6 * page, page) == GUNYAH_ERROR_OK);
    REQUIRE(s.unmap_part(as, me, ipa + 3 * page, 3 * page, page) == GUNYAH_ERROR_OK);
    CHECK(extent.mapping_count() == 3);
    REQUIRE(s.unmap(as, me, ipa) == GUNYAH_ERROR_OK);
    CHECK(extent.mapping_count() == 0);
    CHECK(leaves(s.obj<AddrSpace>(as)).empty());
}

TEST_CASE("an extent maps into several address spaces and several times into one, up to its slots")
{
    System s;
    CapId a = s.addrspace(24);
    CapId b = s.addrspace(25);
    CapId me = s.extent(s.top(8), 8 * page);
    REQUIRE(s.map(a, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(b, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(a, me, 2 * ipa, r_wb) == GUNYAH_ERROR_OK);  // an alias, read-only
    for (std::uint64_t i = 3; i < 3 + MemExtent::max_mappings - 3; ++i) {
        REQUIRE(s.map_part(b, me, i * ipa, page, page) == GUNYAH_ERROR_OK);
    }
    CHECK(s.obj<MemExtent>(me).mapping_count() == MemExtent::max_mappings);
    Snapshot before = s.snapshot({a, b}, {me});
    CHECK(s.map_part(a, me, 20 * ipa, 0, page) == GUNYAH_ERROR_MEMEXTENT_MAPPINGS_FULL);
    // A split needs a slot too.
    CHECK(s.unmap_part(a, me, ipa + page, page, page) == GUNYAH_ERROR_MEMEXTENT_MAPPINGS_FULL);
    CHECK(s.snapshot({a, b}, {me}) == before);
    // Cutting an end needs none; joining back to a neighbour needs none either.
    REQUIRE(s.unmap_part(a, me, ipa, 0, page) == GUNYAH_ERROR_OK);
    REQUIRE(s.map_part(a, me, ipa, 0, page) == GUNYAH_ERROR_OK);
    CHECK(s.obj<MemExtent>(me).mapping_count() == MemExtent::max_mappings);
}
