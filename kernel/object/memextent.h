// Memory extents (Gunyah's "basic" memextent): a fixed range of physical memory that is
// owned through the memdb, can be mapped into address spaces (addrspace.h), split into
// child extents (derive) and handed on (donate).
//
//   partition P         memdb: [ P ][ E ...........................][ P ]
//     root extent E     E's bounds: phys_base .. phys_base + size, fixed at configure
//       child C         memdb: [ P ][ E ][ C .......... ][ E .......][ P ]
//
// The rules (docs/objects.md has the recipes built on them):
//  - Bounds are fixed. What an extent holds can shrink and grow inside them: it holds all
//    of them once active, then gives parts to children (derive) or away (donate).
//  - Activation takes memory. A root extent (configure) takes its bounds from its home
//    partition: every page must be owned by the partition in the memdb AND free in its
//    allocator (the pages are claimed there, then the memdb moves them partition ->
//    extent). A derived extent (configure_derive) takes its bounds from its parent, which
//    must hold all of them (parent -> child in the memdb). All or nothing; a failure
//    leaves the extent in init, unchanged.
//  - The family of an extent is it and its descendants. Pages held by the family are the
//    ones its mappings show (addrspace.h): deriving a child changes no mapping (the
//    parent's mappings keep showing the child's pages: "share"); a page leaves the family
//    only by a donation out of the extent itself.
//  - A child holds a reference on its parent, so a parent outlives its children.
//  - Deletion (the last reference): every mapping of the extent is removed, then what it
//    holds goes back: to the parent extent, or to the home partition (memdb and allocator).
//  - Access and memory type bound every mapping: access R/W/X (a child's a subset of its
//    parent's), memtype any / device / uncached / cached (a child's equal to its parent's
//    unless that is "any").
//
// Locking: see the lock order at the top of addrspace.h. An extent's `lock` guards its
// configuration, its children count and its mapping slots; bounds, access, memtype and
// parent never change once it is active, so they are read without it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/list.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/mem/memdb.h"
#include "kernel/mem/stage2_format.h"
#include "kernel/object/object.h"

namespace hyp {

class AddrSpace;
class MemExtent;
class Partition;

// memextent_attrs bits 9:8.
enum class ExtentMemType : std::uint8_t { any = 0, device = 1, uncached = 2, cached = 3 };

// A memextent_attrs word, decoded and checked.
struct ExtentAttrs {
    std::uint8_t access = 0;  // Gunyah access bits: X 1, W 2, R 4; never 0
    ExtentMemType memtype = ExtentMemType::any;
};

// Checks a memextent_attrs word (a u32 in a 64-bit register):
//   arg_inval       a bit outside access 2:0, memtype 9:8, type 17:16 and append 31 (the
//                   upper half of the register included), type 2 or 3, append set (append
//                   is for sparse extents), or access 0 (an extent nobody may touch)
//   memextent_type  type 1, sparse: a defined type that this build does not implement.
//                   Not unimplemented (-1): that is SMCCC's "no such call", and the call
//                   exists; Gunyah's MEMEXTENT_TYPE is the error for "not for this type".
[[nodiscard]] Result<ExtentAttrs> decode_extent_attrs(std::uint64_t word);

// The memdb's refusals as Gunyah reports them: addr_inval (not RAM) is memdb_empty,
// denied (someone else's) is memdb_not_owner; anything else is unchanged.
[[nodiscard]] Error memdb_error(Error e);

// Whether a stage-2 memory type may map an extent of `memtype`:
//   any       every valid type
//   device    Device types only
//   uncached  Device types and Normal non-cacheable (nothing that could allocate a line)
//   cached    Normal, cacheable inside and outside (write-through or write-back); without
//             FEAT_S2FWB a guest's stage 1 can still weaken it, this is what stage 2 installs
[[nodiscard]] bool memtype_allows(ExtentMemType memtype, mem::Stage2MemType type);

// Part of an extent shown in an address space: extent offsets [offset, offset + size) at
// IPAs [ipa, ipa + size). The span owns that IPA range in its address space, holes and all.
struct MappingSpan {
    Ipa ipa{};
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    mem::Stage2Attrs attrs{};

