// Shared by the memory extent and address space tests: a System (a root partition over a
// 2 MiB-aligned arena, a root cspace with caps to both), helpers that make extents and
// address spaces through hypercalls, a walker that lists what a stage-2 table maps, and a
// Snapshot of everything a refused call must leave as it was.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

#include "arch/aarch64/pgtable_format.h"
#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/hypercall.h"
#include "kernel/object/addrspace.h"
#include "kernel/object/cspace.h"
#include "kernel/object/memextent.h"
#include "kernel/object/partition.h"

namespace memtest {

using namespace hyp;
using namespace hyp::hypercall;

inline constexpr std::uint64_t page = 4096;
inline constexpr std::uint64_t mib = 1024 * 1024;

inline constexpr std::uint32_t rwx_any = GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_MEMEXTENT_MEMTYPE_ANY,
                                                                GUNYAH_MEMEXTENT_TYPE_BASIC);
inline constexpr std::uint32_t rw_wb = GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WB);
inline constexpr std::uint32_t r_wb = GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_R, GUNYAH_ACCESS_R, GUNYAH_S2_MEMTYPE_NORMAL_WB);

[[nodiscard]] inline std::int64_t err(const Return& r) { return static_cast<std::int64_t>(r.x[0]); }

// One leaf of a stage-2 table: what a walk of the table finds.
struct Leaf {
    std::uint64_t ipa = 0;
    std::uint64_t size = 0;
    std::uint64_t pa = 0;
    mem::Stage2Attrs attrs{};
    bool operator==(const Leaf&) const = default;
};

namespace detail {
inline void walk(const std::uint64_t* table, std::uint64_t entries, unsigned level, std::uint64_t base,
                 std::vector<Leaf>& out)
{
    namespace pte = hyp::arch::pte;
    const std::uint64_t entry_size = pte::level_size(level);
    for (std::uint64_t i = 0; i < entries; ++i) {
        const std::uint64_t d = table[i];
        if ((d & pte::valid) == 0) {
            continue;
        }
        const std::uint64_t ipa = base + i * entry_size;
        if (level < 3 && (d & pte::type_mask) == pte::type_table) {
            walk(static_cast<const std::uint64_t*>(Partition::to_pointer(PhysAddr{d & pte::output_address_mask})),
                 pte::entries_per_table, level + 1, ipa, out);
            continue;
        }
        out.push_back(Leaf{ipa, entry_size, d & pte::output_address_mask, mem::stage2_decode_attrs(d)});
    }
}
}  // namespace detail

// Every leaf of an active address space's tables, in IPA order (tables live at their
// physical address: the partition's identity convention).
inline std::vector<Leaf> leaves(const AddrSpace& as)
{
    std::vector<Leaf> out;
    const mem::Stage2Table& t = as.stage2();
    if (!t.ready()) {
        return out;
    }
    const mem::Stage2Geometry& g = t.geometry();
    detail::walk(static_cast<const std::uint64_t*>(Partition::to_pointer(t.root())), g.root_entries(), g.start_level, 0,
                 out);
    return out;
}

// The same, page by page: IPA page -> (PA, attributes).
struct PageMapping {
    std::uint64_t pa = 0;
    mem::Stage2Attrs attrs{};
    bool operator==(const PageMapping&) const = default;
};
inline std::map<std::uint64_t, PageMapping> pages_of(const AddrSpace& as)
{
    std::map<std::uint64_t, PageMapping> out;
    for (const Leaf& leaf : leaves(as)) {
        for (std::uint64_t off = 0; off < leaf.size; off += page) {
            out[leaf.ipa + off] = PageMapping{leaf.pa + off, leaf.attrs};
        }
    }
    return out;
}

struct Snapshot {
    std::vector<mem::OwnedRange> memdb;
    std::uint64_t free_bytes = 0;
    std::uint32_t caps = 0;
    std::vector<std::vector<Leaf>> tables;
    std::vector<std::size_t> mappings;  // per address space, then per extent given
    bool operator==(const Snapshot&) const = default;
};

struct System {
    explicit System(std::size_t pages = 1024)
        : arena_bytes{(pages * page + 2 * mib - 1) & ~(2 * mib - 1)},
          arena{static_cast<std::uint8_t*>(std::aligned_alloc(2 * mib, arena_bytes))},
          records(512), memdb{records.data(), records.size()}, root{memdb, nullptr, nullptr},
          slots(256), cspace{slots.data(), static_cast<std::uint32_t>(slots.size()), nullptr}
    {
        REQUIRE(arena != nullptr);
        ram = PhysRange{PhysAddr{reinterpret_cast<std::uintptr_t>(arena)}, arena_bytes};
        REQUIRE(memdb.insert(ram, mem::Owner::hypervisor()).ok());
        REQUIRE(root.add_memory(ram, mem::Owner::hypervisor()).ok());
        root.mark_active();
        partition_cap = cspace.insert_root(root, GUNYAH_RIGHTS_PARTITION_ALL).value();
        cspace_cap = cspace.insert_root(cspace, GUNYAH_RIGHTS_CSPACE_ALL).value();
        caller.cspace = &cspace;
        start_free = root.free_bytes();
    }
    ~System()
    {
        cspace.clear();
        std::free(arena);
    }
    System(const System&) = delete;
    System& operator=(const System&) = delete;

    Return call(std::uint32_t n, std::uint64_t a0 = 0, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                std::uint64_t a3 = 0, std::uint64_t a4 = 0, std::uint64_t a5 = 0, std::uint64_t a6 = 0)
    {
        const std::uint64_t regs[8] = {GUNYAH_HC_SMCCC_ID(n), a0, a1, a2, a3, a4, a5, a6};
        return dispatch_smccc(caller, regs);
    }
    std::int64_t e(std::uint32_t n, std::uint64_t a0 = 0, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                   std::uint64_t a3 = 0, std::uint64_t a4 = 0, std::uint64_t a5 = 0, std::uint64_t a6 = 0)
    {
        return err(call(n, a0, a1, a2, a3, a4, a5, a6));
    }

