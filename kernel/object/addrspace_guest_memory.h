// virt::GuestMemory over an address space: the questions kernel/virt asks about a VM's
// memory (is this IPA executable RAM? is it mapped now?), answered from the stage-2
// translation. Used by the VPM group for PSCI CPU_ON entry points and by the run loop
// for data and instruction aborts.
#pragma once

#include "kernel/object/addrspace.h"
#include "kernel/virt/guest_context.h"

namespace hyp {

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
