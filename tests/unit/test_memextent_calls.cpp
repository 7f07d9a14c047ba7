// Memory extents through hypercalls: create, configure, derive, activate, delete and
// memextent_modify. Every refusal has its own Gunyah error and leaves the memdb, the
// partition's free memory and the caps as they were.
#include <arch/cache.h>

#include <cstring>

#include "test_memextent_fixture.h"

using namespace memtest;

namespace {

constexpr std::uint32_t attrs(std::uint32_t access, std::uint32_t memtype, std::uint32_t type = 0)
{
    return GUNYAH_MEMEXTENT_ATTRS(access, memtype, type);
}

}  // namespace

TEST_CASE("an extent made by hypercalls takes its range from the partition and gives it back when deleted")
{
    System s;
    const std::uint64_t base = s.top(16);
    const std::uint64_t free_before = s.root.free_bytes();
    CapId me = s.extent(base, 16 * page);
    MemExtent& extent = s.obj<MemExtent>(me);
    CHECK(extent.state() == ObjectState::active);
    CHECK(s.memdb.bytes_owned(extent.owner()) == 16 * page);
    CHECK(s.owner_at(base) == extent.owner());
    CHECK(extent.bytes_held() == 16 * page);
    // The pages are taken out of the allocator, and the extent object itself costs a page.
    CHECK(s.root.free_bytes() == free_before - 16 * page - page);

    s.drop(me);
    CHECK(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
    CHECK(s.root.free_bytes() == free_before);
    CHECK(s.memdb.check().ok());
}

TEST_CASE("memextent_configure refuses each bad argument with its own error and keeps the extent unconfigured")
{
    System s;
    CapId me = s.new_extent();
    const std::uint64_t base = s.top(4);
    Snapshot before = s.snapshot();
    struct Case {
        std::uint64_t phys, size, attrs;
        std::int64_t error;
    };
    const Case cases[] = {
        {base, 0, rwx_any, GUNYAH_ERROR_ARG_INVAL},                         // empty
        {~std::uint64_t{0} - page + 1, 2 * page, rwx_any, GUNYAH_ERROR_ARG_INVAL},  // wraps
        {base + 8, page, rwx_any, GUNYAH_ERROR_ARG_ALIGN},
        {base, page + 8, rwx_any, GUNYAH_ERROR_ARG_ALIGN},
        {base, page, rwx_any | 0x8u, GUNYAH_ERROR_ARG_INVAL},             // bit 3 undefined
        {base, page, rwx_any | 0x1000u, GUNYAH_ERROR_ARG_INVAL},          // bit 12 undefined
        {base, page, rwx_any | (std::uint64_t{1} << 32), GUNYAH_ERROR_ARG_INVAL},  // beyond the u32
        {base, page, rwx_any | GUNYAH_MEMEXTENT_ATTRS_APPEND, GUNYAH_ERROR_ARG_INVAL},
        {base, page, attrs(GUNYAH_ACCESS_RW, 0, GUNYAH_MEMEXTENT_TYPE_SPARSE), GUNYAH_ERROR_MEMEXTENT_TYPE},
        {base, page, attrs(GUNYAH_ACCESS_RW, 0, 2), GUNYAH_ERROR_ARG_INVAL},
        {base, page, attrs(GUNYAH_ACCESS_RW, 0, 3), GUNYAH_ERROR_ARG_INVAL},
        {base, page, attrs(GUNYAH_ACCESS_NONE, 0), GUNYAH_ERROR_ARG_INVAL},
    };
    for (const Case& c : cases) {
        CAPTURE(c.phys, c.size, c.attrs);
        CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, c.phys, c.size, c.attrs) == c.error);
    }
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, base, page, rwx_any, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, 0xdead, base, page, rwx_any) == GUNYAH_ERROR_CSPACE_CAP_NULL);
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, s.partition_cap, base, page, rwx_any) ==
          GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CapId no_activate = s.weak(me, GUNYAH_RIGHTS_MEMEXTENT_ALL & ~GUNYAH_RIGHT_ACTIVATE);
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, no_activate, base, page, rwx_any) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    s.drop(no_activate);

    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OBJECT_CONFIG);  // still unconfigured
    CHECK(s.snapshot() == before);
}

TEST_CASE("every memory type and access is accepted by memextent_configure")
{
    System s;
    CapId me = s.new_extent();
    for (std::uint32_t memtype = 0; memtype < 4; ++memtype) {
        for (std::uint32_t access = 1; access < 8; ++access) {
            CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, s.top(1), page, attrs(access, memtype)) == GUNYAH_ERROR_OK);
        }
    }
}

