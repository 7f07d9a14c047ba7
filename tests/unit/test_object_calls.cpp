// The object lifecycle through hypercalls: create in a partition, configure, activate;
// every refusal leaves memory and caps as they were.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/hypercall.h"
#include "kernel/object/cspace.h"
#include "kernel/object/partition.h"

using namespace hyp;
using namespace hyp::hypercall;

namespace {

constexpr std::uint64_t page = 4096;

// A root partition over an arena, and a root cspace holding caps to both.
struct System {
    explicit System(std::size_t pages = 256)
        : arena{static_cast<std::uint8_t*>(std::aligned_alloc(page, pages * page))}, memdb{records, 256},
          root{memdb, nullptr, nullptr}, cspace{slots, 8, nullptr}
    {
        PhysRange ram{PhysAddr{reinterpret_cast<std::uintptr_t>(arena)}, pages * page};
        REQUIRE(memdb.insert(ram, mem::Owner::hypervisor()).ok());
        REQUIRE(root.add_memory(ram, mem::Owner::hypervisor()).ok());
        root.mark_active();
        partition_cap = cspace.insert_root(root, GUNYAH_RIGHTS_PARTITION_ALL).value();
        cspace_cap = cspace.insert_root(cspace, GUNYAH_RIGHTS_CSPACE_ALL).value();
        caller.cspace = &cspace;
    }
    ~System()
    {
        cspace.clear();
        std::free(arena);
    }

    Return call(std::uint32_t n, std::uint64_t a0 = 0, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                std::uint64_t a3 = 0)
    {
        const std::uint64_t regs[8] = {GUNYAH_HC_SMCCC_ID(n), a0, a1, a2, a3, 0, 0, 0};
        return dispatch_smccc(caller, regs);
    }

    std::uint8_t* arena;
    mem::Memdb::Record records[256];
    mem::Memdb memdb;
    Partition root;
    CapSlot slots[8];
    CSpace cspace;
    Caller caller;
    CapId partition_cap = 0, cspace_cap = 0;
};

std::int64_t err(const Return& r) { return static_cast<std::int64_t>(r.x[0]); }

}  // namespace

TEST_CASE("a cspace created, configured and activated by hypercalls holds caps")
{
    System s;
    std::uint64_t free_before = s.root.free_bytes();
    Return created = s.call(GUNYAH_HC_PARTITION_CREATE_CSPACE, s.partition_cap, s.cspace_cap);
    REQUIRE(err(created) == GUNYAH_ERROR_OK);
    CapId new_cspace = created.x[1];
    CHECK(s.root.free_bytes() < free_before);

    // Not usable before activation, and activation needs its configuration.
    CHECK(err(s.call(GUNYAH_HC_CSPACE_COPY_CAP_FROM, s.cspace_cap, s.partition_cap, new_cspace, ~0u)) ==
          GUNYAH_ERROR_OBJECT_STATE);
    CHECK(err(s.call(GUNYAH_HC_OBJECT_ACTIVATE, new_cspace)) == GUNYAH_ERROR_OBJECT_CONFIG);
    REQUIRE(err(s.call(GUNYAH_HC_CSPACE_CONFIGURE, new_cspace, 100)) == GUNYAH_ERROR_OK);
    REQUIRE(err(s.call(GUNYAH_HC_OBJECT_ACTIVATE, new_cspace)) == GUNYAH_ERROR_OK);
    CHECK(err(s.call(GUNYAH_HC_OBJECT_ACTIVATE, new_cspace)) == GUNYAH_ERROR_OBJECT_STATE);
    CHECK(err(s.call(GUNYAH_HC_CSPACE_CONFIGURE, new_cspace, 10)) == GUNYAH_ERROR_OBJECT_STATE);

    Return copied = s.call(GUNYAH_HC_CSPACE_COPY_CAP_FROM, s.cspace_cap, s.partition_cap, new_cspace,
                           GUNYAH_RIGHT_PARTITION_OBJECT_CREATE);
    REQUIRE(err(copied) == GUNYAH_ERROR_OK);

    // Deleting its only cap destroys it and its slots, and drops the copied cap's reference.
    REQUIRE(err(s.call(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, s.cspace_cap, new_cspace)) == GUNYAH_ERROR_OK);
    CHECK(s.root.free_bytes() == free_before);
    CHECK(s.root.references() == 1);  // just the root cspace's cap
}