    // Spans with one key translate offsets to IPAs alike: ipa - offset, wrapping.
    [[nodiscard]] std::uint64_t key() const { return ipa.raw() - offset; }
    [[nodiscard]] std::uint64_t offset_end() const { return offset + size; }
    [[nodiscard]] IpaRange ipas() const { return IpaRange{ipa, size}; }
    bool operator==(const MappingSpan&) const = default;
};

// One mapping slot of an extent. `as` null: free. Its fields change only with both the
// extent's lock and the address space's lock held, so either lock is enough to read them.
struct Mapping {
    AddrSpace* as = nullptr;
    MemExtent* extent = nullptr;
    MappingSpan span{};
    ListNode as_node;  // on as->mappings_
};

// A run of physical memory [base, end); empty when base == end.
struct PhysRun {
    std::uint64_t base = 0;
    std::uint64_t end = 0;
    [[nodiscard]] bool empty() const { return base == end; }
    [[nodiscard]] std::uint64_t size() const { return end - base; }
};

class MemExtent final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::memextent;
    // Mapping slots per extent (Gunyah has 4 and no partial mappings; partial unmaps split
    // a mapping in two, so we keep a few more). Full: memextent_mappings_full. So a hole
    // per lent range suits a few ranges only: a lender of many lends by donation, which
    // splits no span (docs/objects.md, the recipes).
    static constexpr std::size_t max_mappings = 8;

    explicit MemExtent(ObjectDestroyer destroyer);
    // Removes every mapping, gives the memory back, drops the parent. See above.
    ~MemExtent();

    // --- Configuration, init only (object_state otherwise). A later configure replaces
    // an earlier one (as in Gunyah): the configuration activation sees is the last.

    // A root extent over [phys_base, phys_base + size). In this order:
    //   arg_inval  size 0, or the range wraps past 2^64
    //   arg_align  base or size not 4 KiB aligned
    //   ...        decode_extent_attrs()'s errors
    [[nodiscard]] Status configure(std::uint64_t phys_base, std::uint64_t size, std::uint64_t attrs);

    // A child over [offset, offset + size) of `parent`. In this order:
    //   object_state  the parent is not active
    //   arg_inval     size 0, or offset + size wraps
    //   addr_inval    the range is not inside the parent
    //   arg_align     offset or size not 4 KiB aligned
    //   ...           decode_extent_attrs()'s errors
    //   arg_inval     access not a subset of the parent's, or memtype not the parent's
    //                 (unless the parent's is "any")
    // The child keeps a reference on the parent from here on (replaced by a later
    // configure, dropped when the child goes).
    [[nodiscard]] Status configure_derive(MemExtent& parent, std::uint64_t offset, std::uint64_t size,
                                          std::uint64_t attrs);

    // init -> active. In this order:
    //   object_state     not in init
    //   object_config    never configured
    //   memdb_empty      (root) some page is neither RAM nor device memory the memdb tracks
    //   memdb_not_owner  (root) not all owned by the home partition as one kind (its
    //                    free RAM, or its device memory), or device memory for an extent
    //                    whose memtype is not device; (derived) not all held by the parent
    //   busy             (root) the partition uses some of the pages itself (objects,
    //                    tables, its allocator's bookkeeping)
    //   nomem            the memdb has no room for the records the change needs
    [[nodiscard]] Status activate();

    // --- What it is. Fixed once active.
    [[nodiscard]] PhysRange range() const { return range_; }
    [[nodiscard]] std::uint8_t access() const { return access_; }
    [[nodiscard]] ExtentMemType memtype() const { return memtype_; }
    [[nodiscard]] MemExtent* parent() const { return parent_; }
    [[nodiscard]] bool configured() const { return range_.size != 0; }
    [[nodiscard]] mem::Owner owner() const { return mem::Owner::memextent(this); }
    [[nodiscard]] mem::Memdb& memdb() const;
    [[nodiscard]] std::size_t children() const;
    [[nodiscard]] std::size_t mapping_count() const;
    // Bytes of its bounds it holds itself (not through children).
    [[nodiscard]] std::uint64_t bytes_held() const;