TEST_CASE("the last configuration is the one activation uses, an active extent cannot be configured")
{
    System s;
    CapId me = s.new_extent();
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, s.top(8), 8 * page, rwx_any) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, s.top(4), 2 * page,
                attrs(GUNYAH_ACCESS_R, GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED)) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OK);
    MemExtent& extent = s.obj<MemExtent>(me);
    CHECK(extent.range() == PhysRange{PhysAddr{s.top(4)}, 2 * page});
    CHECK(extent.access() == GUNYAH_ACCESS_R);
    CHECK(extent.memtype() == ExtentMemType::uncached);
    CHECK(s.owner_at(s.top(8)) == s.root.owner());

    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, s.top(8), 8 * page, rwx_any) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(extent.range().size == 2 * page);
}

TEST_CASE("activating without any configuration is object_config")
{
    System s;
    CapId me = s.new_extent();
    Snapshot before = s.snapshot();
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OBJECT_CONFIG);
    CHECK(s.snapshot() == before);
}

TEST_CASE("activation refuses memory the partition does not own or uses itself, and stays in init")
{
    System s;
    CapId other = s.extent(s.top(4), 4 * page);
    CapId me = s.new_extent();
    auto refused = [&](std::uint64_t phys, std::uint64_t size, std::int64_t error) {
        CAPTURE(phys, size);
        REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, phys, size, rwx_any) == GUNYAH_ERROR_OK);
        Snapshot before = s.snapshot();
        CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == error);
        CHECK(s.snapshot() == before);
        CHECK(s.obj<MemExtent>(me).state() == ObjectState::init);
    };
    // Not RAM at all: below the arena, and straddling its end.
    refused(s.ram.base.raw() - 4 * page, 2 * page, GUNYAH_ERROR_MEMDB_EMPTY);
    refused(s.ram.end().raw() - page, 2 * page, GUNYAH_ERROR_MEMDB_EMPTY);
    // Another extent's, wholly and in part.
    refused(s.top(4), 4 * page, GUNYAH_ERROR_MEMDB_NOT_OWNER);
    refused(s.top(6), 4 * page, GUNYAH_ERROR_MEMDB_NOT_OWNER);
    // The partition's own: its allocator's bookkeeping at the bottom, and its objects.
    refused(s.ram.base.raw(), page, GUNYAH_ERROR_BUSY);
    const std::uint64_t object_page = Partition::to_phys(&s.obj<MemExtent>(other)).raw();
    refused(object_page, page, GUNYAH_ERROR_BUSY);
    // And then a good range still works.
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, s.top(8), 4 * page, rwx_any) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OK);
}

