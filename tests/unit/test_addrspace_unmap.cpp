// Address spaces through hypercalls: unmap, update_access and lookup, with every refusal
// leaving everything as it was; mappings going when extents or address spaces do; unmaps
// that need table pages the partition no longer has; the platform settings.
#include "test_memextent_fixture.h"

using namespace memtest;

namespace {

constexpr std::uint64_t gib = 1024 * mib;
constexpr std::uint64_t ipa = 0x1000'0000;


}  // namespace

TEST_CASE("addrspace_unmap refuses each bad argument with its own error and changes nothing")
{
    System s;
    CapId as = s.addrspace(26);
    CapId me = s.extent(s.top(8), 8 * page);
    CapId other = s.extent(s.top(16), 8 * page);
    CapId unmapped = s.extent(s.top(20), page);
    REQUIRE(s.map(as, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(as, other, 2 * ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.unmap_part(as, me, ipa + 4 * page, 4 * page, page) == GUNYAH_ERROR_OK);  // a hole
    CapId as_no_map = s.weak(as, GUNYAH_RIGHT_ADDRSPACE_LOOKUP);
    CapId me_no_map = s.weak(me, GUNYAH_RIGHT_MEMEXTENT_LOOKUP);
    CapId inactive = s.new_addrspace();
    const std::uint64_t partial = GUNYAH_ADDRSPACE_MAP_PARTIAL;
    Snapshot before = s.snapshot({as}, {me, other});
    struct Case {
        std::uint64_t as, me, vbase, flags, offset, size;
        std::int64_t error;
    };
    const Case cases[] = {
        {as, me, ipa, 0x4, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {0xbad, me, ipa, 0, 0, 0, GUNYAH_ERROR_CSPACE_CAP_NULL},
        {as_no_map, me, ipa, 0, 0, 0, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
        {as, me_no_map, ipa, 0, 0, 0, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
        {inactive, me, ipa, 0, 0, 0, GUNYAH_ERROR_OBJECT_STATE},
        {as, me, ipa + 8, 0, 0, 0, GUNYAH_ERROR_ARG_ALIGN},
        {as, me, ipa, partial, 0, 8, GUNYAH_ERROR_ARG_ALIGN},
        {as, me, ipa, partial, 0, 0, GUNYAH_ERROR_ARG_SIZE},
        {as, me, ipa, partial, 0, 9 * page, GUNYAH_ERROR_ARG_SIZE},
        {as, me, ~std::uint64_t{0} & ~(page - 1), 0, 0, 0, GUNYAH_ERROR_ADDR_OVFL},
        {as, me, 3 * ipa, 0, 0, 0, GUNYAH_ERROR_ADDR_INVAL},                 // nothing of it there
        {as, me, ipa + page, 0, 0, 0, GUNYAH_ERROR_ADDR_INVAL},              // not where it starts
        {as, unmapped, ipa, 0, 0, 0, GUNYAH_ERROR_ADDR_INVAL},               // another extent's
        {as, other, ipa, partial, 0, page, GUNYAH_ERROR_ADDR_INVAL},
        {as, me, ipa + 3 * page, partial, 3 * page, 2 * page, GUNYAH_ERROR_ADDR_INVAL},  // meets the hole
        {as, me, ipa + 4 * page, partial, 4 * page, page, GUNYAH_ERROR_ADDR_INVAL},      // the hole itself
        {as, me, ipa + page, partial, 2 * page, page, GUNYAH_ERROR_ADDR_INVAL},          // wrong IPA for it
    };
    for (const Case& c : cases) {
        CAPTURE(c.as, c.me, c.vbase, c.flags, c.offset, c.size);
        CHECK(s.e(GUNYAH_HC_ADDRSPACE_UNMAP, c.as, c.me, c.vbase, c.flags, c.offset, c.size) == c.error);
    }
    CHECK(s.snapshot({as}, {me, other}) == before);
}

TEST_CASE("update_access changes the rights of what a mapping shows and keeps its memory type")
{
    System s;
    CapId as = s.addrspace(27);
    CapId me = s.extent(s.top(8), 8 * page);
    AddrSpace& space = s.obj<AddrSpace>(as);
    MemExtent& extent = s.obj<MemExtent>(me);
    REQUIRE(s.map(as, me, ipa, mapping(GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WT)) == GUNYAH_ERROR_OK);
    const std::uint64_t rx = GUNYAH_ACCESS_ATTRS(GUNYAH_ACCESS_RX, GUNYAH_ACCESS_RX);
    REQUIRE(s.e(GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, as, me, ipa + 2 * page, rx, GUNYAH_ADDRSPACE_MAP_PARTIAL, 2 * page,
                2 * page) == GUNYAH_ERROR_OK);
    CHECK(extent.mapping_count() == 3);
    CHECK(space.translate(Ipa{ipa + page})->attrs == s2(mem::Stage2Access::rw, mem::Stage2MemType::normal_wt));
    CHECK(space.translate(Ipa{ipa + 2 * page})->attrs == s2(mem::Stage2Access::rx, mem::Stage2MemType::normal_wt));
    CHECK(space.translate(Ipa{ipa + 4 * page})->attrs == s2(mem::Stage2Access::rw, mem::Stage2MemType::normal_wt));
    Return found = s.call(GUNYAH_HC_ADDRSPACE_LOOKUP, as, me, ipa, 8 * page);
    CHECK(found.x[2] == 2 * page);  // the run of equal attributes
    // All of the mapping at once, back to one span.
    const std::uint64_t rw = GUNYAH_ACCESS_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW);
    REQUIRE(s.e(GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, as, me, ipa, rw, 0, 0, 0) == GUNYAH_ERROR_OK);
    CHECK(extent.mapping_count() == 1);
    CHECK(space.translate(Ipa{ipa + 2 * page})->attrs == s2(mem::Stage2Access::rw, mem::Stage2MemType::normal_wt));
    // None at all is a right set too.
    REQUIRE(s.e(GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, as, me, ipa, 0, 0, 0, 0) == GUNYAH_ERROR_OK);
    CHECK(space.translate(Ipa{ipa})->attrs == s2(mem::Stage2Access::none, mem::Stage2MemType::normal_wt));
}

TEST_CASE("addrspace_update_access refuses each bad argument with its own error and changes nothing")
{
    System s;
    CapId as = s.addrspace(28);
    CapId me = s.extent(s.top(8), 8 * page, ext(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_ANY));
    CapId other = s.extent(s.top(16), 4 * page);
    REQUIRE(s.map(as, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(as, other, 2 * ipa) == GUNYAH_ERROR_OK);
    for (std::uint64_t i = 0; i < MemExtent::max_mappings - 2; ++i) {  // fill the slots but one
        REQUIRE(s.map_part(as, me, (3 + i) * ipa, 0, page) == GUNYAH_ERROR_OK);
    }
    CapId me_no_map = s.weak(me, GUNYAH_RIGHT_MEMEXTENT_LOOKUP);
    const std::uint64_t r = GUNYAH_ACCESS_ATTRS(GUNYAH_ACCESS_R, GUNYAH_ACCESS_R);
    const std::uint64_t partial = GUNYAH_ADDRSPACE_MAP_PARTIAL;
    Snapshot before = s.snapshot({as}, {me, other});
    struct Case {
        std::uint64_t me, vbase, access, flags, offset, size;
        std::int64_t error;
    };
    const Case cases[] = {
        {me, ipa, r | 0x8, 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {me, ipa, r | 0x80, 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {me, ipa, r | 0x100, 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {me, ipa, r, 0x10, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {me_no_map, ipa, r, 0, 0, 0, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
        {me, ipa, GUNYAH_ACCESS_ATTRS(GUNYAH_ACCESS_R, GUNYAH_ACCESS_RW), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},
        {me, ipa, GUNYAH_ACCESS_ATTRS(GUNYAH_ACCESS_RX, GUNYAH_ACCESS_RX), 0, 0, 0, GUNYAH_ERROR_ARG_INVAL},  // no X
        {me, ipa + 8, r, 0, 0, 0, GUNYAH_ERROR_ARG_ALIGN},
        {me, ipa, r, partial, 0, 0, GUNYAH_ERROR_ARG_SIZE},
        {me, 2 * ipa, r, 0, 0, 0, GUNYAH_ERROR_ADDR_INVAL},               // other's mapping
        {me, ipa + page, r, 0, 0, 0, GUNYAH_ERROR_ADDR_INVAL},
        {me, 3 * ipa, r, partial, 0, 2 * page, GUNYAH_ERROR_ADDR_INVAL},  // only one page there
        {me, ipa + 2 * page, r, partial, 2 * page, page, GUNYAH_ERROR_MEMEXTENT_MAPPINGS_FULL},  // needs two
    };
    for (const Case& c : cases) {
        CAPTURE(c.me, c.vbase, c.access, c.flags, c.offset, c.size);
        CHECK(s.e(GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, as, c.me, c.vbase, c.access, c.flags, c.offset, c.size) ==
              c.error);
    }
    CHECK(s.snapshot({as}, {me, other}) == before);
    // An end needs one slot, which there is.
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_UPDATE_ACCESS, as, me, ipa, r, partial, 0, page) == GUNYAH_ERROR_OK);
}

TEST_CASE("addrspace_lookup reports where in the extent an IPA is, and refuses what is not the extent's")
{
    System s;
    CapId as = s.addrspace(29);
    CapId parent = s.extent(s.top(16), 16 * page);
    CapId child = s.derive(parent, 8 * page, 4 * page);
    CapId stranger = s.extent(s.top(20), 4 * page);
    REQUIRE(s.map(as, parent, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(as, child, 2 * ipa) == GUNYAH_ERROR_OK);
    auto lookup = [&](CapId me, std::uint64_t vbase, std::uint64_t size) {
        return s.call(GUNYAH_HC_ADDRSPACE_LOOKUP, as, me, vbase, size);
    };
    // Through the parent's mapping, the child's pages belong to the parent's family.
    Return r = lookup(parent, ipa + 6 * page, 16 * page);
    REQUIRE(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == 6 * page);
    CHECK(r.x[2] == 10 * page);
    CHECK(r.x[3] == rw_wb);
    r = lookup(child, 2 * ipa + page, page);
    REQUIRE(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == page);
    CHECK(r.x[2] == page);
    // The child's offsets for what the parent's mapping shows of it: it holds those pages.
    r = lookup(child, ipa + 9 * page, 8 * page);
    REQUIRE(err(r) == GUNYAH_ERROR_OK);
    CHECK(r.x[1] == page);
    CHECK(r.x[2] == 3 * page);  // to the end of what the child holds

    CHECK(err(lookup(parent, ipa, 0)) == GUNYAH_ERROR_ARG_SIZE);
    CHECK(err(lookup(parent, ~std::uint64_t{0} & ~(page - 1), 2 * page)) == GUNYAH_ERROR_ADDR_OVFL);
    CHECK(err(lookup(parent, ipa + 8, page)) == GUNYAH_ERROR_ARG_ALIGN);
    CHECK(err(lookup(parent, ipa, page + 8)) == GUNYAH_ERROR_ARG_ALIGN);
    CHECK(err(lookup(parent, 3 * ipa, page)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(err(lookup(parent, std::uint64_t{1} << 45, page)) == GUNYAH_ERROR_ADDR_INVAL);  // beyond the IPA size
    CHECK(err(lookup(stranger, ipa, page)) == GUNYAH_ERROR_MEMDB_NOT_OWNER);
    CHECK(err(lookup(child, ipa, page)) == GUNYAH_ERROR_MEMDB_NOT_OWNER);  // the parent's own page
    CHECK(err(s.call(GUNYAH_HC_ADDRSPACE_LOOKUP, s.weak(as, GUNYAH_RIGHT_ADDRSPACE_MAP), parent, ipa, page)) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(s.call(GUNYAH_HC_ADDRSPACE_LOOKUP, as, s.weak(parent, GUNYAH_RIGHT_MEMEXTENT_MAP), ipa, page)) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(s.call(GUNYAH_HC_ADDRSPACE_LOOKUP, as, parent, ipa, page, 1)) == GUNYAH_ERROR_ARG_INVAL);  // R0
}

TEST_CASE("deleting an address space forgets its mappings in every extent and frees its VMID and tables")
{
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    CapId a = s.addrspace(30);
    CapId b = s.addrspace(31);
    CapId me = s.extent(s.top(8), 8 * page);
    CapId child = s.derive(me, 0, 2 * page);
    REQUIRE(s.map(a, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(b, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(a, child, 2 * ipa) == GUNYAH_ERROR_OK);
    s.drop(a);
    CHECK(s.obj<MemExtent>(me).mapping_count() == 1);
    CHECK(s.obj<MemExtent>(child).mapping_count() == 0);
    CHECK_FALSE(addrspace_platform::vmids().in_use(30));
    CHECK(pages_of(s.obj<AddrSpace>(b)).size() == 8);
    // The freed slot takes a new mapping.
    CapId c = s.addrspace(30);
    REQUIRE(s.map(c, child, ipa) == GUNYAH_ERROR_OK);
    s.drop(c);
    s.drop(b);
    s.drop(child);
    s.drop(me);
    CHECK(s.root.free_bytes() == free_start);
}

TEST_CASE("deleting an extent removes its mappings from every address space")
{
    System s;
    CapId a = s.addrspace(32);
    CapId b = s.addrspace(33);
    CapId me = s.extent(s.top(8), 8 * page);
    CapId keep = s.extent(s.top(16), 8 * page);
    REQUIRE(s.map(a, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map_part(b, me, ipa, 4 * page, 2 * page) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(a, keep, 2 * ipa) == GUNYAH_ERROR_OK);
    const std::size_t a_tables = s.obj<AddrSpace>(a).table_pages();
    s.drop(me);
    CHECK(pages_of(s.obj<AddrSpace>(a)).size() == 8);  // keep's
    CHECK(leaves(s.obj<AddrSpace>(b)).empty());
    CHECK(s.obj<AddrSpace>(a).mapping_count() == 1);
    CHECK(s.obj<AddrSpace>(b).mapping_count() == 0);
    CHECK(s.obj<AddrSpace>(b).table_pages() == 2);  // back to the root alone
    CHECK(s.obj<AddrSpace>(a).table_pages() <= a_tables);
}

TEST_CASE("memextent_modify unmap_all removes every mapping of the extent and nothing else")
{
    System s;
    CapId a = s.addrspace(34);
    CapId b = s.addrspace(35);
    CapId me = s.extent(s.top(8), 8 * page);
    CapId child = s.derive(me, 0, 4 * page);
    REQUIRE(s.map(a, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(b, me, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(b, child, 2 * ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_MODIFY, me, GUNYAH_MEMEXTENT_MODIFY_UNMAP_ALL, 0, 0) == GUNYAH_ERROR_OK);
    CHECK(s.obj<MemExtent>(me).mapping_count() == 0);
    CHECK(leaves(s.obj<AddrSpace>(a)).empty());
    CHECK(pages_of(s.obj<AddrSpace>(b)).size() == 4);  // the child's own mapping stays
}

TEST_CASE("the native call form maps with all seven arguments")
{
    System s;
    CapId as = s.addrspace(36);
    CapId me = s.extent(s.top(8), 8 * page);
    const std::uint64_t regs[8] = {as, me, ipa, rw_wb, GUNYAH_ADDRSPACE_MAP_PARTIAL, 2 * page, 3 * page, 0};
    Return r = dispatch_native(s.caller, GUNYAH_HC_NATIVE_IMM(GUNYAH_HC_ADDRSPACE_MAP), regs);
    REQUIRE(err(r) == GUNYAH_ERROR_OK);
    CHECK(s.obj<AddrSpace>(as).translate(Ipa{ipa})->pa == PhysAddr{s.top(6)});
    CHECK(pages_of(s.obj<AddrSpace>(as)).size() == 3);
}

TEST_CASE("an unmap that splits a block works when the partition is empty, from the reserve")
{
    System s;  // 4 MiB: the top 2 MiB is a whole, aligned block
    CapId as = s.addrspace(37);
    CapId me = s.extent(s.top(512), 2 * mib);
    REQUIRE(s.map(as, me, gib) == GUNYAH_ERROR_OK);
    std::vector<Leaf> before = leaves(s.obj<AddrSpace>(as));
    REQUIRE(before.size() == 1);
    CHECK(before[0].size == 2 * mib);
    std::vector<PhysAddr> hog;
    for (;;) {
        Result<PhysAddr> p = s.root.allocate_pages(1);
        if (!p) {
            break;
        }
        hog.push_back(*p);
    }
    // A map now fails cleanly for lack of table pages...
    Snapshot full = s.snapshot({as}, {me});
    CHECK(s.map_part(as, me, 2 * gib, 0, page) == GUNYAH_ERROR_NOMEM);
    CHECK(s.snapshot({as}, {me}) == full);
    // ...and an unmap that must split the block still works.
    REQUIRE(s.unmap_part(as, me, gib + page, page, page) == GUNYAH_ERROR_OK);
    CHECK(pages_of(s.obj<AddrSpace>(as)).size() == 511);
    // Unmapping the rest gives the table page back.
    REQUIRE(s.unmap(as, me, gib) == GUNYAH_ERROR_OK);
    CHECK(leaves(s.obj<AddrSpace>(as)).empty());
    for (PhysAddr p : hog) {
        s.root.free_pages(p, 1);
    }
}

TEST_CASE("a block two extents' mappings make up is split when one of them goes")
{
    System s;
    CapId as = s.addrspace(38);
    CapId low = s.extent(s.top(512), mib);
    CapId high = s.extent(s.top(256), mib);
    REQUIRE(s.map(as, low, gib) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(as, high, gib + mib) == GUNYAH_ERROR_OK);
    REQUIRE(leaves(s.obj<AddrSpace>(as)).size() == 1);  // merged into one 2 MiB block
    s.drop(low);
    std::map<std::uint64_t, PageMapping> left = pages_of(s.obj<AddrSpace>(as));
    CHECK(left.size() == 256);
    CHECK(left.begin()->first == gib + mib);
    CHECK(left.begin()->second.pa == s.top(256));
}

TEST_CASE("the platform's PA size caps the IPA size and its VMID width bounds the VMIDs")
{
    System s;
    addrspace_platform::set(36, 8);
    CHECK(addrspace_platform::ipa_bits() == 36);
    CapId as = s.new_addrspace();
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 256) == GUNYAH_ERROR_ARG_INVAL);
    REQUIRE(s.e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, 255) == GUNYAH_ERROR_OK);
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_OK);
    CHECK(s.obj<AddrSpace>(as).ipa_limit() == std::uint64_t{1} << 36);
    CHECK(s.obj<AddrSpace>(as).table_pages() == 1);  // 36 bits: one level-1 root
    s.drop(as);
    addrspace_platform::set(48, 16);  // the defaults again
    CHECK(addrspace_platform::ipa_bits() == addrspace_platform::default_ipa_bits);
}
