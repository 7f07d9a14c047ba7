// Running code at a lower exception level: guest_run() enters EL1 with the given
// registers and returns when the guest takes any exception to EL2, with the guest's
// registers saved back and the syndrome captured. The caller decides what to do
// (handle a hypercall and run again, fault the guest, stop it).
#pragma once

#include <cstdint>

#include "arch/aarch64/vcpu_state.h"

namespace hyp::arch {

// Why guest_run returned: the vector the guest's exception came through.
enum class GuestExit : std::uint64_t { sync = 0, irq = 1, fiq = 2, serror = 3 };

// Needs TPIDR_EL2 to point at this CPU's PerCpu. Stage 2 (VTTBR_EL2, HCR_EL2) is the
// caller's business.
extern "C" GuestExit guest_run(GuestRegs* regs);

}  // namespace hyp::arch