TEST_CASE("a derived extent takes its range from the parent, which outlives it")
{
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    CapId parent = s.extent(s.top(16), 16 * page);
    CapId child = s.derive(parent, 4 * page, 8 * page, attrs(GUNYAH_ACCESS_R, GUNYAH_MEMEXTENT_MEMTYPE_CACHED));
    MemExtent& p = s.obj<MemExtent>(parent);
    MemExtent& c = s.obj<MemExtent>(child);
    CHECK(c.parent() == &p);
    CHECK(p.children() == 1);
    CHECK(c.range() == PhysRange{PhysAddr{s.top(12)}, 8 * page});
    CHECK(s.memdb.bytes_owned(c.owner()) == 8 * page);
    CHECK(p.bytes_held() == 8 * page);
    CHECK(s.owner_at(s.top(12)) == c.owner());

    // Dropping the parent's cap does not destroy it: the child holds a reference.
    mem::Owner parent_owner = p.owner();
    s.drop(parent);
    CHECK(s.memdb.bytes_owned(parent_owner) == 8 * page);
    CHECK(c.parent()->state() == ObjectState::active);
    s.drop(child);  // the child goes, then the parent with it
    CHECK(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
    CHECK(s.root.free_bytes() == free_start);
}

TEST_CASE("memextent_configure_derive checks the parent and the range, and changes nothing when it refuses")
{
    System s;
    CapId parent = s.extent(s.top(16), 16 * page, attrs(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED));
    CapId inactive = s.new_extent();
    CapId child = s.new_extent();
    Snapshot before = s.snapshot();
    const std::uint32_t ok_attrs = attrs(GUNYAH_ACCESS_R, GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED);
    auto derive = [&](CapId p, std::uint64_t offset, std::uint64_t size, std::uint64_t a) {
        return s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, child, p, offset, size, a);
    };
    CHECK(derive(inactive, 0, page, ok_attrs) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(derive(child, 0, page, ok_attrs) == GUNYAH_ERROR_OBJECT_STATE);  // itself, in init
    CHECK(derive(s.weak(parent, GUNYAH_RIGHT_MEMEXTENT_MAP), 0, page, ok_attrs) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(derive(s.partition_cap, 0, page, ok_attrs) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, s.weak(child, GUNYAH_RIGHT_MEMEXTENT_MAP), parent, 0, page,
              ok_attrs) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(derive(parent, 0, 0, ok_attrs) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(derive(parent, ~std::uint64_t{0} - page + 1, 2 * page, ok_attrs) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(derive(parent, 16 * page, page, ok_attrs) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(derive(parent, 8 * page, 9 * page, ok_attrs) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(derive(parent, 8, page, ok_attrs) == GUNYAH_ERROR_ARG_ALIGN);
    CHECK(derive(parent, 0, page + 8, ok_attrs) == GUNYAH_ERROR_ARG_ALIGN);
    CHECK(derive(parent, 0, page, ok_attrs | GUNYAH_MEMEXTENT_ATTRS_APPEND) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(derive(parent, 0, page, attrs(GUNYAH_ACCESS_R, GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED, 1)) ==
          GUNYAH_ERROR_MEMEXTENT_TYPE);
    CHECK(derive(parent, 0, page, attrs(GUNYAH_ACCESS_RX, GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED)) ==
          GUNYAH_ERROR_ARG_INVAL);  // X is not the parent's
    CHECK(derive(parent, 0, page, attrs(GUNYAH_ACCESS_R, GUNYAH_MEMEXTENT_MEMTYPE_CACHED)) ==
          GUNYAH_ERROR_ARG_INVAL);  // not the parent's memtype
    CHECK(derive(parent, 0, page, attrs(GUNYAH_ACCESS_R, GUNYAH_MEMEXTENT_MEMTYPE_ANY)) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, child, parent, 0, page, ok_attrs, 1) ==
          GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, child) == GUNYAH_ERROR_OBJECT_CONFIG);
    CHECK(s.obj<MemExtent>(parent).references() == 2);  // its cap and the weak copy: no child took one
    Snapshot after = s.snapshot();
    after.caps = before.caps;  // the weak copies
    CHECK(after == before);
}

TEST_CASE("a parent of memtype any lets a child choose, others pass theirs down")
{
    System s;
    CapId any = s.extent(s.top(8), 8 * page);
    (void)s.derive(any, 0, page, attrs(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_CACHED));
    CapId device = s.derive(any, page, 4 * page, attrs(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_DEVICE));
    CapId child = s.new_extent();
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, child, device, 0, page,
              attrs(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_DEVICE)) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, child, device, 0, page,
              attrs(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_UNCACHED)) == GUNYAH_ERROR_ARG_INVAL);
}

TEST_CASE("a child over memory its parent no longer holds is not activated")
{
    System s;
    CapId parent = s.extent(s.top(16), 16 * page);
    CapId first = s.derive(parent, 0, 8 * page);
    CapId second = s.new_extent();
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, second, parent, 4 * page, 8 * page, rwx_any) == GUNYAH_ERROR_OK);
    Snapshot before = s.snapshot();
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, second) == GUNYAH_ERROR_MEMDB_NOT_OWNER);
    CHECK(s.snapshot() == before);
    CHECK(s.obj<MemExtent>(parent).children() == 1);
    // Reconfigured past the first child, it works.
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, second, parent, 8 * page, 8 * page, rwx_any) == GUNYAH_ERROR_OK);
    CHECK(s.e(GUNYAH_HC_OBJECT_ACTIVATE, second) == GUNYAH_ERROR_OK);
    CHECK(s.obj<MemExtent>(parent).children() == 2);
    (void)first;
}

TEST_CASE("reconfiguring a child as a root extent lets its old parent go")
{
    System s;
    CapId parent = s.extent(s.top(8), 8 * page);
    CapId child = s.new_extent();
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, child, parent, 0, page, rwx_any) == GUNYAH_ERROR_OK);
    const std::uint64_t free_after_parent = s.root.free_bytes();
    s.drop(parent);  // the configured child still holds it
    CHECK(s.root.free_bytes() == free_after_parent);
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE, child, s.top(16), page, rwx_any) == GUNYAH_ERROR_OK);
    CHECK(s.root.free_bytes() == free_after_parent + 9 * page);  // the parent and its memory are back
}

