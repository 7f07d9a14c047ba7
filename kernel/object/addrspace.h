// Address spaces: the stage-2 translation of one VM, and the mappings of memory extents
// that make it up. addrspace.cpp: lifecycle and table pages; addrspace_mappings.cpp: map,
// unmap, update_access; addrspace_follow.cpp: mappings following donations, and lookup.
//
// LOCK ORDER (the one place it is written down; memextent.h and the hypercalls refer here)
//
//   memextent.lock    parent before child; two unrelated extents (siblings) lowest
//                     address first
//     -> addrspace.lock   one at a time; guards the stage-2 table, the mapping list and
//                         the table-page reserve
//       -> memdb, page allocators, VMID allocator   leaves: they take no other lock
//
//   msgqueue.lock -> addrspace.lock   a message copied from or to the caller's memory
//                                     (addrspace_guest_memory.h) under the queue's lock
//
// The one path that meets the order backwards is an address space's own destruction (it
// must forget the mappings extents keep of it): holding its lock it only try_lock()s an
// extent, and on failure lets go and retries, so it never waits in the wrong order. An
// extent's slot stays on the address space's list until both locks are held, so while the
// address space lock is held with a slot on its list, that slot's extent is alive; and an
// address space is freed only when its list is empty, so an extent holding its own lock
// may lock the address space of any of its slots.
//
// MAPPINGS
//  - A mapping is a slot of an extent (memextent.h: Mapping) naming an address space, a
//    span of the extent and the stage-2 attributes. The address space lists the slots
//    that name it.
//  - A span owns its IPA range in its address space: no two spans in one address space
//    overlap (existing_mapping), even where a span shows nothing.
//  - What a span shows: exactly the pages of its range that its extent's family holds
//    (memextent.h), at the span's IPA with its attributes. Deriving a child therefore
//    changes nothing; a donation out of the extent unmaps, a donation in maps.
//  - Adjacent spans of one extent in one address space with the same translation and
//    attributes are merged, so a partial unmap followed by the same partial map gives
//    back the slot it took.
//  - Stage 2 has one set of rights for EL1 and EL0 (no FEAT_XNX here): mapping_attrs'
//    user and kernel access must be equal (arg_inval otherwise), as Gunyah requires
//    without TTS2UXN.
//  - Unmapping never fails. An unmap may have to split a block (a table page); table
//    pages come from the address space's partition, and when that is empty, from a
//    reserve of `table_reserve` pages the address space keeps. Every operation that can
//    fail tops the reserve up first (nomem if it cannot), so a teardown (an extent or its
//    mappings going away) always finds it full; one unmap needs at most 4 pages. Running
//    it dry is a kernel panic: the partition would have to be empty and a single teardown
//    would have to split more than `table_reserve` blocks.
//
// ADDRESS SPACE LIFECYCLE
//  - configure(vmid), init only: 1 .. 2^vmid_bits - 1 (arg_inval otherwise); the RM
//    chooses VMIDs. A later configure replaces an earlier one.
//  - activate: claims the VMID from the platform's VmidAllocator (busy if another address
//    space has it), builds the stage-2 root (IPA size: see addrspace_platform) from the
//    home partition's pages and fills the reserve (nomem); all or nothing.
//  - deletion (last reference): forgets every mapping (the extents' slots are freed),
//    destroys the tables (the TLB invalidation by VMID comes first), frees the reserve
//    and the VMID.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/list.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/mem/stage2_allocator.h"
#include "kernel/mem/stage2_table.h"
#include "kernel/mem/vmid_allocator.h"
#include "kernel/virt/vm_devices.h"
#include "kernel/object/memextent.h"
#include "kernel/object/object.h"

