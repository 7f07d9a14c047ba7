// The resource manager's memory recipes (docs/objects.md), played through hypercalls
// alone: share, lend and reclaim (two ways, and both with many scattered ranges), and
// donate. Each ends with everything deleted and every page, table and VMID back where it
// started.
#include "test_memextent_fixture.h"

using namespace memtest;

namespace {

constexpr std::uint64_t owner_ipa = 0x8000'0000;
constexpr std::uint64_t borrower_ipa = 0x4000'0000;
constexpr std::uint64_t off = 16 * page;
constexpr std::uint64_t len = 16 * page;

// An owner VM with 64 pages of RAM mapped read-write at owner_ipa, and a borrower VM.
struct Vms {
    explicit Vms(System& s)
        : sys{s}, free_start{s.root.free_bytes()}, owner_as{s.addrspace(101)}, borrower_as{s.addrspace(102)},
          owner_me{s.extent(s.top(64), 64 * page)}
    {
        REQUIRE(s.map(owner_as, owner_me, owner_ipa) == GUNYAH_ERROR_OK);
        base = s.top(64);
    }

    [[nodiscard]] Result<mem::Stage2Mapping> in_owner(std::uint64_t offset)
    {
        return sys.obj<AddrSpace>(owner_as).translate(Ipa{owner_ipa + offset});
    }
    [[nodiscard]] Result<mem::Stage2Mapping> in_borrower(std::uint64_t offset)
    {
        return sys.obj<AddrSpace>(borrower_as).translate(Ipa{borrower_ipa + offset});
    }

    // Everything goes; every page, table page and VMID must be back.
    void tear_down()
    {
        sys.drop(owner_me);
        sys.drop(owner_as);
        sys.drop(borrower_as);
        CHECK(sys.root.free_bytes() == free_start);
        CHECK(sys.memdb.bytes_owned(sys.root.owner()) == sys.ram.size);
        CHECK_FALSE(addrspace_platform::vmids().in_use(101));
        CHECK_FALSE(addrspace_platform::vmids().in_use(102));
        CHECK(sys.memdb.check().ok());
    }

    System& sys;
    std::uint64_t free_start;
    CapId owner_as;
    CapId borrower_as;
    CapId owner_me;
    std::uint64_t base = 0;
};

}  // namespace

TEST_CASE("share: the borrower sees the memory and the owner keeps its mapping")
{
    System s;
    Vms vm{s};
    // Derive the parcel and map it into the borrower, read-only there.
    CapId parcel = s.derive(vm.owner_me, off, len);
    REQUIRE(s.map(vm.borrower_as, parcel, borrower_ipa, r_wb) == GUNYAH_ERROR_OK);

    for (std::uint64_t i = 0; i < len; i += page) {
        REQUIRE(vm.in_borrower(i).ok());
        CHECK(vm.in_borrower(i)->pa == PhysAddr{vm.base + off + i});
        CHECK(vm.in_borrower(i)->attrs.access == mem::Stage2Access::r);
        REQUIRE(vm.in_owner(off + i).ok());
        CHECK(vm.in_owner(off + i)->pa == vm.in_borrower(i)->pa);  // the same page in both
        CHECK(vm.in_owner(off + i)->attrs.access == mem::Stage2Access::rw);
    }
    // The owner writes, the borrower's page is that page.
    auto* owner_view = static_cast<std::uint8_t*>(Partition::to_pointer(vm.in_owner(off)->pa));
    owner_view[5] = 0x42;
    CHECK(static_cast<std::uint8_t*>(Partition::to_pointer(vm.in_borrower(0)->pa))[5] == 0x42);
    CHECK(s.owner_at(vm.base + off) == s.obj<MemExtent>(parcel).owner());

    // End of the share: the parcel goes, the borrower loses it, the owner never noticed.
    s.drop(parcel);
    CHECK(leaves(s.obj<AddrSpace>(vm.borrower_as)).empty());
    CHECK(pages_of(s.obj<AddrSpace>(vm.owner_as)).size() == 64);
    CHECK(s.owner_at(vm.base + off) == s.obj<MemExtent>(vm.owner_me).owner());
    vm.tear_down();
}

