// A VM's memory as the kernel sees it, through the VM's stage-2 translation:
//  - virt::GuestMemory over an address space: the questions kernel/virt asks (is this IPA
//    executable RAM? is it mapped now?). Used by the VPM group for PSCI CPU_ON entry
//    points and by the run loop for data and instruction aborts.
//  - copy_from_guest / copy_to_guest: bytes between kernel memory and a VM's memory
//    named by IPA, for hypercalls that take a buffer (message queues).
#pragma once

#include <cstddef>

#include "kernel/object/addrspace.h"
#include "kernel/virt/guest_context.h"

namespace hyp {

// Copies `size` bytes between `kernel` and the VM memory at [ipa, ipa + size) of `as`,
// page by page through its stage 2; the range may cross pages, each translated on its
// own. The VM's side must be mapped Normal (not Device) memory readable (from) or
// writable (to) at stage 2. All or nothing: every page is checked before a byte moves, so
// a refusal copies nothing (and a refused copy_to_guest leaves the VM's memory as it
// was). addr_inval when a page of the range is unmapped, lacks the access, or is Device
// memory, when the range wraps or passes the IPA size, and when the address space is not
// active. A size of 0 touches nothing and succeeds.
//
// The address space's lock is held for the whole copy, so no page can be unmapped (and
// its memory freed or handed on) half-way; the caller must not hold it (lock order:
// addrspace.h). The kernel reaches the memory through its own map (VA == PA), which
// covers all RAM a partition can hand out: a mapping of memory the memdb does not hold
// cannot exist.
[[nodiscard]] Status copy_from_guest(const AddrSpace& as, void* kernel, Ipa ipa, std::size_t size);
[[nodiscard]] Status copy_to_guest(const AddrSpace& as, Ipa ipa, const void* kernel, std::size_t size);

class AddrSpaceGuestMemory final : public virt::GuestMemory {
public:
    // `as` must outlive this view (a vCPU's reference to its address space does).
    explicit AddrSpaceGuestMemory(const AddrSpace& as) : as_{as} {}

    // Mapped now, with execute permission at stage 2, as Normal memory: device memory
    // is never RAM, and an instruction fetch from it would fault anyway.
    [[nodiscard]] bool is_executable_ram(Ipa ipa) const override;
    // A stage-2 translation exists now (any permissions, any memory type).
    [[nodiscard]] bool is_mapped(Ipa ipa) const override;

private:
    const AddrSpace& as_;
};

}  // namespace hyp