namespace hyp {

class Partition;

// What the boot code tells address spaces about the machine. Until it does, the host
// tests' defaults hold: 48-bit PAs (host heap addresses need them) and 16-bit VMIDs.
namespace addrspace_platform {

inline constexpr unsigned default_ipa_bits = 40;

// Once, at boot, before any address space exists: the PA size (32..48, from
// ID_AA64MMFR0_EL1) and the VMID width (8 or 16). Resets the VMID allocator.
void set(unsigned pa_bits, unsigned vmid_bits);
[[nodiscard]] unsigned pa_bits();
// 40, but never more than the PA size and never less than 32.
[[nodiscard]] unsigned ipa_bits();
[[nodiscard]] mem::VmidAllocator& vmids();
// Whether address spaces map with 2 MiB and 1 GiB blocks where they fit (the default),
// or with 4 KiB pages only: the board's choice (Board::stage2_blocks, platform/boards), set once at boot.
void set_stage2_blocks(bool blocks);
[[nodiscard]] bool stage2_blocks();

}  // namespace addrspace_platform

// Stage-2 table pages from a partition, plus a small reserve for unmaps (see above).
class PartitionTables final : public mem::TableAllocator {
public:
    static constexpr std::size_t table_reserve = 8;

    PartitionTables() = default;
    void attach(Partition& partition) { partition_ = &partition; }

    Pages allocate_pages(unsigned count) override;
    void free_pages(Pages pages, unsigned count) override;
    [[nodiscard]] std::uint64_t* table_at(PhysAddr phys) const override;

    // Tops the reserve up from the partition; nomem when it cannot be filled.
    [[nodiscard]] Status refill();
    void release_reserve();
    [[nodiscard]] std::size_t reserved() const { return reserved_; }
    // While set, allocate_pages falls back to the reserve.
    void use_reserve(bool enabled) { use_reserve_ = enabled; }

private:
    Partition* partition_ = nullptr;
    PhysAddr reserve_[table_reserve] = {};
    std::size_t reserved_ = 0;
    bool use_reserve_ = false;
};

// Where a mapping call acts: the whole extent at vbase, or (partial) extent offsets
// [offset, offset + size) at vbase. Not yet checked.
struct MappingRequest {
    Ipa vbase{};
    bool partial = false;
    std::uint64_t offset = 0;  // used only when partial
    std::uint64_t size = 0;    // used only when partial
};

struct LookupResult {
    std::uint64_t offset = 0;  // of vbase within the extent
    std::uint64_t size = 0;    // bytes mapped from there on, contiguous and alike
    mem::Stage2Attrs attrs{};
};

class AddrSpace final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::addrspace;

    explicit AddrSpace(ObjectDestroyer destroyer);
    ~AddrSpace();

    // init only (object_state); arg_inval for 0 or a VMID beyond the platform's width.
    [[nodiscard]] Status configure(std::uint64_t vmid);
    // object_state, object_config (no VMID), busy (VMID taken), nomem.
    [[nodiscard]] Status activate();

    [[nodiscard]] mem::Vmid vmid() const { return vmid_; }
    [[nodiscard]] std::uint64_t ipa_limit() const;
    // For tests and diagnostics: the translation of `ipa` now.
    [[nodiscard]] Result<mem::Stage2Mapping> translate(Ipa ipa) const;
    [[nodiscard]] std::size_t table_pages() const;
    [[nodiscard]] std::size_t mapping_count() const;
    // The VM's own devices (vPL011, later the vGIC), set up at activation. The bus is
    // safe to use from any CPU once the address space is active (mmio_bus.h).
    [[nodiscard]] virt::VmDevices& devices() { return devices_; }
    // VTTBR_EL2 for running a vCPU in this address space (active only).
    [[nodiscard]] std::uint64_t vttbr() const { return table_.vttbr(); }
    // The table itself, for tests that walk it. No lock: only when nothing else runs.
    [[nodiscard]] const mem::Stage2Table& stage2() const { return table_; }

    // Public so that Locked<AddrSpace> works; see the lock order above.
    mutable SpinLock lock;

private:
    friend struct ExtentMappings;  // addrspace_follow.cpp, addrspace_mappings.cpp
    friend struct MappingSlots;    // addrspace_mappings.cpp

    // Under `lock`. Every one of these keeps the reserve full afterwards if it can.
    [[nodiscard]] Status map_pages(Ipa ipa, PhysAddr pa, std::uint64_t size, mem::Stage2Attrs attrs);
    [[nodiscard]] Status protect_pages(Ipa ipa, std::uint64_t size, mem::Stage2Attrs attrs);
    void unmap_pages(Ipa ipa, std::uint64_t size);               // never fails
    void protect_pages_or_panic(Ipa ipa, std::uint64_t size, mem::Stage2Attrs attrs);  // rollbacks
    [[nodiscard]] Status ready_for_edit();                       // nomem if the reserve cannot be full
    [[nodiscard]] bool overlaps(IpaRange range) const;
    void forget_mappings();

