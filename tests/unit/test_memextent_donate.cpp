// memextent_donate: memory moving between a partition and its root extent, a parent
// extent and its child, and two siblings, with the mappings following; every refusal
// with its own error and nothing changed.
#include "test_memextent_fixture.h"

using namespace memtest;

namespace {

constexpr std::uint32_t to_child = GUNYAH_DONATE_TO_CHILD;
constexpr std::uint32_t to_parent = GUNYAH_DONATE_TO_PARENT;
constexpr std::uint32_t to_sibling = GUNYAH_DONATE_TO_SIBLING;
constexpr std::uint64_t ipa = 0x1000'0000;

}  // namespace

TEST_CASE("a root extent donates part of itself to its partition and takes it back")
{
    System s;
    CapId me = s.extent(s.top(8), 8 * page);
    MemExtent& extent = s.obj<MemExtent>(me);
    const std::uint64_t free_with_extent = s.root.free_bytes();

    REQUIRE(s.donate(to_parent, me, s.partition_cap, 2 * page, 3 * page) == GUNYAH_ERROR_OK);
    CHECK(extent.bytes_held() == 5 * page);
    CHECK(s.owner_at(s.top(6)) == s.root.owner());
    CHECK(s.owner_at(s.top(3)) == extent.owner());
    CHECK(s.root.free_bytes() == free_with_extent + 3 * page);  // allocatable again

    // Part of it back, then the rest.
    REQUIRE(s.donate(to_child, s.partition_cap, me, 2 * page, page) == GUNYAH_ERROR_OK);
    REQUIRE(s.donate(to_child, s.partition_cap, me, 3 * page, 2 * page) == GUNYAH_ERROR_OK);
    CHECK(extent.bytes_held() == 8 * page);
    CHECK(s.root.free_bytes() == free_with_extent);
    CHECK(s.memdb.check().ok());
}