TEST_CASE("lend and reclaim: the owner's mapping of the range goes while it is lent and comes back")
{
    System s;
    Vms vm{s};
    const std::map<std::uint64_t, PageMapping> owner_before = pages_of(s.obj<AddrSpace>(vm.owner_as));

    // Lend: derive, take the range out of the owner's mapping (partial), map it to the borrower.
    CapId parcel = s.derive(vm.owner_me, off, len);
    REQUIRE(s.unmap_part(vm.owner_as, vm.owner_me, owner_ipa + off, off, len) == GUNYAH_ERROR_OK);
    REQUIRE(s.map(vm.borrower_as, parcel, borrower_ipa) == GUNYAH_ERROR_OK);
    CHECK_FALSE(vm.in_owner(off).ok());
    CHECK_FALSE(vm.in_owner(off + len - page).ok());
    CHECK(vm.in_owner(off - page).ok());
    CHECK(vm.in_owner(off + len).ok());
    CHECK(vm.in_borrower(0)->pa == PhysAddr{vm.base + off});
    Return found = s.call(GUNYAH_HC_ADDRSPACE_LOOKUP, vm.borrower_as, parcel, borrower_ipa, len);
    CHECK(found.x[1] == 0);
    CHECK(found.x[2] == len);
    // The borrower's data is its own to clean before it is returned.
    REQUIRE(s.e(GUNYAH_HC_MEMEXTENT_MODIFY, parcel, GUNYAH_MEMEXTENT_MODIFY_ZERO_RANGE, 0, len) == GUNYAH_ERROR_OK);

    // Reclaim: the parcel goes (the borrower loses it, the owner's extent holds it again),
    // then the owner's mapping of the range is restored, joining the mapping again.
    s.drop(parcel);
    CHECK(leaves(s.obj<AddrSpace>(vm.borrower_as)).empty());
    REQUIRE(s.map_part(vm.owner_as, vm.owner_me, owner_ipa + off, off, len) == GUNYAH_ERROR_OK);
    CHECK(pages_of(s.obj<AddrSpace>(vm.owner_as)) == owner_before);
    CHECK(s.obj<MemExtent>(vm.owner_me).mapping_count() == 1);
    vm.tear_down();
}

