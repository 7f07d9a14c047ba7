// The calling vCPU's own (EL1 stage-1) translation of a virtual address it passed to a
// hypercall, done by the CPU with AT S1E1R/S1E1W while the vCPU's EL1 registers are
// loaded (they are, while it traps). Hypercalls that take a buffer (message queues) are
// given the guest's virtual address, as Gunyah's are; stage 2 is the kernel's business
// after that (kernel/object/addrspace_guest_memory.h). With the guest's MMU off the
// answer is the address itself. The host's fake is arch/host/include/arch/guest_va.h.
#pragma once

#include <cstdint>

namespace hyp::arch {

struct GuestVaTranslation {
    bool ok;            // false: the guest's stage 1 (or the stage 2 of its walk) faults
    std::uint64_t ipa;  // when ok: the IPA, page offset included
};

// For a read (write = false) or a write by EL1 at `va`. The guest's PAR_EL1 is kept.
[[nodiscard]] GuestVaTranslation guest_va_to_ipa(std::uint64_t va, bool write);

}  // namespace hyp::arch