TEST_CASE("a deleted root extent gives back only what it still holds")
{
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    CapId me = s.extent(s.top(8), 8 * page);
    REQUIRE(s.donate(to_parent, me, s.partition_cap, 0, 4 * page) == GUNYAH_ERROR_OK);
    // The partition uses the donated pages for something else meanwhile.
    CapId other = s.extent(s.top(8), 2 * page);
    s.drop(me);
    CHECK(s.owner_at(s.top(8)) == s.obj<MemExtent>(other).owner());
    s.drop(other);
    CHECK(s.root.free_bytes() == free_start);
    CHECK(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
}

TEST_CASE("a parent extent and its child pass memory back and forth")
{
    System s;
    CapId parent = s.extent(s.top(16), 16 * page);
    CapId child = s.derive(parent, 4 * page, 8 * page);
    MemExtent& p = s.obj<MemExtent>(parent);
    MemExtent& c = s.obj<MemExtent>(child);
    REQUIRE(s.donate(to_parent, child, parent, 0, 2 * page) == GUNYAH_ERROR_OK);
    CHECK(c.bytes_held() == 6 * page);
    CHECK(p.bytes_held() == 10 * page);
    CHECK(s.owner_at(s.top(12)) == p.owner());
    REQUIRE(s.donate(to_child, parent, child, page, page) == GUNYAH_ERROR_OK);
    CHECK(c.bytes_held() == 7 * page);
    CHECK(s.owner_at(s.top(11)) == c.owner());
    // Deleting the child returns what it holds; the parent ends up with everything.
    s.drop(child);
    CHECK(p.bytes_held() == 16 * page);
    CHECK(p.children() == 0);
}

TEST_CASE("siblings give each other memory that lies within both")
{
    System s;
    CapId parent = s.extent(s.top(16), 16 * page);
    CapId a = s.derive(parent, 0, 8 * page);
    REQUIRE(s.donate(to_parent, a, parent, 4 * page, 4 * page) == GUNYAH_ERROR_OK);
    CapId b = s.derive(parent, 4 * page, 8 * page);  // overlaps a's bounds where a gave way
    MemExtent& ea = s.obj<MemExtent>(a);
    MemExtent& eb = s.obj<MemExtent>(b);
    // b's offsets count from b; sibling donations count from `from`.
    REQUIRE(s.donate(to_sibling, b, a, 0, 2 * page) == GUNYAH_ERROR_OK);
    CHECK(ea.bytes_held() == 6 * page);
    CHECK(eb.bytes_held() == 6 * page);
    CHECK(s.owner_at(s.top(12)) == ea.owner());
    REQUIRE(s.donate(to_sibling, a, b, 4 * page, page) == GUNYAH_ERROR_OK);
    CHECK(s.owner_at(s.top(12)) == eb.owner());
    s.drop(a);
    s.drop(b);
    CHECK(s.obj<MemExtent>(parent).bytes_held() == 16 * page);
}

TEST_CASE("memextent_donate refuses each bad argument with its own error and changes nothing")
{
    System s;
    CapId root_a = s.extent(s.top(16), 16 * page);
    CapId root_b = s.extent(s.top(32), 8 * page);
    CapId child = s.derive(root_a, 0, 8 * page);
    CapId sibling = s.derive(root_a, 8 * page, 4 * page);
    CapId cousin = s.derive(root_b, 0, 4 * page);
    CapId grandchild = s.derive(child, 0, 2 * page);
    CapId inactive = s.new_extent();
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, inactive, root_a, 12 * page, page, rwx_any) == GUNYAH_ERROR_OK);
    // A second partition, for a "wrong parent".
    Return made = s.call(GUNYAH_HC_PARTITION_CREATE_PARTITION, s.partition_cap, s.cspace_cap);
    REQUIRE(err(made) == GUNYAH_ERROR_OK);
    CapId other_partition = made.x[1];
    REQUIRE(s.e(GUNYAH_HC_OBJECT_ACTIVATE, other_partition) == GUNYAH_ERROR_OK);
    CapId no_donate_child = s.weak(child, GUNYAH_RIGHTS_MEMEXTENT_ALL & ~GUNYAH_RIGHT_MEMEXTENT_DONATE);
    CapId no_donate_root = s.weak(root_a, GUNYAH_RIGHTS_MEMEXTENT_ALL & ~GUNYAH_RIGHT_MEMEXTENT_DONATE);
    CapId no_donate_partition = s.weak(s.partition_cap, GUNYAH_RIGHT_PARTITION_OBJECT_CREATE);

    Snapshot before = s.snapshot();
    struct Case {
        std::uint64_t options, from, to, offset, size;
        std::int64_t error;
    };
    const Case cases[] = {
        {to_child | 0x100, root_a, child, 0, page, GUNYAH_ERROR_ARG_INVAL},        // undefined option bit
        {to_child | (std::uint64_t{1} << 40), root_a, child, 0, page, GUNYAH_ERROR_ARG_INVAL},
        {3, root_a, child, 0, page, GUNYAH_ERROR_ARG_INVAL},                       // no such type
        {0xff, root_a, child, 0, page, GUNYAH_ERROR_ARG_INVAL},
        {to_child, root_a, 0xbad, 0, page, GUNYAH_ERROR_CSPACE_CAP_NULL},
        {to_child, root_a, no_donate_child, 0, page, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
        {to_child, no_donate_root, child, 0, page, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
        {to_child, s.partition_cap, child, 0, page, GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE},  // child's parent is an extent
        {to_child, root_a, s.partition_cap, 0, page, GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE},
        {to_child, root_b, root_a, 0, page, GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE},          // a root's parent is a partition
        {to_child, no_donate_partition, root_a, 0, page, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
        {to_child, other_partition, root_a, 0, page, GUNYAH_ERROR_ARG_INVAL},             // not its partition
        {to_child, root_b, child, 0, page, GUNYAH_ERROR_ARG_INVAL},                       // not its parent
        {to_parent, child, root_b, 0, page, GUNYAH_ERROR_ARG_INVAL},
        {to_child, root_a, inactive, 0, page, GUNYAH_ERROR_OBJECT_STATE},
        {to_child, root_a, child, 8, page, GUNYAH_ERROR_ARG_ALIGN},
        {to_child, root_a, child, 0, page + 8, GUNYAH_ERROR_ARG_ALIGN},
        {to_child, root_a, child, ~std::uint64_t{0} & ~(page - 1), page, GUNYAH_ERROR_ARG_INVAL},  // wraps
        {to_child, root_a, child, 0, 0, GUNYAH_ERROR_ARG_SIZE},
        {to_child, root_a, child, page, ~std::uint64_t{0} & ~(page - 1), GUNYAH_ERROR_ARG_SIZE},
        {to_child, root_a, child, 4 * page, 8 * page, GUNYAH_ERROR_ARG_INVAL},            // past the child's end
        {to_child, root_a, child, 4 * page, page, GUNYAH_ERROR_MEMDB_NOT_OWNER},          // the child holds it
        {to_parent, child, root_a, 0, page, GUNYAH_ERROR_MEMDB_NOT_OWNER},                // the grandchild does
        {to_child, s.partition_cap, root_a, 0, page, GUNYAH_ERROR_MEMDB_NOT_OWNER},       // the extent holds it
        {to_parent, grandchild, child, 0, 4 * page, GUNYAH_ERROR_ARG_INVAL},              // past its end
        {to_sibling, child, cousin, 0, page, GUNYAH_ERROR_ARG_INVAL},                     // different parents
        {to_sibling, child, child, 0, page, GUNYAH_ERROR_ARG_INVAL},
        {to_sibling, root_a, root_b, 0, page, GUNYAH_ERROR_ARG_INVAL},                    // roots are no siblings
        {to_sibling, child, sibling, 0, page, GUNYAH_ERROR_ARG_INVAL},                    // not inside `to`
        {to_sibling, child, inactive, 0, page, GUNYAH_ERROR_OBJECT_STATE},
        {to_sibling, child, 0xbad, 0, page, GUNYAH_ERROR_CSPACE_CAP_NULL},
        {to_sibling, no_donate_child, sibling, 0, page, GUNYAH_ERROR_CSPACE_INSUF_RIGHTS},
    };
    for (const Case& c : cases) {
        CAPTURE(c.options, c.from, c.to, c.offset, c.size);
        CHECK(s.e(GUNYAH_HC_MEMEXTENT_DONATE, c.options, c.from, c.to, c.offset, c.size) == c.error);
    }
    CHECK(s.e(GUNYAH_HC_MEMEXTENT_DONATE, to_child, root_a, child, 0, page, 1) == GUNYAH_ERROR_ARG_INVAL);  // R0
    CHECK(s.snapshot() == before);
}

TEST_CASE("a donation from the partition refuses pages it uses or does not own")
{
    System s;
    CapId me = s.extent(s.top(8), 8 * page);
    REQUIRE(s.donate(to_parent, me, s.partition_cap, 0, 4 * page) == GUNYAH_ERROR_OK);
    CapId squatter = s.extent(s.top(8), page);  // someone else's now
    REQUIRE(s.donate(to_child, s.partition_cap, me, page, page) == GUNYAH_ERROR_OK);  // a free one
    Snapshot before = s.snapshot();
    CHECK(s.donate(to_child, s.partition_cap, me, 0, page) == GUNYAH_ERROR_MEMDB_NOT_OWNER);
    CHECK(s.donate(to_child, s.partition_cap, me, 0, 2 * page) == GUNYAH_ERROR_MEMDB_NOT_OWNER);
    CHECK(s.snapshot() == before);
    // One the partition itself uses (as an object or a table would).
    REQUIRE(s.root.allocator().claim(PhysRange{PhysAddr{s.top(6)}, page}).ok());
    before = s.snapshot();
    CHECK(s.donate(to_child, s.partition_cap, me, 2 * page, 2 * page) == GUNYAH_ERROR_BUSY);
    CHECK(s.snapshot() == before);
    s.root.free_pages(PhysAddr{s.top(6)}, 1);
    CHECK(s.donate(to_child, s.partition_cap, me, 2 * page, 2 * page) == GUNYAH_ERROR_OK);
    (void)squatter;
}

TEST_CASE("mappings follow a donation: what leaves the family is unmapped, what joins is mapped")
{
    System s;
    CapId as = s.addrspace(11);
    CapId parent = s.extent(s.top(16), 16 * page);
    CapId child = s.derive(parent, 0, 8 * page);
    REQUIRE(s.map(as, parent, ipa) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(as, child, 2 * ipa) == GUNYAH_ERROR_OK);
    AddrSpace& space = s.obj<AddrSpace>(as);
    auto mapped = [&](std::uint64_t at) { return space.translate(Ipa{at}).ok(); };
    // The parent's mapping shows the child's pages too (they are in its family).
    CHECK(mapped(ipa));
    CHECK(mapped(2 * ipa));

    // Child -> parent: still the parent's family: only the child's mapping loses it.
    REQUIRE(s.donate(to_parent, child, parent, 0, page) == GUNYAH_ERROR_OK);
    CHECK(mapped(ipa));
    CHECK_FALSE(mapped(2 * ipa));
    CHECK(mapped(2 * ipa + page));
    // Parent -> partition: out of every family: the parent's mapping loses it too.
    REQUIRE(s.donate(to_parent, parent, s.partition_cap, 12 * page, 2 * page) == GUNYAH_ERROR_OK);
    CHECK_FALSE(mapped(ipa + 12 * page));
    CHECK_FALSE(mapped(ipa + 13 * page));
    CHECK(mapped(ipa + 14 * page));
    // The IPAs stay the parent's mapping's: nobody else may map there meanwhile.
    CapId squatter = s.extent(s.top(24), page);
    CHECK(s.map(as, squatter, ipa + 12 * page) == GUNYAH_ERROR_EXISTING_MAPPING);
    // And back in again.
    REQUIRE(s.donate(to_child, s.partition_cap, parent, 12 * page, 2 * page) == GUNYAH_ERROR_OK);
    CHECK(mapped(ipa + 12 * page));
    CHECK(space.translate(Ipa{ipa + 12 * page})->pa == PhysAddr{s.top(4)});
    REQUIRE(s.donate(to_child, parent, child, 0, page) == GUNYAH_ERROR_OK);
    CHECK(mapped(2 * ipa));
}

TEST_CASE("a donation whose mapping runs out of table pages changes nothing")
{
    System s{512};
    CapId as = s.addrspace(12);
    CapId me = s.extent(s.top(64), 64 * page);
    REQUIRE(s.map_part(as, me, 0x4000'0000, 0, 32 * page) == GUNYAH_ERROR_OK);
    REQUIRE(s.map_part(as, me, 0x8000'0000 + 32 * page, 32 * page, 32 * page) == GUNYAH_ERROR_OK);
    REQUIRE(s.donate(to_parent, me, s.partition_cap, 0, 64 * page) == GUNYAH_ERROR_OK);
    CHECK(leaves(s.obj<AddrSpace>(as)).empty());
    // Use up the partition but for the donated pages themselves: the table pages the
    // map needs are not there (the address space's reserve is only for unmaps).
    const PhysRange donated{PhysAddr{s.top(64)}, 64 * page};
    REQUIRE(s.root.allocator().claim(donated).ok());
    std::vector<PhysAddr> hog;
    for (;;) {
        Result<PhysAddr> p = s.root.allocate_pages(1);
        if (!p) {
            break;
        }
        hog.push_back(*p);
    }
    s.root.free_pages(donated.base, 64);
    Snapshot before = s.snapshot({as}, {me});
    CHECK(s.donate(to_child, s.partition_cap, me, 0, 64 * page) == GUNYAH_ERROR_NOMEM);
    CHECK(s.snapshot({as}, {me}) == before);
    for (PhysAddr p : hog) {
        s.root.free_pages(p, 1);
    }
    CHECK(s.donate(to_child, s.partition_cap, me, 0, 64 * page) == GUNYAH_ERROR_OK);
    CHECK(pages_of(s.obj<AddrSpace>(as)).size() == 64);
}
