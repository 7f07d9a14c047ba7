// Hypercalls with random numbers, arguments and caps never crash the hypervisor and
// never corrupt it: whatever the calls did, the memdb stays consistent, every page is
// accounted for, and once the caps the calls created are deleted, the root partition
// has all its memory back. The caller is a vCPU with a little memory at IPA 0, so that
// message-queue sends and receives to random addresses copy real bytes (or are refused).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <vector>

#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/hypercall.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/cspace.h"
#include "kernel/object/lifecycle.h"
#include "kernel/object/memextent.h"
#include "kernel/object/partition.h"
#include "kernel/object/vcpu.h"

using namespace hyp;
using namespace hyp::hypercall;

namespace {

constexpr std::uint64_t page = 4096;
constexpr std::uint64_t caller_pages = 8;  // mapped RW at IPA 0: the last pages of the arena
constexpr std::uint64_t caller_vmid = 0xfff0;  // far from the small VMIDs the calls try

// The caller holds copies of the root caps in its own cspace; the originals stay in a
// cspace it cannot reach, as the hypervisor's own do.
struct Machine {
    static constexpr std::size_t pages = 1024;
    Machine()
        : arena{static_cast<std::uint8_t*>(std::aligned_alloc(page, pages * page))}, memdb{records, 512},
          root{memdb, nullptr, nullptr}, kernel{kernel_slots, 4, nullptr}, cspace{slots, 64, nullptr}
    {
        REQUIRE(memdb.insert(ram(), mem::Owner::hypervisor()).ok());
        REQUIRE(root.add_memory(ram(), mem::Owner::hypervisor()).ok());
        root.mark_active();
        kernel_partition_cap = kernel.insert_root(root, GUNYAH_RIGHTS_PARTITION_ALL).value();
        kernel_cspace_cap = kernel.insert_root(cspace, GUNYAH_RIGHTS_CSPACE_ALL).value();
        caller.cspace = &cspace;
        restore_caller_caps();
        vcpu_scheduler().init(4, 62500000);  // so that vCPU power calls reach the scheduler
        give_caller_memory();
    }
    // The caller's vCPU (a thread in init is enough: the calls only look at its address
    // space), its address space and the extent mapped there, held by a cspace the calls
    // cannot reach.
    void give_caller_memory()
    {
        auto* as = own<AddrSpace>(ObjectType::addrspace);
        REQUIRE(as->configure(caller_vmid).ok());
        REQUIRE(as->activate().ok());
        auto* extent = own<MemExtent>(ObjectType::memextent);
        const std::uint64_t base = ram().end().raw() - caller_pages * page;
        REQUIRE(extent->configure(base, caller_pages * page,
                                  GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_MEMEXTENT_MEMTYPE_ANY,
                                                         GUNYAH_MEMEXTENT_TYPE_BASIC))
                    .ok());
        REQUIRE(extent->activate().ok());
        REQUIRE(addrspace_map(*as, *extent, MappingRequest{Ipa{0}}, MappingAccess{GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW},
                              GUNYAH_S2_MEMTYPE_NORMAL_WB)
                    .ok());
        auto* vcpu = own<Vcpu>(ObjectType::thread);
        REQUIRE(vcpu->attach_addrspace(*as).ok());
        caller.vcpu = vcpu;
    }
    template <typename T>
    T* own(ObjectType type)
    {
        Result<Object*> made = create_object(root, type);
        REQUIRE(made.ok());
        REQUIRE(caller_objects.insert_root(**made, all_rights(type)).ok());
        (*made)->put();  // the cap holds it
        return static_cast<T*>(*made);
    }
    // The calls may delete or revoke the caller's own caps; give them back so that the
    // run keeps doing work.
    void restore_caller_caps()
    {
        if (!cspace.lookup(partition_cap, ObjectType::partition, GUNYAH_RIGHT_PARTITION_OBJECT_CREATE).ok()) {
            partition_cap = kernel.copy_to(kernel_partition_cap, cspace, ~0u).value_or(invalid_cap_id);
        }
        if (!cspace.lookup(cspace_cap, ObjectType::cspace, GUNYAH_RIGHT_CSPACE_CREATE).ok()) {
            cspace_cap = kernel.copy_to(kernel_cspace_cap, cspace, ~0u).value_or(invalid_cap_id);
        }
    }
    ~Machine() { std::free(arena); }
    PhysRange ram() const { return {PhysAddr{reinterpret_cast<std::uintptr_t>(arena)}, pages * page}; }

    std::uint8_t* arena;
    mem::Memdb::Record records[512];
    mem::Memdb memdb;
    Partition root;
    CapSlot kernel_slots[4];
    CSpace kernel;
    CapSlot caller_object_slots[4];
    CSpace caller_objects{caller_object_slots, 4, nullptr};
    CapSlot slots[64];
    CSpace cspace;
    Caller caller;
    CapId kernel_partition_cap = 0, kernel_cspace_cap = 0;
    CapId partition_cap = invalid_cap_id, cspace_cap = invalid_cap_id;
};

}  // namespace