TEST_CASE("zero_range zeros what the extent holds itself and cleans it, not what its child holds")
{
    System s;
    CapId parent = s.extent(s.top(8), 8 * page);
    CapId child = s.derive(parent, 2 * page, 2 * page);
    std::uint8_t* p = static_cast<std::uint8_t*>(Partition::to_pointer(PhysAddr{s.top(8)}));
    std::memset(p, 0xa5, 8 * page);
    arch::cache_fake::reset();
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_MODIFY, parent, GUNYAH_MEMEXTENT_MODIFY_ZERO_RANGE, page, 6 * page) ==
            GUNYAH_ERROR_OK);
    CHECK(p[0] == 0xa5);                // before the range
    CHECK(p[page] == 0);                // parent's
    CHECK(p[2 * page] == 0xa5);         // the child's
    CHECK(p[4 * page - 1] == 0xa5);
    CHECK(p[4 * page] == 0);            // parent's again
    CHECK(p[7 * page - 1] == 0);
    CHECK(p[7 * page] == 0xa5);         // after the range
    REQUIRE(arch::cache_fake::count() == 2);
    CHECK(arch::cache_fake::at(0).kind == arch::cache_fake::Kind::clean);
    CHECK(arch::cache_fake::at(0).base == reinterpret_cast<std::uintptr_t>(p + page));
    CHECK(arch::cache_fake::at(0).size == page);
    CHECK(arch::cache_fake::at(1).base == reinterpret_cast<std::uintptr_t>(p + 4 * page));
    CHECK(arch::cache_fake::at(1).size == 3 * page);
    // The child zeroes its own.
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_MODIFY, child, GUNYAH_MEMEXTENT_MODIFY_ZERO_RANGE | GUNYAH_MEMEXTENT_MODIFY_NO_SYNC,
                0, 2 * page) == GUNYAH_ERROR_OK);
    CHECK(p[2 * page] == 0);
}

TEST_CASE("cache clean and flush ranges reach the arch layer for the pages the extent holds")
{
    System s;
    CapId me = s.extent(s.top(4), 4 * page);
    const auto base = reinterpret_cast<std::uintptr_t>(Partition::to_pointer(PhysAddr{s.top(4)}));
    arch::cache_fake::reset();
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_MODIFY, me, GUNYAH_MEMEXTENT_MODIFY_CACHE_CLEAN_RANGE, page, page) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_MODIFY, me, GUNYAH_MEMEXTENT_MODIFY_CACHE_FLUSH_RANGE, 0, 4 * page) ==
            GUNYAH_ERROR_OK);
    REQUIRE(arch::cache_fake::count() == 2);
    CHECK(arch::cache_fake::at(0).kind == arch::cache_fake::Kind::clean);
    CHECK(arch::cache_fake::at(0).base == base + page);
    CHECK(arch::cache_fake::at(1).kind == arch::cache_fake::Kind::flush);
    CHECK(arch::cache_fake::at(1).size == 4 * page);
}