TEST_CASE("lend and reclaim by donation: the kernel keeps the owner out and restores it by itself")
{
    // The owner's extent is a child of one the RM keeps: lent memory leaves the owner's
    // family for a sibling, so no mapping of the owner's can show it, and coming back
    // brings the owner's mapping back with it.
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    CapId owner_as = s.addrspace(103);
    CapId borrower_as = s.addrspace(104);
    CapId rm_me = s.extent(s.top(64), 64 * page);
    CapId owner_me = s.derive(rm_me, 0, 64 * page);
    REQUIRE(s.map(owner_as, owner_me, owner_ipa) == GUNYAH_ERROR_OK);
    const std::map<std::uint64_t, PageMapping> owner_before = pages_of(s.obj<AddrSpace>(owner_as));
    AddrSpace& owner = s.obj<AddrSpace>(owner_as);

    // Lend: the range goes back to the RM's extent, a parcel is derived from it there.
    REQUIRE(s.donate(GUNYAH_DONATE_TO_PARENT, owner_me, rm_me, off, len) == GUNYAH_ERROR_OK);
    CapId parcel = s.derive(rm_me, off, len);
    REQUIRE(s.map(borrower_as, parcel, borrower_ipa) == GUNYAH_ERROR_OK);
    CHECK_FALSE(owner.translate(Ipa{owner_ipa + off}).ok());
    // Not even the RM can show it through the owner's extent now: it is not its family's.
    CHECK(s.e(GUNYAH_HC_ADDRSPACE_LOOKUP, owner_as, owner_me, owner_ipa + off, page) == GUNYAH_ERROR_ADDR_INVAL);
    CapId intruder = s.extent(s.top(72), page);
    CHECK(s.map(owner_as, intruder, owner_ipa + off) == GUNYAH_ERROR_EXISTING_MAPPING);  // the IPAs wait

    // Reclaim: the parcel goes, the RM gives the range back to the owner's extent, and its
    // mapping shows it again.
    s.drop(parcel);
    REQUIRE(s.donate(GUNYAH_DONATE_TO_CHILD, rm_me, owner_me, off, len) == GUNYAH_ERROR_OK);
    CHECK(pages_of(owner) == owner_before);

    s.drop(intruder);
    s.drop(owner_me);
    s.drop(rm_me);
    s.drop(owner_as);
    s.drop(borrower_as);
    CHECK(s.root.free_bytes() == free_start);
    CHECK(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
}

// A lender whose memory is scattered (a Linux VMM's guest memory: runs of a few pages all
// over its RAM) lends one range per run, from one mapping that stage 2 holds in blocks.
// Holes cut by partial unmaps cost the owner's extent a slot each; donations cost none.
TEST_CASE("scattered lends by partial unmap: the owner's mapping takes 7 holes, the 8th is mappings_full")
{
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    const std::uint64_t base = s.top(512);  // 2 MiB, aligned: the owner's mapping is one block
    CapId owner_as = s.addrspace(105);
    CapId owner_me = s.extent(base, 2 * mib);
    REQUIRE(s.map(owner_as, owner_me, owner_ipa) == GUNYAH_ERROR_OK);
    AddrSpace& owner = s.obj<AddrSpace>(owner_as);
    const std::vector<Leaf> owner_before = leaves(owner);
    REQUIRE(owner_before.size() == 1);
    REQUIRE(owner_before[0].size == 2 * mib);

    // Every other page, so that no two holes touch: each splits the mapping once more.
    auto hole = [](std::size_t i) { return (2 * i + 1) * page; };
    std::vector<CapId> parcels;
    for (std::size_t i = 0; i + 1 < MemExtent::max_mappings; ++i) {
        parcels.push_back(s.derive(owner_me, hole(i), page));
        REQUIRE(s.unmap_part(owner_as, owner_me, owner_ipa + hole(i), hole(i), page) == GUNYAH_ERROR_OK);
        CHECK_FALSE(owner.translate(Ipa{owner_ipa + hole(i)}).ok());
    }
    CHECK(s.obj<MemExtent>(owner_me).mapping_count() == MemExtent::max_mappings);
    const std::uint64_t next = hole(MemExtent::max_mappings - 1);
    CapId refused = s.derive(owner_me, next, page);
    const Snapshot before = s.snapshot({owner_as}, {owner_me});
    CHECK(s.unmap_part(owner_as, owner_me, owner_ipa + next, next, page) == GUNYAH_ERROR_MEMEXTENT_MAPPINGS_FULL);
    CHECK(s.snapshot({owner_as}, {owner_me}) == before);
    CHECK(owner.translate(Ipa{owner_ipa + next}).ok());  // the owner still reaches it: not lent
    s.drop(refused);

    // Reclaim: each parcel goes, the owner's mapping is joined again, back to one block.
    for (std::size_t i = 0; i < parcels.size(); ++i) {
        s.drop(parcels[i]);
        REQUIRE(s.map_part(owner_as, owner_me, owner_ipa + hole(i), hole(i), page) == GUNYAH_ERROR_OK);
    }
    CHECK(s.obj<MemExtent>(owner_me).mapping_count() == 1);
    CHECK(leaves(owner) == owner_before);
    s.drop(owner_me);
    s.drop(owner_as);
    CHECK(s.root.free_bytes() == free_start);
    CHECK(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
}

TEST_CASE("scattered lends by donation: 128 one-page lends out of one block cost the owner no slot")
{
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    const std::uint64_t base = s.top(512);
    CapId owner_as = s.addrspace(106);
    CapId borrower_as = s.addrspace(107);
    CapId rm_me = s.extent(base, 2 * mib);
    CapId owner_me = s.derive(rm_me, 0, 2 * mib);
    REQUIRE(s.map(owner_as, owner_me, owner_ipa) == GUNYAH_ERROR_OK);
    AddrSpace& owner = s.obj<AddrSpace>(owner_as);
    AddrSpace& borrower = s.obj<AddrSpace>(borrower_as);
    const std::vector<Leaf> owner_before = leaves(owner);
    REQUIRE(owner_before.size() == 1);
    REQUIRE(owner_before[0].size == 2 * mib);

    // 16 times what the slots could take as holes; each lend splits what is left of the block.
    constexpr std::size_t lends = 16 * MemExtent::max_mappings;
    auto hole = [](std::size_t i) { return (2 * i + 1) * page; };
    std::vector<CapId> parcels;
    for (std::size_t i = 0; i < lends; ++i) {
        REQUIRE(s.donate(GUNYAH_DONATE_TO_PARENT, owner_me, rm_me, hole(i), page) == GUNYAH_ERROR_OK);
        parcels.push_back(s.derive(rm_me, hole(i), page));
        REQUIRE(s.map(borrower_as, parcels.back(), borrower_ipa + i * page) == GUNYAH_ERROR_OK);
    }
    CHECK(s.obj<MemExtent>(owner_me).mapping_count() == 1);
    for (std::size_t i = 0; i < lends; ++i) {
        CHECK_FALSE(owner.translate(Ipa{owner_ipa + hole(i)}).ok());
        CHECK(owner.translate(Ipa{owner_ipa + hole(i) - page}).ok());  // its neighbour stays the owner's
        REQUIRE(borrower.translate(Ipa{borrower_ipa + i * page}).ok());
        CHECK(borrower.translate(Ipa{borrower_ipa + i * page})->pa == PhysAddr{base + hole(i)});
    }

    // Reclaim, from the last: the parcel goes, the range goes back to the owner's extent,
    // whose mapping shows it again; at the end the owner's block is whole again.
    for (std::size_t i = lends; i-- > 0;) {
        s.drop(parcels[i]);
        REQUIRE(s.donate(GUNYAH_DONATE_TO_CHILD, rm_me, owner_me, hole(i), page) == GUNYAH_ERROR_OK);
    }
    CHECK(leaves(owner) == owner_before);
    CHECK(leaves(borrower).empty());
    s.drop(owner_me);
    s.drop(rm_me);
    s.drop(owner_as);
    s.drop(borrower_as);
    CHECK(s.root.free_bytes() == free_start);
    CHECK(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
}

TEST_CASE("donate: ownership moves for good and outlives the old owner's extent")
{
    System s;
    Vms vm{s};
    // The range leaves the owner's extent for the partition (and the owner's mapping)...
    REQUIRE(s.donate(GUNYAH_DONATE_TO_PARENT, vm.owner_me, s.partition_cap, off, len) == GUNYAH_ERROR_OK);
    CHECK_FALSE(vm.in_owner(off).ok());
    CHECK(s.obj<MemExtent>(vm.owner_me).bytes_held() == 64 * page - len);
    // ...and becomes an extent of the recipient's own.
    CapId gift = s.extent(vm.base + off, len);
    REQUIRE(s.map(vm.borrower_as, gift, borrower_ipa) == GUNYAH_ERROR_OK);
    CHECK(vm.in_borrower(0)->pa == PhysAddr{vm.base + off});

    // The old owner goes entirely; the gift stays where it is.
    s.drop(vm.owner_me);
    CHECK(s.owner_at(vm.base + off) == s.obj<MemExtent>(gift).owner());
    CHECK(pages_of(s.obj<AddrSpace>(vm.borrower_as)).size() == len / page);
    CHECK(s.owner_at(vm.base) == s.root.owner());

    s.drop(gift);
    s.drop(vm.owner_as);
    s.drop(vm.borrower_as);
    CHECK(s.root.free_bytes() == vm.free_start);
    CHECK(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
}

TEST_CASE("deleting everything in any order gives back every page, table and VMID")
{
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    for (int order = 0; order < 4; ++order) {
        CapId a = s.addrspace(110);
        CapId b = s.addrspace(111);
        CapId root = s.extent(s.top(128), 128 * page);
        CapId child = s.derive(root, 0, 64 * page);
        CapId grandchild = s.derive(child, 32 * page, 16 * page);
        REQUIRE(s.map(a, root, 0x1000'0000) == GUNYAH_ERROR_OK);
        REQUIRE(s.map(b, child, 0x2000'0000) == GUNYAH_ERROR_OK);
        REQUIRE(s.map_part(b, grandchild, 0x3000'0000, page, page) == GUNYAH_ERROR_OK);
        REQUIRE(s.donate(GUNYAH_DONATE_TO_PARENT, root, s.partition_cap, 100 * page, 4 * page) == GUNYAH_ERROR_OK);
        const CapId caps[5] = {a, b, root, child, grandchild};
        const int orders[4][5] = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}, {3, 2, 1, 4, 0}};
        for (int i : orders[order]) {
            s.drop(caps[i]);
        }
        CHECK(s.root.free_bytes() == free_start);
        CHECK(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
        CHECK_FALSE(addrspace_platform::vmids().in_use(110));
        CHECK_FALSE(addrspace_platform::vmids().in_use(111));
    }
}
