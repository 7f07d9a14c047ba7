// Hardware VMIDs: the tag stage-2 TLB entries carry, one per live address space. 8 or 16
// bits wide (ID_AA64MMFR1_EL1.VMIDBits; VTCR_EL2.VS must match), VMID 0 never handed out:
// it stands for "no VM" (the hypervisor's own VTTBR_EL2 while no guest is loaded).
//
// Either the allocator picks (allocate) or the caller names one (claim): Gunyah's
// addrspace_configure takes the VMID from the resource manager, and the kernel only has to
// make sure no two address spaces share it. A spinlock guards the bitmap: VMIDs change
// hands once per VM lifetime, and a scan for a clear bit cannot be made atomic anyway.
//
// Freeing a VMID does not touch the TLBs: its owner invalidates them first
// (Stage2Table::destroy does), so the next owner starts clean.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/bitmap.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"

namespace hyp::mem {

using Vmid = std::uint16_t;
inline constexpr Vmid vmid_none = 0;

// 8 or 16, from ID_AA64MMFR1_EL1 (VMIDBits, bits 7:4: 0b0010 is 16 bits; anything else,
// including reserved values, is the 8 every implementation has).
[[nodiscard]] unsigned vmid_bits_from_mmfr1(std::uint64_t id_aa64mmfr1);

class VmidAllocator {
public:
    static constexpr std::size_t max_vmids = std::size_t{1} << 16;

    // `vmid_bits` other than 16 is taken as 8, the architectural minimum.
    explicit VmidAllocator(unsigned vmid_bits);
    VmidAllocator(const VmidAllocator&) = delete;
    VmidAllocator& operator=(const VmidAllocator&) = delete;

    // The lowest free VMID; nomem when all are in use.
    [[nodiscard]] Result<Vmid> allocate();

    // That VMID in particular: busy if taken, arg_inval for 0 or one beyond the width.
    [[nodiscard]] Status claim(Vmid vmid);

    // arg_inval for 0, one beyond the width, or one that is not allocated.
    [[nodiscard]] Status free(Vmid vmid);

    [[nodiscard]] unsigned bits() const { return bits_; }
    [[nodiscard]] std::size_t capacity() const { return limit_ - 1; }  // VMID 0 excluded
    [[nodiscard]] bool in_use(Vmid vmid);

private:
    SpinLock lock_;
    Bitmap<max_vmids> used_;
    unsigned bits_;
    std::size_t limit_;  // 1 << bits_
};

}  // namespace hyp::mem
