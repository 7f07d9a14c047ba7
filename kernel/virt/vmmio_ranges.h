// An address space's virtual-MMIO ranges (addrspace_configure_vmmio, Gunyah's
// addrspace_add_vmmio_range): IPA ranges whose accesses a proxy-scheduled vCPU hands to
// the thread that runs it (vcpu_run's VMMIO read / write exits) instead of taking an
// abort. Only accesses that no kernel device claims and that lie wholly inside one range
// exit; anything else is handled as before (docs/virt.md, "Proxy scheduling").
//
// A small fixed table (no allocation), as Gunyah's ADDRSPACE_MAX_VMMIO_RANGES bounds its
// own. Its lock is a leaf: nothing is taken under it.
#pragma once

#include <cstdint>

#include "support/result.h"
#include "kernel/core/spinlock.h"

namespace hyp::virt {

class VmmioRanges {
public:
    static constexpr unsigned capacity = 16;

    // Gunyah's checks, in its order: arg_size for an empty range, addr_ovfl for one that
    // wraps, noresources when the table is full, arg_inval when it overlaps a range there.
    [[nodiscard]] Status add(std::uint64_t base, std::uint64_t size);
    // Only a range added before, exactly (Gunyah): arg_size / addr_ovfl as add, arg_inval
    // for any other.
    [[nodiscard]] Status remove(std::uint64_t base, std::uint64_t size);
    // Whether [ipa, ipa + size) lies inside one range.
    [[nodiscard]] bool covers(std::uint64_t ipa, std::uint64_t size) const;
    [[nodiscard]] unsigned count() const;

private:
    struct Range {
        std::uint64_t base;
        std::uint64_t size;
    };
    mutable SpinLock lock_;
    Range ranges_[capacity] = {};
    unsigned count_ = 0;
};

}  // namespace hyp::virt