    mem::Vmid vmid_ = mem::vmid_none;
    bool vmid_claimed_ = false;
    PartitionTables tables_;
    mem::Stage2Table table_;
    IntrusiveList<Mapping, &Mapping::as_node> mappings_;
    virt::VmDevices devices_;
};

// --- The mapping calls. The caller has checked the caps, the undefined bits of the flag
// words and that both objects are active. Errors, in this order:
//
// map:           arg_align  vbase (partial: also offset, size) not 4 KiB aligned
//                arg_size   (partial) size 0, or offset + size beyond the extent
//                addr_ovfl  vbase + size wraps or passes the IPA size
//                arg_inval  user and kernel access differ, an undefined memory type, one
//                           the extent's memtype does not allow, or access beyond the
//                           extent's
//                existing_mapping  the IPA range meets a span already in the address space
//                memextent_mappings_full, nomem
// unmap:         arg_align, arg_size, addr_ovfl as map; addr_inval when nothing of this extent is
//                mapped at vbase (partial: unless [offset, offset + size) is wholly mapped
//                there, with vbase being offset's IPA); memextent_mappings_full when it
//                would split a span and no slot is free. Never nomem.
// update_access: arg_inval for user != kernel access or access beyond the extent's, then
//                as unmap, then nomem. The memory type of each span is kept.
// Without `partial`, unmap and update_access act on every span of the extent at vbase
// (those whose IPA for offset 0 is vbase), whatever is left of it after partial calls.
struct MappingAccess {
    std::uint8_t user = 0;
    std::uint8_t kernel = 0;
};
[[nodiscard]] Status addrspace_map(AddrSpace& as, MemExtent& extent, const MappingRequest& request,
                                   MappingAccess access, std::uint8_t memtype);
[[nodiscard]] Status addrspace_unmap(AddrSpace& as, MemExtent& extent, const MappingRequest& request);
[[nodiscard]] Status addrspace_update_access(AddrSpace& as, MemExtent& extent, const MappingRequest& request,
                                             MappingAccess access);

// lookup: arg_size (size 0), addr_ovfl (vbase + size wraps), arg_align, addr_inval
// (nothing mapped at vbase), memdb_not_owner (what is mapped there is not memory of the
// extent's family). The result covers what follows vbase with contiguous physical
// addresses and equal attributes, up to `size`, within what the family holds.
[[nodiscard]] Result<LookupResult> addrspace_lookup(const AddrSpace& as, const MemExtent& extent, Ipa vbase,
                                                    std::uint64_t size);

// Kernel-internal (addrspace_follow.cpp, addrspace_mappings.cpp). remove_all, show and
// hide keep an extent's mappings in step with what its family holds: the memextent code
// calls them with the extent's lock held, and they take the address spaces' locks
// themselves, one at a time. The others are the bodies of the calls above.
struct ExtentMappings {
    // Unmaps every span of the extent and frees its slots. Never fails.
    static void remove_all(MemExtent& extent);
    // `run` (inside the extent) has just joined the extent's family: every span covering
    // part of it maps that part. All or nothing: existing_mapping cannot happen (the
    // spans own their IPAs), nomem can.
    [[nodiscard]] static Status show(MemExtent& extent, PhysRun run);
    // `run` has just left the extent's family: every span covering part of it unmaps
    // that part. Never fails.
    static void hide(MemExtent& extent, PhysRun run);

    [[nodiscard]] static Status map(AddrSpace& as, MemExtent& extent, const MappingRequest& request,
                                    MappingAccess access, std::uint8_t memtype);
    [[nodiscard]] static Status unmap(AddrSpace& as, MemExtent& extent, const MappingRequest& request);
    [[nodiscard]] static Status update_access(AddrSpace& as, MemExtent& extent, const MappingRequest& request,
                                              MappingAccess access);
    [[nodiscard]] static Result<LookupResult> lookup(const AddrSpace& as, const MemExtent& extent, Ipa vbase,
                                                     std::uint64_t size);
};

}  // namespace hyp
