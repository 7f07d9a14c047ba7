// A VM's stage-2 translation tables: map, unmap and change the rights of IPA ranges, and
// look an IPA up. Arch-neutral: tables live in pages from a TableAllocator, descriptors
// follow arch/aarch64/pgtable_format.h, and TLB maintenance goes through <arch/tlb.h>, so
// the host tests run this same code against a fake TLB.
//
// Policy (docs/stage2.md has the pictures):
//  - Largest leaf that fits: a 1 GiB block at level 1, 2 MiB at level 2, else 4 KiB pages,
//    whenever the IPA and the PA are both aligned to it.
//  - All or nothing: an operation first checks the range and reserves every table page it
//    will need; if that fails, the tables are as they were and no page is kept.
//  - Changing part of a block splits it: the replacement table is built off to the side,
//    then swapped in with break-before-make (invalid, TLB invalidate, new entry).
//  - Canonical form: after every operation, a table whose entries are all invalid is freed,
//    and a table whose entries again form one aligned, contiguous block with identical
//    attributes is replaced by that block (again with break-before-make). So the tables
//    for a given set of mappings do not depend on the order they were made in.
//  - A permissions-only change of a live leaf is written in place, then invalidated: the
//    Arm ARM needs no break-before-make for it.
//
// Not thread-safe: the owner (the address space) holds its lock across every call. The
// hardware walks the tables concurrently; every live descriptor changes with one 64-bit
// store. During a break-before-make a vCPU touching that range takes a stage-2 fault, so
// the fault handler must look the IPA up again and retry rather than report the fault.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"
#include "kernel/mem/stage2_allocator.h"
#include "kernel/mem/stage2_config.h"
#include "kernel/mem/stage2_descriptor.h"
#include "kernel/mem/stage2_format.h"

namespace hyp::mem {

struct Stage2Config {
    unsigned ipa_bits = 40;  // 32..48, see stage2_config.h
    unsigned pa_bits = 40;   // 32..48: output addresses at or above 2^pa_bits are refused
    std::uint16_t vmid = 0;  // tags the VM's TLB entries; 0 (no VM) is refused
    // Leaves larger than a page (2 MiB and 1 GiB blocks) where they fit; false: 4 KiB
    // pages only (see addrspace_platform::stage2_blocks() for why a machine may want it).
    bool blocks = true;
};

// What lookup() found: the leaf that translates the IPA.
struct Stage2Mapping {
    Ipa ipa_base{};          // start of the leaf (page or block) holding the IPA
    PhysAddr pa_base{};      // where that leaf starts in physical memory
    PhysAddr pa{};           // the translation of the IPA itself
    std::uint64_t size = 0;  // 4 KiB, 2 MiB or 1 GiB
    unsigned level = 0;
    Stage2Attrs attrs{};
};

class Stage2Table {
public:
    Stage2Table() = default;
    ~Stage2Table() { destroy(); }
    Stage2Table(const Stage2Table&) = delete;
    Stage2Table& operator=(const Stage2Table&) = delete;

    // Allocates the root (concatenated tables where the geometry needs them). arg_inval for
    // a bad configuration, object_state if already initialised, nomem.
    [[nodiscard]] Status init(TableAllocator& allocator, const Stage2Config& config);

    // Invalidates everything the VM's VMID has in the TLBs, then frees every table page.
    // The VM must not be running. Safe to call twice.
    void destroy();

    [[nodiscard]] bool ready() const { return allocator_ != nullptr; }

    // Maps [ipa, ipa + size) to [pa, pa + size). Errors, with nothing changed: arg_size
    // (size 0), arg_align (not 4 KiB aligned), addr_ovfl (beyond the IPA or PA size),
    // arg_inval (bad attributes), existing_mapping (something in the range is mapped),
    // nomem (not enough table pages), object_state (not initialised).
    [[nodiscard]] Status map(Ipa ipa, PhysAddr pa, std::uint64_t size, Stage2Attrs attrs);

    // Removes whatever is mapped in [ipa, ipa + size), splitting blocks that straddle the
    // edges. Holes are not an error: the caller (memextent, addrspace) may unmap a range it
    // mapped only in part, and a repeated unmap or a rollback must not fail for it. nomem
    // is possible only when a block has to be split; then nothing changed.
    [[nodiscard]] Status unmap(Ipa ipa, std::uint64_t size);

    // Gives every mapping in [ipa, ipa + size) new attributes, splitting blocks at the edges.
    // The whole range must be mapped (addr_inval otherwise, nothing changed): protect cannot
    // create a mapping, so a hole means the caller's view of the address space is wrong.
    [[nodiscard]] Status protect(Ipa ipa, std::uint64_t size, Stage2Attrs attrs);

    // addr_inval when nothing maps `ipa`, addr_ovfl beyond the IPA size.
    [[nodiscard]] Result<Stage2Mapping> lookup(Ipa ipa) const;

    [[nodiscard]] const Stage2Geometry& geometry() const { return geometry_; }
    [[nodiscard]] PhysAddr root() const { return root_.phys; }
    [[nodiscard]] std::uint16_t vmid() const { return vmid_; }
    [[nodiscard]] std::uint64_t vttbr() const { return stage2_vttbr(root_.phys, vmid_); }
    // Table pages in use, the root's included.
    [[nodiscard]] std::size_t table_pages() const { return table_pages_; }
    // Whether a leaf may stand at `level`: pages always, blocks when the config allows.
    [[nodiscard]] bool leaf_allowed(unsigned level) const
    {
        return s2desc::can_be_leaf(level) && (blocks_ || level == s2desc::last_level);
    }

private:
    friend class Stage2Editor;  // the edit engine, stage2_edit.cpp

    [[nodiscard]] Status check_range(Ipa ipa, std::uint64_t size) const;
    // Frees the tables below a table descriptor found at `level`; no walker may reach them.
    void free_subtree(std::uint64_t table_descriptor, unsigned level);

    TableAllocator* allocator_ = nullptr;
    TableAllocator::Pages root_{};
    Stage2Geometry geometry_{};
    unsigned pa_bits_ = 0;
    std::uint16_t vmid_ = 0;
    bool blocks_ = true;
    std::size_t table_pages_ = 0;
};

}  // namespace hyp::mem