TEST_CASE("creating needs the partition's create right and the cspace's create right")
{
    System s;
    CapId weak_partition = s.cspace.copy_to(s.partition_cap, s.cspace, GUNYAH_RIGHT_PARTITION_DONATE).value();
    CapId weak_cspace = s.cspace.copy_to(s.cspace_cap, s.cspace, GUNYAH_RIGHT_CSPACE_COPY).value();
    std::uint64_t free_before = s.root.free_bytes();
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_CSPACE, weak_partition, s.cspace_cap)) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_CSPACE, s.partition_cap, weak_cspace)) ==
          GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_CSPACE, s.cspace_cap, s.cspace_cap)) ==
          GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE);
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_CSPACE, s.partition_cap, s.cspace_cap, 1)) == GUNYAH_ERROR_ARG_INVAL);
    CHECK(s.root.free_bytes() == free_before);
    CHECK(s.cspace.used() == 4);
}

TEST_CASE("a create whose cap does not fit leaves no object behind")
{
    System s;
    for (int i = 0; i < 6; ++i) {
        (void)s.cspace.copy_to(s.cspace_cap, s.cspace, 0).value();
    }
    REQUIRE(s.cspace.used() == 8);
    std::uint64_t free_before = s.root.free_bytes();
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_PARTITION, s.partition_cap, s.cspace_cap)) == GUNYAH_ERROR_CSPACE_FULL);
    CHECK(s.root.free_bytes() == free_before);
    CHECK(s.root.references() == 1);
}

TEST_CASE("a partition made by hypercall is active after object_activate and can create in turn")
{
    System s;
    Return made = s.call(GUNYAH_HC_PARTITION_CREATE_PARTITION, s.partition_cap, s.cspace_cap);
    REQUIRE(err(made) == GUNYAH_ERROR_OK);
    CapId child = made.x[1];
    // Inactive partitions create nothing.
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_CSPACE, child, s.cspace_cap)) == GUNYAH_ERROR_OBJECT_STATE);
    // Activation through another cspace the caller holds: object_activate_from, which needs
    // the create right on that cspace.
    CapId weak = s.cspace.copy_to(s.cspace_cap, s.cspace, GUNYAH_RIGHT_CSPACE_COPY).value();
    CHECK(err(s.call(GUNYAH_HC_OBJECT_ACTIVATE_FROM, weak, child)) == GUNYAH_ERROR_CSPACE_INSUF_RIGHTS);
    REQUIRE(err(s.call(GUNYAH_HC_OBJECT_ACTIVATE_FROM, s.cspace_cap, child)) == GUNYAH_ERROR_OK);
    auto ref = s.cspace.lookup_as<Partition>(child, 0);
    REQUIRE(ref.ok());
    CHECK((*ref)->state() == ObjectState::active);
    // It has no memory yet: creating in it runs out.
    CHECK(err(s.call(GUNYAH_HC_PARTITION_CREATE_CSPACE, child, s.cspace_cap)) == GUNYAH_ERROR_NOMEM);
}

TEST_CASE("running out of memory while creating changes nothing")
{
    System s{8};  // 7 allocatable pages
    int made = 0;
    for (;;) {
        Return r = s.call(GUNYAH_HC_PARTITION_CREATE_PARTITION, s.partition_cap, s.cspace_cap);
        if (err(r) != GUNYAH_ERROR_OK) {
            CHECK((err(r) == GUNYAH_ERROR_NOMEM || err(r) == GUNYAH_ERROR_CSPACE_FULL));
            break;
        }
        ++made;
    }
    CHECK(made > 0);
    CHECK(s.memdb.check().ok());
}