TEST_CASE("random hypercalls leave the hypervisor consistent and leak nothing")
{
    const char* seed_env = std::getenv("HYP_FUZZ_SEED");
    const std::uint32_t seed = seed_env != nullptr ? static_cast<std::uint32_t>(std::strtoul(seed_env, nullptr, 0)) : 20261125u;
    INFO("seed " << seed << " (HYP_FUZZ_SEED to change)");
    std::mt19937_64 rng{seed};
    Machine m;
    std::uint64_t free_at_start = m.root.free_bytes();

    // Values a call is likely to find interesting: real caps (and stale ones), small
    // numbers, page-aligned addresses inside and outside the arena (and the caller's IPAs),
    // message-queue shapes, and plain noise.
    std::vector<std::uint64_t> caps{m.partition_cap, m.cspace_cap};
    auto pick_arg = [&]() -> std::uint64_t {
        switch (rng() % 11) {
        case 0: return m.partition_cap;
        case 1: return m.cspace_cap;
        case 7:
        case 8: return caps[rng() % caps.size()];
        case 2: return rng() % 16;
        case 3: return m.ram().base.raw() + (rng() % Machine::pages) * page;
        case 4: return (rng() % 64) * page;
        case 5: return rng() & 0xffffffffu;
        case 6: return 0;
        case 9: return rng();
        // A message queue's create_info: a few slots of up to 300 bytes (some of them 0,
        // which is refused), so that queues come to exist and carry messages.
        case 10: return GUNYAH_MSGQUEUE_CREATE_INFO(rng() % 5, rng() % 300);
        default: return rng() % 4;
        }
    };

    // Mostly the calls that exist; sometimes any number at all.
    std::vector<std::uint32_t> implemented;
    for (std::uint32_t n = 0; n < GUNYAH_HC_NUM_LIMIT; ++n) {
        if (lookup(n) != nullptr && lookup(n)->handler != nullptr) {
            implemented.push_back(n);
        }
    }
    REQUIRE(!implemented.empty());

    // Every cspace the calls create, held by the test: a cspace can end up holding the
    // only cap to itself (a cycle no outside cap reaches), and teardown must still find
    // it, as the resource manager finds a VM's cspaces from its own records.
    std::vector<Ref<CSpace>> made_cspaces;

    unsigned ok_calls = 0;
    for (unsigned i = 0; i < 20000; ++i) {
        std::uint64_t regs[8];
        std::uint32_t n = rng() % 4 == 0 ? static_cast<std::uint32_t>(rng() % (GUNYAH_HC_NUM_LIMIT + 4))
                                         : implemented[rng() % implemented.size()];
        for (std::uint64_t& r : regs) {
            r = pick_arg();
        }
        // Mostly well-formed: unused and reserved inputs zero, so the handlers get past
        // the decoder and their own checks are exercised too.
        const Entry* entry = lookup(n);
        if (entry != nullptr && entry->handler != nullptr && rng() % 4 != 0) {
            for (unsigned a = entry->arg_count; a < 8; ++a) {
                regs[a] = 0;
            }
            if (entry->reserved_zero >= 0) {
                regs[entry->reserved_zero] = 0;
            }
            if (rng() % 8 == 0) {
                n = implemented[rng() % implemented.size()];  // these args, another call
            }
        }
        const std::uint64_t create_dest = regs[1];  // ABI input 1 of partition_create_*: the dest cspace
        bool called_n = true;                      // false when a random function id went instead
        Return r;
        if (rng() % 2 == 0) {
            for (unsigned a = 7; a > 0; --a) {
                regs[a] = regs[a - 1];  // SMCCC form: arguments from x1
            }
            regs[0] = GUNYAH_HC_SMCCC_ID(n);
            if (rng() % 16 == 0) {
                regs[0] = rng();  // any function id at all
                called_n = false;
            }
            r = dispatch_smccc(m.caller, regs);
        } else {
            r = dispatch_native(m.caller, GUNYAH_HC_NATIVE_IMM(n), regs);
        }
        if (r.x[0] == 0 && called_n && n == GUNYAH_HC_PARTITION_CREATE_CSPACE) {
            auto dest = m.cspace.lookup_as<CSpace>(create_dest, 0);
            REQUIRE(dest.ok());
            auto made = (*dest)->lookup_as<CSpace>(r.x[1], 0);
            REQUIRE(made.ok());
            made_cspaces.push_back(std::move(*made));
        }
        if (r.x[0] == 0) {
            ++ok_calls;
            if (r.x[1] != 0 && caps.size() < 256) {
                caps.push_back(r.x[1]);  // maybe a new cap: use it in later calls
            }
        }
        if (i % 500 == 0) {
            REQUIRE(m.memdb.check().ok());
        }
        if (i % 50 == 0) {
            m.restore_caller_caps();
        }
    }
    // The run must have done real work, not just bounced off argument checks.
    INFO(ok_calls << " calls succeeded; " << caps.size() << " caps seen");
    CHECK(ok_calls > 50);
    CHECK(caps.size() > 10);
    REQUIRE(m.memdb.check().ok());
    CHECK(m.memdb.bytes_owned(m.root.owner()) + m.memdb.bytes_owned(mem::Owner::hypervisor()) <= m.ram().size);

    // Tear down as the resource manager would: empty every cspace the calls made (which
    // breaks cycles of caps between cspaces), then the caller's own. All memory must
    // come back to the root partition.
    for (const Ref<CSpace>& made : made_cspaces) {
        made->clear();
    }
    m.cspace.clear();
    made_cspaces.clear();
    CHECK(m.root.free_bytes() == free_at_start);
    m.caller.vcpu = nullptr;
    m.caller_objects.clear();
    CHECK(m.memdb.bytes_owned(m.root.owner()) == m.ram().size);
    REQUIRE(m.memdb.check().ok());
    m.kernel.clear();
}