TEST_CASE("memextent_modify refuses each bad argument with its own error and touches nothing")
{
    System s;
    CapId me = s.extent(s.top(4), 4 * page);
    CapId device = s.extent(s.top(8), page, attrs(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_DEVICE));
    CapId read_only = s.extent(s.top(12), page, attrs(GUNYAH_ACCESS_R, GUNYAH_MEMEXTENT_MEMTYPE_ANY));
    CapId inactive = s.new_extent();
    std::uint8_t* p = static_cast<std::uint8_t*>(Partition::to_pointer(PhysAddr{s.top(12)}));
    std::memset(p, 0x5a, 12 * page);
    arch::cache_fake::reset();
    Snapshot before = s.snapshot();
    const std::uint64_t zero = GUNYAH_MEMEXTENT_MODIFY_ZERO_RANGE;
    auto modify = [&](CapId cap, std::uint64_t flags, std::uint64_t offset, std::uint64_t size) {
        return s.e(GUNYAH_HC_MEMEXTENT_MODIFY, cap, flags, offset, size);
    };
    CHECK(modify(me, zero | 0x100, 0, page) == GUNYAH_ERROR_ARG_INVAL);           // undefined flag bit
    CHECK(modify(me, zero | (std::uint64_t{1} << 32), 0, page) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(modify(me, 4, 0, page) == GUNYAH_ERROR_ARG_INVAL);                     // no such op
    CHECK(modify(me, 254, 0, page) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(modify(0xbad, zero, 0, page) == GUNYAH_ERROR_CSPACE_CAP_NULL);
    CHECK(modify(s.weak(me, GUNYAH_RIGHT_MEMEXTENT_DERIVE), zero, 0, page) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(modify(s.partition_cap, zero, 0, page) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(modify(inactive, zero, 0, page) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(modify(inactive, GUNYAH_MEMEXTENT_MODIFY_UNMAP_ALL, 0, 0) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(modify(device, zero, 0, page) == GUNYAH_ERROR_DENIED);
    CHECK(modify(read_only, zero, 0, page) == GUNYAH_ERROR_DENIED);
    CHECK(modify(read_only, GUNYAH_MEMEXTENT_MODIFY_CACHE_FLUSH_RANGE, 0, page) == GUNYAH_ERROR_DENIED);
    CHECK(modify(me, zero, 8, page) == GUNYAH_ERROR_ARG_ALIGN);
    CHECK(modify(me, zero, 0, page + 8) == GUNYAH_ERROR_ARG_ALIGN);
    CHECK(modify(me, zero, ~std::uint64_t{0} & ~(page - 1), page) == GUNYAH_ERROR_ARG_INVAL);  // base + offset wraps
    CHECK(modify(me, zero, 0, 0) == GUNYAH_ERROR_ARG_SIZE);
    CHECK(modify(me, zero, 0, ~std::uint64_t{0} & ~(page - 1)) == GUNYAH_ERROR_ARG_SIZE);     // wraps
    CHECK(modify(me, zero, 3 * page, 2 * page) == GUNYAH_ERROR_ARG_INVAL);       // past the end
    CHECK(modify(me, zero, 4 * page, page) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(modify(me, GUNYAH_MEMEXTENT_MODIFY_SYNC_ALL | GUNYAH_MEMEXTENT_MODIFY_NO_SYNC, 0, 0) ==
          GUNYAH_ERROR_ARG_INVAL);
    CHECK(arch::cache_fake::count() == 0);
    for (std::size_t i = 0; i < 12 * page; ++i) {
        if (p[i] != 0x5a) {
            FAIL("byte " << i << " changed");
        }
    }
    Snapshot after = s.snapshot();
    after.caps = before.caps;
    CHECK(after == before);
    // The ones that do nothing but succeed.
    CHECK(modify(me, GUNYAH_MEMEXTENT_MODIFY_SYNC_ALL, 0, 0) == GUNYAH_ERROR_OK);
    CHECK(modify(me, GUNYAH_MEMEXTENT_MODIFY_UNMAP_ALL | GUNYAH_MEMEXTENT_MODIFY_NO_SYNC, 7, 9) == GUNYAH_ERROR_OK);
}

TEST_CASE("partition_create_memextent and _addrspace need the create rights and change nothing when refused")
{
    System s;
    Snapshot before = s.snapshot();
    for (std::uint32_t call : {GUNYAH_HC_PARTITION_CREATE_MEMEXTENT, GUNYAH_HC_PARTITION_CREATE_ADDRSPACE}) {
        CAPTURE(call);
        CHECK(s.e(call, 0xbad, s.cspace_cap) == GUNYAH_ERROR_CSPACE_CAP_NULL);
        CHECK(s.e(call, s.cspace_cap, s.cspace_cap) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
        CHECK(s.e(call, s.partition_cap, s.partition_cap) == GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
        CHECK(s.e(call, s.partition_cap, s.cspace_cap, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    }
    CapId no_create = s.weak(s.partition_cap, GUNYAH_RIGHT_PARTITION_DONATE);
    CapId no_insert = s.weak(s.cspace_cap, GUNYAH_RIGHT_CSPACE_COPY);
    CHECK(s.e(GUNYAH_HC_PARTITION_CREATE_MEMEXTENT, no_create, s.cspace_cap) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(s.e(GUNYAH_HC_PARTITION_CREATE_ADDRSPACE, s.partition_cap, no_insert) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    s.drop(no_create);
    s.drop(no_insert);
    CHECK(s.snapshot() == before);
    // A new one has every right of its type.
    CapId me = s.new_extent();
    CHECK(s.cspace.rights_of(me).value() == GUNYAH_RIGHTS_MEMEXTENT_ALL);
    CapId as = s.new_addrspace();
    CHECK(s.cspace.rights_of(as).value() == GUNYAH_RIGHTS_ADDRSPACE_ALL);
}

TEST_CASE("an extent cannot be derived from itself, active or not, and the call returns")
{
    // Found by the random-hypercall test: deriving an active extent from itself locked it
    // twice and hung the CPU.
    System s;
    CapId active = s.extent(s.top(4), 4 * page);
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, active, active, 0, page, rwx_any) == GUNYAH_ERROR_ARG_INVAL);
    CapId fresh = s.new_extent();
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, fresh, fresh, 0, page, rwx_any) == GUNYAH_ERROR_OBJECT_STATE);
}