    // --- memextent_modify's operations, on an active extent.

    // Removes every mapping of the extent from every address space. Cannot fail.
    void unmap_all();

    // [offset, offset + size) of the extent; only the pages it holds itself are touched
    // (not those handed to children or donated away). In this order:
    //   denied     a device extent, or one without write access
    //   arg_align  offset or size not 4 KiB aligned
    //   arg_inval  phys_base + offset wraps
    //   arg_size   size 0, or the range wraps
    //   arg_inval  the range is not inside the extent
    // zero_range writes zeros, then cleans them to memory; the others only maintain caches.
    [[nodiscard]] Status zero_range(std::uint64_t offset, std::uint64_t size);
    [[nodiscard]] Status cache_clean_range(std::uint64_t offset, std::uint64_t size);
    [[nodiscard]] Status cache_flush_range(std::uint64_t offset, std::uint64_t size);

    // The first run of [from, end) that this extent holds itself (family false) or that
    // its family holds (family true), starting at or after `from`; empty if none.
    [[nodiscard]] PhysRun next_held_run(std::uint64_t from, std::uint64_t end, bool family) const;

    // Public so that Locked<MemExtent> works; see the lock order in addrspace.h.
    mutable SpinLock lock;

private:
    friend struct ExtentMappings;  // addrspace_follow.cpp, addrspace_mappings.cpp
    friend struct MappingSlots;    // addrspace_mappings.cpp
    friend struct ExtentDonation;  // memextent_donate.cpp

    enum class Op : std::uint8_t { zero, clean, flush };
    [[nodiscard]] Status maintain_range(std::uint64_t offset, std::uint64_t size, Op op);
    // Gives everything it holds back: to the parent, or to the partition.
    void return_memory();
    [[nodiscard]] bool in_family(const MemExtent* holder) const;

    PhysRange range_{};
    std::uint8_t access_ = 0;
    ExtentMemType memtype_ = ExtentMemType::any;
    MemExtent* parent_ = nullptr;  // holds a reference once configured as a child
    bool activated_ = false;
    // A root extent over its partition's device memory (Partition::give), not RAM: what
    // it gives back goes back as device memory. Set at activation; a physical range
    // never changes kind, so it holds for every part of the extent.
    bool device_memory_ = false;
    std::size_t children_ = 0;
    Mapping slots_[max_mappings];
};

// --- memextent_donate. `offset` and `size` name part of the child (to child / to parent)
// or of `from` (to sibling). After the caller's checks of the caps (DONATE rights), in
// this order:
//   object_state     an extent is not active
//   arg_inval        `parent` is not the child's parent (its parent extent, or for a root
//                    extent its home partition); to sibling: not two different children
//                    of one parent extent
//   arg_align        offset or size not 4 KiB aligned
//   arg_inval        phys_base + offset wraps
//   arg_size         size 0, or the range wraps
//   arg_inval        the range is not inside the extent (to sibling: inside both)
// then the memdb and the mappings:
//   memdb_empty / memdb_not_owner   the giver does not hold all of the range
//   busy             (from a partition) the partition uses some of the pages itself
//   nomem, existing_mapping         mapping the range where the receiver's mappings cover
//                                   it failed (nothing changed)
// Pages the receiver gains appear in its mappings; pages the giver loses leave its
// mappings (and its family's: they move out of the family).

// Parent -> child: from the child's parent extent, or (for a root extent) from its home
// partition, `parent` being that partition or extent.
[[nodiscard]] Status donate_to_child(Object& parent, MemExtent& child, std::uint64_t offset, std::uint64_t size);
// Child -> parent: the reverse.
[[nodiscard]] Status donate_to_parent(MemExtent& child, Object& parent, std::uint64_t offset, std::uint64_t size);
// Between two children of one parent extent.
[[nodiscard]] Status donate_to_sibling(MemExtent& from, MemExtent& to, std::uint64_t offset, std::uint64_t size);

}  // namespace hyp