    // Physical address of the page `n` pages below the top of the arena: the top is
    // where the allocator (first fit from the bottom) is last to go.
    [[nodiscard]] std::uint64_t top(std::uint64_t n) const { return ram.end().raw() - n * page; }

    CapId new_extent()
    {
        Return r = call(GUNYAH_HC_PARTITION_CREATE_MEMEXTENT, partition_cap, cspace_cap);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        return r.x[1];
    }
    CapId extent(std::uint64_t phys, std::uint64_t size, std::uint32_t attrs = rwx_any)
    {
        CapId me = new_extent();
        REQUIRE(e(GUNYAH_HC_MEMEXTENT_CONFIGURE, me, phys, size, attrs) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OK);
        return me;
    }
    CapId derive(CapId parent, std::uint64_t offset, std::uint64_t size, std::uint32_t attrs = rwx_any)
    {
        CapId me = new_extent();
        REQUIRE(e(GUNYAH_HC_MEMEXTENT_CONFIGURE_DERIVE, me, parent, offset, size, attrs) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, me) == GUNYAH_ERROR_OK);
        return me;
    }
    CapId new_addrspace()
    {
        Return r = call(GUNYAH_HC_PARTITION_CREATE_ADDRSPACE, partition_cap, cspace_cap);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        return r.x[1];
    }
    CapId addrspace(std::uint64_t vmid)
    {
        CapId as = new_addrspace();
        REQUIRE(e(GUNYAH_HC_ADDRSPACE_CONFIGURE, as, vmid) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, as) == GUNYAH_ERROR_OK);
        return as;
    }
    void drop(CapId cap) { REQUIRE(e(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, cspace_cap, cap) == GUNYAH_ERROR_OK); }
    // A copy of `cap` with only `rights`.
    CapId weak(CapId cap, Rights rights) { return cspace.copy_to(cap, cspace, rights).value(); }

    std::int64_t map(CapId as, CapId me, std::uint64_t vbase, std::uint32_t attrs = rw_wb)
    {
        return e(GUNYAH_HC_ADDRSPACE_MAP, as, me, vbase, attrs, 0, 0, 0);
    }
    std::int64_t map_part(CapId as, CapId me, std::uint64_t vbase, std::uint64_t offset, std::uint64_t size,
                          std::uint32_t attrs = rw_wb)
    {
        return e(GUNYAH_HC_ADDRSPACE_MAP, as, me, vbase, attrs, GUNYAH_ADDRSPACE_MAP_PARTIAL, offset, size);
    }
    std::int64_t unmap(CapId as, CapId me, std::uint64_t vbase) { return e(GUNYAH_HC_ADDRSPACE_UNMAP, as, me, vbase, 0); }
    std::int64_t unmap_part(CapId as, CapId me, std::uint64_t vbase, std::uint64_t offset, std::uint64_t size)
    {
        return e(GUNYAH_HC_ADDRSPACE_UNMAP, as, me, vbase, GUNYAH_ADDRSPACE_MAP_PARTIAL, offset, size);
    }
    std::int64_t donate(std::uint32_t type, CapId from, CapId to, std::uint64_t offset, std::uint64_t size)
    {
        return e(GUNYAH_HC_MEMEXTENT_DONATE, type, from, to, offset, size);
    }

    template <typename T>
    T& obj(CapId cap)
    {
        auto ref = cspace.lookup_as<T>(cap, 0);
        REQUIRE(ref.ok());
        return **ref;  // the cap keeps it alive
    }

    [[nodiscard]] mem::Owner owner_at(std::uint64_t pa) const { return memdb.lookup(PhysAddr{pa}).value().owner; }

    Snapshot snapshot(std::vector<CapId> addrspaces = {}, std::vector<CapId> extents = {})
    {
        Snapshot s;
        memdb.for_each([&](const mem::OwnedRange& r) { s.memdb.push_back(r); });
        s.free_bytes = root.free_bytes();
        s.caps = cspace.used();
        for (CapId as : addrspaces) {
            s.tables.push_back(leaves(obj<AddrSpace>(as)));
            s.mappings.push_back(obj<AddrSpace>(as).mapping_count());
        }
        for (CapId me : extents) {
            s.mappings.push_back(obj<MemExtent>(me).mapping_count());
        }
        return s;
    }

    std::size_t arena_bytes;
    std::uint8_t* arena;
    PhysRange ram;
    std::vector<mem::Memdb::Record> records;
    mem::Memdb memdb;
    Partition root;
    std::vector<CapSlot> slots;
    CSpace cspace;
    Caller caller;
    CapId partition_cap = 0;
    CapId cspace_cap = 0;
    std::uint64_t start_free = 0;
};

// Attribute words for memextent_configure and addrspace_map, and the stage-2 view of them.
constexpr std::uint32_t ext(std::uint32_t access, std::uint32_t memtype)
{
    return GUNYAH_MEMEXTENT_ATTRS(access, memtype, GUNYAH_MEMEXTENT_TYPE_BASIC);
}
constexpr std::uint32_t mapping(std::uint32_t access, std::uint32_t memtype)
{
    return GUNYAH_MAPPING_ATTRS(access, access, memtype);
}
inline mem::Stage2Attrs s2(mem::Stage2Access access, mem::Stage2MemType type = mem::Stage2MemType::normal_wb)
{
    return mem::Stage2Attrs{access, type};
}

}  // namespace memtest
